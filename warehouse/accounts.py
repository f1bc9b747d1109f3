"""Accounts in the warehouse: the users table (hashes, failed attempts, locks, active flag).

Every function runs on the caller's connection (inside its transaction when it writes); the rules
(who may, when to lock, the last administrator) stay in `portal.accounts.auth`."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

# The order of `user_row`'s tuple, which `portal.accounts.auth` reads by position.
USER_COLUMNS = (
    "username, display_name, role, unit, must_change_password, password_hash, active, locked_until, platform"
)


def user_row(con: duckdb.DuckDBPyConnection, username: str) -> tuple | None:
    """The account's row in USER_COLUMNS order; None when there is no such username."""
    rows = con.execute(f"SELECT {USER_COLUMNS} FROM users WHERE username = ?", [username]).fetchall()
    return rows[0] if rows else None


def display_name(con: duckdb.DuckDBPyConnection, username: str | None) -> str | None:
    """The account's display name; None when there is no such username."""
    rows = con.execute("SELECT display_name FROM users WHERE username = ?", [username]).fetchall()
    return rows[0][0] if rows else None


def exists(con: duckdb.DuckDBPyConnection, username: str) -> bool:
    return con.execute("SELECT count(*) FROM users WHERE username = ?", [username]).fetchall()[0][0] > 0


def any_accounts(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("SELECT count(*) FROM users").fetchall()[0][0] > 0


def insert(
    con: duckdb.DuckDBPyConnection,
    username: str,
    display_name: str,
    password_hash: str,
    role: str,
    unit: str | None,
    created_at: dt.datetime,
    must_change_password: bool,
) -> None:
    """A new, active account."""
    con.execute(
        "INSERT INTO users (username, display_name, password_hash, role, unit, active, created_at, "
        "must_change_password) VALUES (?, ?, ?, ?, ?, TRUE, ?, ?)",
        [username, display_name, password_hash, role, unit, created_at, must_change_password],
    )


def signed_in(con: duckdb.DuckDBPyConnection, username: str, password_hash: str) -> None:
    """After a good password: failures forgotten, any lock lifted, the (possibly rehashed) hash kept."""
    con.execute(
        "UPDATE users SET failed_attempts = 0, locked_until = NULL, password_hash = ? WHERE username = ?",
        [password_hash, username],
    )


def count_failure(con: duckdb.DuckDBPyConnection, username: str) -> int:
    """One more failed attempt; the count now."""
    return con.execute(
        "UPDATE users SET failed_attempts = failed_attempts + 1 WHERE username = ? RETURNING failed_attempts",
        [username],
    ).fetchall()[0][0]


def lock(con: duckdb.DuckDBPyConnection, username: str, until: dt.datetime) -> None:
    """Locked until `until`, the failure count started again."""
    con.execute(
        "UPDATE users SET failed_attempts = 0, locked_until = ? WHERE username = ?", [until, username]
    )


def unlock(con: duckdb.DuckDBPyConnection, username: str) -> None:
    con.execute("UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE username = ?", [username])


def set_password(con: duckdb.DuckDBPyConnection, username: str, password_hash: str) -> None:
    """The person's own new password: no change required any more."""
    con.execute(
        "UPDATE users SET password_hash = ?, must_change_password = FALSE WHERE username = ?",
        [password_hash, username],
    )


def reset_password(con: duckdb.DuckDBPyConnection, username: str, password_hash: str) -> None:
    """A one-time password to change at the next sign-in; failures and any lock cleared."""
    con.execute(
        "UPDATE users SET password_hash = ?, must_change_password = TRUE, failed_attempts = 0, "
        "locked_until = NULL WHERE username = ?",
        [password_hash, username],
    )


def set_active(con: duckdb.DuckDBPyConnection, username: str, active: bool) -> None:
    con.execute("UPDATE users SET active = ? WHERE username = ?", [active, username])


def other_active(con: duckdb.DuckDBPyConnection, role: str, username: str) -> int:
    """How many active accounts of `role` there are besides `username`."""
    return con.execute(
        "SELECT count(*) FROM users WHERE role = ? AND active AND username <> ?", [role, username]
    ).fetchall()[0][0]


def other_active_platform(con: duckdb.DuckDBPyConnection, role: str, username: str) -> int:
    """How many active, platform-wide accounts of `role` there are besides `username`."""
    return con.execute(
        "SELECT count(*) FROM users WHERE role = ? AND active AND platform AND username <> ?",
        [role, username],
    ).fetchall()[0][0]


def listing(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every account with its unit's name, oldest first."""
    return con.sql("""
        SELECT u.username, u.display_name, u.role, u.unit, n.name AS unit_name, u.active, u.platform,
               u.must_change_password, u.failed_attempts, u.locked_until, u.created_at
        FROM users u LEFT JOIN units n ON n.code = u.unit
        ORDER BY u.created_at, u.username""").pl()


def scope_offices(con: duckdb.DuckDBPyConnection, username: str) -> list[str]:
    """The offices an account works for (its scope rows), in the order they were granted."""
    rows = con.execute(
        "SELECT office FROM account_offices WHERE username = ? ORDER BY rowid", [username]
    ).fetchall()
    return [r[0] for r in rows]


def set_scope(con: duckdb.DuckDBPyConnection, username: str, offices: list[str], platform: bool) -> None:
    """Replace an account's scope: the offices it works for, or the whole platform."""
    con.execute("DELETE FROM account_offices WHERE username = ?", [username])
    for office in dict.fromkeys(offices):
        con.execute("INSERT INTO account_offices (username, office) VALUES (?, ?)", [username, office])
    con.execute("UPDATE users SET platform = ? WHERE username = ?", [platform, username])


def all_scopes(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Every account's scope offices by username (accounts without rows are absent)."""
    scopes: dict[str, list[str]] = {}
    for username, office in con.execute(
        "SELECT username, office FROM account_offices ORDER BY rowid"
    ).fetchall():
        scopes.setdefault(username, []).append(office)
    return scopes
