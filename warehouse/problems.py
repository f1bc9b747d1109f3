"""问题库 rows: items (what never changes) and their append-only trail of events.

Nothing here updates or deletes: a step is a new event, and an item's state is its last event's.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from warehouse.sql import query

PROBLEM_COLUMNS = (
    "plan",
    "unit",
    "title",
    "text",
    "source_submission",
    "source_task",
    "source_round",
    "source_note",
    "created_by",
    "created_at",
)
EVENT_COLUMNS = (
    "problem_id",
    "step",
    "state",
    "assignee",
    "due_date",
    "text",
    "evidence_name",
    "evidence_type",
    "evidence_path",
    "actor",
    "happened_at",
)


def _insert(con: duckdb.DuckDBPyConnection, table: str, columns: tuple[str, ...], row: dict) -> int:
    marks = ", ".join("?" for _ in columns)
    return con.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) RETURNING id",
        [row.get(c) for c in columns],
    ).fetchall()[0][0]


def insert_problem(con: duckdb.DuckDBPyConnection, row: dict) -> int:
    """A new item (its first event is the caller's next call); its id."""
    return _insert(con, "problems", PROBLEM_COLUMNS, row)


def insert_event(con: duckdb.DuckDBPyConnection, row: dict) -> int:
    """One step of an item's trail; its id."""
    return _insert(con, "problem_events", EVENT_COLUMNS, row)


def problems(con: duckdb.DuckDBPyConnection, today: dt.date, problem_id: int | None = None) -> pl.DataFrame:
    """Every item (or the one `problem_id`) with its current state, assignee, due date, latest
    answer and `overdue` on `today`."""
    one = None if problem_id is None else int(problem_id)
    return con.sql(query("problems"), params=[one, one, one, one, today]).pl()


def problem(con: duckdb.DuckDBPyConnection, problem_id: int, today: dt.date) -> dict | None:
    rows = problems(con, today, problem_id).to_dicts()
    return rows[0] if rows else None


def events(con: duckdb.DuckDBPyConnection, problem_id: int) -> pl.DataFrame:
    """An item's trail, oldest first."""
    return con.sql(
        f"SELECT id AS event_id, {', '.join(EVENT_COLUMNS)} FROM problem_events WHERE problem_id = ? ORDER BY id",
        params=[int(problem_id)],
    ).pl()


def event(con: duckdb.DuckDBPyConnection, event_id: int) -> dict | None:
    rows = con.sql(
        f"SELECT id AS event_id, {', '.join(EVENT_COLUMNS)} FROM problem_events WHERE id = ?",
        params=[int(event_id)],
    ).pl()
    return rows.to_dicts()[0] if rows.height else None


def candidates(con: duckdb.DuckDBPyConnection, round_code: str | None, none_texts: list[str]) -> pl.DataFrame:
    """The 存在问题 in submissions the office has (sql/problem_candidates.sql)."""
    return con.sql(query("problem_candidates"), params=[round_code, round_code, list(none_texts)]).pl()


def reported(con: duckdb.DuckDBPyConnection, submission_id: int, task: str) -> dict | None:
    """One task row of a submission: unit, round, status, plan and its 存在问题 (None if absent)."""
    rows = (
        con.sql(
            "SELECT s.id AS submission_id, s.unit, s.round, s.status, tp.task, t.plan, t.title AS task_title, "
            "tp.problems FROM submissions s JOIN task_progress tp ON tp.submission_id = s.id "
            "JOIN tasks t ON t.code = tp.task WHERE s.id = ? AND tp.task = ?",
            params=[int(submission_id), task],
        )
        .pl()
        .to_dicts()
    )
    return rows[0] if rows else None


def submission_unit(con: duckdb.DuckDBPyConnection, submission_id: int) -> str | None:
    rows = con.execute("SELECT unit FROM submissions WHERE id = ?", [int(submission_id)]).fetchall()
    return rows[0][0] if rows else None


def of_source(con: duckdb.DuckDBPyConnection, submission_id: int, task: str) -> int | None:
    """The item already taken up from this task row of this submission, if any."""
    rows = con.execute(
        "SELECT min(id) FROM problems WHERE source_submission = ? AND source_task = ?",
        [int(submission_id), task],
    ).fetchall()
    return rows[0][0]


def first_assigned(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """problem_id → the day it was first 交办 and the day it was 销号 (None if not), for the 季度通报."""
    return con.sql(
        "SELECT problem_id, min(happened_at) FILTER (WHERE step = 'assign')::DATE AS assigned_on, "
        "max(happened_at) FILTER (WHERE step = 'close')::DATE AS closed_on "
        "FROM problem_events GROUP BY problem_id"
    ).pl()
