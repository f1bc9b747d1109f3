"""Sign-in, lockout, sessions, sign-out and password change against a real demo warehouse."""

import datetime as dt

import pytest
from argon2 import PasswordHasher, Type

import portal.accounts.auth as auth
from portal.accounts.auth import (
    change_password,
    check_session,
    deactivate_account,
    failure_message,
    issue_cookie,
    reset_password,
    resume,
    sign_in,
    sign_out,
    unlock_account,
    utc_now,
)
from portal.core.context import Portal
from portal.core.permissions import PermissionDenied
from schemas.enums import Role
from tests.conftest import PRODUCTION_HASHER, cli, demo_with_accounts, private_copy, run_cli

UNIT = "JZKF-CXCY"
NOON = dt.datetime(2025, 10, 10, 12, 0)


ACCOUNTS = (("rep1", Role.UNIT_REPORTER, UNIT, "rep1-password"), ("boss", Role.ADMIN, None, "boss-password"))


@pytest.fixture(scope="session")
def _auth_home(_demo_home, tmp_path_factory):
    return demo_with_accounts(tmp_path_factory, _demo_home, "auth-demo-home", ACCOUNTS)


@pytest.fixture
def portal(_auth_home, portal_home, fast_hashes):
    """A private copy of the demo with rep1 and boss (built once per run)."""
    return private_copy(_auth_home, portal_home)


def audit(portal, action, target=None):
    with portal.warehouse.connect() as con:
        rows = con.execute(
            "SELECT actor, target, detail FROM audit_log WHERE action = ? ORDER BY id", [action]
        ).fetchall()
    return [r for r in rows if target is None or r[1] == target]


def user(portal, username):
    with portal.warehouse.connect() as con:
        return con.execute(
            "SELECT failed_attempts, locked_until, active, must_change_password, password_hash FROM users "
            "WHERE username = ?",
            [username],
        ).fetchall()[0]


class FakeClock:
    """The sessions' UTC clock, moved by hand."""

    def __init__(self, start: dt.datetime = dt.datetime(2025, 10, 10, 8, 0)):
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


# ----------------------------------------------------------------------------- sign-in


def test_right_password_signs_in_with_the_accounts_role_and_unit(portal):
    result = sign_in(portal, "rep1", "rep1-password")
    assert result.ok and result.reason == "ok"
    assert (result.session.account.role, result.session.account.unit) == (Role.UNIT_REPORTER, UNIT)
    assert result.session.handoff  # the one-time code the page passes on for the cookie
    assert audit(portal, "auth.sign_in", "rep1") == [("rep1", "rep1", None)]


def test_username_is_trimmed_and_blank_input_is_asked_for_again(portal):
    assert sign_in(portal, "  rep1 ", "rep1-password").ok
    blank = sign_in(portal, "", "")
    assert (blank.ok, blank.reason, blank.message) == (False, "empty", "请输入用户名和密码。")


def test_wrong_password_and_unknown_user_get_the_same_vague_message(portal):
    wrong = sign_in(portal, "rep1", "not-it")
    unknown = sign_in(portal, "nobody", "not-it")
    assert (wrong.reason, unknown.reason) == ("bad-password", "unknown")
    assert wrong.message == unknown.message == failure_message(portal)
    assert "用户名或密码不正确" in wrong.message and "锁定 15 分钟" in wrong.message
    assert user(portal, "rep1")[0] == 1
    assert [r[2] for r in audit(portal, "auth.sign_in_failed")] == ["bad-password", "unknown"]


def test_an_unknown_user_costs_one_password_verification_like_a_known_one(portal, monkeypatch):
    calls = []
    real = auth.verify_password
    monkeypatch.setattr(auth, "verify_password", lambda h, p: calls.append(h) or real(h, p))
    sign_in(portal, "nobody", "guess")
    sign_in(portal, "rep1", "guess")
    assert len(calls) == 2
    assert calls[0] != calls[1] and calls[0].startswith("$argon2id$")


def test_too_many_failures_lock_the_account_even_against_the_right_password(portal):
    for _ in range(5):
        assert sign_in(portal, "rep1", "wrong", now=NOON).reason == "bad-password"
    failed_attempts, locked_until, *_ = user(portal, "rep1")
    assert (failed_attempts, locked_until) == (0, NOON + dt.timedelta(minutes=15))
    locked = sign_in(portal, "rep1", "rep1-password", now=NOON + dt.timedelta(minutes=14))
    assert (locked.ok, locked.reason) == (False, "locked")
    assert locked.message == failure_message(portal)
    assert audit(portal, "auth.lock", "rep1")[0][2] == "5 次失败，锁定至 2025-10-10 12:15"


def test_the_lock_lifts_after_lockout_minutes_and_the_count_starts_again(portal):
    for _ in range(5):
        sign_in(portal, "rep1", "wrong", now=NOON)
    later = NOON + dt.timedelta(minutes=15, seconds=1)
    assert sign_in(portal, "rep1", "rep1-password", now=later).ok
    assert user(portal, "rep1")[:2] == (0, None)


def test_limits_come_from_the_settings(portal, make_account):
    strict = Portal.open(portal.settings.home, max_failed_logins=2, lockout_minutes=60)
    sign_in(strict, "rep1", "wrong", now=NOON)
    sign_in(strict, "rep1", "wrong", now=NOON)
    assert user(strict, "rep1")[1] == NOON + dt.timedelta(minutes=60)
    assert "连续输错 2 次后账号将被锁定 60 分钟" in failure_message(strict)


def test_a_success_resets_the_failure_count(portal):
    for _ in range(4):
        sign_in(portal, "rep1", "wrong", now=NOON)
    assert sign_in(portal, "rep1", "rep1-password", now=NOON).ok
    assert user(portal, "rep1")[:2] == (0, None)


def test_a_deactivated_account_cannot_sign_in_and_is_not_told_why(portal):
    boss = sign_in(portal, "boss", "boss-password").session.account
    assert deactivate_account(portal, boss, "rep1").ok
    refused = sign_in(portal, "rep1", "rep1-password")
    assert (refused.ok, refused.reason, refused.message) == (False, "inactive", failure_message(portal))


def _during_verification(monkeypatch, action):
    """Run `action` (an administrator's step in another page run) while the next password is being
    verified: page runs read side by side, and the verification takes the longest of a sign-in."""
    original = auth.verify_password

    def verifying(stored, password):
        monkeypatch.setattr(auth, "verify_password", original)
        action()
        return original(stored, password)

    monkeypatch.setattr(auth, "verify_password", verifying)


def test_an_account_deactivated_during_the_verification_gets_no_session(portal, monkeypatch):
    boss = sign_in(portal, "boss", "boss-password").session.account
    _during_verification(monkeypatch, lambda: deactivate_account(portal, boss, "rep1"))
    refused = sign_in(portal, "rep1", "rep1-password")
    assert (refused.ok, refused.reason, refused.session) == (False, "inactive", None)
    with portal.warehouse.connect() as con:
        assert con.execute("SELECT count(*) FROM web_sessions WHERE username = 'rep1'").fetchall() == [(0,)]
    assert [row[1] for row in audit(portal, "auth.sign_in_failed")] == ["rep1"]


def test_a_password_reset_during_the_verification_refuses_the_old_password(portal, monkeypatch):
    boss = sign_in(portal, "boss", "boss-password").session.account
    reset = {}
    _during_verification(monkeypatch, lambda: reset.update(done=reset_password(portal, boss, "rep1")))
    refused = sign_in(portal, "rep1", "rep1-password")
    assert reset["done"].ok
    assert (refused.ok, refused.reason, refused.session) == (False, "bad-password", None)
    assert user(portal, "rep1")[0] == 1  # counted like any wrong password


def test_production_hashes_are_argon2id_with_at_least_the_rfc_9106_low_memory_cost():
    # The tests hash with tiny parameters (tests/conftest.py TEST_HASHER); this is what ships.
    hasher = PRODUCTION_HASHER
    assert hasher.type is Type.ID and hasher.time_cost >= 3 and hasher.memory_cost >= 64 * 1024
    assert auth._hasher is not hasher  # so the suite's own hashes are the cheap ones


def test_a_hash_made_with_old_parameters_is_upgraded_at_sign_in(portal, monkeypatch):
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    monkeypatch.setattr(auth, "_hasher", stronger)
    assert sign_in(portal, "rep1", "rep1-password").ok
    stored = user(portal, "rep1")[4]
    assert "m=16,t=2,p=1" in stored and not stronger.check_needs_rehash(stored)


# ----------------------------------------------------------------------------- sessions


def test_a_session_in_use_stays_valid_and_returns_the_account_read_afresh(portal):
    clock = FakeClock()
    session = sign_in(portal, "rep1", "rep1-password", clock=clock).session
    clock.advance(minutes=119)
    account = check_session(portal, session, clock=clock)
    assert account is not None and account.unit == UNIT
    clock.advance(minutes=119)  # idle time counts from the last check, not from sign-in
    assert check_session(portal, session, clock=clock) is not None


def test_a_session_idle_longer_than_session_minutes_expires_and_is_audited(portal):
    clock = FakeClock()
    session = sign_in(portal, "rep1", "rep1-password", clock=clock).session
    clock.advance(minutes=120, seconds=1)
    assert check_session(portal, session, clock=clock) is None
    assert session.ended == "expired"
    assert audit(portal, "auth.session_expired", "rep1")
    assert check_session(portal, session, clock=clock) is None  # ended for good, audited once
    assert len(audit(portal, "auth.session_expired", "rep1")) == 1


def test_session_minutes_come_from_the_settings(portal):
    short = Portal.open(portal.settings.home, session_minutes=5)
    clock = FakeClock()
    session = sign_in(short, "rep1", "rep1-password", clock=clock).session
    clock.advance(minutes=5, seconds=1)
    assert check_session(short, session, clock=clock) is None


def test_even_a_busy_session_ends_after_session_max_hours(portal):
    limited = Portal.open(portal.settings.home, session_max_hours=3)
    clock = FakeClock()
    session = sign_in(limited, "rep1", "rep1-password", clock=clock).session
    for _ in range(3 * 2 - 1):
        clock.advance(minutes=30)
        assert check_session(limited, session, clock=clock) is not None
    clock.advance(minutes=30)
    assert check_session(limited, session, clock=clock) is None
    assert session.ended == "expired"


@pytest.mark.parametrize("bad", ["0", "-1", "721", "twelve"])
def test_session_max_hours_out_of_range_is_refused_naming_the_setting(portal, bad):
    with pytest.raises(auth.InvalidInput, match="session_max_hours"):
        Portal.open(portal.settings.home, session_max_hours=bad)


def test_sessions_use_the_real_utc_clock_by_default(portal):
    session = sign_in(portal, "rep1", "rep1-password").session
    assert abs(session.touched - utc_now()) < dt.timedelta(minutes=1)
    assert check_session(portal, session) is not None


def test_deactivating_an_account_ends_its_open_sessions_and_its_cookie(portal):
    session = sign_in(portal, "rep1", "rep1-password").session
    cookie = issue_cookie(portal, session.handoff)
    boss = sign_in(portal, "boss", "boss-password").session.account
    deactivate_account(portal, boss, "rep1")
    assert check_session(portal, session) is None
    assert session.ended == "revoked"
    assert resume(portal, cookie.value) is None


def test_resetting_a_password_ends_the_open_sessions(portal):
    session = sign_in(portal, "rep1", "rep1-password").session
    boss = sign_in(portal, "boss", "boss-password").session.account
    reset_password(portal, boss, "rep1")
    assert check_session(portal, session) is None


def test_no_session_is_no_account(portal):
    assert check_session(portal, None) is None


def test_sign_out_is_audited(portal):
    session = sign_in(portal, "rep1", "rep1-password").session
    sign_out(portal, session)
    assert audit(portal, "auth.sign_out", "rep1") == [("rep1", "rep1", None)]


def test_signing_out_ends_every_tab_of_the_account_at_its_next_check(portal):
    first = sign_in(portal, "rep1", "rep1-password").session
    cookie = issue_cookie(portal, first.handoff)
    second_tab = resume(portal, cookie.value)  # a second tab opened with the cookie
    other_sign_in = sign_in(portal, "rep1", "rep1-password").session
    someone_else = sign_in(portal, "boss", "boss-password").session
    sign_out(portal, second_tab)
    for tab in (first, second_tab, other_sign_in):
        assert check_session(portal, tab) is None
        assert tab.ended == "signed-out"
    assert resume(portal, cookie.value) is None
    assert check_session(portal, someone_else) is not None


# ----------------------------------------------------------------------------- the session cookie


def test_the_one_time_code_gives_a_cookie_once_and_the_cookie_resumes_the_session(portal):
    clock = FakeClock()
    session = sign_in(portal, "rep1", "rep1-password", clock=clock).session
    cookie = issue_cookie(portal, session.handoff, clock=clock)
    assert cookie is not None and cookie.max_age == 12 * 3600
    assert issue_cookie(portal, session.handoff, clock=clock) is None  # used up
    clock.advance(minutes=30)
    resumed = resume(portal, cookie.value, clock=clock)
    assert resumed is not None and resumed.id == session.id
    assert resumed.account.username == "rep1" and resumed.handoff is None


def test_a_late_or_unknown_code_gives_no_cookie(portal):
    clock = FakeClock()
    session = sign_in(portal, "rep1", "rep1-password", clock=clock).session
    assert issue_cookie(portal, "not-a-code", clock=clock) is None
    assert issue_cookie(portal, "", clock=clock) is None
    clock.advance(seconds=auth.HANDOFF_SECONDS + 1)
    assert issue_cookie(portal, session.handoff, clock=clock) is None


def test_the_warehouse_keeps_only_hashes_of_the_token_and_the_code(portal):
    session = sign_in(portal, "rep1", "rep1-password").session
    code = session.handoff
    cookie = issue_cookie(portal, code)
    token = cookie.value.split(".")[0]
    with portal.warehouse.connect() as con:
        stored = con.execute("SELECT * FROM web_sessions").fetchall()
    text = repr(stored)
    assert token not in text and code not in text
    assert auth._digest(token) in text


def _cookie(portal, clock=None):
    clock = clock or FakeClock(utc_now())
    session = sign_in(portal, "rep1", "rep1-password", clock=clock).session
    return issue_cookie(portal, session.handoff, clock=clock).value


@pytest.mark.parametrize(
    "tamper",
    [
        lambda v: v[:-1] + ("A" if v[-1] != "A" else "B"),  # signature altered
        lambda v: ("B" if v[0] != "B" else "C") + v[1:],  # token altered, signature kept
        lambda v: ".".join(
            [v.split(".")[0], str(int(v.split(".")[1]) + 86400), v.split(".")[2]]
        ),  # later expiry
        lambda v: v.split(".")[0],  # the bare token, unsigned
        lambda v: "",
        lambda v: "a.b.c.d",
    ],
    ids=["signature", "token", "expiry", "unsigned", "empty", "garbage"],
)
def test_a_tampered_cookie_is_refused(portal, tamper):
    value = _cookie(portal)
    assert resume(portal, value) is not None
    assert resume(portal, tamper(value)) is None


def test_a_cookie_signed_with_another_installations_secret_is_refused(portal):
    value = _cookie(portal)
    other = Portal.open(portal.settings.home, secret_key="another-installation")
    assert resume(other, value) is None


def test_a_cookie_past_its_expiry_is_refused_even_before_the_warehouse_is_asked(portal, monkeypatch):
    clock = FakeClock(utc_now())
    value = _cookie(portal, clock)
    clock.advance(hours=12, seconds=1)
    monkeypatch.setattr(auth.web_sessions, "by_token", lambda *a: pytest.fail("looked up"))
    assert resume(portal, value, clock=clock) is None


def test_an_idle_session_is_not_resumed_by_its_cookie(portal):
    clock = FakeClock(utc_now())
    value = _cookie(portal, clock)
    clock.advance(minutes=121)
    assert resume(portal, value, clock=clock) is None
    assert audit(portal, "auth.session_expired", "rep1")


# ----------------------------------------------------------------------------- password change


def test_changing_the_password_keeps_my_session_and_ends_the_others(portal):
    mine = sign_in(portal, "rep1", "rep1-password").session
    other = sign_in(portal, "rep1", "rep1-password").session
    result = change_password(portal, mine, "rep1-password", "a-new-secret", "a-new-secret")
    assert result.ok and result.messages == ["密码已修改。"]
    assert check_session(portal, result.session) is not None
    assert check_session(portal, other) is None and other.ended == "revoked"
    assert not sign_in(portal, "rep1", "rep1-password").ok
    assert sign_in(portal, "rep1", "a-new-secret").ok
    assert audit(portal, "auth.password_change", "rep1")


TOO_SHORT = "新密码至少需要 10 个可见字符"
ONE_KIND = "新密码须包含至少两类字符"
COMMON = "新密码过于常见"


@pytest.mark.parametrize(
    "old, new, confirm, problem",
    [
        ("rep1-password", "short", "short", TOO_SHORT),
        ("rep1-password", "12345678", "12345678", TOO_SHORT),
        ("rep1-password", "password", "password", TOO_SHORT),
        ("rep1-password", "\u200b" * 12, "\u200b" * 12, TOO_SHORT),  # zero-width spaces count for nothing
        ("rep1-password", "ab\u200bcd\u200bef-12", "ab\u200bcd\u200bef-12", TOO_SHORT),
        ("rep1-password", "passwordpassword", "passwordpassword", ONE_KIND),
        ("rep1-password", "2025202520252025", "2025202520252025", ONE_KIND),
        ("rep1-password", "Password123", "Password123", COMMON),
        ("rep1-password", "1qaz2wsx3edc", "1qaz2wsx3edc", COMMON),
        ("rep1-password", "long-enough", "long-enougH", "两次输入的新密码不一致。"),
        ("rep1-password", "my-REP1-secret", "my-REP1-secret", "新密码不能包含用户名。"),
        ("rep1-password", "rep1-password", "rep1-password", "新密码不能与原密码相同。"),
    ],
)
def test_a_weak_or_mistyped_new_password_is_refused(portal, old, new, confirm, problem):
    session = sign_in(portal, "rep1", "rep1-password").session
    result = change_password(portal, session, old, new, confirm)
    assert not result.ok and any(m.startswith(problem) for m in result.messages), result.messages
    assert sign_in(portal, "rep1", "rep1-password").ok


def test_a_long_password_of_two_kinds_not_on_the_list_is_taken(portal):
    session = sign_in(portal, "rep1", "rep1-password").session
    assert auth.password_problems("rep1", "rep1-password", "春眠不觉晓-2025", "春眠不觉晓-2025") == []
    assert change_password(portal, session, "rep1-password", "quiet-river-42", "quiet-river-42").ok


def test_the_common_password_list_ships_with_the_package():
    common = auth.common_passwords()
    assert {"password", "12345678", "1qaz2wsx3edc"} <= common and len(common) > 50


def test_a_wrong_old_password_counts_as_a_failed_sign_in(portal):
    session = sign_in(portal, "rep1", "rep1-password").session
    result = change_password(portal, session, "guess-word", "a-new-secret", "a-new-secret")
    assert (result.ok, result.messages) == (False, ["原密码不正确。"])
    assert user(portal, "rep1")[0] == 1


def test_a_one_time_password_must_be_changed_and_the_change_clears_the_flag(portal):
    boss = sign_in(portal, "boss", "boss-password").session.account
    one_time = reset_password(portal, boss, "rep1").password
    session = sign_in(portal, "rep1", one_time).session
    assert session.account.must_change_password
    result = change_password(portal, session, one_time, "my-own-secret", "my-own-secret")
    assert result.ok and not result.session.account.must_change_password
    assert user(portal, "rep1")[3] is False


# ----------------------------------------------------------------------------- audit and unlocking


def test_an_unknown_username_is_not_written_to_the_audit_log(portal):
    typed = "Secret-Pass-2025"  # a password typed into the username box
    assert sign_in(portal, typed, "whatever").reason == "unknown"
    assert audit(portal, "auth.sign_in_failed") == [(auth.UNKNOWN_NAME, auth.UNKNOWN_NAME, "unknown")]
    with portal.warehouse.connect() as con:
        rows = con.execute("SELECT actor, target, detail FROM audit_log").fetchall()
    assert not [r for r in rows if typed in " ".join(str(v) for v in r)]


def _lock(portal, username):
    """Locked as of the portal clock's now: unlocking compares the lock with that clock, so a
    fixed time of day here would make the tests depend on the hour they run at."""
    for _ in range(5):
        sign_in(portal, username, "wrong-guess")
    assert user(portal, username)[1] is not None


def test_an_admin_unlocks_a_locked_account_and_it_is_audited(portal):
    boss = sign_in(portal, "boss", "boss-password").session.account
    _lock(portal, "rep1")
    locked_until = user(portal, "rep1")[1]
    done = unlock_account(portal, boss, "rep1")
    assert done.ok and "已解除锁定" in done.message
    assert user(portal, "rep1")[:2] == (0, None)
    assert sign_in(portal, "rep1", "rep1-password").ok
    assert audit(portal, "account.unlock", "rep1") == [
        ("boss", "rep1", f"原锁定至 {locked_until:%Y-%m-%d %H:%M}")
    ]
    again = unlock_account(portal, boss, "rep1")
    assert not again.ok and "没有被锁定" in again.message
    assert not unlock_account(portal, boss, "nobody").ok


def test_only_an_account_manager_may_unlock(portal):
    reporter = sign_in(portal, "rep1", "rep1-password").session.account
    _lock(portal, "boss")
    with pytest.raises(PermissionDenied):
        unlock_account(portal, reporter, "boss")
    assert user(portal, "boss")[1] is not None


def test_the_last_admin_locked_out_is_unlocked_on_the_server_by_the_cli(portal):
    _lock(portal, "boss")
    done = run_cli("accounts", "unlock", "boss", home=portal.settings.home)
    assert done.returncode == 0, done.stderr.decode()
    assert "boss 已解除锁定" in done.stdout.decode()
    assert sign_in(portal, "boss", "boss-password").ok
    assert audit(portal, "account.unlock", "boss")[0][0] == "cli"
    # the refusal: the same command, in this process
    missing = cli("accounts", "unlock", "nobody", home=portal.settings.home)
    assert missing.returncode == 1 and "不存在" in missing.stderr
