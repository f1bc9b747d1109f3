"""A normal upload against one carrying a 5,000-row enterprise list (issues 18 and 23: a list sheet
of 5,000 rows within 2× a normal upload), with the list sheets read column-wise and the sheet
budget checked a chunk at a time; the before figure, in the same run, steps tag by tag and cell
by cell as before.

    python bench/bench_list_upload.py [--repeat 15]

The long list fills the sheet to its last row, 5,000 (4,996 items). Times `validators.pipeline.validate_upload` (file safety, reading, every check: the part of a
single upload that grows with the list) in a warm process, median wall and CPU per upload. The workbook is read in this process
(isolation off), so the CPU counted is the whole upload: in service the read runs in the reader
worker and adds the pickling of the parsed frames.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def workbooks() -> dict[str, bytes]:
    from schemas.credit_code import with_check
    from templates_xlsx.builder import build_template
    from templates_xlsx.fill import fill_workbook
    from tests.validators.sample import SECRET, fill, sample_context

    template = build_template(sample_context(lists={"enterprise": ["T-K01"]}), SECRET)

    def firms(n: int) -> list[dict]:
        return [
            {
                "indicator": "T-K01",
                "name": f"（演示）企业{k}",
                "credit_code": with_check(f"91420600MA{k:07d}"),
                "recognised_on": "2024-03-01",
                "district": "樊城区",
                "stage": "培育",
            }
            for k in range(n)
        ]

    return {
        name: fill_workbook(
            fill(template, indicators={"T-K01": {"value": n}}), lists={"enterprise": firms(n)}
        )
        for name, n in (("normal (5-row list)", 5), ("5,000-row list", 4_996))
    }


def measure(repeat: int) -> list[tuple[str, str, float, float]]:
    import dataclasses

    from templates_xlsx import budget, isolation, reader, upload
    from tests.validators.sample import EXPECTATION, expect, run

    facts = expect(
        indicators=tuple(
            dataclasses.replace(f, kind="stock", backed_by="enterprise") if f.code == "T-K01" else f
            for f in EXPECTATION.indicators
        )
    )
    isolation.ISOLATE = False  # read in this process, so its CPU time is counted (and patched)
    books = workbooks()
    fast, chunk = upload.read_list_sheet, budget._explicit_chunk
    out = []
    for path, fn in (("cell by cell (before)", reader.read_sheet), ("column-wise (after)", fast)):
        upload.read_list_sheet = fn
        # before: the budget check steps through every tag too
        budget._explicit_chunk = chunk if fn is fast else (lambda segment, b: None)
        try:
            for name, data in books.items():
                for _ in range(3):  # warm
                    run(data, facts)
                walls, cpus = [], []
                for _ in range(repeat):
                    c, s = time.process_time(), time.perf_counter()
                    result = run(data, facts)
                    walls.append(time.perf_counter() - s)
                    cpus.append(time.process_time() - c)
                assert result.ok, result.report.codes()
                out.append((path, name, statistics.median(walls) * 1000, statistics.median(cpus) * 1000))
        finally:
            upload.read_list_sheet, budget._explicit_chunk = fast, chunk
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    for path, name, wall, cpu in measure(args.repeat):
        print(f"{path:24} {name:20} wall median {wall:6.0f} ms  CPU median {cpu:6.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
