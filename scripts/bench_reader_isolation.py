"""What reading uploads in a worker process costs: warm per file, and a worker's cold start.

    python scripts/bench_reader_isolation.py [--runs 40] [--rows 50]

Builds a template with `--rows` rows (half indicators, half tasks), fills it validly, then times
in one warm process: `read_upload` in process and through the worker pool, and `validate_upload`
with isolate=False and isolate=True (after a first validation warms GX and Pandera). Medians
of `--runs`; wall-clock, since the isolated read's CPU is spent in the worker.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _workbook(rows: int) -> tuple[bytes, object]:
    import dataclasses

    from templates_xlsx.builder import build_template
    from tests.validators.sample import EXPECTATION, INDICATOR_ROWS, SECRET, TASK_ROWS, sample_context
    from tests.xlsx_fill import fill_valid
    from validators.expectation import IndicatorFacts, TaskFacts

    n_ind, n_task = rows // 2, rows - rows // 2
    indicators = [dict(INDICATOR_ROWS[0], indicator=f"T-K{i:03d}") for i in range(n_ind)]
    tasks = [dict(TASK_ROWS[0], task=f"T-{i}.1") for i in range(n_task)]
    template = build_template(sample_context(indicators=indicators, tasks=tasks), SECRET)
    expectation = dataclasses.replace(
        EXPECTATION,
        indicators=tuple(IndicatorFacts(r["indicator"], "stock") for r in indicators),
        tasks=tuple(TaskFacts(r["task"]) for r in tasks),
    )
    return fill_valid(template), expectation


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--rows", type=int, default=50)
    args = parser.parse_args(argv)

    from templates_xlsx import isolation
    from templates_xlsx.upload import read_upload
    from tests.validators.sample import SECRET
    from validators.pipeline import validate_upload

    data, expectation = _workbook(args.rows)
    started = time.perf_counter()
    readers = isolation.pool()
    readers.warm()
    cold = (time.perf_counter() - started) * 1000
    assert validate_upload(data, expectation, None, SECRET).ok
    read_upload(data)
    results = {
        "worker cold start (ms)": cold,
        "read_upload in process (ms)": _median_ms(lambda: read_upload(data), args.runs),
        "read_upload isolated (ms)": _median_ms(lambda: isolation.read_upload(data), args.runs),
        "validate_upload in process (ms)": _median_ms(
            lambda: validate_upload(data, expectation, None, SECRET, isolate=False), args.runs
        ),
        "validate_upload isolated (ms)": _median_ms(
            lambda: validate_upload(data, expectation, None, SECRET, isolate=True), args.runs
        ),
    }
    print(f"workbook: {args.rows} rows, {len(data) / 1024:.0f} KB; runs: {args.runs}")
    for name, value in results.items():
        print(f"{name:34s} {value:8.1f}")
    overhead = results["read_upload isolated (ms)"] - results["read_upload in process (ms)"]
    print(f"{'isolation overhead per file (ms)':34s} {overhead:8.1f}")
    readers.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
