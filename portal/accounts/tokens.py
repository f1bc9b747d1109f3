"""API tokens (issue 21): a read-only key for machines, with exactly its account's scope.

A token is `kjt_<prefix>_<secret>`: the prefix (public, 12 hex characters) finds the row, the
secret is 32 random bytes. Only the SHA-256 of the whole token is stored: the secret is not a
password a person chose, so a fast hash is as strong as argon2 here and costs microseconds per
request instead of ~0.1 s. The token is shown once, when created.

A token works while it is not revoked, not past its last day (`expires_on`, real UTC date like the
sessions' clock) and its account is active; the account is loaded afresh on every request, so a
changed scope or a deactivation applies at once. It is read-only because the API only reads.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, replace

import polars as pl

from portal.accounts.auth import Account, _account, utc_now
from portal.core.context import Portal
from portal.core.errors import Conflict, InvalidInput, NotFound
from portal.core.permissions import Grant, grant, require
from warehouse import accounts as users
from warehouse import tokens as token_rows

PREFIX = "kjt"
# Names are for people and the audit log: short, no spaces or control characters.
_NAME = re.compile(r"^[\w\-.\u4e00-\u9fff]{1,64}$")
_TOKEN = re.compile(rf"^{PREFIX}_([0-9a-f]{{12}})_([A-Za-z0-9_\-]{{43}})$")


@dataclass(frozen=True)
class NewToken:
    id: int
    name: str
    username: str
    expires_on: dt.date | None
    token: str  # shown once, never stored


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def missing_token(name: str) -> str:
    return f"没有名为或编号为“{name}”的接口令牌，请用 portal token list 查看。"


def create_token(
    portal: Portal, actor: Account, username: str, name: str, expires_on: dt.date | None = None
) -> NewToken:
    """A new token for `username`'s account (an office, evaluator or admin account: unit accounts
    have no open-data grant), returned once with its secret."""
    require(actor, "token.manage")
    name = (name or "").strip()
    if not _NAME.match(name):
        raise InvalidInput("令牌名称须为 1 至 64 个字母、数字、汉字、点、横线或下划线，不含空格。")
    today = utc_now().date()
    if expires_on is not None and expires_on < today:
        raise InvalidInput(f"有效期（{expires_on.isoformat()}）早于今天，请给出今天或以后的日期。")
    with portal.warehouse.transaction() as con:
        row = users.user_row(con, username)
        if row is None:
            raise NotFound(f"账号“{username}”不存在。")
        if not row[6]:
            raise InvalidInput(f"账号“{username}”已停用，不能为它创建令牌。")
        if grant(row[2], "data.read") is Grant.NO:
            raise InvalidInput(f"账号“{username}”的角色不能读取开放数据，不能为它创建令牌。")
        if token_rows.by_name(con, name) is not None:
            raise Conflict(f"已有名为“{name}”的令牌，请换一个名称。")
        prefix = secrets.token_hex(6)
        token = f"{PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
        token_id = token_rows.insert(
            con, name, username, prefix, _digest(token), actor.audit_name, utc_now(), expires_on
        )
        until = expires_on.isoformat() if expires_on else "撤销为止"
        portal.audit(con, actor.audit_name, "token.create", name, f"账号 {username}，有效期至 {until}")
    return NewToken(token_id, name, username, expires_on, token)


def _state(row: dict, today: dt.date) -> str:
    if row["revoked_at"] is not None:
        return "revoked"
    if row["expires_on"] is not None and row["expires_on"] < today:
        return "expired"
    return "active"


STATE_LABELS = {"active": "有效", "expired": "已过期", "revoked": "已撤销"}


def list_tokens(portal: Portal, actor: Account) -> pl.DataFrame:
    """Every token (never its secret or hash) with its state: active, expired or revoked."""
    require(actor, "token.manage")
    with portal.warehouse.connect() as con:
        frame = token_rows.listing(con)
    today = utc_now().date()
    return frame.with_columns(
        pl.struct("revoked_at", "expires_on")
        .map_elements(lambda r: _state(r, today), return_dtype=pl.Utf8)
        .alias("state")
    )


def revoke_token(portal: Portal, actor: Account, name_or_id: str) -> str:
    """Revoke a token by name or id (it fails from the next request on); the message says which."""
    require(actor, "token.manage")
    key = (name_or_id or "").strip()
    with portal.warehouse.transaction() as con:
        row = token_rows.by_name(con, key) or (token_rows.by_id(con, int(key)) if key.isdigit() else None)
        if row is None:
            raise NotFound(missing_token(key))
        if row["revoked_at"] is not None:
            raise Conflict(f"令牌“{row['name']}”已于 {row['revoked_at']:%Y-%m-%d %H:%M} 撤销。")
        token_rows.revoke(con, row["id"], actor.audit_name, utc_now())
        portal.audit(con, actor.audit_name, "token.revoke", row["name"], f"账号 {row['username']}")
    return f"已撤销令牌“{row['name']}”（账号 {row['username']}）。"


@dataclass(frozen=True)
class TokenUse:
    id: int
    name: str
    account: Account  # loaded now, with its scope; `via` names the token for the audit log


def well_formed(presented: str | None) -> bool:
    """Whether the text has a token's shape at all (checked before the warehouse is opened)."""
    return _TOKEN.match((presented or "").strip()) is not None


def authenticate(portal: Portal, presented: str | None, clock=utc_now) -> TokenUse | None:
    """The token's account if the token works now, else None (whatever the reason: the caller
    answers every failure the same way)."""
    found = _TOKEN.match((presented or "").strip())
    if found is None:
        return None
    with portal.warehouse.connect() as con:
        row = token_rows.by_prefix(con, found.group(1))
        if row is None or not hmac.compare_digest(row["secret_hash"], _digest(found.group(0))):
            return None
        if _state(row, clock().date()) != "active":
            return None
        user = users.user_row(con, row["username"])
        if user is None or not user[6]:
            return None
        account = _account(con, user)
    return TokenUse(row["id"], row["name"], replace(account, via=f"接口令牌“{row['name']}”"))


def record_use(portal: Portal, use: TokenUse, path: str, rows: int, refused: str = "", clock=utc_now) -> None:
    """Every API call in the audit log: the account and token, the path asked, the rows answered
    (or why it was refused, e.g. "404 not-found")."""
    with portal.warehouse.transaction() as con:
        token_rows.touch(con, use.id, clock())
        detail = f"{rows} 行" + (f"，拒绝：{refused}" if refused else "")
        portal.audit(con, use.account.audit_name, "api.read", path, detail)
