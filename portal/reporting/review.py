"""Review of submissions, extensions, and the v1 → v2 comparison. Every change is audited.

`review` and `grant_extension` are the use cases the pages (through portal.reporting.workflow),
the CLI and the demo fill all call: each takes the acting account and checks the permission table
itself before anything is written."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import polars as pl

from portal.core.context import Portal
from portal.core.errors import Conflict, NotFound
from portal.core.permissions import missing_unit, require, require_record
from portal.notify import events
from schemas.enums import RoundState, SubmissionStatus
from warehouse import lookups, rounds, submissions


class WorkflowError(Conflict):
    """An action the workflow forbids; the message says why, in Chinese."""


APPROVE, RETURN = "approve", "return"

# decision → (states it may be taken from, state it leads to)
TRANSITIONS = {
    APPROVE: ((SubmissionStatus.VALIDATED,), SubmissionStatus.APPROVED),
    RETURN: ((SubmissionStatus.VALIDATED, SubmissionStatus.APPROVED), SubmissionStatus.RETURNED),
}


@dataclass(frozen=True)
class ItemComment:
    """A reviewer's remark on one indicator or task row of the submission."""

    kind: str  # "indicator" or "task"
    code: str
    comment: str


@dataclass
class ReviewResult:
    submission_id: int
    status: SubmissionStatus
    items: list[ItemComment] = field(default_factory=list)


def _submission(con, submission_id: int) -> dict:
    found = submissions.submission_with_round(con, submission_id)
    if found is None:  # the words of a submission outside the caller's scope (require_record)
        raise NotFound(f"报送记录 {submission_id} 不存在。")
    return found


def review(
    portal: Portal,
    actor,
    submission_id: int,
    decision: str,
    comment: str,
    items: list[ItemComment] | tuple[ItemComment, ...] = (),
) -> ReviewResult:
    """`actor` approves or returns a validated submission, as a whole and/or item by item.

    Refused with PermissionDenied unless the actor may review the submission's unit (an id out of
    scope is refused like a missing one: NotFound, the same words), with WorkflowError when the
    workflow forbids it."""
    if decision not in TRANSITIONS:
        raise WorkflowError(f"未知的审核操作“{decision}”，只能是通过或退回。")
    if decision == RETURN and not (comment or "").strip() and not items:
        raise WorkflowError("退回时必须填写退回意见，说明需要单位修改什么。")
    allowed_from, target = TRANSITIONS[decision]
    with portal.warehouse.transaction() as con:
        sub = submissions.submission_with_round(con, submission_id)
        require_record(
            actor, "submission.review", sub["unit"] if sub else None, f"报送记录 {submission_id} 不存在。"
        )
        status = SubmissionStatus(sub["status"])
        if sub["round_state"] == RoundState.LOCKED:
            raise WorkflowError(f"轮次 {sub['round']} 已锁定，不能再审核或修改。")
        if status not in allowed_from:
            raise WorkflowError(
                f"报送记录 {submission_id} 当前状态为“{status.label}”，不能{'通过' if decision == APPROVE else '退回'}。"
                + (
                    "单位需重新报送。"
                    if status in (SubmissionStatus.RETURNED, SubmissionStatus.REJECTED)
                    else ""
                )
            )
        known = submissions.item_codes(con, submission_id)
        for item in items:
            if (item.kind, item.code) not in known:
                raise WorkflowError(
                    f"报送记录中没有{'指标' if item.kind == 'indicator' else '任务'} {item.code}。"
                )
        now = portal.settings.now()
        remarks = [(item.kind, item.code, item.comment) for item in items]
        submissions.record_review(con, submission_id, target, decision, comment, remarks, actor.username, now)
        portal.audit(
            con,
            actor.audit_name,
            f"submission.{decision}",
            str(submission_id),
            json.dumps(
                {"from": str(status), "to": str(target), "comment": comment, "items": len(items)},
                ensure_ascii=False,
            ),
        )
        events.review_decided(con, portal.settings, submission_id, decision, comment, remarks)
    return ReviewResult(submission_id, target, list(items))


def grant_extension(portal: Portal, actor, round_code: str, unit: str, due: dt.date, reason: str) -> None:
    """延期: `actor` gives one unit a later due date; lateness, completion and scoring all use it."""
    require(actor, "extension.grant", unit)
    if not (reason or "").strip():
        raise WorkflowError("批准延期必须写明理由。")
    with portal.warehouse.transaction() as con:
        rnd = rounds.get(con, round_code)
        if rnd is None:
            raise WorkflowError(f"轮次 {round_code} 不存在。")
        if rnd.state == RoundState.LOCKED:
            raise WorkflowError(f"轮次 {round_code} 已锁定，不能再延期。")
        if due <= rnd.due_date:
            raise WorkflowError(f"延期后的截止日期须晚于原截止日期 {rnd.due_date}。")
        if lookups.unit_name(con, unit) is None:  # as for a unit outside the actor's scope
            raise NotFound(missing_unit(unit))
        submissions.grant_extension(con, round_code, unit, due, reason, actor.username, portal.settings.now())
        portal.audit(
            con, actor.audit_name, "round.extension", f"{round_code}/{unit}", f"due={due} reason={reason}"
        )
        events.extension_granted(con, portal.settings, round_code, unit, due, reason)


@dataclass
class Change:
    kind: str  # indicator / task
    code: str
    field: str
    before: object
    after: object


def compare(portal: Portal, older_id: int, newer_id: int) -> list[Change]:
    """Which values and texts changed between two versions of a unit's submission for a round."""
    with portal.warehouse.connect() as con:
        a, b = _submission(con, older_id), _submission(con, newer_id)
        if (a["unit"], a["round"]) != (b["unit"], b["round"]):
            raise WorkflowError("只能比较同一单位同一轮次的两个版本。")
        values = {sid: submissions.values_of(con, sid) for sid in (older_id, newer_id)}
        progress = {sid: submissions.progress_of(con, sid) for sid in (older_id, newer_id)}
    return _diff("indicator", "indicator", values[older_id], values[newer_id]) + _diff(
        "task", "task", progress[older_id], progress[newer_id]
    )


def _diff(kind: str, key: str, old: pl.DataFrame, new: pl.DataFrame) -> list[Change]:
    before = {r[key]: r for r in old.to_dicts()}
    after = {r[key]: r for r in new.to_dicts()}
    changes = []
    for code in list(dict.fromkeys([*before, *after])):
        x, y = before.get(code, {}), after.get(code, {})
        for name in (c for c in (old.columns or new.columns) if c != key):
            if x.get(name) != y.get(name):
                changes.append(Change(kind, code, name, x.get(name), y.get(name)))
    return changes
