"""The audit log (操作日志) in the warehouse: one line written on the caller's connection, and read back."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl


def write(
    con: duckdb.DuckDBPyConnection,
    logged_at: dt.datetime,
    actor: str,
    action: str,
    target: str | None = None,
    detail: str | None = None,
) -> None:
    """One line, inside the caller's transaction (it stands or falls with the change it records)."""
    con.execute(
        "INSERT INTO audit_log (logged_at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
        [logged_at, actor, action, target, detail],
    )


def lines(
    con: duckdb.DuckDBPyConnection,
    limit: int,
    action: str | None = None,
    actor: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> pl.DataFrame:
    """logged_at, actor, action, target, detail: the newest `limit` lines, optionally only one
    action, one actor and the days from `since` to `until` (both included; either may be open)."""
    return con.sql(
        """
        SELECT logged_at, actor, action, target, detail FROM audit_log
        WHERE ($action IS NULL OR action = $action) AND ($actor IS NULL OR actor = $actor)
          AND ($since IS NULL OR logged_at >= $since::DATE)
          AND ($until IS NULL OR logged_at < $until::DATE + INTERVAL 1 DAY)
        ORDER BY logged_at DESC, id DESC
        LIMIT $limit
        """,
        params={
            "action": action or None,
            "actor": actor or None,
            "since": since,
            "until": until,
            "limit": limit,
        },
    ).pl()


def actions(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The action codes that appear in the log, sorted."""
    return [r[0] for r in con.execute("SELECT DISTINCT action FROM audit_log ORDER BY 1").fetchall()]


def actors(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The actors that appear in the log, sorted."""
    return [r[0] for r in con.execute("SELECT DISTINCT actor FROM audit_log ORDER BY 1").fetchall()]
