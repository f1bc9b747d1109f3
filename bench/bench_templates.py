"""Time building every unit's quarterly template for a round, as `portal template --all` does.

    python bench/bench_templates.py [--runs 5] [--scales demo,city] [--jobs 1]

Scales: `demo` is the demo registry (56 units with something to report, 1-45 rows each);
`city` is a synthetic registry of 60 units with 20 indicators and 30 tasks each (15 led, 15
helped), `province` the same with 2,000 units (slow: minutes; opt in). Each run gathers the
rows from the warehouse, builds every workbook and zips them, in a warm process; the medians of
`--runs` runs are printed as a Markdown table for BENCHMARKS.md. The read side (read_upload of a
typical template) is timed too, since it is the floor of every upload's validation.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb  # noqa: E402
import fastexcel  # noqa: E402
import openpyxl  # noqa: E402
import polars as pl  # noqa: E402

from portal.core.context import Portal  # noqa: E402
from portal.ops.init import init_portal  # noqa: E402
from portal.reporting.templates import (  # noqa: E402
    build_from_context,
    round_built,
    round_template_contexts,
    zip_templates,
)
from templates_xlsx.builder import build_template_openpyxl  # noqa: E402
from templates_xlsx.upload import read_upload  # noqa: E402
from warehouse.registry import replace_registry, upsert_rounds  # noqa: E402

ROUND = "2025Q3"
SCALES = {"city": 60, "province": 2000}
INDICATORS_PER_UNIT, LED_PER_UNIT, HELPED_PER_UNIT = 20, 15, 15
KINDS = ("stock", "flow", "cumulative", "rate", "milestone")


def synthetic_registry(units: int) -> dict:
    """A plan with `units` units; each owns 20 indicators, leads 15 tasks and helps with 15."""
    codes = [f"U{i:04d}" for i in range(units)]
    tasks, indicators = [], []
    for i, unit in enumerate(codes):
        helper = codes[(i + 1) % units]
        for k in range(LED_PER_UNIT):
            tasks.append(
                dict(code=f"T-{unit}-{k:02d}", plan="SYN", number=f"{k}", section="综合",
                     title=f"合成任务 {unit} 第{k + 1}项:推进重点工作落实", text="合成任务内容。",
                     lead_unit=unit, helper_units=[helper], due_year=2025, weight=1.0)
            )  # fmt: skip
        for k in range(INDICATORS_PER_UNIT):
            indicators.append(
                dict(code=f"K-{unit}-{k:02d}", plan="SYN", name=f"合成指标 {unit}-{k + 1}", measure_unit="家",
                     kind=KINDS[k % len(KINDS)], direction=">=", baseline_value=10.0, baseline_year=2022,
                     target_value=100.0, target_year=2025, owner_units=[unit], weight=1.0,
                     allow_negative=k % 7 == 3)
            )  # fmt: skip
    return {
        "plans": [
            dict(code="SYN", name="合成规划(基准测试)", start_year=2023, end_year=2025, base_year=2022)
        ],
        "units": [dict(code=c, name=f"合成单位{c}", kind="department", active=True) for c in codes],
        "tasks": tasks,
        "indicators": indicators,
        "yearly_targets": [],
    }


def demo_portal(home: Path) -> Portal:
    (home / "settings.toml").write_text('secret_key = "bench"\n', encoding="utf-8")
    portal, result = init_portal(Portal.open(home), demo=True)
    assert result.registry is not None and result.registry.loaded
    return portal


def synthetic_portal(home: Path, units: int) -> Portal:
    (home / "settings.toml").write_text('secret_key = "bench"\ntoday = "2025-10-10"\n', encoding="utf-8")
    portal, _ = init_portal(Portal.open(home))
    with portal.warehouse.transaction() as con:
        replace_registry(con, synthetic_registry(units))
        upsert_rounds(con, [{"code": ROUND, "due_date": dt.date(2025, 10, 15), "state": "open"}])
    return portal


def one_run(portal: Portal, reference: bool = False) -> dict[str, float]:
    """One process; `reference` builds with openpyxl (the writer before templates_xlsx.fastbook)."""
    c0 = time.process_time()
    t0 = time.perf_counter()
    contexts = round_template_contexts(portal, ROUND)
    t1 = time.perf_counter()
    secret = portal.settings.secret()
    per_file = []
    built = []
    for ctx in contexts:
        s = time.perf_counter()
        data = build_template_openpyxl(ctx, secret) if reference else None
        built.append(build_from_context(ctx, secret, data))
        per_file.append(time.perf_counter() - s)
    t2 = time.perf_counter()
    zip_templates(built)
    t3 = time.perf_counter()
    return {
        "units": len(built),
        "rows": sum(b.indicators + b.tasks for b in built),
        "bytes": sum(len(b.data) for b in built),
        "gather": t1 - t0,
        "build": t2 - t1,
        "zip": t3 - t2,
        "total": t3 - t0,
        "cpu": time.process_time() - c0,
        "per_file": statistics.median(per_file),
        "max_file": max(per_file),
        "sample": max(built, key=lambda b: b.indicators + b.tasks).data,
    }


def parallel_run(portal: Portal, jobs: int) -> float:
    """Gather + build all in `jobs` processes (spawned per run, as the CLI does: started before the
    gathering, each template compressed by its worker and zipped as it comes)."""
    t0 = time.perf_counter()
    _, built = round_built(portal, ROUND, jobs)
    zip_templates(built)
    return time.perf_counter() - t0


def time_read(data: bytes, runs: int) -> float:
    times = []
    for _ in range(runs):
        s = time.perf_counter()
        read_upload(data)
        times.append(time.perf_counter() - s)
    return statistics.median(times)


def machine() -> str:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}, openpyxl {openpyxl.__version__}, "
        f"fastexcel {fastexcel.__version__}, polars {pl.__version__}, duckdb {duckdb.__version__}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scales", default="demo,city", help="comma-separated: demo, city, province")
    parser.add_argument(
        "--reference",
        action="store_true",
        help="also time the openpyxl writer (before templates_xlsx.fastbook) in the same run",
    )
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="processes for the parallel run"
    )
    args = parser.parse_args()
    print(f"machine: {machine()}, load average {os.getloadavg()[0]:.1f} at start\n")
    print(
        "| registry | writer | units | rows | gather | build all | zip | total, 1 process | CPU, 1 process "
        f"| total, {args.jobs} processes | per workbook (median / max) | read one (rows) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for scale in args.scales.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp) / "home"
            home.mkdir()
            portal = demo_portal(home) if scale == "demo" else synthetic_portal(home, SCALES[scale])
            n = args.runs if scale != "province" else 1
            writers = ["openpyxl", "fastbook"] if args.reference else ["fastbook"]
            results = {}
            for writer in writers:
                runs = [one_run(portal, reference=writer == "openpyxl") for _ in range(n)]
                parallel = (
                    statistics.median(parallel_run(portal, args.jobs) for _ in range(n))
                    if writer == "fastbook"
                    else None
                )
                results[writer] = (runs, parallel)
        for writer, (runs, parallel) in results.items():
            med = {k: statistics.median(r[k] for r in runs) for k in runs[0] if k != "sample"}
            sample = runs[0]["sample"]
            parsed = read_upload(sample)
            sample_rows = sum(s.frame.height for s in parsed.sheets.values())
            read_s = time_read(sample, max(args.runs, 5))
            par = f"{parallel:.2f} s" if parallel is not None else "—"
            print(
                f"| {scale} | {writer} | {med['units']:.0f} | {med['rows']:.0f} | {med['gather'] * 1000:.0f} ms "
                f"| {med['build']:.2f} s | {med['zip'] * 1000:.0f} ms | {med['total']:.2f} s | {med['cpu']:.2f} s "
                f"| {par} | {med['per_file'] * 1000:.0f} / {med['max_file'] * 1000:.0f} ms "
                f"| {read_s * 1000:.1f} ms ({sample_rows}) |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
