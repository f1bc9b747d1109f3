"""The stored versions of an annual assessment (预评 → 公示 → 定稿) and the units' objections.

Nothing here decides: portal/assessment/lifecycle.py checks who may do what and when. Rows are never
deleted; a version is finalized or reopened by stamping its row.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

_VERSION_COLUMNS = (
    "id, plan, year, version, reason, published_by, published_at, publicity_from, publicity_to, "
    "finalized_by, finalized_at, reopened_by, reopened_at, reopen_reason"
)


def current_version(con: duckdb.DuckDBPyConnection, plan: str, year: int) -> dict | None:
    """The newest version of a plan's year (without its snapshot), or None when none was published."""
    rows = con.sql(
        f"SELECT {_VERSION_COLUMNS} FROM assessment_versions WHERE plan = $plan AND year = $year "
        "ORDER BY version DESC LIMIT 1",
        params={"plan": plan, "year": year},
    ).pl()
    return rows.to_dicts()[0] if rows.height else None


def versions(con: duckdb.DuckDBPyConnection, plan: str, year: int) -> pl.DataFrame:
    """Every version of a plan's year, oldest first (without snapshots)."""
    return con.sql(
        f"SELECT {_VERSION_COLUMNS} FROM assessment_versions WHERE plan = $plan AND year = $year "
        "ORDER BY version",
        params={"plan": plan, "year": year},
    ).pl()


def snapshot(con: duckdb.DuckDBPyConnection, version_id: int) -> tuple[str, str, dict[str, bytes]]:
    """A version's stored JSON document, its meta JSON and its facts (name → Arrow IPC bytes)."""
    doc, meta = con.execute(
        "SELECT snapshot, meta FROM assessment_versions WHERE id = ?", [version_id]
    ).fetchall()[0]
    facts = con.execute(
        "SELECT name, data FROM assessment_version_facts WHERE version_id = ?", [version_id]
    ).fetchall()
    return doc, meta, {name: bytes(data) for name, data in facts}


def insert_version(
    con: duckdb.DuckDBPyConnection,
    plan: str,
    year: int,
    version: int,
    reason: str | None,
    doc: str,
    meta: str,
    facts: dict[str, bytes],
    by: str,
    at_time: dt.datetime,
    publicity: tuple[dt.date, dt.date],
) -> int:
    rows = con.execute(
        "INSERT INTO assessment_versions (plan, year, version, reason, snapshot, meta, published_by, "
        "published_at, publicity_from, publicity_to) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [plan, year, version, reason, doc, meta, by, at_time, publicity[0], publicity[1]],
    ).fetchall()
    version_id = rows[0][0]
    for name, data in facts.items():
        con.execute(
            "INSERT INTO assessment_version_facts (version_id, name, data) VALUES (?, ?, ?)",
            [version_id, name, data],
        )
    return version_id


def finalize(con: duckdb.DuckDBPyConnection, version_id: int, by: str, at_time: dt.datetime) -> None:
    con.execute(
        "UPDATE assessment_versions SET finalized_by = ?, finalized_at = ? WHERE id = ?",
        [by, at_time, version_id],
    )


def reopen(
    con: duckdb.DuckDBPyConnection, version_id: int, by: str, at_time: dt.datetime, reason: str
) -> None:
    con.execute(
        "UPDATE assessment_versions SET reopened_by = ?, reopened_at = ?, reopen_reason = ? WHERE id = ?",
        [by, at_time, reason, version_id],
    )


# --- objections -------------------------------------------------------------------------------------

_OBJECTION_COLUMNS = (
    "o.id, v.version, o.plan, o.year, o.unit, o.text, o.evidence_name, o.evidence_type, o.evidence_path, "
    "o.filed_by, o.filed_at, o.decision, o.reply, o.answered_by, o.answered_at"
)


def insert_objection(con: duckdb.DuckDBPyConnection, row: dict) -> int:
    columns = list(row)
    rows = con.execute(
        f"INSERT INTO assessment_objections ({', '.join(columns)}) "
        f"VALUES ({', '.join('?' * len(columns))}) RETURNING id",
        list(row.values()),
    ).fetchall()
    return rows[0][0]


def objections(con: duckdb.DuckDBPyConnection, plan: str, year: int) -> pl.DataFrame:
    """Every objection to any version of a plan's year, oldest first."""
    return con.sql(
        f"SELECT {_OBJECTION_COLUMNS} FROM assessment_objections o "
        "JOIN assessment_versions v ON v.id = o.version_id "
        "WHERE o.plan = $plan AND o.year = $year ORDER BY o.id",
        params={"plan": plan, "year": year},
    ).pl()


def objection(con: duckdb.DuckDBPyConnection, objection_id: int) -> dict | None:
    rows = con.sql(
        f"SELECT {_OBJECTION_COLUMNS}, o.version_id FROM assessment_objections o "
        "JOIN assessment_versions v ON v.id = o.version_id WHERE o.id = $id",
        params={"id": objection_id},
    ).pl()
    return rows.to_dicts()[0] if rows.height else None


def objection_counts(con: duckdb.DuckDBPyConnection, version_id: int) -> dict[str, int]:
    """How many objections to a version are unanswered, accepted, rejected."""
    rows = con.execute(
        "SELECT coalesce(decision, 'open'), count(*) FROM assessment_objections WHERE version_id = ? "
        "GROUP BY 1",
        [version_id],
    ).fetchall()
    counts = {"open": 0, "accepted": 0, "rejected": 0}
    counts.update(dict(rows))
    return counts


def answer_objection(
    con: duckdb.DuckDBPyConnection,
    objection_id: int,
    decision: str,
    reply: str,
    by: str,
    at_time: dt.datetime,
) -> None:
    con.execute(
        "UPDATE assessment_objections SET decision = ?, reply = ?, answered_by = ?, answered_at = ? "
        "WHERE id = ?",
        [decision, reply, by, at_time, objection_id],
    )
