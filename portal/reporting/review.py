"""Review of submissions, extensions, and the v1 → v2 comparison. Every change is audited.

`review`, `grant_extension` and `revoke_extension` are the use cases the pages (through portal.reporting.workflow),
the CLI and the demo fill all call: each takes the acting account and checks the permission table
itself before anything is written."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import polars as pl

from portal.core.context import Portal
from portal.core.errors import Conflict, NotFound
from portal.core.permissions import missing_unit, require, require_record, visible_units
from portal.notify import events
from schemas.enums import ReportState, RoundState, SubmissionStatus
from warehouse import extensions, lookups, rounds, submissions, views


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


class ConfirmationNeeded(WorkflowError):
    """Granting or revoking an extension on a closed or locked round rewrites its history (the
    unit's lateness, the year's deductions): refused until confirmed; the message says what changes."""


def missing_extension(extension_id: int) -> str:
    """The words for an extension id that does not exist, or is outside the caller's scope."""
    return f"延期记录 {extension_id} 不存在。"


@dataclass(frozen=True)
class ExtensionDone:
    id: int
    round: str
    unit: str
    due: dt.date  # the unit's effective due date after the change
    effect: str = ""  # Chinese: what it changed on a closed or locked round, else ""


def _standing_text(state: str, days_late: int | None) -> str:
    text = ReportState(state).label
    return f"{text}（迟报{days_late}天）" if days_late else text


def _effect(con, portal: Portal, rnd: rounds.RoundInfo, unit: str, new_due: dt.date) -> str:
    """What moving `unit`'s due date for `rnd` to `new_due` changes, in Chinese: its standing's
    lateness as 完成情况 shows it, and so the year's 报送质量 deductions."""
    found = views.completion(con, rnd.code, portal.settings.today()).units.filter(pl.col("unit") == unit)
    row = found.row(0, named=True) if found.height else None
    old_due = row["due_date"] if row else rnd.due_date
    name = lookups.unit_name(con, unit) or unit
    words = f"{name}（{unit}）在 {rnd.code} 轮次的截止日期将由 {old_due} 改为 {new_due}"
    if row is None or row["reported_at"] is None:
        return words + "；该单位本轮尚无已报送的数据，逾期天数随之改变。"
    before = _standing_text(row["state"], row["days_late"])
    late = max(0, (row["reported_at"].date() - new_due).days)
    after = _standing_text(row["state"], late)
    if before == after:
        return words + f"；本轮报送“{before}”不变，{rnd.year} 年度考核的扣分不变。"
    return words + f"；本轮报送“{before}”将变为“{after}”，{rnd.year} 年度考核的报送扣分随之改变。"


def _closed(rnd: rounds.RoundInfo) -> bool:
    return rnd.state in (RoundState.CLOSED, RoundState.LOCKED)


def _confirm_first(rnd: rounds.RoundInfo, verb: str, effect: str) -> ConfirmationNeeded:
    return ConfirmationNeeded(
        f"轮次 {rnd.code} {rnd.state.label}，{verb}会改写已有的报送记录：{effect}确认后才会修改。"
    )


def grant_extension(
    portal: Portal,
    actor,
    round_code: str,
    unit: str,
    due: dt.date,
    reason: str,
    confirm: bool = False,
) -> ExtensionDone:
    """延期: `actor` gives one unit a later due date; lateness, completion and scoring all use it.

    Only a unit that owes the round, no later than `extension_max_days` after the round's due date;
    on a closed or locked round only with `confirm` (ConfirmationNeeded says what would change).
    A grant already in force for the unit is replaced and kept in the history."""
    require(actor, "extension.grant", unit)
    if not (reason or "").strip():
        raise WorkflowError("批准延期必须写明理由。")
    limit_days = portal.settings.extension_max_days
    with portal.warehouse.transaction() as con:
        rnd = rounds.get(con, round_code)
        if rnd is None:
            raise WorkflowError(f"轮次 {round_code} 不存在。")
        if lookups.unit_name(con, unit) is None:  # as for a unit outside the actor's scope
            raise NotFound(missing_unit(unit))
        if unit not in views.owing_units(con, round_code):
            raise WorkflowError(f"单位 {unit} 在 {round_code} 轮次没有需要报送的指标或任务，无需延期。")
        if due <= rnd.due_date:
            raise WorkflowError(f"延期后的截止日期须晚于原截止日期 {rnd.due_date}。")
        limit = rnd.due_date + dt.timedelta(days=limit_days)
        if due > limit:
            raise WorkflowError(
                f"延期后的截止日期不能晚于 {limit}（原截止日期 {rnd.due_date} 后 {limit_days} 天，"
                "上限由设置项 extension_max_days 规定）。"
            )
        effect = _effect(con, portal, rnd, unit, due) if _closed(rnd) else ""
        if effect and not confirm:
            raise _confirm_first(rnd, "批准延期", effect)
        extension_id = extensions.grant(
            con, round_code, unit, due, reason, actor.username, portal.settings.now()
        )
        portal.audit(
            con,
            actor.audit_name,
            "round.extension",
            f"{round_code}/{unit}",
            f"id={extension_id} due={due} reason={reason}" + (f" confirmed: {effect}" if effect else ""),
        )
        events.extension_granted(con, portal.settings, round_code, unit, due, reason)
    return ExtensionDone(extension_id, round_code, unit, due, effect)


def revoke_extension(
    portal: Portal, actor, extension_id: int, reason: str, confirm: bool = False
) -> ExtensionDone:
    """Withdraw a grant in force: the unit's due date is the round's again. The grant stays in the
    round's list as revoked, with who, when and why; closed or locked rounds as for granting."""
    with portal.warehouse.transaction() as con:
        found = extensions.get(con, extension_id)
        require_record(
            actor, "extension.revoke", found["unit"] if found else None, missing_extension(extension_id)
        )
        if found is None:
            raise NotFound(missing_extension(extension_id))
        if found["ended"]:
            how = "已撤销" if found["ended"] == extensions.REVOKED else "已被新的延期替代"
            raise WorkflowError(f"延期记录 {extension_id} {how}，不能再撤销。")
        if not (reason or "").strip():
            raise WorkflowError("撤销延期必须写明理由。")
        rnd = rounds.get(con, found["round"])
        effect = _effect(con, portal, rnd, found["unit"], rnd.due_date) if _closed(rnd) else ""
        if effect and not confirm:
            raise _confirm_first(rnd, "撤销延期", effect)
        extensions.revoke(con, extension_id, actor.username, portal.settings.now(), reason.strip())
        portal.audit(
            con,
            actor.audit_name,
            "round.extension.revoke",
            f"{found['round']}/{found['unit']}",
            f"id={extension_id} due={found['due_date']} reason={reason.strip()}"
            + (f" confirmed: {effect}" if effect else ""),
        )
        events.extension_revoked(
            con, portal.settings, int(extension_id), found["round"], found["unit"], found["due_date"], reason
        )
    return ExtensionDone(int(extension_id), found["round"], found["unit"], rnd.due_date, effect)


_EXTENSION_STATES = {None: "生效", extensions.REVOKED: "已撤销", extensions.REPLACED: "已被新的延期替代"}


def extension_list(portal: Portal, actor, round_code: str) -> pl.DataFrame:
    """Every extension of the round the actor may read, newest first, in force and ended:
    extension_id, unit, unit_name, due_date, reason, granted_by, granted_at, state (active /
    revoked / replaced), state_label, ended_by, ended_at, end_reason."""
    units = visible_units(actor, "completion.view")
    with portal.warehouse.connect() as con:
        views.round_info(con, round_code)  # an unknown round: UnknownRound, in Chinese
        frame = extensions.of_round(con, round_code)
    if units is not None:
        frame = frame.filter(pl.col("unit").is_in(list(units)))
    return (
        frame.rename({"id": "extension_id"})
        .with_columns(
            pl.col("ended").fill_null("active").alias("state"),
            pl.col("ended")
            .replace_strict(
                {k: v for k, v in _EXTENSION_STATES.items() if k}, default="生效", return_dtype=pl.Utf8
            )
            .alias("state_label"),
        )
        .drop("ended")
    )


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
