"""What storing the assessment's facts would buy (issue 23's view target, session 14): a measurement
for a design decision, not a feature.

    python bench/assessment_stored_facts.py [--runs 7] [--rounds 3]

The world is bench_province_views.py's `one plan` (2,000 units, 20 indicators + 30 tasks each, 20
rounds). The indicator facts and task facts of plan SYN in 2024 are computed once and written into two
tables of the copy's warehouse, as a table kept up to date on every write would hold them. Then the
whole `assess(portal, actor, "SYN", 2024)` is timed, alternating round by round between

- `live`: as the portal computes it (indicator_year_end.sql and the task lookups, side by side);
- `stored`: the same `assess` with the two lookups replaced by reading those tables (everything else,
  the reporting facts, the entries, the scoring, unchanged).

Each line: median wall ms and median CPU ms (process time, all threads) of `--runs` runs after one
untimed run. Nothing here keeps such tables up to date: what that would cost (a refresh on every
approval, registry import, unit change and restore) is the other side of the decision.
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
    parser.add_argument("--runs", type=int, default=7, help="timed runs per line (after one warm-up)")
    parser.add_argument("--rounds", type=int, default=3, help="times live and stored alternate")
    args = parser.parse_args()
    gen = generate(
        CACHE / "province", SCALES["province"], workbooks=False, log=lambda m: print(m, file=sys.stderr)
    )
    from portal.accounts.auth import system_actor
    from portal.assessment.assess import assess
    from portal.core.context import Portal
    from warehouse import assessment as data

    print(f"# The assessment with stored facts (load average {os.getloadavg()[0]:.1f})")
    print(f"median of {args.runs} runs after a warm-up; {os.cpu_count()} cores\n")
    print("| round | facts | wall ms | CPU ms |")
    print("|---|---|---|---|")
    live_lookups = data.indicator_facts, data.task_facts

    def stored(table: str) -> Callable:
        def read(con, plan: str, year: int):
            query = f"SELECT * EXCLUDE (plan, year) FROM {table} WHERE plan = $plan AND year = $year"
            return con.sql(query, params={"plan": plan, "year": int(year)}).pl()

        return read

    stored_lookups = stored("bench_indicator_facts"), stored("bench_task_facts")
    with tempfile.TemporaryDirectory(prefix="bench-stored-facts-") as tmp:
        home = world(gen, Path(tmp), cities=False)
        portal = Portal.open(home)
        actor = system_actor()
        with portal.warehouse.transaction() as con:
            for table, facts in (
                ("bench_indicator_facts", data.indicator_facts(con, "SYN", YEAR)),
                ("bench_task_facts", data.task_facts(con, "SYN", YEAR)),
            ):
                con.register("computed", facts.to_arrow())
                con.execute(f"CREATE TABLE {table} AS SELECT 'SYN' AS plan, {YEAR} AS year, * FROM computed")
                con.unregister("computed")
        try:
            # the same scores and lines either way, or the comparison says nothing
            before = assess(portal, actor, "SYN", YEAR).scored
            data.indicator_facts, data.task_facts = stored_lookups
            after = assess(portal, actor, "SYN", YEAR).scored
            if not (after.units.equals(before.units) and after.lines.equals(before.lines)):
                raise SystemExit("the stored facts score differently from the live ones")
            for r in range(1, args.rounds + 1):
                for label, lookups in (("live", live_lookups), ("stored", stored_lookups)):
                    data.indicator_facts, data.task_facts = lookups
                    wall, cpu = both_ms(lambda: assess(portal, actor, "SYN", YEAR), args.runs)
                    print(f"| {r} | {label} | {wall:.0f} | {cpu:.0f} |", flush=True)
        finally:
            data.indicator_facts, data.task_facts = live_lookups
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
