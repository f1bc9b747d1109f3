"""The queries behind every view, each kept as one SQL file in warehouse/sql and loaded by name.

Shared definitions (the KPI pace rule, "current submission") are DuckDB macros in `pace.sql`,
`submissions.sql` and `completion_rules.sql`, stored in the database file (`install_macros`), so
every view and the assessment judge an indicator the same way. Parameters are always bound, never formatted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import weakref
from dataclasses import dataclass
from functools import cache
from importlib import resources

import duckdb
import polars as pl

from schemas.enums import ReportState
from schemas.errors import NotFound
from warehouse import rounds
from warehouse.rounds import RoundInfo

# Files of macros every view may call, in the order they must be defined.
MACRO_FILES = ("pace", "submissions", "completion_rules")


class UnknownRound(NotFound, LookupError):
    """The round asked for is not in the warehouse (message in Chinese, for the caller to show)."""


@cache
def load_sql(name: str) -> str:
    return resources.files("warehouse.sql").joinpath(f"{name}.sql").read_text(encoding="utf-8")


# The shared macros are stored in the database file (persistent, not TEMP): defining them costs
# ~35 ms of CPU (issue 23: a third of a view on a connection of its own), so they are defined only
# when the text of MACRO_FILES (or DuckDB's version) differs from the digest recorded beside them,
# in table portal_macros: once after an upgrade, `portal init`, a restore of an older backup or a
# migration. Defined inside a transaction that rolls back, they and the digest go back together.
MACRO_TABLE = "portal_macros"


def _persistent(sql: str) -> str:
    """A macro file's script with every macro stored in the file (a TEMP one merged in is too)."""
    return re.sub(r"\bCREATE\s+OR\s+REPLACE\s+TEMP(ORARY)?\s+MACRO\b", "CREATE OR REPLACE MACRO", sql)


@cache
def macro_script() -> str:
    return "\n".join(_persistent(load_sql(name)) for name in MACRO_FILES)


@cache
def macro_digest() -> str:
    return hashlib.sha256(f"{duckdb.__version__}\n{macro_script()}".encode()).hexdigest()


# Connections opened by warehouse.db.Warehouse, which checked the digest once per file stamp: their
# views skip even the digest check.
_ready: weakref.WeakSet = weakref.WeakSet()


def macros_ready(con: duckdb.DuckDBPyConnection) -> None:
    """Mark `con` as holding the current macros (the caller just installed or checked them)."""
    _ready.add(con)


def cursor_of(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A new cursor of `con`'s database, marked as holding the macros when `con` is (same file)."""
    cur = con.cursor()
    if con in _ready:
        _ready.add(cur)
    return cur


def installed_digest(con: duckdb.DuckDBPyConnection) -> str | None:
    """The digest of the macros stored in the file, None when none were (read without an error,
    which would abort the caller's transaction)."""
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND table_name = ?",
        [MACRO_TABLE],
    ).fetchall()[0][0]
    if not found:
        return None
    rows = con.execute(f"SELECT digest FROM {MACRO_TABLE}").fetchall()
    return rows[0][0] if len(rows) == 1 else None


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Make sure the file holds the current shared macros; defines them only when their digest differs."""
    if con in _ready:
        # what the digest check's execute() did before: a view may follow an execute() whose rows
        # were not all fetched (a fetchone()), which the relation API of con.sql() refuses to run after
        con.complete()
        return
    if installed_digest(con) == macro_digest():
        return
    con.execute(macro_script())  # DuckDB runs a script of several statements as it is
    con.execute(f"CREATE TABLE IF NOT EXISTS {MACRO_TABLE} (digest VARCHAR)")
    con.execute(f"DELETE FROM {MACRO_TABLE}")
    con.execute(f"INSERT INTO {MACRO_TABLE} VALUES (?)", [macro_digest()])


def without_comments(text: str) -> str:
    """`text` with each SQL comment replaced by a line break, found by DuckDB's own tokenizer (which
    counts UTF-8 bytes), so text in quotes is never touched."""
    raw = text.encode()
    tokens = duckdb.tokenize(text)
    kept, start = [], 0
    for i, (offset, kind) in enumerate(tokens):
        if kind == duckdb.token_type.comment:
            kept += [raw[start:offset], b"\n"]
            start = tokens[i + 1][0] if i + 1 < len(tokens) else len(raw)
    kept.append(raw[start:])
    return b"".join(kept).decode()


@cache
def query_text(name: str) -> str:
    """warehouse/sql/<name>.sql as sent to DuckDB, without its comments. The client looks for
    parameter markers in a query's text before running it, and a text that is not ASCII (the
    Chinese of the comments) it maps character by character in Python: ~1.5 ms a run for
    kpi_progress.sql, ~3.5 ms for indicator_year_end.sql, for nothing the engine reads."""
    return without_comments(load_sql(name))


def query(con: duckdb.DuckDBPyConnection, name: str, **params) -> pl.DataFrame:
    """Run warehouse/sql/<name>.sql with its $parameters bound, as a Polars frame."""
    install_macros(con)
    return con.sql(query_text(name), params=params).pl()


def round_info(con: duckdb.DuckDBPyConnection, code: str) -> RoundInfo:
    found = rounds.get(con, code)
    if found is None:
        raise UnknownRound(f"没有调度轮次“{code}”，请先在轮次管理中创建或检查轮次代码。")
    return found


# ---------------------------------------------------------------- KPI progress


def kpi_progress(
    con: duckdb.DuckDBPyConnection, round_code: str, columns: tuple[str, ...] | None = None
) -> pl.DataFrame:
    """Every indicator as at the end of the round's quarter: actual, expected (序时进度), ratio, pace
    (pace.sql). A value is judged against the expected value of the round it belongs to; an
    indicator without an approved value for this round has pace 'unreported' (`current` False).

    `columns`: only those, then `position` (the registry order the whole view is sorted by), rows in
    no order: for a caller that counts every row and shows a few (the roll-up: 40,000 rows at
    province scale, the sort and the unused columns ~20 ms of CPU). Same rows, same values."""
    r = round_info(con, round_code)
    params = dict(year=r.year, quarter=r.quarter, since_year=None, per_round=True)
    if columns is None:
        return query(con, "kpi_progress", **params)
    install_macros(con)
    return con.sql(_kpi_columns_text(tuple(columns)), params=params).pl()


# kpi_progress.sql's last statement: the only text _kpi_columns_text replaces.
_KPI_SORTED = "SELECT * EXCLUDE (position) FROM kpi_rows ORDER BY position;"
# indicator_year_end.sql's last statement: the only text year_end_text replaces.
_YEAR_END_LAST = "SELECT * FROM with_status;"


def _ended(name: str, last: str, final: str) -> str:
    """warehouse/sql/<name>.sql with its last statement, exactly `last`, replaced by `final` (a
    statement over the query's CTEs); ValueError when the file no longer ends so."""
    head, found, tail = query_text(name).rpartition(last)
    if not found or tail.strip():
        raise ValueError(f"{name}.sql: its last statement moved (not {last!r})")
    return f"{head}{final}"


@cache
def _kpi_columns_text(columns: tuple[str, ...]) -> str:
    """kpi_progress.sql ending in the chosen columns of its rows, unsorted."""
    if not all(re.fullmatch(r"[a-z_]+", c) for c in columns):
        raise ValueError(f"kpi_progress columns {columns!r}: not column names")
    return _ended("kpi_progress", _KPI_SORTED, f"SELECT {', '.join(columns)}, position FROM kpi_rows;")


@cache
def year_end_text(final: str) -> str:
    """indicator_year_end.sql ending in `final`, a statement over its CTE year_end (the rows before
    the task status is looked up) instead of with_status: for the annual assessment, which reads no
    task status (the lookup is a third of the query's planning, and a scan of the task reports where
    indicators belong to tasks)."""
    return _ended("indicator_year_end", _YEAR_END_LAST, final)


def indicator_year_completion(
    con: duckdb.DuckDBPyConnection, year: int, plan: str | None = None
) -> pl.DataFrame:
    """Year-end completion: the latest value approved within `year` against the expected value at
    the end of that year (its yearly target for flows); same columns and order as kpi_progress, where
    `ratio`/`pace` are the year's and equal `year_ratio`; ordered by position, then code (kpi_progress
    leaves the order of equal positions of different plans open). `plan`: that plan's indicators only.
    indicator_year_end.sql is kpi_progress.sql written for this case alone (issue 23)."""
    rows = query(con, "indicator_year_end", year=int(year), plan=plan, owners=None)
    return rows.sort("position", "indicator").drop("position", "actual_cell")  # positions repeat across plans


# ---------------------------------------------------------------- completion


# A unit that has not reported is warned (banner) and flagged on the 催报名单 this many days
# before its effective due date, and every day after it (issue 6: three days' notice).
DUE_SOON_DAYS = 3


@dataclass(frozen=True)
class Standing:
    """One unit's standing in one round, as standings() in submissions.sql defines it."""

    unit: str
    round: str
    state: ReportState
    reported: bool  # validated or approved; missing and returned units still owe the round
    submission_id: int | None
    rejected_attempts: int  # uploads that failed validation (a missing unit may have some)
    due_date: dt.date  # effective: the unit's extension, if granted, else the round's
    extended: bool


def standing(con: duckdb.DuckDBPyConnection, round_code: str, unit: str) -> Standing | None:
    """The unit's standing in the round; None when the round or the unit is not registered."""
    install_macros(con)
    rows = con.execute(
        "SELECT unit, round, state, reported, submission_id, rejected_attempts, due_date, extended "
        "FROM standings($round) WHERE unit = $unit",
        {"round": round_code, "unit": unit},
    ).fetchall()
    if not rows:
        return None
    unit, code, state, *rest = rows[0]
    return Standing(unit, code, ReportState(state), *rest)


def due_dates(con: duckdb.DuckDBPyConnection, round_code: str) -> dict[str, dt.date]:
    """{unit: its effective due date in the round} for every registered unit ({} for an unknown round)."""
    install_macros(con)
    return dict(con.execute("SELECT unit, due_date FROM standings($round)", {"round": round_code}).fetchall())


@dataclass
class Completion:
    """Who has reported in a round (completion.sql). Only active units expected to report are
    counted; reported = validated or approved (standings()), so a returned unit owes the round;
    rate = reported / expected, so never above 1 (None when nobody is expected)."""

    round: str
    due_date: dt.date
    today: dt.date
    expected: int
    reported: int
    rate: float | None
    units: pl.DataFrame  # one row per expected unit (completion.sql)
    by_kind: pl.DataFrame  # kind, expected, reported, one count per ReportState, rate
    missing: pl.DataFrame  # 催报名单: not reported (missing or returned), soonest due first
    due_soon: pl.DataFrame  # of those, due within DUE_SOON_DAYS days or overdue

    def only(self, units: pl.Series) -> Completion:
        """The same round restricted to `units` (e.g. the units on duty in one plan)."""
        kept = self.units.filter(pl.col("unit").is_in(units.implode()))
        reported = kept.filter(pl.col("reported")).height
        missing = not_reported(kept)
        return Completion(
            round=self.round,
            due_date=self.due_date,
            today=self.today,
            expected=kept.height,
            reported=reported,
            rate=reported / kept.height if kept.height else None,
            units=kept,
            by_kind=_by_kind(kept),
            missing=missing,
            due_soon=missing.filter(pl.col("due_soon")),
        )


def completion(con: duckdb.DuckDBPyConnection, round_code: str, today: dt.date) -> Completion:
    r = round_info(con, round_code)
    units = query(con, "completion", rounds=[round_code], today=today, due_soon_days=DUE_SOON_DAYS)
    return _completion(r, units.drop("round"), today)


def completions(
    con: duckdb.DuckDBPyConnection, round_codes: list[str], today: dt.date
) -> dict[str, Completion]:
    """completion() of several rounds from one query (the completion board's matrix, the roll-up
    and the assessment read every round of a range: one pass instead of one query per round)."""
    infos = {code: round_info(con, code) for code in dict.fromkeys(round_codes)}
    units = query(con, "completion", rounds=list(infos), today=today, due_soon_days=DUE_SOON_DAYS)
    by_round = units.partition_by("round", as_dict=True, include_key=False, maintain_order=True)
    empty = units.clear().drop("round")
    return {code: _completion(r, by_round.get((code,), empty), today) for code, r in infos.items()}


def completion_units(con: duckdb.DuckDBPyConnection, round_codes: list[str], today: dt.date) -> pl.DataFrame:
    """completion.sql's rows of several rounds at once, long, with a `round` column (rounds unknown
    to the warehouse have no rows)."""
    return query(con, "completion", rounds=list(round_codes), today=today, due_soon_days=DUE_SOON_DAYS)


def completion_counts(
    con: duckdb.DuckDBPyConnection,
    round_codes: list[str],
    today: dt.date,
    plans: list[str],
    units: list[str] | None = None,
) -> pl.DataFrame:
    """plan, round, expected, reported, late: completion_units' rows of the units on duty in each of
    `plans` (unit_plans), counted in the warehouse (completion_counts.sql); `units`: only those (None:
    every unit). One row per plan and round with such units; unknown rounds have none."""
    return query(
        con,
        "completion_counts",
        rounds=list(round_codes),
        today=today,
        due_soon_days=DUE_SOON_DAYS,
        plans=list(plans),
        units=None if units is None else sorted(units),
    )


def _completion(r: RoundInfo, units: pl.DataFrame, today: dt.date) -> Completion:
    reported = units.filter(pl.col("reported")).height
    by_kind = _by_kind(units)
    missing = not_reported(units)
    return Completion(
        round=r.code,
        due_date=r.due_date,
        today=today,
        expected=units.height,
        reported=reported,
        rate=reported / units.height if units.height else None,
        units=units,
        by_kind=by_kind,
        missing=missing,
        due_soon=missing.filter(pl.col("due_soon")),
    )


def _by_kind(units: pl.DataFrame) -> pl.DataFrame:
    return (
        units.group_by("kind", maintain_order=True)
        .agg(
            pl.len().cast(pl.Int64).alias("expected"),
            pl.col("reported").sum().cast(pl.Int64).alias("reported"),
            *[(pl.col("state") == s.value).sum().cast(pl.Int64).alias(s.value) for s in ReportState],
        )
        .with_columns((pl.col("reported") / pl.col("expected")).alias("rate"))
        .sort("kind")
    )


def not_reported(units: pl.DataFrame) -> pl.DataFrame:
    """The 催报名单 of completion rows: units that owe the round (missing or returned), soonest due first."""
    return units.filter(~pl.col("reported")).sort(["days_left", "unit"])


# ---------------------------------------------------------------- task progress


@dataclass
class TaskProgress:
    round: str
    tasks: pl.DataFrame  # one row per task: lead's status/percent, helpers as a list of structs
    long: pl.DataFrame  # one row per task and responsible unit
    overdue: pl.DataFrame  # rows of `tasks` flagged overdue (past due and not completed, or behind)


def task_progress(con: duckdb.DuckDBPyConnection, round_code: str) -> TaskProgress:
    r = round_info(con, round_code)
    long = query(con, "task_progress_long", round=round_code)
    tasks = per_task(long, r.year)
    return TaskProgress(round_code, tasks, long.drop("task_position"), tasks.filter(pl.col("overdue")))


# A helper's report in TaskProgress.tasks["helpers"].
_HELPER = pl.Struct(
    {"unit": pl.String, "name": pl.String, "status": pl.String, "percent": pl.Float64,
     "submission_status": pl.String}
)  # fmt: skip


def per_task(long: pl.DataFrame, year: int) -> pl.DataFrame:
    """One row per task from task_progress_long's rows (in task order): the lead's status and percent
    beside a list of the helpers' (unit, name, status, percent, submission_status), and whether the
    task is overdue. In Polars over the frame already read (a province's 60,000 rows): handing it
    back to DuckDB for a list aggregate cost more than the query itself.

    overdue          the due year has passed (`year` > due_year) and the lead has not reported
                     已完成 (completed), or the lead or any helper reports 滞后 (behind).
    overdue_reasons  'past_due' and/or 'behind'."""
    keys = ["task", "plan", "number", "title", "due_year", "weight", "task_position"]
    lead = pl.col("role") == "lead"
    helper = pl.col("role") == "helper"
    # each task's first row, in order: unique(keep="first", maintain_order=True) without its hashing
    first = pl.col("task").is_first_distinct()
    helpers = long.filter(helper).sort("task_position", "position")
    listed = helpers.group_by("task").agg(
        pl.struct(
            "unit",
            pl.col("unit_name").alias("name"),
            "status",
            "percent",
            "submission_status",
        )
        .cast(_HELPER)
        .alias("helpers"),
        pl.len().cast(pl.Int32).alias("helper_count"),
        pl.col("status").count().cast(pl.Int32).alias("helpers_reported"),
        # bool_or over the helpers' reported statuses: NULL when none reported
        pl.when(pl.col("status").count() > 0)
        .then((pl.col("status") == "behind").any())
        .alias("helper_behind"),
    )
    leads = (
        long.filter(lead)
        .select(
            "task",
            pl.col("unit").alias("lead_unit"),
            pl.col("unit_name").alias("lead_name"),
            pl.col("status").alias("lead_status"),
            pl.col("percent").alias("lead_percent"),
            pl.col("submission_status").alias("lead_submission_status"),
        )
        .filter(first)
    )
    tasks = long.select(keys).filter(first).sort("task_position")
    tasks = tasks.join(leads, on="task", how="left", maintain_order="left")
    tasks = tasks.join(listed, on="task", how="left", maintain_order="left").with_columns(
        pl.col("helpers").fill_null(pl.lit([], pl.List(_HELPER))),
        pl.col("helper_count").fill_null(0),
        pl.col("helpers_reported").fill_null(0),
    )
    past_due = (pl.lit(year) > pl.col("due_year")).fill_null(False) & (
        pl.col("lead_status").fill_null("") != "completed"
    )
    behind = (pl.col("lead_status") == "behind").fill_null(False) | pl.col("helper_behind").fill_null(False)
    return tasks.with_columns(past_due.alias("past_due"), behind.alias("behind")).select(
        "task",
        "plan",
        "number",
        "title",
        "due_year",
        "weight",
        "lead_unit",
        "lead_name",
        "lead_status",
        "lead_percent",
        "lead_submission_status",
        "helpers",
        "helper_count",
        "helpers_reported",
        (pl.col("past_due") | pl.col("behind")).alias("overdue"),
        pl.concat_list(
            pl.when(pl.col("past_due")).then(pl.lit(["past_due"])).otherwise(pl.lit([], pl.List(pl.String))),
            pl.when(pl.col("behind")).then(pl.lit(["behind"])).otherwise(pl.lit([], pl.List(pl.String))),
        ).alias("overdue_reasons"),
    )


# ---------------------------------------------------------------- KPI history


# The columns of kpi_progress that fix an indicator's expected-pace line (kpi_history.sql).
_LINE_COLUMNS = (
    "indicator",
    "plan",
    "kind",
    "direction",
    "base_value",
    "base_time",
    "target_value",
    "target_year",
)


def kpi_history(
    con: duckdb.DuckDBPyConnection, round_code: str, indicators: list[str] | None = None
) -> pl.DataFrame:
    """Per indicator and quarter up to `round_code`: the value approved in that round against the
    expected pace there, on the line KPI progress judges the indicator by at `round_code`.
    `indicators` limits the rows (None: every indicator)."""
    lines = kpi_progress(con, round_code).with_row_index("line_order").select("line_order", *_LINE_COLUMNS)
    if indicators is not None:
        lines = lines.filter(pl.col("indicator").is_in(list(indicators)))
    con.register("kpi_lines", lines.to_arrow())
    try:
        return con.sql(load_sql("kpi_history"), params={"round": round_code}).pl()
    finally:
        con.unregister("kpi_lines")


def unit_plans(con: duckdb.DuckDBPyConnection, plans: list[str] | None = None) -> pl.DataFrame:
    """unit, plan: the plans each unit has duties in (unit_plans.sql); `plans` keeps only those."""
    return query(con, "unit_plans", plans=None if plans is None else list(plans))


def owing_units(con: duckdb.DuckDBPyConnection, round_code: str) -> set[str]:
    """The units that owe a report in the round (owing_units() in submissions.sql, the one rule)."""
    install_macros(con)
    return {r[0] for r in con.execute("SELECT unit FROM owing_units(?)", [round_code]).fetchall()}
