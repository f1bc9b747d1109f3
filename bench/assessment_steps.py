"""Where the annual assessment's time goes at province scale (issue 16's last line, issue 23's view target).

    python bench/assessment_steps.py [--runs 7] [--threads N]

The world is bench_province_views.py's `one plan` (2,000 units, 20 indicators + 30 tasks each, 20
rounds, every unit approved in every round; deductions, vetoes, self-scores). Each line is one step of
`assess(portal, actor, "SYN", 2024)` on one open connection, timed alone in a warm process: median
wall ms and median CPU ms (process time, every thread: DuckDB's and Polars' workers count) of `--runs`
runs after one untimed run. The lookups are timed one after the other; `assess` runs the task and
indicator facts side by side, each on a cursor of its own, while the reporting facts and the entries are
read on its connection (session 12; session 13: the units and the year's state too, the two lookups
started first): the `gather` line times that, as `assess` runs it. Then the whole
`assess` the same way, on its own connection as the view line of bench_province_views.py times it.

`--threads N` sets DuckDB's threads for the steps' connection (default: DuckDB's own, the cores):
with 1 the CPU column is the work itself, without the time worker threads spend waiting on a busy
machine. The machine may be shared: the load average is printed at the start and the end.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("PORTAL_READ_CACHE", "0")  # time the computing, not the page read cache
for p in (ROOT, ROOT / "bench"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from bench_province_views import YEAR, both_ms, world  # noqa: E402
from generate import CACHE, SCALES, generate  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7, help="timed runs per step (after one warm-up)")
    parser.add_argument("--threads", type=int, help="DuckDB threads for the steps' connection")
    args = parser.parse_args()
    gen = generate(
        CACHE / "province", SCALES["province"], workbooks=False, log=lambda m: print(m, file=sys.stderr)
    )
    from portal.accounts.auth import system_actor
    from portal.assessment.assess import assess, gather
    from portal.assessment.scheme import load_scheme
    from portal.assessment.scoring import Facts, score, unit_scores
    from portal.core.context import Portal
    from warehouse import assessment as data

    print(f"# Assessment steps at province scale (load average {os.getloadavg()[0]:.1f})")
    print(f"median of {args.runs} runs after a warm-up; {os.cpu_count()} cores; DuckDB threads: "
          f"{args.threads or 'default'}\n")  # fmt: skip
    print("| step | wall ms | CPU ms |")
    print("|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="bench-assessment-steps-") as tmp:
        home = world(gen, Path(tmp), cities=False)
        portal = Portal.open(home)
        actor = system_actor()
        today = portal.settings.today()
        scheme = load_scheme(portal.settings.home, "SYN", YEAR).scheme
        with portal.warehouse.connect() as con:
            if args.threads:
                con.execute(f"SET threads = {int(args.threads)}")
            data.assessed_units(con, "SYN")
            facts = Facts(
                units=data.assessed_units(con, "SYN"),
                indicators=data.indicator_facts(con, "SYN", YEAR),
                tasks=data.task_facts(con, "SYN", YEAR),
                rounds=data.reporting_facts(con, YEAR, today),
            )
            steps: dict[str, Callable[[], object]] = {
                "assessed units (`assessment_units.sql`, registered)": lambda: data.assessed_units(
                    con, "SYN"
                ),
                "indicator facts (stored, migration 0022)": lambda: data.indicator_facts(con, "SYN", YEAR),
                "task facts (stored, migration 0022)": lambda: data.task_facts(con, "SYN", YEAR),
                "reporting facts (`assessment_reporting.sql`)": lambda: data.reporting_facts(
                    con, YEAR, today
                ),
                "entries (4 kinds + bonus items)": lambda: [
                    *(data.entries(con, kind, "SYN", YEAR) for kind in data.ENTRY_TABLES),
                    data.bonus_items(con, "SYN", YEAR),
                ],
                "year state (unsettled rounds, latest approval)": lambda: (
                    data.unsettled_rounds(con, YEAR),
                    data.latest_approval(con, YEAR),
                ),
                "`gather` (tasks and indicators side by side with units, rounds, entries, year state)": lambda: (
                    gather(portal, con, "SYN", YEAR, today)
                ),
            }
            for name, fn in steps.items():
                wall, cpu = both_ms(fn, args.runs)
                print(f"| {name} | {wall:.0f} | {cpu:.0f} |", flush=True)
        scored = score(facts, scheme)
        for name, fn in {
            "scoring (`score`, Polars)": lambda: score(facts, scheme),
            "unit rows (`unit_scores`)": lambda: unit_scores(scored),
            f"**whole `assess`** (plan SYN, {YEAR}, own connection)": lambda: assess(
                portal, actor, "SYN", YEAR
            ),
        }.items():
            wall, cpu = both_ms(fn, args.runs)
            print(f"| {name} | {wall:.0f} | {cpu:.0f} |", flush=True)
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
