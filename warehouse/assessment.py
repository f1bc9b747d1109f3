"""The data the annual assessment scores, gathered by the SQL in warehouse/sql/assessment_*.sql.

Nothing here scores: each function returns the facts as a Polars frame; portal/scoring.py turns
them into points. Bonus items are stored here, never deleted (a withdrawal is recorded on the row).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import AbstractContextManager

import duckdb
import polars as pl

from warehouse import db
from warehouse.views import cursor_of, install_macros, year_end_text
from warehouse.views import query as _query


def plan_row(con: duckdb.DuckDBPyConnection, plan: str) -> dict | None:
    rows = con.sql(
        "SELECT code, name, issuer, start_year, end_year FROM plans WHERE code = $plan", params={"plan": plan}
    ).pl()
    return rows.to_dicts()[0] if rows.height else None


def plan_codes(con: duckdb.DuckDBPyConnection) -> list[str]:
    return con.sql("SELECT code FROM plans ORDER BY rowid").pl()["code"].to_list()


def assessed_units(con: duckdb.DuckDBPyConnection, plan: str) -> pl.DataFrame:
    """unit, name, kind, position; also registered as the table `assessed_units` for the queries below."""
    units = _query(con, "assessment_units", plan=plan)
    register_units(con, units)
    return units


def register_units(con: duckdb.DuckDBPyConnection, units: pl.DataFrame) -> None:
    """`units` (their `unit` column) as the table `assessed_units` of this connection (cursor) alone."""
    con.register("assessed_units", units.select("unit").to_arrow())


def side_by_side(
    con: duckdb.DuckDBPyConnection, workers: int = 2
) -> AbstractContextManager[Callable[..., Future]]:
    """`run(lookup, *args)` starts lookup(cursor, *args) beside the caller's work on `con`
    (db.side_by_side, cursors marked as holding the macros): an assessment's large lookups overlap on
    the second core (issue 23)."""
    return db.side_by_side(con, workers, cursor_of)


_REPORT_COLUMNS = ["status", "percent", "round", "submission_id", "sheet_row"]


def _expected_percent(year: int, quarter: pl.Expr) -> pl.Expr:
    """序时进度 at the end of `quarter` of `year`: 100 × quarters elapsed since the plan's start over the
    quarters up to the end of the task's due year, at most 100; 100 without a report (as SQL's least()
    skips the NULL: the facts stay as they were, the score does not read it then)."""
    elapsed = (year - pl.col("start_year")) * 4 + quarter
    span = pl.max_horizontal(pl.lit(1), (pl.col("finish_year") - pl.col("start_year") + 1) * 4)
    return pl.min_horizontal(pl.lit(100.0), 100.0 * elapsed.cast(pl.Float64) / span.cast(pl.Float64))


def task_facts_of(
    con: duckdb.DuckDBPyConnection, plan: str | None, year: int, units: list[str] | None = None
) -> pl.DataFrame:
    """The definition of the task facts (the stored ones: warehouse/assessment_facts.py): every unit's
    tasks of the plan (None: of every plan) in the year, active or not, with the unit's own latest
    approved report of the year and the lead's (the scheme scores either), and the task's plan, lead
    unit and position. `units`: only the rows of those units and of the tasks they lead (an
    approval's refresh). The two lookups
    are joined here: Polars joins 60,000 rows on two text keys several times faster than DuckDB
    (province scale)."""
    year = int(year)
    assigned = _query(con, "assessment_tasks", plan=plan, year=year, units=units)
    reporters = None
    if units is not None:  # the units' own reports and those of the leads of their rows
        reporters = sorted(
            set(assigned["unit"].to_list()) | set(assigned["lead_unit"].drop_nulls().to_list())
        )
    reports = _query(con, "assessment_task_reports", plan=plan, year=year, units=reporters)
    own = reports.rename({"task": "item", "quarter": "own_quarter"})
    lead = reports.rename({c: f"lead_{c}" for c in [*_REPORT_COLUMNS, "quarter"]}).rename(
        {"unit": "lead_unit", "task": "item"}
    )
    return (
        assigned.join(own, on=["unit", "item"], how="left")
        .join(lead, on=["lead_unit", "item"], how="left")
        .with_columns(
            expected_percent=_expected_percent(year, pl.col("own_quarter")),
            lead_expected_percent=_expected_percent(year, pl.col("lead_quarter")),
        )
        .select("plan", *TASK_FACTS, "lead_unit", "position")
    )


# The task facts the assessment scores, in this order (portal/assessment/scoring.py reads them).
TASK_FACTS = [
    "unit",
    "item",
    "number",
    "name",
    "role",
    "weight",
    "helpers",
    *_REPORT_COLUMNS,
    "expected_percent",
    *[f"lead_{c}" for c in _REPORT_COLUMNS],
    "lead_expected_percent",
]


def reporting_facts(con: duckdb.DuckDBPyConnection, year: int, today: dt.date) -> pl.DataFrame:
    """Each assessed unit in each round of the year, as the completion view judges it (effective
    due date, first valid report, days late), with its returns; due_passed = due date < today.
    Needs `assessed_units`."""
    codes = [
        r[0]
        for r in con.execute("SELECT code FROM rounds WHERE year = ? ORDER BY quarter", [year]).fetchall()
    ]
    return _query(con, "assessment_reporting", year=year, rounds=codes, today=today)


def bonus_items(con: duckdb.DuckDBPyConnection, plan: str, year: int) -> pl.DataFrame:
    return _query(con, "assessment_bonus", plan=plan, year=year)


def insert_bonus(
    con: duckdb.DuckDBPyConnection,
    plan: str,
    year: int,
    unit: str,
    points: float,
    reason: str,
    entered_by: str,
    entered_at: dt.datetime,
) -> int:
    rows = con.execute(
        "INSERT INTO assessment_bonus (plan, year, unit, points, reason, entered_by, entered_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [plan, year, unit, points, reason, entered_by, entered_at],
    ).fetchall()
    return rows[0][0]


def bonus_in_force(con: duckdb.DuckDBPyConnection, bonus_id: int) -> dict | None:
    """One item in force (id, plan, year, unit, points, reason); None when there is none."""
    rows = con.sql(
        "SELECT id, plan, year, unit, points, reason FROM assessment_bonus "
        "WHERE id = $id AND withdrawn_at IS NULL",
        params={"id": bonus_id},
    ).pl()
    return rows.to_dicts()[0] if rows.height else None


def withdraw_bonus(
    con: duckdb.DuckDBPyConnection, bonus_id: int, by: str, at_time: dt.datetime
) -> dict | None:
    """Mark one item withdrawn; the row as it was, or None when there is no such item in force."""
    row = bonus_in_force(con, bonus_id)
    if row is None:
        return None
    con.execute(
        "UPDATE assessment_bonus SET withdrawn_by = ?, withdrawn_at = ? WHERE id = ?", [by, at_time, bonus_id]
    )
    return row


# --- issue 16: indicator cells, evaluators' entries, self-scores, whether the year is final ---------


def indicator_facts_of(
    con: duckdb.DuckDBPyConnection, plan: str | None, year: int, owners: list[str] | None = None
) -> pl.DataFrame:
    """The definition of the indicator facts (the stored ones: warehouse/assessment_facts.py): the
    year-end completion (indicator_year_end.sql, the one definition) of the plan's (None: every
    plan's) scored indicators (weight > 0) with an owner, active or not, with the cell each was
    judged on and the indicator's plan and position, unordered. `owners`: only the indicators those
    units own (an approval's refresh). The query ends on its rows before the task status is looked
    up, reading only the columns scored (issue 23: the view's every column and a second lookup of the
    cells cost ~1.3× the CPU)."""
    install_macros(con)
    return con.sql(
        year_end_text(_INDICATOR_FACTS), params={"plan": plan, "year": int(year), "owners": owners}
    ).pl()


# The indicator facts the assessment scores, in this order (portal/assessment/scoring.py reads them).
INDICATOR_FACTS = [
    "unit",
    "item",
    "name",
    "kind",
    "measure_unit",
    "weight",
    "target",
    "actual",
    "ratio",
    "pace",
    "round",
    "submission_id",
    "cell",
    "plan_target",
]

_INDICATOR_FACTS = (
    "SELECT y.plan, y.owner AS unit, y.indicator AS item, y.name, y.kind, y.measure_unit, y.weight, "
    "y.expected AS target, y.actual, y.ratio, y.pace, y.actual_round AS round, "
    "y.actual_submission AS submission_id, y.actual_cell AS cell, y.target_value AS plan_target, y.position "
    "FROM year_end y WHERE y.weight > 0 AND y.owner IS NOT NULL"
)


def task_facts(con: duckdb.DuckDBPyConnection, plan: str, year: int) -> pl.DataFrame:
    """Each assessed (active) unit's tasks of the plan in the year, in task order within each unit:
    TASK_FACTS, read from the stored facts (migration 0022, warehouse/assessment_facts.py)."""
    return _as_assessed(con, _stored(con, "assessment_task_facts", "tasks", plan, year), "tasks")


def indicator_facts(con: duckdb.DuckDBPyConnection, plan: str, year: int) -> pl.DataFrame:
    """The plan's scored indicators owned by assessed (active) units, with their year-end completion
    and the cell each was judged on, in indicator order: INDICATOR_FACTS, read from the stored facts
    (migration 0022, warehouse/assessment_facts.py). The assessed units (assessment_units.sql) among
    the owners of a plan's indicators are exactly the active ones: read so, it starts before they are
    known."""
    return _as_assessed(
        con, _stored(con, "assessment_indicator_facts", "indicators", plan, year), "indicators"
    )


def computed_facts(con: duckdb.DuckDBPyConnection, kind: str, plan: str, year: int) -> pl.DataFrame:
    """What task_facts ("tasks") or indicator_facts ("indicators") reads, computed from the definition
    instead of the stored table: what the stored read must equal (checks, and the assessment as it was
    before migration 0022, bench/assessment_stored_facts.py)."""
    definition = task_facts_of if kind == "tasks" else indicator_facts_of
    return _as_assessed(con, definition(con, plan, year), kind)


# kind → (the columns the assessment reads, their order: task order within each unit; indicator order)
_ASSESSED = {
    "tasks": (TASK_FACTS, ["unit", "position"]),
    "indicators": (INDICATOR_FACTS, ["position", "item"]),
}


def _stored(con: duckdb.DuckDBPyConnection, table: str, kind: str, plan: str, year: int) -> pl.DataFrame:
    """One plan's year of a stored table, only the columns `_as_assessed` keeps or sorts by."""
    columns, order = _ASSESSED[kind]
    return con.sql(
        f"SELECT {', '.join(dict.fromkeys([*columns, *order]))} FROM {table} WHERE plan = $plan AND year = $year",
        params={"plan": plan, "year": int(year)},
    ).pl()


def _as_assessed(con: duckdb.DuckDBPyConnection, rows: pl.DataFrame, kind: str) -> pl.DataFrame:
    """The active units' rows in the assessment's order and columns. Filtered and sorted in Polars:
    at province scale (60,000 task rows) DuckDB's semi join with `units` and its ORDER BY carrying
    every column cost ~40 ms of a ~65 ms read, Polars ~15 ms (bench/assessment_steps.py)."""
    columns, order = _ASSESSED[kind]
    inactive = con.execute("SELECT list(code) FROM units WHERE NOT active").fetchall()[0][0]
    if inactive:
        rows = rows.filter(~pl.col("unit").is_in(inactive))
    return rows.sort(order).select(columns)


_ENTRY_QUERIES = {
    # kind → SELECT of (id, unit, item, points, reason, evidence, entered_by, entered_at) in force
    "deductions": "SELECT id, unit, code AS item, points, reason, evidence, entered_by, entered_at "
    "FROM assessment_deductions WHERE plan = $plan AND year = $year AND withdrawn_at IS NULL",
    "vetoes": "SELECT id, unit, reason_code AS item, NULL::DOUBLE AS points, reason, evidence, entered_by, "
    "entered_at FROM assessment_vetoes WHERE plan = $plan AND year = $year AND withdrawn_at IS NULL",
    "qualitative": "SELECT id, unit, item, score AS points, note AS reason, NULL AS evidence, entered_by, "
    "entered_at FROM assessment_qualitative WHERE plan = $plan AND year = $year",
    "self_scores": "SELECT id, unit, component AS item, score AS points, NULL AS reason, NULL AS evidence, "
    "entered_by, entered_at FROM assessment_self_scores WHERE plan = $plan AND year = $year",
}
# entries oldest first within each unit
_ENTRY_ORDER = "unit, entered_at, id"
ENTRY_TABLES = {
    "deductions": "assessment_deductions",
    "vetoes": "assessment_vetoes",
    "qualitative": "assessment_qualitative",
    "self_scores": "assessment_self_scores",
}


def entries(con: duckdb.DuckDBPyConnection, kind: str, plan: str, year: int) -> pl.DataFrame:
    """The entries of `kind` in force for a plan and year, oldest first."""
    return con.sql(
        f"{_ENTRY_QUERIES[kind]} ORDER BY {_ENTRY_ORDER}", params={"plan": plan, "year": year}
    ).pl()


def every_entry(con: duckdb.DuckDBPyConnection, plan: str, year: int) -> dict[str, pl.DataFrame]:
    """`entries` of every kind, from one query (issue 23: five lookups of a few rows each cost ~2 ms
    apiece in the assessment's gathering, mostly the query's round trip)."""
    union = " UNION ALL ".join(
        f"SELECT '{kind}' AS kind, * FROM ({sql})" for kind, sql in _ENTRY_QUERIES.items()
    )
    every = con.sql(f"{union} ORDER BY kind, {_ENTRY_ORDER}", params={"plan": plan, "year": year}).pl()
    return {kind: every.filter(pl.col("kind") == kind).drop("kind") for kind in _ENTRY_QUERIES}


def insert_entry(con: duckdb.DuckDBPyConnection, kind: str, row: dict) -> int:
    """Insert one row into the kind's table (columns as named in `row`); its id."""
    table = ENTRY_TABLES[kind]
    columns = list(row)
    rows = con.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) RETURNING id",
        list(row.values()),
    ).fetchall()
    return rows[0][0]


_ITEM_COLUMNS = {"deductions": "code", "vetoes": "reason_code"}


def entry_in_force(con: duckdb.DuckDBPyConnection, kind: str, entry_id: int) -> dict | None:
    """One deduction or veto in force (id, plan, year, unit, item, reason); None when there is none:
    the caller checks the account's scope on its plan before withdrawing it."""
    table, item = ENTRY_TABLES[kind], _ITEM_COLUMNS[kind]
    rows = con.sql(
        f"SELECT id, plan, year, unit, {item} AS item, reason FROM {table} "
        "WHERE id = $id AND withdrawn_at IS NULL",
        params={"id": entry_id},
    ).pl()
    return rows.to_dicts()[0] if rows.height else None


def withdraw_entry(
    con: duckdb.DuckDBPyConnection, kind: str, entry_id: int, by: str, at_time: dt.datetime
) -> dict | None:
    """Mark a deduction or veto withdrawn; the row as it was, or None when none with that id is in force."""
    table = ENTRY_TABLES[kind]
    rows = con.sql(
        f"SELECT id, plan, year, unit FROM {table} WHERE id = $id AND withdrawn_at IS NULL",
        params={"id": entry_id},
    ).pl()
    if not rows.height:
        return None
    con.execute(
        f"UPDATE {table} SET withdrawn_by = ?, withdrawn_at = ? WHERE id = ?", [by, at_time, entry_id]
    )
    return rows.to_dicts()[0]


def latest_approval(con: duckdb.DuckDBPyConnection, year: int) -> dt.date | None:
    """The day the newest approval of an assessed unit's report for a round of `year` was made: the
    data the assessment counts goes up to it (None: nothing approved yet). Needs `assessed_units`."""
    rows = con.sql(
        "SELECT max(v.reviewed_at) FROM reviews v "
        "JOIN submissions s ON s.id = v.submission_id "
        "JOIN rounds r ON r.code = s.round "
        "WHERE v.decision = 'approve' AND v.item_kind IS NULL AND r.year = $year "
        "  AND s.unit IN (SELECT unit FROM assessed_units)",
        params={"year": year},
    ).fetchall()
    return rows[0][0].date() if rows and rows[0][0] is not None else None


def unsettled_rounds(con: duckdb.DuckDBPyConnection, year: int) -> list[str]:
    """The year's rounds still open or holding a submission awaiting review, and its fourth quarter
    while it is not yet registered: while any remain, the year's assessment is preliminary (预评)."""
    rows = con.sql(
        "SELECT r.code, r.quarter, r.state, "
        "  EXISTS (SELECT 1 FROM submissions s WHERE s.round = r.code AND s.status = 'validated') AS pending "
        "FROM rounds r WHERE r.year = $year ORDER BY r.quarter",
        params={"year": year},
    ).fetchall()
    found = [code for code, _, state, pending in rows if state == "open" or pending]
    if 4 not in {quarter for _, quarter, _, _ in rows}:
        found.append(f"{year}Q4")
    return found
