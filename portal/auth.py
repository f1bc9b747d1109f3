"""Accounts: argon2 password hashes, roles, one unit per reporter."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from portal.context import Portal
from schemas.enums import Role

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_password() -> str:
    """A password a person can type: 4 groups of 4 letters/digits without look-alikes."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


@dataclass(frozen=True)
class Account:
    username: str
    display_name: str
    role: Role
    unit: str | None


class AccountError(Exception):
    pass


def create_account(
    portal: Portal,
    con,
    username: str,
    display_name: str,
    role: Role,
    unit: str | None,
    password: str,
    actor: str = "system",
) -> Account:
    """Insert one account on the caller's connection (inside its transaction)."""
    if role == Role.UNIT_REPORTER and not unit:
        raise AccountError("单位填报员账号必须绑定一个单位。")
    exists = con.execute("SELECT count(*) FROM users WHERE username = ?", [username]).fetchall()[0][0]
    if exists:
        raise AccountError(f"账号 {username} 已存在。")
    con.execute(
        "INSERT INTO users (username, display_name, password_hash, role, unit, active, created_at) "
        "VALUES (?, ?, ?, ?, ?, TRUE, ?)",
        [username, display_name, hash_password(password), str(role), unit, portal.settings.now()],
    )
    portal.audit(con, actor, "account.create", username, f"role={role} unit={unit or ''}")
    return Account(username, display_name, role, unit)
