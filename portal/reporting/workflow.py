"""The submission workflow for a signed-in account: every service checks the permission table first.

Pages call these, never `ingest`/`review` directly. A submission or evidence file is looked up
by id and its unit checked with `require_record(...)` before anything is read: a unit reporter who
passes another unit's id gets PermissionDenied, an office an id outside its scope NotFound in the
words of a missing id, whatever the page asked. Listings keep to the units the account may read,
or, for work it would act on (uploads, the review queue), those it may act on. Every change and
every download is written to the audit log with the account's username.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import PurePath

import polars as pl

from portal.core import filestore
from portal.core import labels as L
from portal.core.context import Portal
from portal.core.errors import NotFound
from portal.core.outcome import Outcome
from portal.core.permissions import (
    PermissionDenied,
    allowed,
    require,
    require_record,
    unit_scope,
    visible_plans,
    visible_units,
)
from portal.registry.admin import report_frame
from portal.reporting import evidence as ev
from portal.reporting import signoff
from portal.reporting.review import (
    APPROVE,
    RETURN,
    ConfirmationNeeded,
    ItemComment,
    ReviewResult,
    WorkflowError,
    compare,
    extension_list,
    grant_extension,
    review,
    revoke_extension,
)
from portal.reporting.standing import Banner, round_standing
from portal.reporting.submissions import IngestResult, ingest
from portal.reporting.templates import (
    BuiltTemplate,
    TemplateRequestError,
    build_unit_template,
    template_context,
    template_filename,
)
from portal.reporting.validation import annotated
from schemas.enums import ReportState, RoundState, Severity, SubmissionStatus, TaskRole, TaskStatus
from schemas.issues import Issue, Report
from schemas.quarters import Quarter
from schemas.text import safe_file_name
from templates_xlsx.annotate import annotate
from warehouse import accounts, lookups, rounds, submissions
from warehouse import evidence as evidence_rows
from warehouse.rounds import RoundInfo
from warehouse.submissions import ACCEPTED_STATUSES
from warehouse.views import owing_units as view_owing
from warehouse.views import query as view_query

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Download:
    file_name: str
    data: bytes
    mime: str


def _audit(portal: Portal, account, action: str, target: str, detail: str | None = None) -> None:
    with portal.warehouse.transaction() as con:
        portal.audit(con, account.username, action, target, detail)


def missing_submission(submission_id: int) -> str:
    """The words for a submission id that does not exist, or is outside the caller's scope."""
    return f"报送记录 {submission_id} 不存在。"


def _checked_submission(portal: Portal, account, action: str, submission_id: int) -> dict:
    """The submission, once `account` may do `action` on its unit's data (else PermissionDenied).

    An id that does not exist and one outside the account's scope are refused alike (NotFound in
    the same words; a reporter: the same PermissionDenied), so ids cannot be probed."""
    with portal.warehouse.connect() as con:
        sub = submissions.submission(con, submission_id)
    require_record(account, action, sub["unit"] if sub else None, missing_submission(submission_id))
    return sub


def _within(units: frozenset[str] | None, rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(code, name) rows limited to `units` (None: all of them)."""
    return rows if units is None else [r for r in rows if r[0] in units]


# ----------------------------------------------------------------------------- the unit's round


@dataclass(frozen=True)
class ReportRound:
    """What the 数据上报 page shows above the uploader."""

    unit: str
    unit_name: str
    round: RoundInfo | None
    due: dt.date | None  # the unit's effective due date (its extension, if later)
    banner: Banner | None
    state: ReportState | None  # the unit's standing in the round (warehouse standings()); None: no round
    state_text: str  # its words, the same as on 概览 and 完成情况
    can_upload: bool
    why_not: str  # Chinese, when not can_upload
    sign_off: bool = False  # the unit has a sign-off account: an accepted upload waits for it
    sent_back: str | None = None  # Chinese: the newest upload was sent back by it, and why
    returned: str | None = None  # Chinese: the office returned the current version: who, when, why
    owes: bool = True  # the unit has indicators or tasks in the round (else nothing to upload)


def reportable_units(portal: Portal, account) -> list[tuple[str, str]]:
    """(code, name) of the units `account` may upload for: a reporter its own, an office the active
    units of its own plans (not those of the offices below it, which it only reads)."""
    scope = unit_scope(account, "upload.submit")
    units = visible_units(account, "upload.submit")
    with portal.warehouse.connect() as con:
        return _within(units, lookups.active_units(con, scope))


def default_unit(portal: Portal, units: list[tuple[str, str]]) -> str | None:
    """The unit 数据上报 opens on for an account with several: the first that owes the current
    round (never one with nothing to report, such as the city cluster itself), else none."""
    with portal.warehouse.connect() as con:
        current = rounds.current(con, portal.settings.today())
        owing = view_owing(con, current.code) if current else set()
    return next((code for code, _ in units if code in owing), None)


def upload_rounds(portal: Portal, account, unit: str) -> list[str]:
    """Rounds `account` may upload into: the current one; the office also any earlier not-locked one."""
    require(account, "upload.submit", unit)
    with portal.warehouse.connect() as con:
        current = rounds.current(con, portal.settings.today())
        if not allowed(account, "upload.after_close", unit):
            return [current.code] if current else []
        codes = rounds.codes(con, unlocked=True)
    if current and current.code in codes:
        codes.remove(current.code)
        codes.insert(0, current.code)
    return codes


def report_round(portal: Portal, account, unit: str, round_code: str | None = None) -> ReportRound:
    require(account, "upload.submit", unit)
    today = portal.settings.today()
    with portal.warehouse.connect() as con:
        name = lookups.unit_name(con, unit)
        rnd = rounds.get(con, round_code) if round_code else rounds.current(con, today)
        found, text, banner = round_standing(con, unit, rnd, today)
        sign_off = submissions.has_sign_off_account(con, unit)
        back = submissions.latest_send_back(con, unit, rnd.code) if rnd else None
        owes = rnd is not None and unit in view_owing(con, rnd.code)
        returned = None
        if found is not None and found.state == ReportState.RETURNED and found.submission_id is not None:
            ret = submissions.latest_return(con, found.submission_id)
            version = submissions.submission(con, found.submission_id)["version"]
            if ret is not None:
                who = accounts.display_name(con, ret["reviewer"]) or ret["reviewer"]
                comment = (ret["comment"] or "").strip() or "见逐项意见。"
                if comment[-1] not in "。！？.":
                    comment += "。"
                items = L.REPORT_RETURNED_ITEMS.format(count=ret["items"]) if ret["items"] else ""
                returned = L.REPORT_RETURNED.format(
                    who=who,
                    at=f"{ret['reviewed_at']:%Y-%m-%d %H:%M}",
                    version=version,
                    comment=comment + items,
                )
    sent_back = (
        L.REPORT_SENT_BACK.format(at=f"{back[2]:%Y-%m-%d %H:%M}", version=back[0], comment=back[1])
        if back
        else None
    )
    if rnd is None:
        can, why = False, "目前没有开放的调度轮次。"
    elif not owes:
        can, why = False, L.REPORT_NOTHING_TO_REPORT.format(name=name or unit, round=rnd.code)
    elif rnd.state == RoundState.LOCKED:
        can, why = False, f"{rnd.code} 轮次已锁定，不能再报送。"
    elif rnd.state == RoundState.CLOSED and not allowed(account, "upload.after_close", unit):
        can, why = False, f"{rnd.code} 轮次已截止，如需补报请联系办公室。"
    else:
        can, why = True, ""
    due, state = (found.due_date, found.state) if found else (None, None)
    return ReportRound(
        unit, name or unit, rnd, due, banner, state, text, can, why, sign_off, sent_back, returned, owes
    )


def download_template(portal: Portal, account, unit: str, round_code: str) -> Download:
    """The unit's pre-filled template for the round; TemplateRequestError when there is none to make."""
    require(account, "template.download", unit)
    built: BuiltTemplate = build_unit_template(portal, unit, round_code)
    _audit(portal, account, "template.download", f"{round_code}/{unit}")
    return Download(built.filename, built.data, XLSX)


def template_file_name(info: ReportRound) -> str:
    """The name the template will download under, known before it is built (the button needs it)."""
    return template_filename(info.round.code, info.unit, info.unit_name) if info.round else ""


def template_problem(portal: Portal, account, unit: str, round_code: str) -> str | None:
    """Why no template can be made (Chinese), or None; checked before offering the button."""
    require(account, "template.download", unit)
    try:
        template_context(portal, unit, round_code)
    except TemplateRequestError as exc:
        return exc.message
    return None


# ----------------------------------------------------------------------------- upload


@dataclass
class UploadResult:
    ingest: IngestResult
    report: pl.DataFrame  # severity, sheet, cell, column, value, message, hint
    annotated: Download | None  # the workbook with its issues marked, when there are any

    @property
    def accepted(self) -> bool:
        return self.ingest.accepted

    @property
    def submission_id(self) -> int | None:
        return self.ingest.submission_id

    @property
    def awaiting_sign_off(self) -> bool:
        """Accepted, and waiting for the unit's sign-off account before it reaches the office."""
        return self.ingest.status == SubmissionStatus.AWAITING_SIGN_OFF

    @property
    def summary(self) -> str:
        return self.ingest.summary()


def _annotated_name(file_name: str | None) -> str:
    stem = PurePath(safe_file_name(file_name, "报送文件.xlsx")).stem
    return f"{stem}_校验结果.xlsx"


def upload(portal: Portal, account, unit: str, round_code: str, file_name: str, data: bytes) -> UploadResult:
    """Validate and record one workbook for `unit` (the file's own metadata must agree).

    A closed round takes the upload only from a role with upload.after_close; for a reporter the
    round's state is reported as an issue in the file's report, like any other problem."""
    require(account, "upload.submit", unit)
    file_name = safe_file_name(file_name, "报送文件.xlsx")
    result = ingest(
        portal,
        account,
        data,
        file_name,
        unit=unit,
        round_code=round_code,
        allow_closed=allowed(account, "upload.after_close", unit),
    )
    marked = None
    if result.report.issues and result.validation is not None:
        marked = Download(_annotated_name(file_name), annotated(data, result.validation), XLSX)
    return UploadResult(result, report_frame(result.report), marked)


# ----------------------------------------------------------------------------- history and reports

_DECISION_LABELS = {APPROVE: "通过", RETURN: "退回", "comment": "逐项意见", "send_back": "单位审核退回"}


def _labelled(frame: pl.DataFrame, column: str, labels: dict[str, str], alias: str) -> pl.DataFrame:
    return frame.with_columns(
        pl.col(column).replace_strict(labels, default=pl.col(column), return_dtype=pl.Utf8).alias(alias)
    )


_STATUS_LABELS = {str(s): s.label for s in SubmissionStatus}
_TASK_STATUS_LABELS = {str(s): s.label for s in TaskStatus}
_ROLE_LABELS = {str(r): r.label for r in TaskRole}


def history(portal: Portal, account, unit: str, round_code: str | None = None) -> pl.DataFrame:
    """Every upload of the unit, newest first: version, state, days late, latest review decision."""
    require(account, "submission.view", unit)
    with portal.warehouse.connect() as con:
        frame = submissions.history(con, unit, round_code)
    frame = _labelled(frame, "status", _STATUS_LABELS, "status_label")
    frame = frame.with_columns(
        pl.struct("status", "version")
        .map_elements(lambda r: L.version_label(r["status"], r["version"]), return_dtype=pl.Utf8)
        .alias("version_label")
    )
    return _labelled(frame, "decision", _DECISION_LABELS, "decision_label")


def version_choices(frame: pl.DataFrame) -> dict[int, str]:
    """History rows as the words of a picker: 2025Q3 第 2 版 · 已报送-待审 · 2025-10-10 09:30
    (a rejected attempt: 2025Q3 未通过校验的上传（第 1 次） · 未通过校验 · …)."""
    return {
        r[
            "id"
        ]: f"{r['round']} {r['version_label']} · {r['status_label']} · {r['uploaded_at']:%Y-%m-%d %H:%M}"
        for r in frame.iter_rows(named=True)
    }


def comparable(frame: pl.DataFrame, submission_id: int) -> list[int]:
    """Recorded versions of the same round as `submission_id` that carry data (not rejected), oldest first."""
    row = frame.filter(pl.col("id") == submission_id)
    if row.is_empty():
        return []
    same = frame.filter(
        (pl.col("round") == row["round"][0]) & (pl.col("status") != str(SubmissionStatus.REJECTED))
    )
    return same.sort("version")["id"].to_list()


def review_comments(portal: Portal, account, submission_id: int) -> pl.DataFrame:
    """The review trail of a submission: decisions with their comments, then item comments."""
    _checked_submission(portal, account, "submission.view", submission_id)
    with portal.warehouse.connect() as con:
        frame = submissions.review_trail(con, submission_id)
    frame = _labelled(frame, "decision", _DECISION_LABELS, "decision_label")
    return _labelled(frame, "item_kind", {"indicator": "指标", "task": "任务"}, "item_kind_label")


def _stored_issues(portal: Portal, submission_id: int) -> list[Issue]:
    with portal.warehouse.connect() as con:
        rows = submissions.stored_issues(con, submission_id)
    return [
        Issue(r["code"], Severity(r["severity"]), r["message"], r["hint"] or "", r["sheet"], r["cell"],
              r["column_name"], r["value"])
        for r in rows.iter_rows(named=True)
    ]  # fmt: skip


def submission_report(portal: Portal, account, submission_id: int) -> pl.DataFrame:
    """The validation report of a recorded submission, as the upload showed it."""
    _checked_submission(portal, account, "submission.view", submission_id)
    return report_frame(Report(_stored_issues(portal, submission_id)))


def _original(portal: Portal, sub: dict) -> bytes:
    try:
        return filestore.load(portal.settings.uploads_dir, sub["file_hash"])
    except FileNotFoundError:
        raise NotFound(
            f"这份上传未通过校验，其原件已按保留规则删除（每个单位每个轮次只保留最近 "
            f"{portal.settings.rejected_kept} 份未通过校验的原件）；报送记录和问题清单仍可查看。"
        ) from None


def original_name(submission: dict) -> str:
    """The name the original workbook is downloaded under: as uploaded, or made from the submission."""
    made = f"{submission['round']}_{submission['unit']}_第{submission['version']}版.xlsx"
    return safe_file_name(submission["file_name"], made)


def original_file(portal: Portal, account, submission_id: int) -> Download:
    sub = _checked_submission(portal, account, "submission.download", submission_id)
    data = _original(portal, sub)
    _audit(portal, account, "submission.download", str(submission_id), "original")
    return Download(original_name(sub), data, XLSX)


def annotated_workbook(portal: Portal, account, submission_id: int) -> Download:
    """The submitted workbook with its recorded issues marked (a report-only book if unreadable)."""
    sub = _checked_submission(portal, account, "submission.download", submission_id)
    issues = _stored_issues(portal, submission_id)
    readable = not any(i.code.startswith("file-") for i in issues)
    try:
        original = _original(portal, sub) if readable else None
    except NotFound:  # a rejected upload's original removed by the retention rule: the report alone
        original = None
    data = annotate(original, issues)
    _audit(portal, account, "submission.download", str(submission_id), "annotated")
    return Download(_annotated_name(sub["file_name"]), data, XLSX)


def compare_versions(portal: Portal, account, older_id: int, newer_id: int) -> pl.DataFrame:
    """What changed between two versions of a unit's submission for a round (v1 → v2)."""
    for sid in (older_id, newer_id):
        _checked_submission(portal, account, "submission.view", sid)
    changes = compare(portal, int(older_id), int(newer_id))
    frame = pl.DataFrame(
        [
            {"kind": "指标" if c.kind == "indicator" else "任务", "code": c.code, "field": c.field,
             "before": _shown(c.before), "after": _shown(c.after)}
            for c in changes
        ],
        schema=dict.fromkeys(["kind", "code", "field", "before", "after"], pl.Utf8),
    )  # fmt: skip
    return _labelled(frame, "field", _FIELD_LABELS, "field_label")


_FIELD_LABELS = {
    "value": "本期值",
    "note": "说明",
    "status": "进展状态",
    "percent": "完成进度（%）",
    "narrative": "进展情况",
    "problems": "存在问题",
    "next_steps": "下步打算",
}


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return _TASK_STATUS_LABELS.get(str(value), str(value))


# ----------------------------------------------------------------------------- review (office)


def review_queue(
    portal: Portal, account, round_code: str | None = None, plan: str | None = None, unit: str | None = None
) -> pl.DataFrame:
    """Submissions awaiting review (accepted, not yet decided), oldest first, filtered.

    Only the units the account may decide on: an upper office reads the submissions below it
    (history, review_detail) but a queue of items it cannot approve or return would be noise."""
    units = visible_units(account, "submission.review")
    with portal.warehouse.connect() as con:
        queue = submissions.review_queue(con, round_code or None, plan or None, unit or None)
    return queue if units is None else queue.filter(pl.col("unit").is_in(list(units)))


@dataclass
class ReviewDetail:
    """One submission as the reviewer sees it: values beside the previous quarter's, progress, issues."""

    submission: dict
    unit_name: str
    previous_round: str
    values: (
        pl.DataFrame
    )  # indicator, indicator_name, measure_unit, reported, previous_value, change, note, cell
    tasks: (
        pl.DataFrame
    )  # task, task_title, task_role_label, progress_label, percent, previous_*, narrative, ...
    issues: pl.DataFrame  # the report (warnings, since it was accepted)
    evidence: pl.DataFrame
    reviews: pl.DataFrame
    items: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, code, name) for item comments
    signed_off: str | None = None  # “单位审核：姓名 于 时间” when the unit's sign-off account confirmed it
    sign_off_comment: str | None = None


def review_detail(portal: Portal, account, submission_id: int) -> ReviewDetail:
    sub = _checked_submission(portal, account, "submission.view", submission_id)
    before = str(Quarter.parse(sub["round"]).previous())
    params = {"submission": int(submission_id), "previous": before}
    with portal.warehouse.connect() as con:
        values = view_query(con, "review_values", **params)
        tasks = view_query(con, "review_tasks", **params)
        name = lookups.unit_name(con, sub["unit"])
        leader = accounts.display_name(con, sub["signed_off_by"]) if sub.get("signed_off_by") else None
    signed_off = (
        L.REVIEW_SIGNED_OFF.format(
            name=leader or sub["signed_off_by"], at=f"{sub['signed_off_at']:%Y-%m-%d %H:%M}"
        )
        if sub.get("signed_off_at")
        else None
    )
    tasks = _labelled(tasks, "role", _ROLE_LABELS, "task_role_label")
    tasks = _labelled(tasks, "status", _TASK_STATUS_LABELS, "progress_label")
    tasks = _labelled(tasks, "previous_status", _TASK_STATUS_LABELS, "previous_progress_label")
    items = [("indicator", r["indicator"], r["indicator_name"]) for r in values.iter_rows(named=True)]
    items += [("task", r["task"], r["task_title"]) for r in tasks.iter_rows(named=True)]
    return ReviewDetail(
        submission=sub,
        unit_name=name or sub["unit"],
        previous_round=before,
        values=values,
        tasks=tasks,
        issues=submission_report(portal, account, submission_id),
        evidence=list_evidence(portal, account, submission_id),
        reviews=review_comments(portal, account, submission_id),
        items=items,
        signed_off=signed_off,
        sign_off_comment=sub.get("sign_off_comment") or None,
    )


def review_submission(
    portal: Portal,
    account,
    submission_id: int,
    decision: str,
    comment: str,
    items: list[ItemComment] | tuple[ItemComment, ...] = (),
) -> Outcome:
    """Approve or return (with a comment, and per-item comments); refusals are an Outcome, not an error."""
    sub = _checked_submission(portal, account, "submission.review", submission_id)
    try:
        result: ReviewResult = review(portal, account, int(submission_id), decision, (comment or "").strip(),
                                      list(items))  # fmt: skip
    except WorkflowError as exc:
        return Outcome(False, str(exc))
    what = "已通过" if decision == APPROVE else "已退回"
    extra = f"，含 {len(result.items)} 条逐项意见" if result.items else ""
    return Outcome(True, f"{sub['unit']} {sub['round']} 第 {sub['version']} 版{what}{extra}。")


def item_comments(detail: ReviewDetail, picked: dict[str, str]) -> list[ItemComment]:
    """Per-item comments from a mapping "kind:code" → text; blank texts are dropped."""
    known = {f"{k}:{c}" for k, c, _ in detail.items}
    out = []
    for key, text in picked.items():
        if key in known and (text or "").strip():
            kind, code = key.split(":", 1)
            out.append(ItemComment(kind, code, text.strip()))
    return out


# What the page adds to a refusal that needs confirming (the CLI says --confirm instead).
EXTENSION_CONFIRM_HINT = "如确认，请勾选“确认修改已截止或已锁定轮次的记录”后再提交。"


def grant_unit_extension(
    portal: Portal,
    account,
    round_code: str,
    unit: str,
    due: dt.date | None,
    reason: str,
    confirm: bool = False,
) -> Outcome:
    require(account, "extension.grant", unit)
    if not round_code:
        return Outcome(False, "请选择延期轮次。")
    if due is None:
        return Outcome(False, "请选择延期后的截止日期。")
    return _extension_changed(
        lambda done: f"已批准 {unit} 在 {round_code} 轮次延期至 {due:%Y-%m-%d}（延期编号 {done.id}）。",
        grant_extension,
        portal,
        account,
        round_code,
        unit,
        due,
        (reason or "").strip(),
        confirm,
    )


def revoke_unit_extension(
    portal: Portal, account, extension_id: int, reason: str, confirm: bool = False
) -> Outcome:
    """Revoke a grant in force; refusals by the workflow are an Outcome, permission and scope errors raise."""
    return _extension_changed(
        lambda done: (
            f"已撤销 {done.unit} 在 {done.round} 轮次的延期（延期编号 {done.id}），截止日期恢复为 "
            f"{done.due:%Y-%m-%d}。"
        ),
        revoke_extension,
        portal,
        account,
        int(extension_id),
        (reason or "").strip(),
        confirm,
    )


def _extension_changed(said, change, *values) -> Outcome:
    """Grant or revoke, `change(*values)`: done, `said(done)` and what it changed on confirmation;
    the workflow's refusals (and a change waiting for confirmation) as an Outcome too."""
    try:
        done = change(*values)
    except ConfirmationNeeded as exc:
        return Outcome(False, f"{exc}{EXTENSION_CONFIRM_HINT}")
    except WorkflowError as exc:
        return Outcome(False, str(exc))
    changed = f"已按确认修改：{done.effect}" if done.effect else ""
    return Outcome(True, said(done) + changed)


def extensions_of_round(portal: Portal, account, round_code: str) -> pl.DataFrame:
    """The round's extensions the account may read (review.extension_list)."""
    return extension_list(portal, account, round_code)


def extension_units(portal: Portal, account, round_code: str | None) -> list[tuple[str, str]]:
    """(code, name) of the units `account` may grant an extension in the round: those it acts on
    that owe the round (a unit with nothing to report needs no extension)."""
    units = visible_units(account, "extension.grant")
    if not round_code:
        return []
    with portal.warehouse.connect() as con:
        owing = view_owing(con, round_code)
        return [u for u in _within(units, lookups.active_units(con)) if u[0] in owing]


def review_filters(portal: Portal, account) -> tuple[list[str], list[tuple[str, str]], list[tuple[str, str]]]:
    """(rounds newest first, plans (code, name), units (code, name)) for the review page's filters:
    the plans and units the account may decide on, as in `review_queue`."""
    units = visible_units(account, "submission.review")
    plans = visible_plans(account, "submission.review")
    with portal.warehouse.connect() as con:
        return (
            rounds.codes(con),
            _within(plans, lookups.plans(con)),
            _within(units, lookups.active_units(con)),
        )


# ----------------------------------------------------------------------------- 单位审核 (the unit's sign-off)


SIGN_OFF, SEND_BACK = signoff.SIGN_OFF, signoff.SEND_BACK


def sign_off_queue(portal: Portal, account, unit: str) -> pl.DataFrame:
    """The unit's uploads awaiting its sign-off, oldest first, with a label for a picker."""
    frame = signoff.awaiting(portal, account, unit)
    return frame.with_columns(
        pl.format("{} 第 {} 版 · {}", pl.col("round"), pl.col("version"), pl.col("uploaded_by")).alias(
            "label"
        )
    )


def decide_sign_off(portal: Portal, account, submission_id: int, decision: str, comment: str) -> Outcome:
    """Confirm (signoff.SIGN_OFF) or send back (signoff.SEND_BACK) an upload; a refusal by the
    workflow is an Outcome, not an error."""
    try:
        if decision == SEND_BACK:
            done = signoff.send_back(portal, account, int(submission_id), comment)
        else:
            done = signoff.sign_off(portal, account, int(submission_id), comment)
    except WorkflowError as exc:
        return Outcome(False, str(exc))
    return Outcome(True, done.summary())


# ----------------------------------------------------------------------------- evidence


@dataclass(frozen=True)
class EvidenceResult:
    ok: bool
    message: str  # Chinese
    issues: list[Issue] = field(default_factory=list)
    evidence_id: int | None = None


def evidence_targets(portal: Portal, account, submission_id: int) -> list[tuple[str, str]]:
    """(task code, title) a file may be attached to; attaching to no task means the whole submission."""
    _checked_submission(portal, account, "submission.view", submission_id)
    with portal.warehouse.connect() as con:
        return submissions.reported_tasks(con, submission_id)


def upload_evidence(
    portal: Portal, account, submission_id: int, file_name: str, data: bytes, task: str | None = None
) -> EvidenceResult:
    """Check a supporting file (type by content, size) and keep it, attached to the submission or one task.

    The submission's status and its round's lock are checked again inside the transaction that
    attaches the file: page runs read side by side, so a newer version or a lock may land while the
    file is checked and stored, and a file must never be attached to a superseded version."""
    sub = _checked_submission(portal, account, "evidence.upload", submission_id)
    with portal.warehouse.connect() as con:
        refused = _upload_refusal(con, sub)
        tasks = {code for kind, code in submissions.item_codes(con, submission_id) if kind == "task"}
    if refused:
        return EvidenceResult(False, refused)
    checked = ev.check(data, file_name, portal.settings.evidence_max_mb)
    issues, name = list(checked.issues), checked.name
    if task and task not in tasks:
        issues.append(Issue.make("evidence-task-unknown", value=task, submission=submission_id))
    if issues:
        return EvidenceResult(False, "未接收：" + ";".join(i.message for i in issues), issues)
    kind = checked.kind
    digest, path = filestore.store(ev.evidence_dir(portal.settings.home), data, kind.extensions[0])
    now = portal.settings.now()
    with portal.warehouse.transaction() as con:
        refused = _upload_refusal(con, submissions.submission(con, submission_id))
        if refused:
            return EvidenceResult(False, refused)  # the stored file stays: files are kept by hash
        evidence_id = evidence_rows.insert(
            con, submission_id, task or None, sub["unit"], sub["round"], digest, name, kind.media_type,
            len(data), str(path.relative_to(portal.settings.home)), account.username, now,
        )  # fmt: skip
        portal.audit(
            con,
            account.username,
            "evidence.upload",
            str(evidence_id),
            json.dumps(
                {
                    "submission": int(submission_id),
                    "task": task,
                    "file": name,
                    "size": len(data),
                    "type": kind.media_type,
                },
                ensure_ascii=False,
            ),  # fmt: skip
        )
    where = f"任务 {task}" if task else f"报送记录 {submission_id}"
    return EvidenceResult(True, f"已上传佐证材料“{name}”（{kind.name}），挂接到{where}。", [], evidence_id)


def _evidence_blocked(con, sub: dict | None) -> str | None:
    """Why evidence may not be attached to or detached from submission `sub` now: "superseded" (no
    longer the unit's accepted word), "locked" (its round is locked), or None when it may."""
    if sub is None or sub["status"] not in ACCEPTED_STATUSES:
        return "superseded"
    rnd = rounds.get(con, sub["round"])
    return "locked" if rnd is not None and rnd.state == RoundState.LOCKED else None


def _upload_refusal(con, sub: dict) -> str | None:
    blocked = _evidence_blocked(con, sub)
    if blocked == "superseded":
        status = SubmissionStatus(sub["status"]).label
        return f"报送记录 {sub['id']} 状态为“{status}”，不能挂接佐证材料。"
    if blocked == "locked":
        return f"轮次 {sub['round']} 已锁定，不能再上传佐证材料。"
    return None


def list_evidence(portal: Portal, account, submission_id: int) -> pl.DataFrame:
    _checked_submission(portal, account, "submission.view", submission_id)
    with portal.warehouse.connect() as con:
        frame = evidence_rows.of_submission(con, submission_id)
    # Names stored before they were made safe are made safe on the way out, too.
    return frame.with_columns(
        pl.col("file_name").map_elements(safe_file_name, return_dtype=pl.Utf8),
        (pl.col("size") / 1024).round(1).alias("size_kb"),
        pl.col("id").alias("evidence_id"),
        pl.col("media_type")
        .replace_strict(_TYPE_NAMES, default="其他文件", return_dtype=pl.Utf8)
        .alias("type_label"),
    )


# What a person calls each accepted media type (PDF 文档, PNG 图片 …), not application/pdf.
_TYPE_NAMES = {k.media_type: k.name for k in ev.KINDS.values()}


def remove_evidence(portal: Portal, account, evidence_id: int) -> EvidenceResult:
    """Detach one 佐证材料 from its submission (one carried over from the previous version that no
    longer applies, or a wrong file): who may attach may detach, while the submission is still the
    unit's latest word and its round not locked (checked again inside the transaction that detaches
    it, as for uploads). Audited; the stored file stays."""
    with portal.warehouse.connect() as con:
        row = evidence_rows.get(con, evidence_id)
        sub = submissions.submission(con, row["submission_id"]) if row else None
        blocked = _evidence_blocked(con, sub) if row else None
    require_record(
        account, "evidence.upload", row["unit"] if row else None, f"佐证材料 {evidence_id} 不存在。"
    )
    if blocked:
        return _removal_refused(row, blocked)
    with portal.warehouse.transaction() as con:
        blocked = _evidence_blocked(con, submissions.submission(con, row["submission_id"]))
        if blocked:
            return _removal_refused(row, blocked)
        evidence_rows.remove(con, evidence_id)
        portal.audit(
            con,
            account.username,
            "evidence.remove",
            str(evidence_id),
            json.dumps(
                {"submission": int(row["submission_id"]), "file": row["file_name"]}, ensure_ascii=False
            ),
        )
    return EvidenceResult(True, f"已移除佐证材料“{safe_file_name(row['file_name'])}”。", [], int(evidence_id))


def _removal_refused(row: dict, blocked: str) -> EvidenceResult:
    if blocked == "superseded":
        return EvidenceResult(False, f"佐证材料 {row['id']} 所属的报送已不是最新版本，不能移除。")
    return EvidenceResult(False, f"轮次 {row['round']} 已锁定，不能再移除佐证材料。")


def download_evidence(portal: Portal, account, evidence_id: int) -> Download:
    with portal.warehouse.connect() as con:
        row = evidence_rows.get(con, evidence_id)
    require_record(
        account, "evidence.download", row["unit"] if row else None, f"佐证材料 {evidence_id} 不存在。"
    )
    data = (portal.settings.home / row["stored_path"]).read_bytes()
    _audit(portal, account, "evidence.download", str(evidence_id), row["file_name"])
    return Download(safe_file_name(row["file_name"]), data, row["media_type"])


__all__ = [
    "APPROVE",
    "RETURN",
    "SEND_BACK",
    "SIGN_OFF",
    "Download",
    "EvidenceResult",
    "ItemComment",
    "PermissionDenied",
    "ReportRound",
    "ReviewDetail",
    "UploadResult",
    "WorkflowError",
]
