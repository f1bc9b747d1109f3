"""API tokens (migration 0017): rows looked up by their public prefix. The rules (who may create,
when a token works) stay in `portal.accounts.tokens`; every function runs on the caller's connection."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

_COLUMNS = (
    "id, name, username, prefix, secret_hash, created_by, created_at, expires_on, revoked_by, revoked_at, "
    "last_used_at"
)


def insert(
    con: duckdb.DuckDBPyConnection,
    name: str,
    username: str,
    prefix: str,
    secret_hash: str,
    created_by: str,
    now: dt.datetime,
    expires_on: dt.date | None,
) -> int:
    return con.execute(
        "INSERT INTO api_tokens (name, username, prefix, secret_hash, created_by, created_at, expires_on) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [name, username, prefix, secret_hash, created_by, now, expires_on],
    ).fetchall()[0][0]


def _one(con: duckdb.DuckDBPyConnection, where: str, value) -> dict | None:
    rows = con.execute(f"SELECT {_COLUMNS} FROM api_tokens WHERE {where} = ?", [value]).fetchall()
    return dict(zip(_COLUMNS.split(", "), rows[0], strict=True)) if rows else None


def by_prefix(con: duckdb.DuckDBPyConnection, prefix: str) -> dict | None:
    return _one(con, "prefix", prefix)


def by_name(con: duckdb.DuckDBPyConnection, name: str) -> dict | None:
    return _one(con, "name", name)


def by_id(con: duckdb.DuckDBPyConnection, token_id: int) -> dict | None:
    return _one(con, "id", token_id)


def listing(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every token without its hash, newest first."""
    return con.sql(
        "SELECT id, name, username, prefix, created_by, created_at, expires_on, revoked_by, revoked_at, "
        "last_used_at FROM api_tokens ORDER BY id DESC"
    ).pl()


def revoke(con: duckdb.DuckDBPyConnection, token_id: int, by: str, now: dt.datetime) -> None:
    con.execute("UPDATE api_tokens SET revoked_by = ?, revoked_at = ? WHERE id = ?", [by, now, token_id])


def touch(con: duckdb.DuckDBPyConnection, token_id: int, now: dt.datetime) -> None:
    con.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", [now, token_id])


def revoke_all(con: duckdb.DuckDBPyConnection, by: str, now: dt.datetime) -> int:
    """Revoke every live token (after a restore); how many were live."""
    rows = con.execute(
        "UPDATE api_tokens SET revoked_by = ?, revoked_at = ? WHERE revoked_at IS NULL RETURNING id",
        [by, now],
    ).fetchall()
    return len(rows)
