"""Time validating a typical unit workbook, warm, against the raw calamine read of the same file.

    python bench/bench_validate.py [--runs 15] [--cold-runs 3]

The workbook is a synthetic city-scale unit (20 indicators, 30 tasks: 15 led, 15 helped) built
by the real template builder from a warehouse and filled by the clerk's helper with valid values
(`valid`) or with three errors and a warning (`with issues`: GX then runs its detail pass).
Stages are timed one by one in a warm process, and the whole pipeline as `portal.validation`
runs it (expectation from the warehouse included). A city round of 60 such workbooks is then
validated in one batch (one GX run) and one file at a time. Last, `portal validate FILE` is
timed as a fresh process (cold: imports Great Expectations). Medians; a Markdown report is
printed for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import fastexcel  # noqa: E402
from bench_templates import ROUND, machine, synthetic_portal  # noqa: E402

from portal.reporting.templates import build_unit_template, round_template_contexts  # noqa: E402
from portal.reporting.validation import ExpectationBook, validate_file, validate_files  # noqa: E402
from schemas.sheets import META_SHEET, TEMPLATE_SHEETS  # noqa: E402
from templates_xlsx.upload import read_upload  # noqa: E402
from tests.xlsx_fill import fill_valid  # noqa: E402
from validators.file_safety import check_file  # noqa: E402
from validators.gx import SetsInput, check_sets  # noqa: E402
from validators.pipeline import validate_upload  # noqa: E402
from validators.rows import check_template_rows  # noqa: E402
from validators.structure import check_structure  # noqa: E402

UNITS = 60


def median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm-up: first-use costs (GX context, Pandera schema caches) are not "warm"
    times = []
    for _ in range(runs):
        s = time.perf_counter()
        fn()
        times.append(time.perf_counter() - s)
    return statistics.median(times) * 1000


def raw_read(data: bytes) -> None:
    """The floor: calamine opens the file and hands over every cell of the sheets we read."""
    reader = fastexcel.read_excel(data)
    for name in [s.name for s in TEMPLATE_SHEETS] + [META_SHEET.name]:
        reader.load_sheet_by_name(name, header_row=None, dtypes="string").to_polars()


def stage_times(data: bytes, expectation, secret: bytes, runs: int) -> dict[str, float]:
    upload = read_upload(data)
    structure = check_structure(upload.meta, upload.sheets, expectation, secret)

    def rows() -> None:
        for spec in TEMPLATE_SHEETS:
            check_template_rows(upload.sheets[spec.key], expectation, structure.skip_rows.get(spec.key, ()))

    sets_input = SetsInput(upload.sheets, expectation, structure.skip_rows, structure.covered)
    return {
        "raw calamine read": median_ms(lambda: raw_read(data), runs),
        "file safety": median_ms(lambda: check_file(data), runs),
        "our read (read_upload)": median_ms(lambda: read_upload(data), runs),
        "structure": median_ms(
            lambda: check_structure(upload.meta, upload.sheets, expectation, secret), runs
        ),
        "rows (Pandera)": median_ms(rows, runs),
        "sets and history (GX)": median_ms(lambda: check_sets([sets_input]), runs),
        "validate (all stages)": median_ms(lambda: validate_upload(data, expectation, None, secret), runs),
    }


def cold_cli(path: Path, home: Path, runs: int) -> float:
    import os

    env = os.environ | {"PORTAL_HOME": str(home)}
    times = []
    for _ in range(runs):
        s = time.perf_counter()
        subprocess.run([sys.executable, "-m", "portal", "validate", str(path), "--json"], cwd=ROOT, env=env,
                       capture_output=True, check=False)  # fmt: skip
        times.append(time.perf_counter() - s)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--cold-runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        portal = synthetic_portal(home, UNITS)
        secret = portal.settings.secret()
        template = build_unit_template(portal, "U0000", ROUND).data
        valid = fill_valid(template)
        codes = list(read_upload(template).sheets["task_progress"].frame["task"])
        with_issues = fill_valid(
            template,
            indicators={"K-U0000-00": {"value": "１２０"}, "K-U0000-01": {"value": "很多"}},
            tasks={codes[0]: {"percent": 120}, codes[1]: {"status": "已完成", "percent": 80}},
        )
        expectation = ExpectationBook(portal).get("U0000", ROUND)
        rows = sum(len(s.frame) for s in read_upload(valid).sheets.values())
        print(f"machine: {machine()}\n")
        print(f"workbook: {len(valid) / 1024:.0f} KB, {rows} data rows; medians of {args.runs} warm runs\n")
        table = {
            "valid": stage_times(valid, expectation, secret, args.runs),
            "with issues": stage_times(with_issues, expectation, secret, args.runs),
        }
        for label, data in (("valid", valid), ("with issues", with_issues)):
            table[label]["validate via portal (expectation from warehouse)"] = median_ms(
                lambda d=data: validate_file(portal, d), args.runs
            )
        print("| step | valid: ms | × raw read | with issues: ms | × raw read |")
        print("|---|---|---|---|---|")
        for step in table["valid"]:
            a, b = table["valid"][step], table["with issues"][step]
            ra, rb = table["valid"]["raw calamine read"], table["with issues"]["raw calamine read"]
            print(f"| {step} | {a:.1f} | {a / ra:.1f}× | {b:.1f} | {b / rb:.1f}× |")
        print()
        print(f"issues found in the second workbook: {validate_file(portal, with_issues).report.codes()}\n")

        workbooks = []
        for ctx in round_template_contexts(portal, ROUND):
            built = build_unit_template(portal, ctx.unit, ROUND).data
            workbooks.append(fill_valid(built))
        items = [(d, None, None) for d in workbooks]
        batch = median_ms(lambda: validate_files(portal, items), max(3, args.runs // 5)) / 1000
        one_by_one = median_ms(lambda: [validate_file(portal, d) for d in workbooks], 3) / 1000
        raw_all = median_ms(lambda: [raw_read(d) for d in workbooks], 3) / 1000
        print("| city round, 60 workbooks | seconds | workbooks/s | × raw read of all |")
        print("|---|---|---|---|")
        print(f"| raw calamine read | {raw_all:.2f} | {len(items) / raw_all:.0f} | 1.0× |")
        print(
            f"| validate, one batch (one GX run) | {batch:.2f} | {len(items) / batch:.0f} | {batch / raw_all:.1f}× |"
        )
        print(
            f"| validate, one file at a time | {one_by_one:.2f} | {len(items) / one_by_one:.0f} "
            f"| {one_by_one / raw_all:.1f}× |"
        )
        print()
        path = Path(tmp) / "unit.xlsx"
        path.write_bytes(valid)
        cold = cold_cli(path, home, args.cold_runs)
        print(f"cold `portal validate FILE --json` (fresh process, median of {args.cold_runs}): {cold:.2f} s")
        import_gx = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import great_expectations"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        last = [ln for ln in import_gx.stderr.splitlines() if ln.rstrip().endswith("| great_expectations")]
        if last:
            print(f"of which `import great_expectations`: {int(last[-1].split('|')[1]) / 1e6:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
