"""Time the views on the demo registry with every round fully reported and approved.

    python bench/bench_views.py [--repeat 5]

Builds a demo portal in a temporary PORTAL_HOME, adds one approved submission per expected unit
and round (2024Q1..2025Q3) with a value for every indicator it owns and a row for every task it
is on, then prints the median time of each view. Numbers are for a warm process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from portal.core.context import Portal  # noqa: E402
from portal.ops.init import init_portal  # noqa: E402
from warehouse import approved, views  # noqa: E402


def fill(portal: Portal) -> int:
    """One approved submission per expected unit and round, facts included; returns how many."""
    rng = random.Random(7)
    with portal.warehouse.transaction() as con:
        rounds = con.sql("SELECT code, due_date FROM rounds ORDER BY year, quarter").fetchall()
        owners = con.sql("SELECT unit, indicator FROM indicator_owners").fetchall()
        duties = con.sql("SELECT unit, task, role FROM task_units").fetchall()
        units = sorted({u for u, _ in owners} | {u for u, _, _ in duties})
        subs, values, progress = [], [], []
        n = len(rounds) * len(units)
        ids = iter(
            r[0] for r in con.execute(f"SELECT nextval('submission_id_seq') FROM range({n})").fetchall()
        )
        for code, due in rounds:
            for unit in units:
                sub_id = next(ids)
                when = dt.datetime.combine(due, dt.time(9)) - dt.timedelta(days=rng.randint(-3, 10))
                subs.append((sub_id, unit, code, 1, f"h{sub_id}", "bench", when, "approved"))
                values += [(sub_id, ind, unit, code, rng.uniform(0, 100)) for u, ind in owners if u == unit]
                progress += [
                    (sub_id, task, unit, code, role, rng.choice(["in_progress", "completed", "behind"]), 50.0)
                    for u, task, role in duties
                    if u == unit
                ]
        frames = {
            "submissions": pl.DataFrame(
                subs,
                schema=[
                    "id",
                    "unit",
                    "round",
                    "version",
                    "file_hash",
                    "uploaded_by",
                    "uploaded_at",
                    "status",
                ],
                orient="row",
            ),
            "indicator_values": pl.DataFrame(
                values, schema=["submission_id", "indicator", "unit", "round", "value"], orient="row"
            ),
            "task_progress": pl.DataFrame(
                progress,
                schema=["submission_id", "task", "unit", "round", "role", "status", "percent"],
                orient="row",
            ),
        }
        for table, frame in frames.items():
            con.register("rows", frame.to_arrow())
            con.execute(f"INSERT INTO {table} ({', '.join(frame.columns)}) SELECT * FROM rows")
            con.unregister("rows")
        approved.rebuild(con)  # a bulk load: the approved values follow (migration 0018)
    return len(subs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="bench-views-"))
    (home / "settings.toml").write_text('secret_key = "bench"\n', encoding="utf-8")
    portal, _ = init_portal(Portal.open(home), demo=True)
    n = fill(portal)
    today = portal.settings.today()
    cases = {
        "kpi_progress(2025Q3)": lambda con: views.kpi_progress(con, "2025Q3"),
        "indicator_year_completion(2024)": lambda con: views.indicator_year_completion(con, 2024),
        "completion(2025Q3)": lambda con: views.completion(con, "2025Q3", today),
        "task_progress(2025Q3)": lambda con: views.task_progress(con, "2025Q3"),
    }
    print(f"{n} submissions; median of {args.repeat} runs on one open connection")
    with portal.warehouse.connect() as con:
        for name, run in cases.items():
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                frame = run(con)
                times.append(time.perf_counter() - start)
            main_frame = frame if isinstance(frame, pl.DataFrame) else getattr(frame, "units", None)
            rows = (main_frame if main_frame is not None else frame.tasks).height
            print(f"  {name:<34} {statistics.median(times) * 1000:7.1f} ms  ({rows} rows)")


if __name__ == "__main__":
    main()
