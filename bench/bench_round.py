"""Issue 23's province-round and cold-validate lines alone, without the rest of bench_suite.py.

    python bench/bench_round.py [--runs 1]
    python bench/bench_round.py --ab /path/to/other/worktree --runs 5

The province round (2,000 workbooks, `ingest_many` in a fresh process) against the raw read of the
same files, then cold `portal validate FILE --json` on the city home: sections 3 and 4 of
bench_suite.py, on the data bench/generate.py caches under bench/.cache. Prints one JSON line per
measurement. `round_cpu_s` is the CPU of the whole round: the ingesting process (its imports
included) and the reading workers it started, which is what decides the wall time on two quiet cores.

`--ab OTHER` runs the province round of this tree and of another checkout (main's, say) alternately,
`--runs` times each, in the same minutes, each on a fresh copy of the same home and workbooks, and
prints each run and the medians (wall, CPU of the ingesting process, CPU of the whole round) with
the load average at each run: on a shared machine only such side-by-side numbers compare.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "bench"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import bench_suite  # noqa: E402
from generate import CACHE, SCALES, generate  # noqa: E402


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def round_in(root: Path, gen, tmp: Path) -> dict:
    """One province round ingested by the code of checkout `root`, in a fresh process."""
    home = bench_suite.copy_home(gen, tmp)
    env = os.environ | {"PYTHONPATH": str(root)}
    load = os.getloadavg()[0]
    cpu, start = _children_cpu(), time.perf_counter()
    proc = subprocess.run(
        [sys.executable, str(root / "bench" / "bench_suite.py"), "--ingest-worker", str(home),
         str(gen.round_dir), gen.last_round],
        cwd=root, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    wall = time.perf_counter() - start
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    return {
        "ingest_s": round(out["ingest_s"], 2),
        "ingest_cpu_s": round(out["ingest_cpu_s"], 2),
        "round_cpu_s": round(_children_cpu() - cpu, 2),
        "process_s": round(wall, 2),
        "accepted": out["accepted"],
        "peak_rss_mb": round(out["peak_rss_mb"]),
        "load": round(load, 1),
    }


def ab(other: Path, runs: int) -> None:
    province = generate(CACHE / "province", SCALES["province"])
    tmp = Path(tempfile.mkdtemp(prefix="bench-round-ab-"))
    trees = {"this": ROOT, "other": other.resolve()}
    seen: dict[str, list[dict]] = {name: [] for name in trees}
    for i in range(runs):
        order = list(trees) if i % 2 == 0 else list(reversed(trees))
        for name in order:
            result = round_in(trees[name], province, tmp)
            seen[name].append(result)
            print(json.dumps({"run": i, "tree": name, "root": str(trees[name])} | result), flush=True)
    for name, results in seen.items():
        medians = {
            k: round(statistics.median(r[k] for r in results), 2)
            for k in ("ingest_s", "ingest_cpu_s", "round_cpu_s", "process_s", "peak_rss_mb")
        }
        loads = [r["load"] for r in results]
        print(json.dumps({"median": name, "runs": len(results), "load": [min(loads), max(loads)]} | medians))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="ingest runs (the median is printed)")
    parser.add_argument("--ab", type=Path, metavar="OTHER", help="alternate with another checkout's code")
    args = parser.parse_args()
    if args.ab:
        ab(args.ab, args.runs)
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="bench-round-"))
    province = generate(CACHE / "province", SCALES["province"])
    cpu = _children_cpu()
    result = bench_suite.bulk_ingest(province, tmp, runs=args.runs)
    result["round_cpu_s"] = (_children_cpu() - cpu) / args.runs
    print(json.dumps({k: v for k, v in result.items() if k != "home"}, ensure_ascii=False), flush=True)
    city = generate(CACHE / "city", SCALES["city"])
    print(json.dumps(bench_suite.cold_cli(city, tmp, 3), ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
