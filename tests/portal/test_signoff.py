"""单位审核: a unit with an active sign-off account holds its clerk's accepted upload until the
account confirms it (then the office sees it, lateness counted from the sign-off) or sends it back."""

import datetime as dt
import getpass
import json

import pytest

from portal.core.context import Portal
from portal.core.permissions import PermissionDenied
from portal.reporting import signoff
from portal.reporting import workflow as wf
from portal.reporting.review import WorkflowError, review
from portal.reporting.templates import build_unit_template
from schemas.enums import ReportState, Role, SubmissionStatus
from tests.actors import OFFICE, reporter
from tests.conftest import account_in, cli
from tests.xlsx_fill import fill_valid
from warehouse.views import completion, standing

UNIT = "JZKF-CXCY"
OTHER = "JZKF-JFJ"
ROUND = "2025Q3"


@pytest.fixture
def leader(demo_portal):
    return account_in(demo_portal, "leader_cxcy", Role.UNIT_LEADER, unit=UNIT)


@pytest.fixture
def clerk(demo_portal):
    return account_in(demo_portal, "clerk_cxcy", Role.UNIT_REPORTER, unit=UNIT)


def _upload(portal, clerk, unit=UNIT, **values) -> wf.UploadResult:
    data = fill_valid(build_unit_template(portal, unit, ROUND).data, values)
    return wf.upload(portal, clerk, unit, ROUND, "填报.xlsx", data)


def _row(portal, submission_id):
    with portal.warehouse.connect() as con:
        return con.execute(
            "SELECT status, signed_off_by, signed_off_at, sign_off_comment, days_late FROM submissions "
            "WHERE id = ?",
            [submission_id],
        ).fetchall()[0]


def _audit(portal, action):
    with portal.warehouse.connect() as con:
        return con.execute(
            "SELECT actor, target, detail FROM audit_log WHERE action = ? ORDER BY id", [action]
        ).fetchall()


def _on(portal: Portal, day: dt.date) -> Portal:
    """The same warehouse with `today` set to `day`."""
    return Portal.open(portal.settings.home, today=day.isoformat())


def _due(portal) -> dt.date:
    with portal.warehouse.connect() as con:
        return standing(con, ROUND, UNIT).due_date


def test_an_accepted_upload_of_a_unit_with_a_sign_off_account_waits_and_is_not_reported(
    demo_portal, leader, clerk
):
    result = _upload(demo_portal, clerk)
    assert result.accepted and result.ingest.status == SubmissionStatus.AWAITING_SIGN_OFF
    assert "待单位审核" in result.summary
    info = wf.report_round(demo_portal, clerk, UNIT)
    assert (info.state, info.state_text, info.sign_off) == (ReportState.AWAITING_SIGN_OFF, "待单位审核", True)
    assert wf.review_queue(demo_portal, OFFICE, ROUND).filter(id=result.submission_id).is_empty()
    with demo_portal.warehouse.connect() as con:
        row = completion(con, ROUND, demo_portal.settings.today()).units.filter(unit=UNIT).row(0, named=True)
    assert (row["state"], row["reported"], row["submission_id"]) == (
        "awaiting_sign_off",
        False,
        result.submission_id,
    )
    assert wf.sign_off_queue(demo_portal, leader, UNIT)["id"].to_list() == [result.submission_id]


def test_sign_off_sends_the_upload_to_the_office_which_sees_who_signed_off_and_when(
    demo_portal, leader, clerk
):
    sid = _upload(demo_portal, clerk).submission_id
    done = signoff.sign_off(demo_portal, leader, sid, "数据已核对")
    assert done.status == SubmissionStatus.VALIDATED
    status, by, at, comment, _ = _row(demo_portal, sid)
    assert (status, by, comment) == ("validated", "leader_cxcy", "数据已核对")
    queue = wf.review_queue(demo_portal, OFFICE, ROUND).filter(id=sid)
    assert queue.select("signed_off_by", "signed_off_name").rows() == [("leader_cxcy", "leader_cxcy")]
    detail = wf.review_detail(demo_portal, OFFICE, sid)
    assert detail.signed_off == f"单位审核：leader_cxcy 于 {at:%Y-%m-%d %H:%M}"
    assert detail.sign_off_comment == "数据已核对"
    assert wf.report_round(demo_portal, clerk, UNIT).state == ReportState.VALIDATED
    assert [(a, t) for a, t, _ in _audit(demo_portal, "submission.sign_off")] == [("leader_cxcy", str(sid))]
    review(demo_portal, OFFICE, sid, "approve", "")
    assert wf.report_round(demo_portal, clerk, UNIT).state == ReportState.APPROVED


def test_timeliness_counts_from_the_sign_off_not_the_upload(demo_portal, leader, clerk):
    due = _due(demo_portal)
    sid = _upload(_on(demo_portal, due), clerk).submission_id  # uploaded on the due date
    late = _on(demo_portal, due + dt.timedelta(days=3))
    done = signoff.sign_off(late, leader, sid)
    assert done.days_late == 3 and _row(late, sid)[4] == 3
    with late.warehouse.connect() as con:
        row = completion(con, ROUND, late.settings.today()).units.filter(unit=UNIT).row(0, named=True)
    assert (row["reported"], row["days_late"], row["on_time"]) == (True, 3, False)
    assert row["reported_at"].date() == due + dt.timedelta(days=3)


def test_a_unit_without_a_sign_off_account_reports_at_upload_as_before(demo_portal, leader):
    other = reporter(OTHER)
    result = _upload(demo_portal, other, unit=OTHER)
    assert result.ingest.status == SubmissionStatus.VALIDATED
    assert not wf.review_queue(demo_portal, OFFICE, ROUND).filter(id=result.submission_id).is_empty()
    info = wf.report_round(demo_portal, other, OTHER)
    assert (info.state, info.sign_off) == (ReportState.VALIDATED, False)


def test_an_inactive_sign_off_account_holds_nothing(demo_portal, leader, clerk):
    with demo_portal.warehouse.transaction() as con:
        con.execute("UPDATE users SET active = FALSE WHERE username = 'leader_cxcy'")
    assert _upload(demo_portal, clerk).ingest.status == SubmissionStatus.VALIDATED


def test_send_back_returns_the_upload_to_the_clerk_with_the_comment_and_the_clerk_uploads_again(
    demo_portal, leader, clerk
):
    sid = _upload(demo_portal, clerk).submission_id
    with pytest.raises(WorkflowError, match="必须填写意见"):
        signoff.send_back(demo_portal, leader, sid, "  ")
    done = signoff.send_back(demo_portal, leader, sid, "研发投入数据有误")
    assert done.status == SubmissionStatus.SENT_BACK and _row(demo_portal, sid)[0] == "sent_back"
    info = wf.report_round(demo_portal, clerk, UNIT)
    assert info.state == ReportState.MISSING
    assert "研发投入数据有误" in info.sent_back and "第 1 版" in info.sent_back
    history = wf.history(demo_portal, clerk, UNIT).filter(id=sid)
    assert history.select("status_label", "decision_label", "review_comment").rows() == [
        ("单位审核退回", "单位审核退回", "研发投入数据有误")
    ]
    assert wf.review_queue(demo_portal, OFFICE, ROUND).filter(id=sid).is_empty()
    assert json.loads(_audit(demo_portal, "submission.send_back")[0][2]) == {"comment": "研发投入数据有误"}
    with pytest.raises(WorkflowError, match="不是待单位审核"):
        signoff.sign_off(demo_portal, leader, sid)

    again = _upload(demo_portal, clerk, **{}).submission_id  # the same file may be offered again
    assert again != sid and _row(demo_portal, again)[0] == "awaiting_sign_off"
    assert wf.report_round(demo_portal, clerk, UNIT).sent_back is None
    signoff.sign_off(demo_portal, leader, again)
    assert wf.report_round(demo_portal, clerk, UNIT).state == ReportState.VALIDATED


def test_a_correction_awaiting_sign_off_leaves_the_reported_submission_with_the_office(
    demo_portal, leader, clerk
):
    with demo_portal.warehouse.transaction() as con:  # reported while the unit had no sign-off
        con.execute("UPDATE users SET active = FALSE WHERE username = 'leader_cxcy'")
    first = _upload(demo_portal, clerk)
    assert first.ingest.status == SubmissionStatus.VALIDATED
    with demo_portal.warehouse.transaction() as con:
        con.execute("UPDATE users SET active = TRUE WHERE username = 'leader_cxcy'")
    indicator = _first_value_indicator(demo_portal, first.submission_id)
    second = _upload(demo_portal, clerk, **{indicator: 777}).submission_id
    assert _row(demo_portal, first.submission_id)[0] == "validated"
    assert wf.report_round(demo_portal, clerk, UNIT).state == ReportState.VALIDATED
    assert wf.review_queue(demo_portal, OFFICE, ROUND)["id"].to_list().count(first.submission_id) == 1
    signoff.sign_off(demo_portal, leader, second)
    assert _row(demo_portal, first.submission_id)[0] == "superseded"
    assert wf.review_queue(demo_portal, OFFICE, ROUND).filter(unit=UNIT)["id"].to_list() == [second]


def _first_value_indicator(portal, submission_id) -> str:
    with portal.warehouse.connect() as con:
        return con.execute(
            "SELECT indicator FROM indicator_values WHERE submission_id = ? ORDER BY indicator LIMIT 1",
            [submission_id],
        ).fetchall()[0][0]


def test_another_units_submission_is_refused_like_a_missing_one(demo_portal, leader):
    sid = _upload(demo_portal, reporter(OTHER), unit=OTHER).submission_id
    for call in (
        lambda i: signoff.sign_off(demo_portal, leader, i),
        lambda i: signoff.send_back(demo_portal, leader, i, "不对"),
    ):
        with pytest.raises(PermissionDenied) as other:
            call(sid)
        with pytest.raises(PermissionDenied) as missing:
            call(999_999)
        assert str(other.value) == str(missing.value)  # the same words: ids cannot be probed
    assert _row(demo_portal, sid)[0] == "validated"


@pytest.mark.parametrize("who", ["clerk", "office"])
def test_only_the_sign_off_account_may_sign_off(demo_portal, leader, clerk, who):
    sid = _upload(demo_portal, clerk).submission_id
    actor = clerk if who == "clerk" else OFFICE
    with pytest.raises(PermissionDenied):
        signoff.sign_off(demo_portal, actor, sid)
    assert _row(demo_portal, sid)[0] == "awaiting_sign_off"
    assert _audit(demo_portal, "submission.sign_off") == []


def test_the_page_service_turns_a_workflow_refusal_into_an_outcome(demo_portal, leader, clerk):
    sid = _upload(demo_portal, clerk).submission_id
    refused = wf.decide_sign_off(demo_portal, leader, sid, signoff.SEND_BACK, "")
    assert not refused.ok and "必须填写意见" in refused.message
    done = wf.decide_sign_off(demo_portal, leader, sid, signoff.SIGN_OFF, "")
    assert done.ok and "已审核确认" in done.message


# ----------------------------------------------------------------------------- the command line


def test_the_sign_off_account_signs_off_from_the_command_line_audited_as_such(demo_portal, leader, clerk):
    sid = _upload(demo_portal, clerk).submission_id
    done = cli("signoff", str(sid), "--user", "leader_cxcy", home=demo_portal.settings.home)
    assert done.returncode == 0, done.stderr
    assert "已审核确认" in done.stdout and _row(demo_portal, sid)[:2] == ("validated", "leader_cxcy")
    assert (
        _audit(demo_portal, "submission.sign_off")[0][0]
        == f"leader_cxcy（命令行，系统用户 {getpass.getuser()}）"
    )


def test_sending_back_from_the_command_line_needs_a_comment_and_a_sign_off_account(
    demo_portal, leader, clerk
):
    sid = _upload(demo_portal, clerk).submission_id
    home = demo_portal.settings.home
    bare = cli("signoff", str(sid), "--send-back", "--user", "leader_cxcy", home=home)
    assert bare.returncode == 1 and "必须填写意见" in bare.stderr
    clerk_tries = cli("signoff", str(sid), "--user", "clerk_cxcy", home=home)
    assert clerk_tries.returncode == 1 and "无权单位审核报送" in clerk_tries.stderr
    assert _row(demo_portal, sid)[0] == "awaiting_sign_off"
    done = cli(
        "signoff", str(sid), "--send-back", "--comment", "请补充说明", "--user", "leader_cxcy", home=home
    )
    assert done.returncode == 0, done.stderr
    assert "已退回填报员" in done.stdout and _row(demo_portal, sid)[0] == "sent_back"


def test_a_reminder_to_a_unit_awaiting_its_own_sign_off_says_so():
    from portal.notify import messages

    _, body = messages.due_soon("创新创业服务中心", ROUND, dt.date(2025, 10, 15), 2, "awaiting_sign_off", "")
    assert "已上传报送、尚待本单位审核人确认" in body


def test_the_office_cannot_review_an_upload_still_awaiting_sign_off(demo_portal, leader, clerk):
    sid = _upload(demo_portal, clerk).submission_id
    with pytest.raises(WorkflowError, match="待单位审核"):
        review(demo_portal, OFFICE, sid, "approve", "")
    assert _row(demo_portal, sid)[0] == "awaiting_sign_off"


def test_the_office_loading_a_units_file_needs_no_sign_off(demo_portal, leader):
    assert _upload(demo_portal, OFFICE).ingest.status == SubmissionStatus.VALIDATED
