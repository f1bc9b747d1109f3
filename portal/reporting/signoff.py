"""单位审核: a unit's sign-off account confirms its clerk's accepted upload, or sends it back.

Optional per unit: only a unit with an active sign-off account (role unit_leader) has uploads
awaiting it (portal.reporting.submissions decides when recording). Confirmed, the upload reaches
the office (validated, in the review queue) and its lateness counts from the sign-off; sent back,
it goes back to the clerk with the comment and never reaches the office. Both check the
permission table (submission.sign_off: the account's own unit) and are audited; an id of another
unit is refused like one that does not exist."""

from __future__ import annotations

import json
from dataclasses import dataclass

import polars as pl

from portal.core.context import Portal
from portal.core.permissions import require, require_record
from portal.reporting.review import WorkflowError
from schemas.enums import RoundState, SubmissionStatus
from warehouse import submissions
from warehouse.views import due_dates

SIGN_OFF, SEND_BACK = "sign_off", "send_back"


@dataclass(frozen=True)
class SignOffResult:
    submission_id: int
    unit: str
    round: str
    version: int
    status: SubmissionStatus  # VALIDATED once confirmed, SENT_BACK once sent back
    days_late: int = 0  # counted from the sign-off

    def summary(self) -> str:
        if self.status == SubmissionStatus.SENT_BACK:
            return f"{self.unit} {self.round} 第 {self.version} 版已退回填报员修改。"
        late = f"，逾期 {self.days_late} 天" if self.days_late else ""
        return f"{self.unit} {self.round} 第 {self.version} 版已审核确认，报送办公室{late}。"


def _awaiting(con, actor, submission_id: int, verb: str) -> dict:
    """The submission once `actor` may sign off its unit and it awaits sign-off (else refused)."""
    sub = submissions.submission_with_round(con, int(submission_id))
    require_record(
        actor, "submission.sign_off", sub["unit"] if sub else None, f"报送记录 {submission_id} 不存在。"
    )
    status = SubmissionStatus(sub["status"])
    if status != SubmissionStatus.AWAITING_SIGN_OFF:
        raise WorkflowError(
            f"报送记录 {submission_id} 当前状态为“{status.label}”，不是待单位审核，不能{verb}。"
        )
    if sub["round_state"] == RoundState.LOCKED:
        raise WorkflowError(f"轮次 {sub['round']} 已锁定，不能再{verb}。")
    return sub


def sign_off(portal: Portal, actor, submission_id: int, comment: str = "") -> SignOffResult:
    """`actor` (the unit's sign-off account) confirms the upload: it goes to the office now."""
    comment = (comment or "").strip()
    with portal.warehouse.transaction() as con:
        sub = _awaiting(con, actor, submission_id, "审核确认")
        now = portal.settings.now()
        due = due_dates(con, sub["round"]).get(sub["unit"])
        days_late = max(0, (now.date() - due).days) if due else 0
        submissions.record_sign_off(con, sub, actor.username, now, comment, days_late)
        portal.audit(
            con,
            actor.audit_name,
            "submission.sign_off",
            str(submission_id),
            json.dumps({"comment": comment, "late": days_late}, ensure_ascii=False),
        )
    return SignOffResult(
        int(submission_id), sub["unit"], sub["round"], sub["version"], SubmissionStatus.VALIDATED, days_late
    )


def send_back(portal: Portal, actor, submission_id: int, comment: str) -> SignOffResult:
    """`actor` sends the upload back to the unit's clerk with `comment` (required): the clerk
    uploads again; the office never sees this one."""
    comment = (comment or "").strip()
    with portal.warehouse.transaction() as con:
        sub = _awaiting(con, actor, submission_id, "退回")
        if not comment:
            raise WorkflowError("退回时必须填写意见，说明需要填报员修改什么。")
        submissions.record_send_back(con, int(submission_id), comment, actor.username, portal.settings.now())
        portal.audit(
            con,
            actor.audit_name,
            "submission.send_back",
            str(submission_id),
            json.dumps({"comment": comment}, ensure_ascii=False),
        )
    return SignOffResult(
        int(submission_id), sub["unit"], sub["round"], sub["version"], SubmissionStatus.SENT_BACK
    )


def awaiting(portal: Portal, actor, unit: str) -> pl.DataFrame:
    """The unit's uploads awaiting its sign-off, oldest first (id, round, version, file_name,
    uploaded_by, uploaded_at, days_late, error_count, warning_count)."""
    require(actor, "submission.sign_off", unit)
    with portal.warehouse.connect() as con:
        return submissions.awaiting_sign_off(con, unit)
