"""Web sign-in sessions (migration 0014): one row per sign-in, found by its id (the serving
process) or by the hash of the browser's cookie token. The rules (lifetimes, who may revoke)
stay in `portal.accounts.auth`; every function runs on the caller's connection."""

from __future__ import annotations

import datetime as dt

import duckdb

# What `by_id`/`by_token` return, as a dict by these names.
_COLUMNS = "id, username, credential, created_at, last_seen, expires_at, revoked_at, revoked_reason"


def insert(
    con: duckdb.DuckDBPyConnection,
    session_id: str,
    username: str,
    credential: str,
    handoff_hash: str,
    handoff_until: dt.datetime,
    now: dt.datetime,
    expires_at: dt.datetime,
) -> None:
    con.execute(
        "INSERT INTO web_sessions (id, username, credential, handoff_hash, handoff_until, created_at, "
        "last_seen, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [session_id, username, credential, handoff_hash, handoff_until, now, now, expires_at],
    )


def by_id(con: duckdb.DuckDBPyConnection, session_id: str) -> dict | None:
    rows = con.execute(f"SELECT {_COLUMNS} FROM web_sessions WHERE id = ?", [session_id]).fetchall()
    return dict(zip(_COLUMNS.split(", "), rows[0], strict=True)) if rows else None


def by_token(con: duckdb.DuckDBPyConnection, token_hash: str) -> dict | None:
    rows = con.execute(f"SELECT {_COLUMNS} FROM web_sessions WHERE token_hash = ?", [token_hash]).fetchall()
    return dict(zip(_COLUMNS.split(", "), rows[0], strict=True)) if rows else None


def take_handoff(
    con: duckdb.DuckDBPyConnection, handoff_hash: str, token_hash: str, now: dt.datetime
) -> dict | None:
    """Swap a live one-time code for a cookie token (the code works once); the session, or None."""
    rows = con.execute(
        "UPDATE web_sessions SET token_hash = ?, handoff_hash = NULL, handoff_until = NULL "
        "WHERE handoff_hash = ? AND handoff_until > ? AND revoked_at IS NULL AND expires_at > ? "
        "RETURNING id",
        [token_hash, handoff_hash, now, now],
    ).fetchall()
    return by_id(con, rows[0][0]) if rows else None


def touch(con: duckdb.DuckDBPyConnection, session_id: str, now: dt.datetime) -> None:
    con.execute("UPDATE web_sessions SET last_seen = ? WHERE id = ?", [now, session_id])


def set_credential(con: duckdb.DuckDBPyConnection, session_id: str, credential: str) -> None:
    con.execute("UPDATE web_sessions SET credential = ? WHERE id = ?", [credential, session_id])


def revoke(con: duckdb.DuckDBPyConnection, session_id: str, now: dt.datetime, reason: str) -> None:
    con.execute(
        "UPDATE web_sessions SET revoked_at = ?, revoked_reason = ?, handoff_hash = NULL "
        "WHERE id = ? AND revoked_at IS NULL",
        [now, reason, session_id],
    )


def revoke_account(
    con: duckdb.DuckDBPyConnection, username: str, now: dt.datetime, reason: str, keep: str | None = None
) -> int:
    """End every live session of `username` but `keep`; how many were ended."""
    rows = con.execute(
        "UPDATE web_sessions SET revoked_at = ?, revoked_reason = ?, handoff_hash = NULL "
        "WHERE username = ? AND revoked_at IS NULL AND id IS DISTINCT FROM ? RETURNING id",
        [now, reason, username, keep],
    ).fetchall()
    return len(rows)


def revoke_all(con: duckdb.DuckDBPyConnection, now: dt.datetime, reason: str) -> None:
    """End every live session (after a restore: the restored rows are not today's sign-ins)."""
    con.execute(
        "UPDATE web_sessions SET revoked_at = ?, revoked_reason = ?, handoff_hash = NULL WHERE revoked_at IS NULL",
        [now, reason],
    )


def prune(con: duckdb.DuckDBPyConnection, before: dt.datetime) -> None:
    """Forget sessions that ended (expired or revoked) before `before`: nothing can revive them."""
    con.execute(
        "DELETE FROM web_sessions WHERE expires_at < ? OR revoked_at < ?",
        [before, before],
    )
