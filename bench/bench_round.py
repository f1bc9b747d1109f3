"""Issue 23's province-round and cold-validate lines alone, without the rest of bench_suite.py.

    python bench/bench_round.py [--runs 1]

The province round (2,000 workbooks, `ingest_many` in a fresh process) against the raw read of the same
files, then cold `portal validate FILE --json` on the city home: sections 3 and 4 of bench_suite.py,
on the data bench/generate.py caches under bench/.cache. Prints one JSON line per measurement.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "bench"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import bench_suite  # noqa: E402
from generate import CACHE, SCALES, generate  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="ingest runs (the median is printed)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-round-"))
    province = generate(CACHE / "province", SCALES["province"])
    result = bench_suite.bulk_ingest(province, tmp, runs=args.runs)
    print(json.dumps({k: v for k, v in result.items() if k != "home"}, ensure_ascii=False), flush=True)
    city = generate(CACHE / "city", SCALES["city"])
    print(json.dumps(bench_suite.cold_cli(city, tmp, 3), ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
