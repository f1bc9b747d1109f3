"""Issue 23's view target: every view at province scale (2,000 units × 20 rounds) within 200 ms.

    python bench/bench_province_views.py [--runs 3] [--only kpi,assess]

The world is bench/generate.py's province home (2,000 units, 20 indicators + 30 tasks each, one
plan SYN, 20 rounds 2020Q4..2025Q3; generated once into bench/.cache/province, home only, no
workbooks: about 10 s), copied, with the last round loaded like the others (every unit approved in
every round: 40,000 submissions, 800,000 values, 1,200,000 task rows), plus what the new scheme
rules read: a deduction for every 10th unit, 5 vetoes, self-scores of every unit (2024).

Two layouts of the same data:
- `one plan`: SYN with all 2,000 units under one province office (PROV); the views and the
  assessment run over it (the largest plan a province would assess in one table);
- `ten cities`: the same units, indicators and tasks split into ten city plans (SYN-C00..C09, 200
  units each) run by ten city offices under PROV; the roll-up (下级汇总) of PROV runs over it.

Each line is the service a page calls, with its permission and scope checks (`views.*` lines are
the bare warehouse query under it), timed in one warm process: median wall ms and median CPU ms
(process time, all threads) of `--runs` runs after one untimed run. The machine may be shared:
CPU time is printed beside wall time so contention can be told apart. The warehouse instance stays
open between calls as in the portal (`--linger`, default warehouse.db.DEFAULT_LINGER): `--linger 0`
opens and closes the file on every call (~45 ms a call at this scale), as sessions 9-11 measured.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The views are timed computing, not served from the page read cache (portal/core/readcache.py), which
# would answer every run after the warm-up from memory: PORTAL_READ_CACHE=1 times the cached hits.
os.environ.setdefault("PORTAL_READ_CACHE", "0")
for p in (ROOT, ROOT / "bench"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from generate import CACHE, SCALES, Generated, generate, load_history  # noqa: E402

CITIES = 10
YEAR = 2024


def both_ms(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """(median wall ms, median CPU ms) of `runs` runs after one untimed warm-up run."""
    fn()
    walls, cpus = [], []
    for _ in range(runs):
        c, s = time.process_time(), time.perf_counter()
        fn()
        walls.append(time.perf_counter() - s)
        cpus.append(time.process_time() - c)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000


def world(gen: Generated, into: Path, cities: bool) -> Path:
    """A copy of the generated home with the last round approved too, offices and entries."""
    from portal.core.context import Portal
    from warehouse import assessment_facts

    home = into / ("cities" if cities else "one")
    if home.exists():
        shutil.rmtree(home)
    shutil.copytree(gen.home, home, ignore=shutil.ignore_patterns("*.lock", "uploads"))
    portal = Portal.open(home)
    load_history(portal, [gen.last_round], seed=11)
    now = dt.datetime(2025, 1, 20, 10)
    with portal.warehouse.transaction() as con:
        con.execute(
            "INSERT INTO offices (code, name, short_name, parent, level) "
            "VALUES ('PROV', '合成省科技创新工作领导小组办公室', '合成省', NULL, 'province')"
        )
        if cities:
            for k in range(CITIES):
                con.execute(
                    "INSERT INTO offices (code, name, short_name, parent, level) VALUES (?, ?, ?, 'PROV', 'city')",
                    [f"C{k:02d}", f"合成市{k:02d}办公室", f"合成市{k:02d}"],
                )
                con.execute(
                    "INSERT INTO plans SELECT * REPLACE (? AS code, ? AS name, ? AS office) "
                    "FROM plans WHERE code = 'SYN'",
                    [f"SYN-C{k:02d}", f"合成市{k:02d}规划", f"C{k:02d}"],
                )
            per_city = gen.scale.units // CITIES
            city = f"lpad((CAST(substr(code, 4, 4) AS INTEGER) // {per_city})::VARCHAR, 2, '0')"
            con.execute(f"UPDATE indicators SET plan = 'SYN-C' || {city}")
            con.execute(f"UPDATE tasks SET plan = 'SYN-C' || {city}")
            con.execute(f"UPDATE units SET org = 'C' || lpad((CAST(substr(code, 2, 4) AS INTEGER) // {per_city})::VARCHAR, 2, '0')")  # fmt: skip
            con.execute("DELETE FROM plans WHERE code = 'SYN'")
        else:
            con.execute("UPDATE plans SET office = 'PROV'")
            con.execute("UPDATE units SET org = 'PROV'")
            units = [r[0] for r in con.execute("SELECT code FROM units ORDER BY rowid").fetchall()]
            for i, unit in enumerate(units):
                if i % 10 == 0:
                    con.execute(
                        "INSERT INTO assessment_deductions (plan, year, unit, code, points, reason, evidence, "
                        "entered_by, entered_at) VALUES ('SYN', ?, ?, 'DB', 1, '督办事项逾期', '督办单 1 号', 'bench', ?)",
                        [YEAR, unit, now],
                    )
                if i % 400 == 7:
                    con.execute(
                        "INSERT INTO assessment_vetoes (plan, year, unit, reason_code, reason, entered_by, "
                        "entered_at) VALUES ('SYN', ?, ?, '数据弄虚作假', '核查发现', 'bench', ?)",
                        [YEAR, unit, now],
                    )
            con.execute(
                "INSERT INTO assessment_self_scores (plan, year, unit, component, score, entered_by, entered_at) "
                "SELECT 'SYN', ?, u.code, c.component, c.score, 'bench', ? FROM units u, "
                "(VALUES ('indicators', 55.0), ('tasks', 28.0), ('reporting', 9.0)) c(component, score)",
                [YEAR, now],
            )
        assessment_facts.rebuild(con)  # the plans were rewritten in place, not imported
    return home


def cases(home: Path, cities: bool, round_code: str) -> dict[str, Callable[[], object]]:
    from argon2 import PasswordHasher

    from portal.accounts import auth
    from portal.accounts.auth import acting_account, check_session, sign_in, system_actor
    from portal.assessment.assess import assess
    from portal.core.context import Portal
    from portal.monitoring import dashboards as d
    from portal.monitoring.rollup import rollup
    from schemas.enums import Role
    from tests.conftest import account_in
    from warehouse import views as v

    # one sign-in for the session check: the smallest Argon2 parameters, as the tests use
    auth._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    portal = Portal.open(home)
    actor = system_actor()
    today = portal.settings.today()
    if cities:
        return {
            "roll-up of PROV (`rollup`, 10 city plans)": lambda: rollup(portal, actor, "PROV", round_code)
        }
    province = account_in(portal, "office_prov", Role.OFFICE_REVIEWER, offices=["PROV"])
    signed = sign_in(portal, "office_prov", "pw-office_prov-123").session
    assert signed is not None and acting_account(portal, "office_prov").scope.units() is not None

    def connected(fn):
        def run():
            with portal.warehouse.connect() as con:
                return fn(con)

        return run

    return {
        "completion (`views.completion`)": connected(lambda con: v.completion(con, round_code, today)),
        "completion board (`completion_board`, plan SYN)": lambda: d.completion_board(
            portal, province, round_code, "SYN"
        ),
        "KPI progress (`views.kpi_progress`)": connected(lambda con: v.kpi_progress(con, round_code)),
        "KPI board (`kpi_board`, plan SYN)": lambda: d.kpi_board(portal, province, round_code, "SYN"),
        "task progress (`views.task_progress`)": connected(lambda con: v.task_progress(con, round_code)),
        "task board (`task_board`, plan SYN)": lambda: d.task_board(portal, province, round_code, "SYN"),
        f"year-end indicators (`views.indicator_year_completion`, {YEAR})": connected(
            lambda con: v.indicator_year_completion(con, YEAR)
        ),
        f"annual assessment (`assess`, plan SYN, {YEAR}, default scheme)": lambda: assess(
            portal, actor, "SYN", YEAR
        ),
        "session check (`check_session`, province office)": lambda: check_session(portal, signed),
    }


def _connection_only(home: Path) -> Callable[[], object]:
    """What every page run pays once, at its first read, whatever it shows."""
    from portal.core.context import Portal
    from warehouse.views import install_macros

    warehouse = Portal.open(home).warehouse

    def run():
        with warehouse.page_run(), warehouse.connect() as con:
            install_macros(con)

    return run


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3, help="timed runs per view (after one warm-up)")
    parser.add_argument("--only", help="comma-separated words: run only the lines whose name has one")
    parser.add_argument(
        "--page-run",
        action="store_true",
        help="time each view as a page computes it: inside one page run whose warehouse connection "
        "is already open (a page opens one per run, whatever it shows: that cost gets its own line)",
    )
    parser.add_argument(
        "--linger",
        type=float,
        help="seconds the idle warehouse instance stays open between calls (default: the portal's, "
        "warehouse.db.DEFAULT_LINGER, so the runs after the warm-up find it open); 0: every call "
        "opens and closes the file, as each did before the instance lingered",
    )
    args = parser.parse_args()
    gen = generate(
        CACHE / "province", SCALES["province"], workbooks=False, log=lambda m: print(m, file=sys.stderr)
    )
    from portal.core.context import Portal

    words = [w.strip().lower() for w in (args.only or "").split(",") if w.strip()]
    load = os.getloadavg()
    print(f"# Province views ({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, load average {load[0]:.1f})")
    from warehouse.db import DEFAULT_LINGER, Warehouse

    linger = DEFAULT_LINGER if args.linger is None else args.linger
    print(
        f"median of {args.runs} runs after a warm-up; {os.cpu_count()} cores; idle instance kept {linger:g} s\n"
    )
    if args.page_run:
        print("each view inside one page run, its warehouse connection already open\n")
    print("| view | wall ms | CPU ms |")
    print("|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="bench-province-views-") as tmp:
        for cities in (False, True):
            if words and not any(w.startswith("roll") == cities for w in words):
                continue  # --only names no line of this layout
            home = world(gen, Path(tmp), cities)
            Warehouse(home / "warehouse.duckdb", linger=linger)  # the setting of this file in this process
            lines = cases(home, cities, gen.last_round)
            if args.page_run and not cities:
                lines = {"a page run's connection (open, macros, close)": _connection_only(home), **lines}
            for name, fn in lines.items():
                if words and not any(w in name.lower() for w in words):
                    continue
                inside = args.page_run and not name.startswith("a page run")
                # the warm-up run opens the page run's connection; the timed runs find it open
                with Portal.open(home).warehouse.page_run() if inside else contextlib.nullcontext():
                    wall, cpu = both_ms(fn, args.runs)
                print(f"| {name} | {wall:.0f} | {cpu:.0f} |", flush=True)
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
