"""Answers kept while the warehouse is unchanged: never across accounts or scopes, dropped by any
write, and a session's check kept the same way (a sign-out or a scope change counts at once)."""

import datetime as dt

import duckdb
import pytest

from portal.accounts.auth import (
    TOUCH_SECONDS,
    acting_account,
    check_session,
    deactivate_account,
    set_account_scope,
    sign_in,
    sign_out,
)
from portal.core import readcache
from portal.core.readcache import cached_read
from portal.monitoring.overview import plans_overview
from schemas.enums import Role
from tests.actors import ADMIN
from tests.conftest import account_in

calls: list[str] = []


@cached_read
def audit_lines(portal, actor, action=None) -> list:
    """A stand-in use case that counts its runs."""
    calls.append(actor.username)
    with portal.warehouse.connect() as con:
        return con.execute("SELECT count(*) FROM audit_log").fetchall()[0]


@cached_read
def failing_once(portal, actor) -> str:
    calls.append("run")
    if len(calls) == 1:
        raise RuntimeError("the first run fails")
    return "ok"


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    calls.clear()
    readcache.clear()
    monkeypatch.setattr(readcache, "enabled", True)


def test_an_answer_is_kept_while_the_warehouse_is_unchanged(demo_portal, opens):
    first = audit_lines(demo_portal, ADMIN)
    opened = len(opens)
    assert audit_lines(demo_portal, ADMIN) == first
    assert calls == ["admin"] and len(opens) == opened  # no second run, no second open


def test_a_write_drops_the_kept_answer_at_once(demo_portal):
    before = audit_lines(demo_portal, ADMIN)
    with demo_portal.warehouse.transaction() as con:
        demo_portal.audit(con, "admin", "test.write")
    assert audit_lines(demo_portal, ADMIN) == (before[0] + 1,)


def test_a_write_by_another_program_drops_the_kept_answer(demo_portal):
    before = audit_lines(demo_portal, ADMIN)
    con = duckdb.connect(str(demo_portal.warehouse.path))
    con.execute("DELETE FROM audit_log")
    con.close()
    assert before != (0,) and audit_lines(demo_portal, ADMIN) == (0,)


def test_another_account_or_other_arguments_are_computed_for_themselves(demo_portal):
    office = account_in(demo_portal, "office_yy", Role.OFFICE_REVIEWER, offices=["YY"])
    audit_lines(demo_portal, ADMIN)
    audit_lines(demo_portal, office)
    audit_lines(demo_portal, ADMIN, action="x")
    assert calls == ["admin", "office_yy", "admin"]


def test_an_office_never_gets_the_answer_kept_for_another_scope(demo_portal):
    yy = account_in(demo_portal, "office_yy", Role.OFFICE_REVIEWER, offices=["YY"])
    jzkf = account_in(demo_portal, "office_jzkf", Role.OFFICE_REVIEWER, offices=["JZKF"])
    seen_yy = set(plans_overview(demo_portal, yy).plans["plan"])
    seen_jzkf = set(plans_overview(demo_portal, jzkf).plans["plan"])
    assert seen_yy == {"YY"} and seen_jzkf == {"JZ"}


def test_a_scope_change_shows_at_the_next_page(demo_portal):
    yy = account_in(demo_portal, "office_yy", Role.OFFICE_REVIEWER, offices=["YY"])
    assert set(plans_overview(demo_portal, yy).plans["plan"]) == {"YY"}
    assert set_account_scope(demo_portal, ADMIN, "office_yy", ["JZKF"], False).ok
    again = acting_account(demo_portal, "office_yy")  # as the next page run loads it
    assert set(plans_overview(demo_portal, again).plans["plan"]) == {"JZ"}


def test_a_failure_is_not_kept(demo_portal):
    with pytest.raises(RuntimeError):
        failing_once(demo_portal, ADMIN)
    assert failing_once(demo_portal, ADMIN) == "ok"


@cached_read
def plan_codes(portal, actor) -> dict:
    with portal.warehouse.connect() as con:
        return {"plans": [r[0] for r in con.execute("SELECT code FROM plans ORDER BY code").fetchall()]}


def test_a_kept_answer_is_handed_out_as_a_copy(demo_portal):
    first = plan_codes(demo_portal, ADMIN)
    first["plans"].append("页面自己加的")  # a page doing what it likes with its answer
    second = plan_codes(demo_portal, ADMIN)
    second["plans"].clear()
    assert plan_codes(demo_portal, ADMIN) == {"plans": first["plans"][:-1]} != {"plans": []}


def test_a_scoring_file_edited_by_hand_drops_the_kept_answer(demo_portal):
    audit_lines(demo_portal, ADMIN)
    (demo_portal.settings.home / "scoring").mkdir(exist_ok=True)
    (demo_portal.settings.home / "scoring" / "YY-2025.toml").write_text("# 手工修改\n", "utf-8")
    audit_lines(demo_portal, ADMIN)
    assert calls == ["admin", "admin"]


def test_switched_off_every_call_computes(demo_portal, monkeypatch):
    monkeypatch.setattr(readcache, "enabled", False)
    audit_lines(demo_portal, ADMIN)
    audit_lines(demo_portal, ADMIN)
    assert calls == ["admin", "admin"]


# ----------------------------------------------------------------------------- session checks


@pytest.fixture
def signed_in(demo_portal, make_account):
    make_account(demo_portal, "rep1", Role.UNIT_REPORTER, "JZKF-CXCY", "rep1-password")
    clock = Clock()
    session = sign_in(demo_portal, "rep1", "rep1-password", clock=clock).session
    assert check_session(demo_portal, session, clock=clock) is not None
    return session, clock


class Clock:
    def __init__(self):
        self.now = dt.datetime(2025, 10, 10, 8, 0)

    def __call__(self):
        return self.now


def test_a_second_check_of_an_unchanged_warehouse_opens_nothing(demo_portal, signed_in, opens):
    session, clock = signed_in
    clock.now += dt.timedelta(seconds=5)
    assert check_session(demo_portal, session, clock=clock).username == "rep1"
    assert opens == []


def test_a_sign_out_in_another_tab_ends_the_session_at_once(demo_portal, signed_in):
    session, clock = signed_in
    sign_out(demo_portal, session, clock=clock)
    assert check_session(demo_portal, session, clock=clock) is None
    assert session.ended == "signed-out"


def test_a_deactivated_account_is_out_at_the_next_page(demo_portal, signed_in):
    session, clock = signed_in
    assert deactivate_account(demo_portal, ADMIN, "rep1").ok
    assert check_session(demo_portal, session, clock=clock) is None


def test_a_kept_check_still_expires_an_idle_session(demo_portal, signed_in):
    session, clock = signed_in
    clock.now += dt.timedelta(minutes=demo_portal.settings.session_minutes + 1)
    assert check_session(demo_portal, session, clock=clock) is None
    assert session.ended == "expired"


def test_recording_a_sessions_activity_keeps_the_pages_answers(demo_portal, signed_in):
    session, clock = signed_in
    audit_lines(demo_portal, ADMIN)
    clock.now += dt.timedelta(seconds=TOUCH_SECONDS + 1)
    assert check_session(demo_portal, session, clock=clock) is not None  # writes last_seen
    assert session.touched == clock.now
    audit_lines(demo_portal, ADMIN)
    assert calls == ["admin"]


# ----------------------------------------------------------------------------- the data version (issue 23)


@cached_read
def reported_units(portal, actor) -> list:
    """A stand-in page view over data (submissions), counting its runs."""
    calls.append(actor.username)
    with portal.warehouse.connect() as con:
        return [r[0] for r in con.execute("SELECT DISTINCT unit FROM submissions ORDER BY unit").fetchall()]


def test_a_sign_in_keeps_a_kept_view_kept(demo_portal, make_account):
    make_account(demo_portal, "rep1", Role.UNIT_REPORTER, "JZKF-CXCY", "rep1-password")
    overview = plans_overview(demo_portal, ADMIN)
    reported_units(demo_portal, ADMIN)
    stamp = demo_portal.warehouse.stamp()
    assert sign_in(demo_portal, "rep1", "rep1-password").ok  # writes web_sessions, users, audit_log
    assert not sign_in(demo_portal, "rep1", "wrong-password").ok  # counts a failure
    assert demo_portal.warehouse.stamp() != stamp  # the file did change
    reported_units(demo_portal, ADMIN)
    assert calls == ["admin"]  # computed once, before the sign-ins
    assert plans_overview(demo_portal, ADMIN).plans.equals(overview.plans)


def test_an_upload_drops_the_kept_view(demo_portal, _demo_home):
    from portal.reporting.submissions import ingest
    from tests.actors import OFFICE
    from tests.portal.reliability_support import ROUND, filled

    assert reported_units(demo_portal, ADMIN) == []
    ingest(demo_portal, OFFICE, filled(_demo_home, "JZKF-CXCY"), "a.xlsx", unit="JZKF-CXCY", round_code=ROUND)
    assert reported_units(demo_portal, ADMIN) == ["JZKF-CXCY"]
    assert calls == ["admin", "admin"]


def test_an_approval_drops_the_kept_view(demo_portal, _demo_home):
    from portal.reporting import workflow as wf
    from portal.reporting.submissions import ingest
    from tests.actors import OFFICE
    from tests.portal.reliability_support import ROUND, filled

    @cached_read
    def statuses(portal, actor) -> list:
        calls.append("statuses")
        with portal.warehouse.connect() as con:
            return [r[0] for r in con.execute("SELECT status FROM submissions ORDER BY id").fetchall()]

    done = ingest(
        demo_portal, OFFICE, filled(_demo_home, "JZKF-CXCY"), "a.xlsx", unit="JZKF-CXCY", round_code=ROUND
    )
    before = statuses(demo_portal, ADMIN)
    assert wf.review_submission(demo_portal, OFFICE, done.submission_id, wf.APPROVE, "核对无误").ok
    assert statuses(demo_portal, ADMIN) != before
    assert calls == ["statuses", "statuses"]


def test_a_restore_drops_the_kept_view(demo_portal, tmp_path):
    from portal.ops.backup import create_backup, restore_backup

    archive = create_backup(demo_portal, tmp_path / "b.zip").path
    reported_units(demo_portal, ADMIN)
    restore_backup(demo_portal, archive, force=True)
    reported_units(demo_portal, ADMIN)
    assert calls == ["admin", "admin"]


def test_a_session_check_beside_a_sign_out_is_never_kept_past_it(demo_portal, signed_in):
    """The check and the sign-out of another tab race; whichever order, the next check sees it."""
    import threading

    session, clock = signed_in
    clock.now += dt.timedelta(seconds=TOUCH_SECONDS + 1)
    checker = threading.Thread(target=check_session, args=(demo_portal, session), kwargs={"clock": clock})
    checker.start()
    sign_out(demo_portal, session, clock=clock)
    checker.join(10)
    assert check_session(demo_portal, session, clock=clock) is None
    assert session.ended == "signed-out"
