"""What the stored assessment facts (issue 16, migration 0022) buy on the read side and cost on the
write side, at province scale.

    python bench/assessment_stored_facts.py [--runs 7] [--rounds 3] [--units 7]

The world is bench_province_views.py's `one plan` (2,000 units, 20 indicators + 30 tasks each, 20
rounds up to 2025Q3, plan years 2021–2025).

Reads: the whole `assess(portal, actor, "SYN", 2024)`, alternating round by round between
- `stored`: as the portal does it (warehouse.assessment.indicator_facts / task_facts read tables
  assessment_indicator_facts / assessment_task_facts, kept up to date on every write);
- `computed`: the same `assess` with those two lookups replaced by the definitions
  (indicator_facts_of / task_facts_of, for the active units, in the same order): what the
  assessment cost when it computed them on every view.
Each line: median wall ms and median CPU ms (process time, all threads) of `--runs` runs after one
untimed run, once both are checked to give the same unit rows and lines.

Writes, each inside a transaction rolled back (every one starts from the same file), the median
wall ms over `--units` units spread over the registry:
- a review returning the unit's approved report of the last round (`record_review`, as the review
  page makes it), with the facts' refresh and with `assessment_facts.refresh` made a no-op: the
  difference is what an approval pays;
- `assessment_facts.rebuild`: what a registry import, a restore and a bulk load add (once).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
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
    parser.add_argument("--rounds", type=int, default=3, help="times computed and stored alternate")
    parser.add_argument("--units", type=int, default=7, help="units whose review is timed")
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
    stored_lookups = data.indicator_facts, data.task_facts

    def computed(kind: str):
        return lambda con, plan, year: data.computed_facts(con, kind, plan, year)

    computed_lookups = computed("indicators"), computed("tasks")
    with tempfile.TemporaryDirectory(prefix="bench-stored-facts-") as tmp:
        home = world(gen, Path(tmp), cities=False)
        portal = Portal.open(home)
        actor = system_actor()
        try:
            # the same scores and lines either way, or the comparison says nothing
            before = assess(portal, actor, "SYN", YEAR).scored
            data.indicator_facts, data.task_facts = computed_lookups
            after = assess(portal, actor, "SYN", YEAR).scored
            if not (after.units.equals(before.units) and after.lines.equals(before.lines)):
                raise SystemExit("the stored facts score differently from the computed ones")
            for r in range(1, args.rounds + 1):
                for label, lookups in (("computed", computed_lookups), ("stored", stored_lookups)):
                    data.indicator_facts, data.task_facts = lookups
                    wall, cpu = both_ms(lambda: assess(portal, actor, "SYN", YEAR), args.runs)
                    print(f"| {r} | {label} | {wall:.0f} | {cpu:.0f} |", flush=True)
        finally:
            data.indicator_facts, data.task_facts = stored_lookups
        print()
        writes(portal, gen.last_round, args.units)
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")
    return 0


def writes(portal, last_round: str, units: int) -> None:
    from schemas.enums import SubmissionStatus
    from warehouse import assessment_facts
    from warehouse.submissions import record_review

    def timed(con, call) -> float:
        con.execute("BEGIN TRANSACTION")
        try:
            start = time.perf_counter()
            call()
            return (time.perf_counter() - start) * 1000
        finally:
            con.execute("ROLLBACK")

    print("| write | median wall ms | range |")
    print("|---|---|---|")
    at = dt.datetime(2025, 10, 21, 9)
    with portal.warehouse.connect() as con:
        approved_ids = con.execute(
            "SELECT id FROM submissions WHERE round = ? AND status = 'approved' ORDER BY unit", [last_round]
        ).fetchall()
        chosen = [sid for (sid,) in approved_ids[:: max(1, len(approved_ids) // units)][:units]]

        def returned(sid: int):
            return lambda: record_review(
                con, sid, SubmissionStatus.RETURNED, "return", "请核实", [], "bench", at
            )

        timed(con, returned(chosen[0]))  # warm-up: macros, caches
        refresh = assessment_facts.refresh
        for label, patched in (("with the facts refreshed", refresh), ("without", lambda *a, **k: None)):
            assessment_facts.refresh = patched
            try:
                ms = [timed(con, returned(sid)) for sid in chosen]
            finally:
                assessment_facts.refresh = refresh
            print(
                f"| a review returning an approved report ({last_round}), {label} | "
                f"{statistics.median(ms):.0f} | {min(ms):.0f}–{max(ms):.0f} |",
                flush=True,
            )
        ms = [timed(con, lambda: assessment_facts.rebuild(con)) for _ in range(2)]
        print(
            f"| `assessment_facts.rebuild` (registry import, restore, bulk load) | {statistics.median(ms):.0f} | "
            f"{min(ms):.0f}–{max(ms):.0f} |"
        )


if __name__ == "__main__":
    sys.exit(main())
