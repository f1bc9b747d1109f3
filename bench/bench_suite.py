"""Issue 8's benchmark suite: one run, every measurement, so the ratios hold.

    python bench/bench_suite.py            # city and province (generates bench/.cache/* first: minutes)
    python bench/bench_suite.py --quick    # city only, fewer runs: about a minute once generated

1. one workbook, warm: raw calamine read (the floor) vs our read vs validate vs validate+load,
   split by stage (file safety, read, structure, Pandera, GX, load);
2. the same through a naive pipeline written here (openpyxl cell loop, pandas, a new GX context per
   file, row-by-row inserts): naive / ours for one file and for a whole city round;
3. a whole round ingested in bulk (`portal.submissions.ingest_many`) in a fresh subprocess per run:
   total seconds, workbooks/s, peak RSS, and the ratio to the raw read of all its files;
4. cold `portal validate FILE --json` as a process;
5. the views on the province warehouse with every round loaded (the boards as pages call them, the
   roll-up of ten city plans and check_session: bench/bench_province_views.py);
6. templates for every unit of a round (`portal.templates.build_round_templates`).

The data comes from bench/generate.py (see there for what is generated how). Every run that
writes works on a copy of the generated home, so the cache stays as generated. A Markdown
report is printed (and written to bench/out/suite.md) for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "bench"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from generate import CACHE, SCALES, Generated, generate  # noqa: E402

PY = sys.executable


# CPU time of the process (all threads) per measurement, beside the wall time: on a machine shared
# with other jobs the wall time swings 2-10x while the CPU time holds (BENCHMARKS.md says which is which).
def median_ms(fn: Callable[[], object], runs: int, warm: bool = True) -> float:
    """Median wall ms; the median CPU ms of the same runs is left in LAST_CPU_MS."""
    global LAST_CPU_MS
    if warm:
        fn()  # first-use costs (GX context, Pandera schema caches) are not "warm"
    times, cpus = [], []
    for _ in range(runs):
        c, s = time.process_time(), time.perf_counter()
        fn()
        times.append(time.perf_counter() - s)
        cpus.append(time.process_time() - c)
    LAST_CPU_MS = statistics.median(cpus) * 1000
    return statistics.median(times) * 1000


LAST_CPU_MS = 0.0


def both_ms(fn: Callable[[], object], runs: int, warm: bool = True) -> tuple[float, float]:
    """(median wall ms, median CPU ms)."""
    wall = median_ms(fn, runs, warm)
    return wall, LAST_CPU_MS


def copy_home(gen: Generated, into: Path) -> Path:
    """A private copy of the generated PORTAL_HOME (the warehouse file and settings)."""
    home = into / "home"
    if home.exists():
        shutil.rmtree(home)
    shutil.copytree(gen.home, home, ignore=shutil.ignore_patterns("*.lock", "uploads"))
    return home


# ------------------------------------------------------------------------------- the floor


def raw_read(data: bytes) -> None:
    """calamine opens the file and hands over every cell of the sheets we read, as text."""
    import fastexcel

    from schemas.sheets import META_SHEET, TEMPLATE_SHEETS

    reader = fastexcel.read_excel(data)
    for name in [s.name for s in TEMPLATE_SHEETS] + [META_SHEET.name]:
        reader.load_sheet_by_name(name, header_row=None, dtypes="string").to_polars()


# ------------------------------------------------------------------------------- 1. one workbook


def variants(data: bytes, n: int) -> list[bytes]:
    """`n` copies of a filled workbook that differ in one note, so each is a new upload (no duplicate)."""
    from tests.xlsx_fill import fill_template, template_rows

    first = next(iter(template_rows(data)["indicator_values"]))
    return [
        fill_template(data, indicators={first: {"note": f"据统计部门季度数据(第{i}稿)"}}) for i in range(n)
    ]


def one_workbook(gen: Generated, tmp: Path, runs: int) -> dict[str, float]:
    from portal.core import filestore
    from portal.core.context import Portal
    from portal.reporting.submissions import _record, ingest
    from portal.reporting.validation import ExpectationBook, validate_file
    from templates_xlsx.upload import read_upload
    from tests.actors import OFFICE
    from validators.file_safety import check_file
    from validators.gx import SetsInput, check_sets
    from validators.rows import check_rows_batch
    from validators.structure import check_structure

    portal = Portal.open(copy_home(gen, tmp))
    data = gen.workbooks()[0].read_bytes()
    unit, round_code = read_upload(data).meta["unit"], gen.last_round
    secret = portal.settings.secret()
    expectation = ExpectationBook(portal).get(unit, round_code)
    upload = read_upload(data)
    structure = check_structure(upload.meta, upload.sheets, expectation, secret)
    rows_items = [(s, expectation, structure.skip_rows.get(k, ())) for k, s in upload.sheets.items()]
    sets_input = SetsInput(
        {k: v for k, v in upload.sheets.items() if v.header_row is not None},
        expectation,
        structure.skip_rows,
        structure.covered,
    )
    out = {
        "raw calamine read": both_ms(lambda: raw_read(data), runs),
        "file safety (zip caps, XML scan)": both_ms(lambda: check_file(data), runs),
        "our read (read_upload)": both_ms(lambda: read_upload(data), runs),
        "structure": both_ms(lambda: check_structure(upload.meta, upload.sheets, expectation, secret), runs),
        "rows (Pandera)": both_ms(lambda: check_rows_batch(rows_items), runs),
        "sets and history (GX)": both_ms(lambda: check_sets([sets_input]), runs),
        "expectation from the warehouse": both_ms(
            lambda: ExpectationBook(portal).get(unit, round_code), runs
        ),
        "validate (portal.validation.validate_file)": both_ms(lambda: validate_file(portal, data), runs),
    }
    # load alone: store the bytes and record an already-validated upload (a new version each time)
    fresh = variants(data, 2 * runs + 2)
    results = [validate_file(portal, d) for d in fresh[: runs + 1]]
    load_times, load_cpu = [], []
    for d, result in zip(fresh[: runs + 1], results, strict=True):
        c, s = time.process_time(), time.perf_counter()
        digest, path = filestore.store(portal.settings.uploads_dir, d)
        rec = _record(portal, d, "u.xlsx", digest, path, result, None, None, OFFICE, portal.settings.now())
        load_times.append(time.perf_counter() - s)
        load_cpu.append(time.process_time() - c)
        assert rec.accepted, rec.report.codes()
    out["load (store file, record in one transaction)"] = (
        statistics.median(load_times[1:]) * 1000,
        statistics.median(load_cpu[1:]) * 1000,
    )
    todo = iter(fresh[runs + 1 :])
    out["validate + load (portal.submissions.ingest)"] = both_ms(
        lambda: ingest(portal, OFFICE, next(todo), "u.xlsx"), runs
    )
    rows = sum(s.frame.height for s in upload.sheets.values())
    out["_meta"] = {"rows": rows, "kb": len(data) / 1024}
    return out


# ------------------------------------------------------------------------------- 2. naive pipeline


def naive_pipeline(data: bytes, con, expected: dict[str, set[str]]) -> int:
    """What one would write first: openpyxl cell by cell, pandas, a fresh GX context, executemany."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    import great_expectations.expectations as gxe
    import openpyxl
    import pandas as pd
    from great_expectations.data_context.types.base import ProgressBarsConfig

    from schemas.enums import TaskStatus
    from schemas.sheets import INDICATOR_SHEET, TASK_SHEET

    book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    frames = {}
    for spec in (INDICATOR_SHEET, TASK_SHEET):
        ws = book[spec.name]
        keys = []
        for cell in ws[spec.header_row]:
            column = spec.by_header(str(cell.value or "").strip())
            keys.append(column.key if column else None)
        rows = []
        for r in range(spec.first_data_row, ws.max_row + 1):
            row = {k: ws.cell(row=r, column=j + 1).value for j, k in enumerate(keys) if k}
            if row.get(spec.row_key) is not None:
                rows.append(row)
        frames[spec.key] = pd.DataFrame(rows)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("upload")
    ok = True
    checks = {
        "indicator_values": [
            gxe.ExpectColumnValuesToNotBeNull(column="indicator"),
            gxe.ExpectColumnValuesToBeInSet(
                column="indicator", value_set=sorted(expected["indicator_values"])
            ),
            gxe.ExpectColumnValuesToBeUnique(column="indicator"),
            gxe.ExpectColumnValuesToNotBeNull(column="value"),
            gxe.ExpectColumnValuesToBeBetween(column="value", min_value=0),
        ],
        "task_progress": [
            gxe.ExpectColumnValuesToNotBeNull(column="task"),
            gxe.ExpectColumnValuesToBeInSet(column="task", value_set=sorted(expected["task_progress"])),
            gxe.ExpectColumnValuesToBeUnique(column="task"),
            gxe.ExpectColumnValuesToBeInSet(column="status", value_set=[s.label for s in TaskStatus]),
            gxe.ExpectColumnValuesToBeBetween(column="percent", min_value=0, max_value=100),
        ],
    }
    for key, expectations in checks.items():
        batch = source.add_dataframe_asset(key).add_batch_definition_whole_dataframe("all")
        suite = context.suites.add(gx.ExpectationSuite(name=key))
        for e in expectations:
            suite.add_expectation(e)
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=key, data=batch, suite=suite)
        )
        result = definition.run(batch_parameters={"dataframe": frames[key]}, result_format="COMPLETE")
        ok = ok and result.success
    if ok:
        ind, tasks = frames["indicator_values"], frames["task_progress"]
        con.executemany(
            "INSERT INTO naive_values VALUES (?, ?, ?)",
            [[r["indicator"], r["value"], r.get("note")] for r in ind.to_dict("records")],
        )
        con.executemany(
            "INSERT INTO naive_progress VALUES (?, ?, ?, ?)",
            [[r["task"], r["status"], r["percent"], r.get("narrative")] for r in tasks.to_dict("records")],
        )
    return int(ok)


def naive(gen: Generated, files: int | None, runs: int) -> dict[str, float]:
    import duckdb

    from templates_xlsx.upload import read_upload

    paths = gen.workbooks()[: files or None]
    datas = [p.read_bytes() for p in paths]
    expected = []
    for d in datas:
        up = read_upload(d)
        expected.append({k: set(s.frame[s.spec.row_key].drop_nulls()) for k, s in up.sheets.items()})
    con = duckdb.connect()
    con.execute("CREATE TABLE naive_values (indicator VARCHAR, value DOUBLE, note VARCHAR)")
    con.execute(
        "CREATE TABLE naive_progress (task VARCHAR, status VARCHAR, percent DOUBLE, narrative VARCHAR)"
    )
    passed = naive_pipeline(datas[0], con, expected[0])
    assert passed, "the naive pipeline should accept a valid workbook"
    one, one_cpu = both_ms(lambda: naive_pipeline(datas[0], con, expected[0]), runs)
    c, s = time.process_time(), time.perf_counter()
    for d, e in zip(datas, expected, strict=True):
        naive_pipeline(d, con, e)
    return {
        "one": one,
        "one_cpu": one_cpu,
        "round": time.perf_counter() - s,
        "round_cpu": time.process_time() - c,
        "files": len(datas),
    }


# ------------------------------------------------------------------------------- 3. bulk ingest


def ingest_worker(home: str, round_dir: str, round_code: str) -> None:
    """Runs in a fresh process: ingest every workbook of the folder, print timings and peak RSS."""
    t0 = time.perf_counter()
    from portal.core.context import Portal
    from portal.reporting.submissions import files_in, ingest_many
    from tests.actors import OFFICE
    from validators.gx import runner

    portal = Portal.open(Path(home))
    t_gx = time.perf_counter()
    runner()  # GX imported and its context made: a warm process (the server) has paid this already
    gx_s = time.perf_counter() - t_gx
    stages = _time_stages()
    rss_imports = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu0 = _cpu()
    t1 = time.perf_counter()
    files = files_in(Path(round_dir))
    stages["read files from disk"] = time.perf_counter() - t1
    results = ingest_many(portal, OFFICE, files, round_code=round_code)
    t2 = time.perf_counter()
    print(
        json.dumps(
            {
                "stages": dict(stages),
                "gx_import_s": gx_s,
                "ingest_cpu_s": _cpu() - cpu0,
                "files": len(files),
                "accepted": sum(r.accepted for r in results),
                "imports_s": t1 - t0,
                "ingest_s": t2 - t1,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "rss_after_imports_mb": rss_imports / 1024,
            }
        )
    )


def _time_stages() -> dict[str, float]:
    """Wrap the stages of ingest_many with timers (seconds summed per stage) for the breakdown."""
    import portal.reporting.submissions as subs
    import validators.pipeline as pipe
    from portal.core import filestore
    from portal.reporting.validation import ExpectationBook

    totals: dict[str, float] = {}

    def timed(owner, attr: str, label: str) -> None:
        fn = getattr(owner, attr)

        def wrapper(*a, **k):
            s = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                totals[label] = totals.get(label, 0.0) + time.perf_counter() - s

        setattr(owner, attr, wrapper)

    timed(filestore, "store_many", "store files (fsync)")
    timed(ExpectationBook, "_load", "expectations from the warehouse")
    timed(pipe, "check_file", "file safety")
    timed(pipe, "read_upload", "our read (read_upload)")
    timed(pipe, "check_structure", "structure")
    timed(pipe, "_rows_stage", "rows (Pandera, one run)")
    timed(pipe, "_sets_stage", "sets (GX, one run)")
    timed(subs, "_record_on", "record (SQL, Arrow inserts)")
    timed(subs.PendingRows, "flush", "record (SQL, Arrow inserts)")  # a chunk's other rows, at its end
    return totals


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def bulk_ingest(gen: Generated, tmp: Path, runs: int) -> dict:
    out = []
    for _ in range(runs):
        home = copy_home(gen, tmp)
        s = time.perf_counter()
        proc = subprocess.run(
            [PY, str(Path(__file__)), "--ingest-worker", str(home), str(gen.round_dir), gen.last_round],
            cwd=ROOT, capture_output=True, text=True, check=True,
        )  # fmt: skip
        wall = time.perf_counter() - s
        out.append(json.loads(proc.stdout.strip().splitlines()[-1]) | {"wall_s": wall})
    datas = [p.read_bytes() for p in gen.workbooks()]
    raw, raw_cpu = both_ms(lambda: [raw_read(d) for d in datas], max(1, min(3, runs)))
    mid = sorted(out, key=lambda r: r["ingest_s"])[len(out) // 2]
    return mid | {
        "raw_s": raw / 1000,
        "raw_cpu_s": raw_cpu / 1000,
        "runs": len(out),
        "all_ingest_s": [round(r["ingest_s"], 2) for r in out],
        "home": str(home),
    }


# ------------------------------------------------------------------------------- 4. cold CLI


def cold_cli(gen: Generated, tmp: Path, runs: int) -> dict:
    home = copy_home(gen, tmp)
    path = gen.workbooks()[0]
    env = os.environ | {"PORTAL_HOME": str(home)}
    times = []
    for _ in range(runs):
        s = time.perf_counter()
        proc = subprocess.run([PY, "-m", "portal", "validate", str(path), "--json"], cwd=ROOT, env=env,
                              capture_output=True, check=False)  # fmt: skip
        times.append(time.perf_counter() - s)
        assert proc.returncode == 0, proc.stderr
    return {
        "validate_s": statistics.median(times),
        "python_s": _wall([PY, "-c", "pass"], runs),
        "import_gx_s": _import_s("great_expectations"),
        "import_cli_s": _import_s("portal.cli"),
        "import_validation_s": _import_s("portal.validation"),
    }


def _wall(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        s = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, capture_output=True, check=False)
        times.append(time.perf_counter() - s)
    return statistics.median(times)


def _import_s(module: str) -> float:
    proc = subprocess.run([PY, "-X", "importtime", "-c", f"import {module}"], cwd=ROOT,
                          capture_output=True, text=True, check=False)  # fmt: skip
    top = [ln for ln in proc.stderr.splitlines() if ln.rstrip().endswith(f"| {module}")]
    return int(top[-1].split("|")[1]) / 1e6 if top else float("nan")


# ------------------------------------------------------------------------------- 5. views


def views(
    home: Path, round_code: str, runs: int, assess_runs: int | None = None
) -> dict[str, tuple[float, int]]:
    from portal.accounts.auth import system_actor
    from portal.assessment.assess import assess
    from portal.core.context import Portal
    from warehouse import views as v

    portal = Portal.open(home)
    today = portal.settings.today()
    year = int(round_code[:4]) - 1
    out = {}
    with portal.warehouse.connect() as con:
        counts = con.sql(
            "SELECT (SELECT count(*) FROM submissions), (SELECT count(*) FROM indicator_values), "
            "(SELECT count(*) FROM task_progress)"
        ).fetchall()[0]
        cases = {
            f"completion matrix (`completion`, {round_code})": lambda: (
                v.completion(con, round_code, today).units
            ),
            f"KPI progress (`kpi_progress`, {round_code})": lambda: v.kpi_progress(con, round_code),
            f"task progress (`task_progress`, {round_code})": lambda: v.task_progress(con, round_code).tasks,
            f"year-end indicators (`indicator_year_completion`, {year})": lambda: v.indicator_year_completion(
                con, year
            ),
        }
        for name, fn in cases.items():
            out[name] = (*both_ms(fn, runs), fn().height)
    name = f"assessment (`portal.assessment.assess`, plan SYN, {year})"
    # at province scale one assessment takes tens of seconds: timed once, cold (warm=False)
    result = []
    wall, cpu = both_ms(
        lambda: result.append(assess(portal, system_actor(), "SYN", year)), assess_runs or runs, warm=False
    )
    out[name] = (wall, cpu, len(result[-1].units))
    out["_counts"] = counts
    return out


# ------------------------------------------------------------------------------- 6. templates


def templates(gen: Generated, tmp: Path, runs: int, jobs: int) -> dict[str, float]:
    from portal.core.context import Portal
    from portal.reporting.templates import build_round_templates, zip_templates

    portal = Portal.open(copy_home(gen, tmp))

    def run() -> None:
        zip_templates(build_round_templates(portal, gen.last_round, jobs=jobs))

    wall, cpu = both_ms(run, runs, warm=False)
    return {"s": wall / 1000, "cpu_s": cpu / 1000, "jobs": jobs}


# ------------------------------------------------------------------------------- report


def machine() -> list[str]:
    import duckdb
    import fastexcel
    import openpyxl
    import pandas
    import pandera
    import polars

    model = next(
        (ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
         if ln.startswith("model name")), "?",
    )  # fmt: skip
    mem = next(
        (int(ln.split()[1]) // 1024**2 for ln in Path("/proc/meminfo").read_text().splitlines()
         if ln.startswith("MemTotal")), 0,
    )  # fmt: skip
    gx_version = subprocess.run(
        [PY, "-c", "import importlib.metadata as m; print(m.version('great_expectations'))"],
        capture_output=True, text=True, check=False,
    ).stdout.strip()  # fmt: skip
    return [
        f"- Machine: {os.cpu_count()} cores ({model}), {mem} GB RAM, load average "
        f"{os.getloadavg()[0]:.1f} at the start (shared with other jobs)",
        f"- Python {platform.python_version()}; polars {polars.__version__}, duckdb {duckdb.__version__}, "
        f"fastexcel {fastexcel.__version__}, openpyxl {openpyxl.__version__}, pandas {pandas.__version__}, "
        f"pandera {pandera.__version__}, great-expectations {gx_version}",
        f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="city only, 3 runs, naive round on 10 files")
    parser.add_argument("--runs", type=int, help="warm repetitions per measurement (default 15, quick 3)")
    parser.add_argument(
        "--ingest-runs", type=int, help="bulk ingest runs per scale (default 3 city, 1 province)"
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes generating data")
    parser.add_argument("--ingest-worker", nargs=3, metavar=("HOME", "DIR", "ROUND"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.ingest_worker:
        ingest_worker(*args.ingest_worker)
        return 0
    runs = args.runs or (3 if args.quick else 15)
    lines = ["# Benchmark suite (bench/bench_suite.py)", "", *machine()]
    lines.append(f"- Command: `{Path(PY).name} bench/bench_suite.py {' '.join(sys.argv[1:])}`".rstrip())
    print("\n".join(lines), flush=True)

    def say(*more: str) -> None:
        lines.extend(more)
        print("\n".join(more), flush=True)

    scales = ["city"] if args.quick else ["city", "province"]
    gens = {
        s: generate(CACHE / s, SCALES[s], args.jobs, log=lambda m: print(m, file=sys.stderr)) for s in scales
    }
    with tempfile.TemporaryDirectory(prefix="bench-suite-") as tmp_name:
        tmp = Path(tmp_name)

        # 1
        say("", f"## 1. One workbook, warm (median of {runs})", "")
        singles = {s: one_workbook(gens[s], tmp / f"one-{s}", runs) for s in scales}
        meta = singles["city"]["_meta"]
        say(
            f"Workbook: unit U0000 of the generated round, {meta['kb']:.0f} KB, {meta['rows']} data rows.", ""
        )
        say("| step | " + " | ".join(f"{s}: wall ms | CPU ms | × raw (CPU)" for s in scales) + " |")
        say("|---|" + "---|---|---|" * len(scales))
        for step in singles["city"]:
            if step.startswith("_"):
                continue
            cells = []
            for s in scales:
                (wall, cpu), raw = singles[s][step], singles[s]["raw calamine read"][1]
                cells.append(f"{wall:.1f} | {cpu:.1f} | {cpu / raw:.0f}×")
            bold = "**" if step.startswith("validate + load") else ""
            say(f"| {bold}{step}{bold} | " + " | ".join(cells) + " |")

        # 3 (before 2: the naive round takes long, and the ingest numbers are the headline)
        say("", "## 3. A whole round ingested in bulk (`ingest_many`, fresh process per run)", "")
        bulk = {}
        for s in scales:
            n = args.ingest_runs or (3 if s == "city" else 1)
            bulk[s] = bulk_ingest(gens[s], tmp / f"bulk-{s}", n)
        say("| round | workbooks | accepted | ingest s (median; runs) | CPU s | workbooks/s | raw read of all, s "
            "| × raw (wall; CPU) | peak RSS | RSS after imports | GX import s (not in ingest s) |")  # fmt: skip
        say("|---|---|---|---|---|---|---|---|---|---|---|")
        for s, b in bulk.items():
            say(
                f"| {s} | {b['files']} | {b['accepted']} | **{b['ingest_s']:.1f}** ({b['all_ingest_s']}) "
                f"| {b['ingest_cpu_s']:.1f} | {b['files'] / b['ingest_s']:.0f} | {b['raw_s']:.2f} "
                f"| {b['ingest_s'] / b['raw_s']:.0f}×; {b['ingest_cpu_s'] / b['raw_cpu_s']:.0f}× | {b['peak_rss_mb']:.0f} MB | {b['rss_after_imports_mb']:.0f} MB "
                f"| {b['gx_import_s']:.1f} |"
            )
        say("", "Where the time goes (seconds, the median run):", "")
        say("| stage | " + " | ".join(bulk) + " |", "|---|" + "---|" * len(bulk))
        for stage in bulk[scales[0]]["stages"]:
            say(
                f"| {stage} | " + " | ".join(f"{b['stages'].get(stage, 0):.2f}" for b in bulk.values()) + " |"
            )
        say(
            "| other (commits, report assembly, …) | "
            + " | ".join(f"{b['ingest_s'] - sum(b['stages'].values()):.2f}" for b in bulk.values())
            + " |"
        )

        # 2
        say("", "## 2. Naive pipeline (openpyxl cell loop, pandas, new GX context per file, executemany)", "")
        nv = naive(gens["city"], 10 if args.quick else None, runs)
        ours_one, ours_one_cpu = singles["city"]["validate + load (portal.submissions.ingest)"]
        share = nv["files"] / bulk["city"]["files"]
        ours_round, ours_round_cpu = bulk["city"]["ingest_s"] * share, bulk["city"]["ingest_cpu_s"] * share
        say("| | naive wall | ours wall | naive / ours (wall) | naive CPU | ours CPU | naive / ours (CPU) |")
        say("|---|---|---|---|---|---|---|")
        say(
            f"| one workbook (validate + load) | {nv['one']:.0f} ms | {ours_one:.0f} ms | {nv['one'] / ours_one:.1f}× "
            f"| {nv['one_cpu']:.0f} ms | {ours_one_cpu:.0f} ms | {nv['one_cpu'] / ours_one_cpu:.1f}× |"
        )
        say(
            f"| city round, {nv['files']} workbooks | {nv['round']:.1f} s | {ours_round:.1f} s "
            f"| **{nv['round'] / ours_round:.1f}×** | {nv['round_cpu']:.1f} s | {ours_round_cpu:.1f} s "
            f"| **{nv['round_cpu'] / ours_round_cpu:.1f}×** |"
        )

        # 4
        say("", "## 4. Cold `portal validate FILE --json` (fresh process)", "")
        cold = cold_cli(gens["city"], tmp / "cold", 3 if args.quick else 5)
        say(
            f"- wall: **{cold['validate_s']:.2f} s** (median); bare `python -c pass`: {cold['python_s']:.2f} s",
            f"- imports (`-X importtime`, one process each): `portal.cli` {cold['import_cli_s']:.2f} s, "
            f"`portal.validation` {cold['import_validation_s']:.2f} s, `great_expectations` {cold['import_gx_s']:.2f} s",
        )

        # 5
        big = "province" if "province" in scales else "city"
        say("", f"## 5. Views, {big} warehouse with every round loaded (median of {runs})", "")
        vw = views(Path(bulk[big]["home"]), gens[big].last_round, runs, 1 if big == "province" else None)
        subs, values, progress = vw.pop("_counts")
        say(f"{subs:,} submissions, {values:,} indicator values, {progress:,} task rows.", "")
        say("| view | wall ms | CPU ms (all threads) | rows |", "|---|---|---|---|")
        for name, (ms, cpu, rows) in vw.items():
            say(f"| {name} | **{ms:.0f}** | {cpu:.0f} | {rows:,} |")

        # 6
        say("", "## 6. Templates for every unit of a round (`build_round_templates` + zip)", "")
        say(
            "| registry | workbooks | processes | wall s | CPU s (this process) | per workbook (wall) |",
            "|---|---|---|---|---|---|",
        )
        for s in scales:
            for jobs in (1, 2) if s == "city" else (2,):
                t = templates(gens[s], tmp / f"tpl-{s}", 1 if s == "province" else min(runs, 3), jobs)
                n = len(gens[s].workbooks())
                say(f"| {s} | {n} | {jobs} | {t['s']:.1f} | {t['cpu_s']:.1f} | {t['s'] / n * 1000:.0f} ms |")
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / ("suite-quick.md" if args.quick else "suite.md")).write_text(
        "\n".join(lines) + "\n", encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
