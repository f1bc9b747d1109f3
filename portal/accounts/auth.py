"""Accounts and sign-in: argon2 hashes, rate-limited sign-in, expiring sessions, account admin.

Clocks (a decision, see docs/sessions.md):
- failed attempts, lockouts and audit lines use the portal clock `settings.now()` (the demo clock
  when `today` is set), so `users.locked_until` reads consistently beside the audit log;
- sessions use real UTC wall-clock time (`utc_now`): a session is a warehouse row (web_sessions)
  that the browser's cookie names, so it outlives one serving process and a reload, and a frozen
  demo date must not keep it alive at midnight.

Every failure to sign in gives the same message, whether the account is unknown, deactivated,
locked or the password wrong, and costs one argon2 verification in every case (a dummy hash for
unknown names), so neither the text nor the timing tells which names exist.

Sessions: sign-in writes a row and gives the tab a one-time code; the page hands the code to
POST /auth/session (portal.ui.asgi_app), which answers with the cookie: a random token (stored
only as its SHA-256) with its expiry, signed with the installation's secret. A reload presents
the cookie (`resume`); every page run checks the row (`check_session`), so a sign-out, a password
change or a deactivation ends every tab at its next action.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources

import polars as pl
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from portal.core import readcache
from portal.core.context import Portal
from portal.core.errors import InvalidInput
from portal.core.outcome import Outcome
from portal.core.permissions import PermissionDenied, require, scope_of
from portal.core.scope import PLATFORM, UNIT_ROLES, Scope, load_scope
from schemas.enums import Role
from warehouse import accounts as users
from warehouse import offices as office_tree
from warehouse import sessions as web_sessions
from warehouse.db import transaction
from warehouse.lookups import unit_active

_hasher = PasswordHasher()
_dummy: dict[int, str] = {}

# The cookie that names a web session; HttpOnly and SameSite=Strict (portal.ui.asgi_app).
COOKIE_NAME = "portal_session"
# The page passes its one-time code on within a second of sign-in; two minutes cover a slow browser.
HANDOFF_SECONDS = 120
# `last_seen` is written at most this often: a page run should not always write to the warehouse;
# the idle limit is in minutes, so being a minute late does not matter.
TOUCH_SECONDS = 60
# Ended sessions are kept this long (for the reason a tab is shown), then deleted at a sign-in.
KEEP_ENDED_DAYS = 7
# Above NIST SP 800-63B's floor of 8: these accounts approve a region's figures and scores, and
# 10 characters of two kinds is still typeable every day. Counted after invisible characters go.
MIN_PASSWORD_LENGTH = 10
# Kinds of character (lower, upper, digit, other); a password of one kind falls to a short search.
MIN_CHARACTER_CLASSES = 2
# Written to the audit log in place of a username that matches no account: people type their
# password into the username box, and the log is read by more people than the password's owner.
UNKNOWN_NAME = "（未知账号）"
# Usernames are typed on every sign-in and appear in audit lines: short ASCII.
_USERNAME = re.compile(r"^[A-Za-z0-9_.-]{2,32}$")
# Longest attempted username kept in the audit log (anything may be typed into the form).
_AUDIT_NAME_MAX = 64

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    """Real time in UTC, naive (as DuckDB TIMESTAMP stores it): the sessions' clock."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _dummy_hash() -> str:
    """A hash made with the current parameters, verified for unknown names to spend the same time."""
    key = id(_hasher)
    if key not in _dummy:
        _dummy[key] = _hasher.hash(secrets.token_hex(16))
    return _dummy[key]


def _fingerprint(password_hash: str) -> str:
    """Identifies the password a session was opened with: a changed or reset password ends it."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def new_password() -> str:
    """A password a person can type: 4 groups of 4 letters/digits without look-alikes."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


@dataclass(frozen=True)
class Account:
    """Who acts: every use case takes one and checks the permission table against its role and unit.

    `via` says how the person reached the platform when it was not a web session, e.g.
    "命令行，系统用户 root" for `portal review … --user office`; the audit log's actor column then
    reads "office（命令行，系统用户 root）" (see `audit_name`), so a line always tells who acted and
    from where, with the same columns."""

    username: str
    display_name: str
    role: Role
    unit: str | None
    must_change_password: bool = False
    via: str | None = None
    # What the account may read and act on (portal.core.scope), computed when it is loaded from
    # the warehouse; None (an Account built in code) means its unit, or the platform.
    scope: Scope | None = field(default=None, compare=False, repr=False)

    @property
    def audit_name(self) -> str:
        """The audit log's actor: the username, with the channel when not the web."""
        return f"{self.username}（{self.via}）" if self.via else self.username


# The internal actor of the platform's own work (the demo registry at `portal init --demo`): an
# administrator that is not an account. No users row carries this name (create_account refuses
# it), so nobody can sign in as it or name it with `--user`.
SYSTEM_USERNAME = "system"


def system_actor() -> Account:
    """The actor for work the platform does itself, never a login; audited as "system"."""
    return Account(SYSTEM_USERNAME, "系统（内部操作）", Role.ADMIN, None, scope=PLATFORM)


@dataclass
class Session:
    """A sign-in as one tab holds it in the serving process's memory: the web_sessions row's id
    (never sent to the browser) and the account as last read. `handoff` is the one-time code the
    page still has to pass to /auth/session for the cookie; `ended` says why the last check
    failed ("expired", "signed-out", "revoked"), for the notice on the sign-in page."""

    account: Account
    id: str
    touched: dt.datetime
    handoff: str | None = None
    ended: str = ""


@dataclass(frozen=True)
class SignInResult:
    ok: bool
    message: str  # Chinese; the same for every kind of failure
    session: Session | None = None
    reason: str = ""  # for logs and tests only: ok, empty, unknown, inactive, locked, bad-password


class AccountError(InvalidInput):
    """An account that cannot be created as asked (the message says why)."""


def _load(con, username: str) -> tuple | None:
    """The account's row in `warehouse.accounts.USER_COLUMNS` order, or None."""
    return users.user_row(con, username)


def _account(con, row: tuple) -> Account:
    """The Account of a users row (USER_COLUMNS order), with its scope read on `con`."""
    username, display_name, role, unit, must_change, *_ = row
    platform = bool(row[8])
    scope = load_scope(con, Role(role), unit, platform, users.scope_offices(con, username))
    return Account(username, display_name, Role(role), unit, bool(must_change), scope=scope)


def failure_message(portal: Portal) -> str:
    s = portal.settings
    return (
        "用户名或密码不正确，或账号暂不可用。"
        f"连续输错 {s.max_failed_logins} 次后账号将被锁定 {s.lockout_minutes} 分钟；如需帮助请联系系统管理员。"
    )


def create_account(
    portal: Portal,
    con,
    username: str,
    display_name: str,
    role: Role,
    unit: str | None,
    password: str,
    actor: str = "system",
    must_change_password: bool = False,
    offices: list[str] | tuple[str, ...] = (),
    platform: bool | None = None,
    password_hash: str | None = None,
) -> Account:
    """Insert one account on the caller's connection (inside its transaction). `password_hash`:
    `hash_password(password)` computed ahead (the demo hashes its accounts' in other threads).

    Scope: a unit role works for `unit`; any other role for `offices`, or the whole platform
    with `platform`. Without either (None and no offices) it is platform-wide, as every such
    account was before offices existed; `add_account` (the admin's page and CLI) asks for one."""
    role = Role(role)
    if role in UNIT_ROLES and not unit:
        raise AccountError(f"{role.label}账号必须绑定一个单位。")
    if role not in UNIT_ROLES and unit:
        raise AccountError("只有单位的填报员和审核人账号绑定单位；其他角色请不要选择单位。")
    if platform is None:
        platform = role not in UNIT_ROLES and not offices
    if role in UNIT_ROLES and (offices or platform):
        raise AccountError(UNIT_SCOPE_FIXED)
    for code in offices:
        if office_tree.office(con, code) is None:
            raise AccountError(missing_office(code))
    if username.lower() == SYSTEM_USERNAME:
        raise AccountError(f"用户名 {SYSTEM_USERNAME} 留给系统内部操作，请换一个用户名。")
    if users.exists(con, username):
        raise AccountError(f"账号 {username} 已存在。")
    users.insert(
        con,
        username,
        display_name,
        password_hash or hash_password(password),
        str(role),
        unit,
        portal.settings.now(),
        must_change_password,
    )
    users.set_scope(con, username, list(offices), bool(platform))
    scope_text = "全平台" if platform else ",".join(offices)
    detail = f"role={role} unit={unit or ''}" + ("" if role in UNIT_ROLES else f" scope={scope_text}")
    portal.audit(con, actor, "account.create", username, detail)
    return _account(con, users.user_row(con, username))


def acting_account(portal: Portal, username: str | None, via: str | None = None) -> Account:
    """The active account named `username`, to act as outside a web session (the command line,
    the demo fill), carrying `via` for the audit log. No password is asked: whoever runs the
    command already holds the warehouse file; the name decides the role and whose name the record
    bears. An unknown or deactivated account is refused (PermissionDenied), before anything is written."""
    name = (username or "").strip()
    with portal.warehouse.connect() as con:
        row = _load(con, name) if name else None
        account = _account(con, row) if row is not None and row[6] else None
    if row is None:
        raise PermissionDenied(
            f"账号“{name}”不存在，不能以它的名义操作。请指定一个已有的账号（系统管理员可在“系统管理”页查看账号）。",
            "account.act",
        )
    if not row[6]:
        raise PermissionDenied(f"账号“{name}”已停用，不能以它的名义操作。请联系系统管理员。", "account.act")
    return replace(account, via=via)


# ----------------------------------------------------------------------------- sign-in and sessions


def _verdict(row: tuple | None, hash_ok: bool, now: dt.datetime) -> str:
    """Why a sign-in with this users row (USER_COLUMNS order) fails, or "ok"."""
    if row is None:
        return "unknown"
    if not row[6]:
        return "inactive"
    if row[7] is not None and row[7] > now:
        return "locked"
    return "ok" if hash_ok else "bad-password"


def _authenticate(
    portal: Portal,
    username: str,
    password: str,
    now: dt.datetime | None,
    success_action: str | None,
    then: Callable | None = None,
) -> tuple[str, tuple | None, str, object]:
    """(reason, user row, stored hash, what `then` returned): one verification, failures counted,
    a lock after too many. `then(con, row, stored)` runs on success in the same transaction (a
    sign-in opens its session there: one warehouse open fewer)."""
    now = now or portal.settings.now()
    with portal.warehouse.connect() as con:
        row = _load(con, username)
    portal.warehouse.release()  # not a page run's connection held through the argon2 verification
    # Verify first, whatever the account's state, so every path costs one argon2 verification.
    hash_ok = verify_password(row[5] if row else _dummy_hash(), password)
    reason = _verdict(row, hash_ok, now)
    s = portal.settings
    shown = username[:_AUDIT_NAME_MAX] if row is not None else UNKNOWN_NAME
    result = None
    with portal.warehouse.transaction(bookkeeping=True) as con:
        if reason == "ok":
            # Page runs read side by side: the account may have been disabled, locked or given a
            # new password during the verification. Judge the row as it is now, in the transaction.
            fresh = _load(con, username)
            if fresh != row:
                if fresh is not None and fresh[5] != row[5]:
                    hash_ok = verify_password(fresh[5], password)
                row, reason = fresh, _verdict(fresh, hash_ok, now)
        stored = row[5] if row else ""
        if reason == "ok":
            if _hasher.check_needs_rehash(stored):
                stored = hash_password(password)
            users.signed_in(con, username, stored)
            if success_action:
                portal.audit(con, username, success_action, username)
            if then is not None:
                result = then(con, row, stored)
        else:
            portal.audit(con, shown, "auth.sign_in_failed", shown, reason)
        if reason == "bad-password":
            attempts = users.count_failure(con, username)
            if attempts >= s.max_failed_logins:
                until = now + dt.timedelta(minutes=s.lockout_minutes)
                users.lock(con, username, until)
                portal.audit(
                    con, username, "auth.lock", username, f"{attempts} 次失败，锁定至 {until:%Y-%m-%d %H:%M}"
                )
    return reason, row, stored, result


def sign_in(
    portal: Portal,
    username: str,
    password: str,
    now: dt.datetime | None = None,
    clock: Clock = utc_now,
) -> SignInResult:
    """Check a username and password; count failures and lock the account after too many.
    A good password opens a session (a web_sessions row) with a one-time code for the cookie."""
    username = (username or "").strip()
    if not username or not password:
        return SignInResult(False, "请输入用户名和密码。", reason="empty")
    at = clock()
    session_id, code = secrets.token_urlsafe(24), secrets.token_urlsafe(24)

    def open_session(con, row: tuple, stored: str) -> Account:
        web_sessions.prune(con, at - dt.timedelta(days=KEEP_ENDED_DAYS))
        web_sessions.insert(
            con,
            session_id,
            row[0],
            _fingerprint(stored),
            _digest(code),
            at + dt.timedelta(seconds=HANDOFF_SECONDS),
            at,
            at + dt.timedelta(hours=portal.settings.session_max_hours),
        )
        return _account(con, row)

    reason, _, _, account = _authenticate(portal, username, password, now, "auth.sign_in", open_session)
    if reason != "ok":
        return SignInResult(False, failure_message(portal), reason=reason)
    session = Session(account, session_id, touched=at, handoff=code)
    return SignInResult(True, f"欢迎，{account.display_name}。", session=session, reason="ok")


def _digest(secret: str) -> str:
    """What the warehouse keeps of a token or code: a copy of the table opens no session."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _state(portal: Portal, row: dict | None, user: tuple | None, at: dt.datetime) -> str:
    """ "ok", or why a session no longer holds: expired, signed-out (this account signed out
    somewhere), revoked (password changed or reset, account deactivated or removed)."""
    if row is None:
        return "revoked"
    if row["revoked_at"] is not None:
        return "signed-out" if row["revoked_reason"] == "sign-out" else "revoked"
    if user is None or not user[6] or _fingerprint(user[5]) != row["credential"]:
        return "revoked"
    idle = at - row["last_seen"] > dt.timedelta(minutes=portal.settings.session_minutes)
    if idle or at >= row["expires_at"]:
        return "expired"
    return "ok"


def _checked(portal: Portal, con, row: dict | None, at: dt.datetime) -> tuple[str, Account | None]:
    """A session row checked on `con` (inside a transaction): its state and, when it holds, the
    account read afresh. An expiry is recorded once (the row ends, the audit log says so)."""
    state, account, _ = _checked_user(portal, con, row, at)
    return state, account


def _checked_user(
    portal: Portal, con, row: dict | None, at: dt.datetime
) -> tuple[str, Account | None, tuple]:
    user = _load(con, row["username"]) if row is not None else None
    state = _state(portal, row, user, at)
    if state == "expired":
        web_sessions.revoke(con, row["id"], at, "expired")
        portal.audit(con, row["username"], "auth.session_expired", row["username"])
    if state == "revoked" and row is not None and row["revoked_at"] is None:
        web_sessions.revoke(con, row["id"], at, "revoked")
    return state, (_account(con, user) if state == "ok" else None), user


def check_session(portal: Portal, session: Session | None, clock: Clock = utc_now) -> Account | None:
    """The account behind a session still in force, read afresh; None means sign in again.

    A session ends when idle longer than `session_minutes`, older than `session_max_hours`, when
    the account signs out (in any tab), is deactivated or removed, or its password was changed or
    reset since. A valid check counts as activity (written at most every TOUCH_SECONDS) and
    refreshes `session.account`; a failed one leaves the reason in `session.ended`.

    "Afresh" without opening the warehouse when it has not changed since this session's last
    check (its stamp, portal.core.readcache): the session row, account and scope read then are
    what a read now would give; the time limits are judged now. A sign-out in another tab, a
    deactivation or a scope change is a write (bookkeeping or not, the stamp moves), so the next
    page reads the warehouse again.
    """
    if session is None:
        return None
    at = clock()
    wh = portal.warehouse
    touch_due = at - session.touched >= dt.timedelta(seconds=TOUCH_SECONDS)
    kept = readcache.recall(portal, ("session", session.id), wh.stamp())
    if kept is not None and not touch_due:
        row, user, account = kept
        if _state(portal, row, user, at) == "ok":
            session.account = account
            return account
    with wh.connect() as con:
        if not touch_due:  # most checks write nothing: read beside the writers, no write lock
            before = wh.stamp()  # taken first: a write meanwhile leaves the kept check unmatched
            row = web_sessions.by_id(con, session.id)
            user = _load(con, row["username"]) if row is not None else None
            if _state(portal, row, user, at) == "ok":
                account = _account(con, user)
                readcache.remember(portal, ("session", session.id), (row, user, account), before)
                session.account = account
                return account
        # Activity to record or a session to end: read, check and write in one transaction
        # (bookkeeping: pages' kept answers do not read sessions), so what is kept is the
        # warehouse's at the stamp the transaction ended at.
        with transaction(con, bookkeeping=True):
            row = web_sessions.by_id(con, session.id)
            state, account, user = _checked_user(portal, con, row, at)
            if account is not None and touch_due:
                web_sessions.touch(con, session.id, at)
                row = {**row, "last_seen": at}
        if account is not None:
            if touch_due:
                session.touched = at
            readcache.remember(portal, ("session", session.id), (row, user, account), wh.last_commit_stamp())
    if account is None:
        session.ended = state
        return None
    session.account = account
    return account


def _cookie_key(portal: Portal) -> bytes:
    """The cookie's signing key: derived from the installation's secret, apart from other uses."""
    return hmac.new(portal.settings.secret(), b"portal-session-cookie", hashlib.sha256).digest()


def _signature(portal: Portal, body: str) -> str:
    mac = hmac.new(_cookie_key(portal), body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def _sealed(portal: Portal, token: str, expires_at: dt.datetime) -> str:
    """The cookie value: token, expiry (epoch seconds, UTC) and their signature."""
    body = f"{token}.{int(expires_at.replace(tzinfo=dt.UTC).timestamp())}"
    return f"{body}.{_signature(portal, body)}"


def _unsealed(portal: Portal, value: str, at: dt.datetime) -> str | None:
    """The token of a cookie value that is well-formed, signed by us and not past its expiry."""
    parts = (value or "").split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    token, expires, signature = parts
    if not hmac.compare_digest(signature, _signature(portal, f"{token}.{expires}")):
        return None
    if int(expires) <= at.replace(tzinfo=dt.UTC).timestamp():
        return None
    return token


@dataclass(frozen=True)
class Cookie:
    value: str
    max_age: int  # seconds until the session's absolute end


def issue_cookie(portal: Portal, code: str, clock: Clock = utc_now) -> Cookie | None:
    """The cookie for the session whose one-time code this is (the code then no longer works);
    None for an unknown, used, late or ended code."""
    if not code:
        return None
    at = clock()
    token = secrets.token_urlsafe(32)
    with portal.warehouse.transaction(bookkeeping=True) as con:
        row = web_sessions.take_handoff(con, _digest(code), _digest(token), at)
    if row is None:
        return None
    return Cookie(_sealed(portal, token, row["expires_at"]), int((row["expires_at"] - at).total_seconds()))


def resume(portal: Portal, cookie: str | None, clock: Clock = utc_now) -> Session | None:
    """The session a browser's cookie names, if it still holds (a reload, a bookmark, a new tab);
    None for no cookie, a forged, altered or expired one, or an ended session."""
    at = clock()
    token = _unsealed(portal, cookie or "", at)
    if token is None:
        return None
    with portal.warehouse.transaction(bookkeeping=True) as con:
        row = web_sessions.by_token(con, _digest(token))
        state, account = _checked(portal, con, row, at)
        if account is not None:
            web_sessions.touch(con, row["id"], at)
    return Session(account, row["id"], touched=at) if account is not None else None


def sign_out(portal: Portal, session: Session | None, clock: Clock = utc_now) -> None:
    """End the account's web sessions, in every tab and browser (each sees it at its next
    action), and record it."""
    if session is None:
        return
    username = session.account.username
    with portal.warehouse.transaction(bookkeeping=True) as con:
        web_sessions.revoke_account(con, username, clock(), "sign-out")
        portal.audit(con, username, "auth.sign_out", username)


@cache
def common_passwords() -> frozenset[str]:
    """The bundled short list of passwords guessers try first (lower case)."""
    text = resources.files("portal.accounts").joinpath("common_passwords.json").read_text("utf-8")
    return frozenset(json.loads(text))


def _visible(text: str) -> str:
    """`text` without control and format characters (zero-width spaces, bidi marks): they add
    length a person cannot see or retype."""
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf"))


def _classes(text: str) -> int:
    kinds = {
        "lower" if ch.islower() else "upper" if ch.isupper() else "digit" if ch.isdigit() else "other"
        for ch in text
    }
    return len(kinds)


def password_problems(username: str, old: str, new: str, confirm: str) -> list[str]:
    """What is wrong with a chosen password, each as a Chinese sentence saying what to do."""
    problems = []
    seen = _visible(new).strip()
    if len(seen) < MIN_PASSWORD_LENGTH:
        problems.append(f"新密码至少需要 {MIN_PASSWORD_LENGTH} 个可见字符（不计空格以外的不可见字符）。")
    if seen and _classes(seen) < MIN_CHARACTER_CLASSES:
        problems.append("新密码须包含至少两类字符（小写字母、大写字母、数字、符号）。")
    if seen.lower() in common_passwords():
        problems.append("新密码过于常见，容易被猜中，请换一个。")
    if new != confirm:
        problems.append("两次输入的新密码不一致。")
    if username and username.lower() in seen.lower():
        problems.append("新密码不能包含用户名。")
    if new and new == old:
        problems.append("新密码不能与原密码相同。")
    return problems


@dataclass(frozen=True)
class PasswordChange:
    ok: bool
    messages: list[str]
    session: Session | None = None  # the caller's session, carried over to the new password


def change_password(
    portal: Portal, session: Session, old: str, new: str, confirm: str, now: dt.datetime | None = None
) -> PasswordChange:
    """The signed-in person changes their own password; a wrong old password counts as a failed sign-in."""
    account = session.account
    require(account, "account.change_password")
    problems = password_problems(account.username, old, new, confirm)
    if problems:
        return PasswordChange(False, problems)
    reason, *_ = _authenticate(portal, account.username, old, now, None)
    if reason != "ok":
        return PasswordChange(
            False, ["原密码不正确。" if reason == "bad-password" else failure_message(portal)]
        )
    new_hash = hash_password(new)
    with portal.warehouse.transaction() as con:
        users.set_password(con, account.username, new_hash)
        web_sessions.set_credential(con, session.id, _fingerprint(new_hash))
        web_sessions.revoke_account(con, account.username, utc_now(), "password-change", keep=session.id)
        portal.audit(con, account.username, "auth.password_change", account.username)
    carried = replace(session, account=replace(account, must_change_password=False))
    return PasswordChange(True, ["密码已修改。"], carried)


# ----------------------------------------------------------------------------- account administration


def missing_account(username: str) -> str:
    """The words for a username that does not exist, or whose account lies outside the admin's
    scope: the same, so a scoped admin cannot probe which names exist elsewhere."""
    return f"账号 {username} 不存在或不在您的管辖范围内，请核对用户名。"


def missing_office(code: str) -> str:
    """The words for an office code that does not exist, or lies outside the admin's scope."""
    return f"办公室代码“{code}”不存在，请核对（系统管理页的办公室列表）。"


PLATFORM_ONLY = "只有全平台范围的系统管理员才能授予全平台范围。"
NEEDS_SCOPE = "{role}账号须指定工作范围：选择一个或几个办公室，或选择全平台。"
UNIT_SCOPE_FIXED = "单位账号的范围就是它的单位，不能再指定办公室或全平台。"


def _within(admin: Scope, role: Role | str, unit: str | None, platform: bool, offices: list[str]) -> bool:
    """Whether an account with this role and scope lies inside an admin's scope: its unit among
    the units the admin reads, or all its offices in the admin's subtree. A platform-wide account
    (or one with no office yet) is for a platform-wide admin only."""
    if admin.platform:
        return True
    if Role(role) in UNIT_ROLES:
        return unit is not None and admin.has_unit(unit)
    return not platform and bool(offices) and all(admin.has_office(code) for code in offices)


def _managed_row(con, actor: Account, username: str) -> tuple | None:
    """The users row of `username` if the actor manages it; None when there is no such account
    or it lies outside the actor's scope (the caller answers both with `missing_account`)."""
    row = _load(con, username)
    if row is None:
        return None
    offices = users.scope_offices(con, username)
    return row if _within(scope_of(actor), row[2], row[3], bool(row[8]), offices) else None


def scope_text(role: Role | str, unit_name: str | None, platform: bool, office_names: list[str]) -> str:
    """An account's scope in words for the 账号 table: its unit's name, 全平台, or its offices."""
    if Role(role) in UNIT_ROLES:
        return unit_name or "（未绑定单位）"
    if platform:
        return "全平台"
    return "、".join(office_names) or "（未指定办公室，看不到任何数据）"


def list_accounts(portal: Portal, actor: Account) -> pl.DataFrame:
    """The accounts the actor manages (all for a platform-wide admin), each with its scope:
    `offices` (codes granted), `platform`, and `scope_label` in words."""
    require(actor, "account.manage")
    admin = scope_of(actor)
    with portal.warehouse.connect() as con:
        frame = users.listing(con)
        scopes = users.all_scopes(con)
        names = {o["code"]: o["name"] for o in office_tree.office_tree(con)}
    offices = [scopes.get(name, []) for name in frame["username"]]
    labels = {str(r): r.label for r in Role}
    frame = frame.with_columns(
        pl.col("role").replace_strict(labels, default=pl.col("role")).alias("role_label"),
        pl.Series("offices", offices, dtype=pl.List(pl.String)),
    )
    keep = [
        _within(admin, r["role"], r["unit"], bool(r["platform"]), r["offices"])
        for r in frame.iter_rows(named=True)
    ]
    frame = frame.filter(pl.Series(keep, dtype=pl.Boolean))
    shown = [
        scope_text(r["role"], r["unit_name"], bool(r["platform"]), [names.get(c, c) for c in r["offices"]])
        for r in frame.iter_rows(named=True)
    ]
    return frame.with_columns(pl.Series("scope_label", shown, dtype=pl.String))


def _clean_offices(offices) -> list[str]:
    return list(dict.fromkeys(c.strip() for c in (offices or ()) if c and c.strip()))


def _scope_refusal(con, admin: Scope, offices: list[str], platform: bool) -> str | None:
    """Why an admin may not grant these offices or the platform; None when it may."""
    if platform and not admin.platform:
        return PLATFORM_ONLY
    for code in offices:
        if office_tree.office(con, code) is None or not admin.has_office(code):
            return missing_office(code)
    return None


def add_account(
    portal: Portal,
    actor: Account,
    username: str,
    display_name: str,
    role: Role | str,
    unit: str | None,
    offices: list[str] | tuple[str, ...] = (),
    platform: bool = False,
) -> Outcome:
    """A new account with a one-time password, to be changed at first sign-in.

    A unit's clerk or sign-off account works for `unit` (several per unit are fine); any other
    role for `offices` or, granted only by a platform-wide admin, the whole `platform`. An admin
    scoped to a subtree can bind units and offices in it only; others read as unknown."""
    require(actor, "account.manage")
    username, display_name, unit = (username or "").strip(), (display_name or "").strip(), (unit or None)
    role, offices, platform = Role(role), _clean_offices(offices), bool(platform)
    if not _USERNAME.match(username):
        return Outcome(False, "用户名须为 2–32 位英文字母、数字或 _ . -。")
    if not display_name:
        return Outcome(False, "请填写姓名或单位名称。")
    if role in UNIT_ROLES:
        if not unit:
            return Outcome(False, f"{role.label}账号必须绑定一个单位。")
        if offices or platform:
            return Outcome(False, UNIT_SCOPE_FIXED)
    else:
        if unit:
            return Outcome(False, "只有单位的填报员和审核人账号绑定单位；其他角色请不要选择单位。")
        if not offices and not platform:
            return Outcome(False, NEEDS_SCOPE.format(role=role.label))
        if offices and platform:
            return Outcome(False, "全平台范围已包含所有办公室：请选择办公室或全平台，不要同时选择。")
    admin = scope_of(actor)
    password = new_password()
    with portal.warehouse.transaction() as con:
        if unit:
            found = unit_active(con, unit)
            if found is None or not admin.has_unit(unit):
                return Outcome(False, f"单位代码 {unit} 不存在。")
            if not found:
                return Outcome(False, f"单位 {unit} 已停用，不能为其创建账号。")
        refusal = _scope_refusal(con, admin, offices, platform)
        if refusal:
            return Outcome(False, refusal)
        try:
            create_account(
                portal,
                con,
                username,
                display_name,
                role,
                unit,
                password,
                actor.audit_name,
                must_change_password=True,
                offices=offices,
                platform=platform,
            )
        except AccountError as exc:
            return Outcome(False, str(exc))
    return Outcome(
        True, f"已创建账号 {username}（{role.label}）。初始密码只显示这一次，首次登录后须修改。", password
    )


def _other_platform_admins(con, username: str) -> int:
    return users.other_active_platform(con, str(Role.ADMIN), username)


def set_account_scope(
    portal: Portal, actor: Account, username: str, offices: list[str] | tuple[str, ...], platform: bool
) -> Outcome:
    """Replace an office reviewer's, evaluator's or admin's scope: offices, or the whole platform
    (granted by a platform-wide admin only). Audited with the old and new scope; the account's
    open sessions see the new scope at their next page (`check_session` reloads it)."""
    require(actor, "account.manage")
    username, offices, platform = (username or "").strip(), _clean_offices(offices), bool(platform)
    if not offices and not platform:
        return Outcome(False, "请选择一个或几个办公室，或选择全平台。")
    if offices and platform:
        return Outcome(False, "全平台范围已包含所有办公室：请选择办公室或全平台，不要同时选择。")
    admin = scope_of(actor)
    with portal.warehouse.transaction() as con:
        row = _managed_row(con, actor, username)
        if row is None:
            return Outcome(False, missing_account(username))
        role = Role(row[2])
        if role in UNIT_ROLES:
            return Outcome(False, UNIT_SCOPE_FIXED)
        if username == actor.username:
            return Outcome(False, "不能修改自己正在使用的账号的范围，请由另一位系统管理员修改。")
        refusal = _scope_refusal(con, admin, offices, platform)
        if refusal:
            return Outcome(False, refusal)
        before = users.scope_offices(con, username)
        was_platform = bool(row[8])
        if (was_platform, before) == (platform, offices):
            return Outcome(False, f"账号 {username} 的范围没有变化。")
        if role == Role.ADMIN and was_platform and not platform and not _other_platform_admins(con, username):
            return Outcome(False, "不能取消最后一个全平台系统管理员的全平台范围。")
        users.set_scope(con, username, offices, platform)
        old = "全平台" if was_platform else ",".join(before)
        new = "全平台" if platform else ",".join(offices)
        portal.audit(con, actor.audit_name, "account.scope", username, f"scope={old} → {new}")
        names = [office_tree.office(con, code)["name"] for code in offices]
    return Outcome(True, f"账号 {username} 的范围已改为：{scope_text(role, None, platform, names)}。")


def _other_active_admins(con, username: str) -> int:
    return users.other_active(con, str(Role.ADMIN), username)


def set_account_active(portal: Portal, actor: Account, username: str, active: bool) -> Outcome:
    """Deactivate (ends its sessions at their next page) or reactivate an account; never the last admin."""
    require(actor, "account.manage")
    with portal.warehouse.transaction() as con:
        row = _managed_row(con, actor, username)
        if row is None:
            return Outcome(False, missing_account(username))
        if bool(row[6]) == active:
            return Outcome(False, f"账号 {username} 已是{'启用' if active else '停用'}状态。")
        if not active and username == actor.username:
            return Outcome(False, "不能停用自己正在使用的账号。")
        if not active and row[2] == Role.ADMIN and not _other_active_admins(con, username):
            return Outcome(False, "不能停用最后一个系统管理员账号。")
        if not active and row[2] == Role.ADMIN and row[8] and not _other_platform_admins(con, username):
            return Outcome(False, "不能停用最后一个全平台范围的系统管理员账号。")
        users.set_active(con, username, active)
        if not active:
            web_sessions.revoke_account(con, username, utc_now(), "deactivated")
        portal.audit(con, actor.username, "account.activate" if active else "account.deactivate", username)
    return Outcome(True, f"账号 {username} 已{'启用' if active else '停用'}。")


def unlock_account(portal: Portal, actor: Account, username: str) -> Outcome:
    """Lift a lock left by failed sign-ins (the password stays). The page for an admin; for the
    last admin locked out, `portal accounts unlock USER` on the server."""
    require(actor, "account.manage")
    now = portal.settings.now()
    with portal.warehouse.transaction() as con:
        row = _managed_row(con, actor, username)
        if row is None:
            return Outcome(False, missing_account(username))
        if row[7] is None or row[7] <= now:
            return Outcome(False, f"账号 {username} 没有被锁定，无需解锁。")
        users.unlock(con, username)
        portal.audit(con, actor.username, "account.unlock", username, f"原锁定至 {row[7]:%Y-%m-%d %H:%M}")
    return Outcome(True, f"账号 {username} 已解除锁定，可以重新登录。")


def deactivate_account(portal: Portal, actor: Account, username: str) -> Outcome:
    return set_account_active(portal, actor, username, False)


def reset_password(portal: Portal, actor: Account, username: str) -> Outcome:
    """A new one-time password (shown once), the lock lifted, the old sessions ended."""
    require(actor, "account.manage")
    password = new_password()
    with portal.warehouse.transaction() as con:
        if _managed_row(con, actor, username) is None:
            return Outcome(False, missing_account(username))
        users.reset_password(con, username, hash_password(password))
        web_sessions.revoke_account(con, username, utc_now(), "password-reset")
        portal.audit(con, actor.username, "account.reset_password", username)
    return Outcome(True, f"已重置账号 {username} 的密码。新密码只显示这一次，首次登录后须修改。", password)
