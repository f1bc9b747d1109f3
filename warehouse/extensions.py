"""延期 records: the grants in force (`extensions`, what every view reads) and those ended
(`extension_history`: revoked, or replaced by a later grant for the same unit and round)."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

_COLUMNS = "id, round, unit, due_date, reason, granted_by, granted_at"
REVOKED, REPLACED = "revoked", "replaced"


def _end(con: duckdb.DuckDBPyConnection, extension_id: int, how: str, by: str, at: dt.datetime, why) -> None:
    """Move one grant in force to the history, ended `how` by `by` at `at` for `why`."""
    con.execute(
        f"INSERT INTO extension_history SELECT {_COLUMNS}, ?, ?, ?, ? FROM extensions WHERE id = ?",
        [how, by, at, why, int(extension_id)],
    )
    con.execute("DELETE FROM extensions WHERE id = ?", [int(extension_id)])


def in_force(con: duckdb.DuckDBPyConnection, round_code: str, unit: str) -> dict | None:
    """The unit's grant in force for the round (id, round, unit, due_date, …), or None."""
    rows = con.sql(
        f"SELECT {_COLUMNS} FROM extensions WHERE round = ? AND unit = ?", params=[round_code, unit]
    ).pl()
    return rows.row(0, named=True) if rows.height else None


def due_dates(con: duckdb.DuckDBPyConnection, round_code: str, unit: str | None = None) -> dict[str, dt.date]:
    """{unit: its effective due date in the round}, for every registered unit or only `unit`: its
    grant in force, else the round's, the rule standings() in sql/submissions.sql applies. Read
    alone: no round's standings computed, no views' macros defined (a review's message, an upload's
    lateness). Empty for an unknown round."""
    rows = con.execute(
        "SELECT u.code, coalesce(x.due_date, r.due_date) FROM units u JOIN rounds r ON r.code = ? "
        "LEFT JOIN extensions x ON x.round = r.code AND x.unit = u.code WHERE ? IS NULL OR u.code = ?",
        [round_code, unit, unit],
    ).fetchall()
    return dict(rows)


def due_date(con: duckdb.DuckDBPyConnection, round_code: str, unit: str) -> dt.date | None:
    """The unit's effective due date in the round (`due_dates`); None for an unknown round."""
    return due_dates(con, round_code, unit).get(unit)


def get(con: duckdb.DuckDBPyConnection, extension_id: int) -> dict | None:
    """A grant by id, in force or ended: its columns plus `ended` (None while in force)."""
    rows = con.sql(
        f"SELECT {_COLUMNS}, NULL::VARCHAR AS ended FROM extensions WHERE id = $id "
        f"UNION ALL SELECT {_COLUMNS}, ended FROM extension_history WHERE id = $id",
        params={"id": int(extension_id)},
    ).pl()
    return rows.row(0, named=True) if rows.height else None


def grant(
    con: duckdb.DuckDBPyConnection,
    round_code: str,
    unit: str,
    due: dt.date,
    reason: str,
    granted_by: str,
    at: dt.datetime,
) -> int:
    """Put a grant in force (a grant already in force for the unit and round is kept in the history
    as replaced); returns its id."""
    old = in_force(con, round_code, unit)
    if old is not None:
        _end(con, old["id"], REPLACED, granted_by, at, None)
    return con.execute(
        "INSERT INTO extensions (round, unit, due_date, reason, granted_by, granted_at) "
        "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        [round_code, unit, due, reason, granted_by, at],
    ).fetchall()[0][0]


def revoke(con: duckdb.DuckDBPyConnection, extension_id: int, by: str, at: dt.datetime, reason: str) -> None:
    _end(con, extension_id, REVOKED, by, at, reason)


def of_round(con: duckdb.DuckDBPyConnection, round_code: str) -> pl.DataFrame:
    """Every grant of the round, in force and ended, newest first: id, round, unit, unit_name,
    due_date, reason, granted_by, granted_at, ended (NULL in force / revoked / replaced),
    ended_by, ended_at, end_reason."""
    return con.sql(
        f"""
        WITH grants AS (
            SELECT {_COLUMNS}, NULL::VARCHAR AS ended, NULL::VARCHAR AS ended_by,
                   NULL::TIMESTAMP AS ended_at, NULL::VARCHAR AS end_reason
            FROM extensions WHERE round = $round
            UNION ALL
            SELECT {_COLUMNS}, ended, ended_by, ended_at, end_reason
            FROM extension_history WHERE round = $round
        )
        SELECT g.id, g.round, g.unit, coalesce(u.name, g.unit) AS unit_name, g.due_date, g.reason,
               g.granted_by, g.granted_at, g.ended, g.ended_by, g.ended_at, g.end_reason
        FROM grants g LEFT JOIN units u ON u.code = g.unit
        ORDER BY g.granted_at DESC, g.id DESC
        """,
        params={"round": round_code},
    ).pl()
