"""问题库 (issue 18): a 存在问题 a unit reported, taken up by the office as an item, 交办 to a unit
with a due date, answered by that unit, then 销号 (closed) or 退回 (answered again).

The office that acts on the item's plan takes every office step (problem.manage); only the unit
it is assigned to answers (problem.answer); offices above, evaluators and admins read. An item
id outside the caller's scope is refused in the words of a missing one. Each step is one event
in an append-only trail, audited in the same transaction; 交办 and 退回 queue a message to the
unit like a returned submission does. Allowed steps are the one table `TRANSITIONS`.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import polars as pl

from portal.core.context import Portal
from portal.core.documents import table_xlsx
from portal.core.errors import Conflict, InvalidInput, NotFound
from portal.core.permissions import (
    Grant,
    OutOfScope,
    grant,
    missing_plan,
    missing_unit,
    require,
    require_record,
    scope_of,
    visible_plans,
    visible_units,
)
from portal.notify import events as notify
from portal.reporting import evidence as ev
from schemas.enums import ProblemState, Role, SubmissionStatus
from schemas.text import safe_file_name
from warehouse import lookups
from warehouse import problems as store

S = ProblemState
ADD, ASSIGN, ANSWER, CLOSE, RETURN = "add", "assign", "answer", "close", "return"

# The state machine, in one place: step → (states it may be taken from, state it leads to).
# 交办 again while unanswered moves the item to another unit or date.
TRANSITIONS: dict[str, tuple[tuple[ProblemState, ...], ProblemState]] = {
    ADD: ((), S.NEW),
    ASSIGN: ((S.NEW, S.ASSIGNED), S.ASSIGNED),
    ANSWER: ((S.ASSIGNED, S.RETURNED), S.ANSWERED),
    CLOSE: ((S.ANSWERED,), S.CLOSED),
    RETURN: ((S.ANSWERED,), S.RETURNED),
}
STEP_LABELS = {ADD: "立项", ASSIGN: "交办", ANSWER: "答复", CLOSE: "销号", RETURN: "退回"}
OPEN_STATES = tuple(s for s in S if s is not S.CLOSED)
# Sources: only what the office has (报送-待审, 已通过); a 存在问题 saying "none" is no problem
# (the same words the 季度通报 skips by default, compared without spaces and 。).
SOURCE_STATUSES = (SubmissionStatus.VALIDATED, SubmissionStatus.APPROVED)
NONE_TEXTS = ("无", "暂无", "没有", "无问题", "暂无问题", "—", "-", "/")
MAX_TITLE, MAX_TEXT = 60, 2000  # a title is one line of a list; a text is a few paragraphs
TITLE_FROM_TEXT = 30  # a title made from the reported text: its first words


class ProblemStateError(Conflict):
    """A step the item's current state does not allow; the message names the state."""


@dataclass(frozen=True)
class ProblemStep:
    problem_id: int
    step: str
    state: ProblemState
    message: str  # Chinese, shown as is
    notified: int = 0  # messages queued for the unit


def steps_from(current: ProblemState | str) -> list[str]:
    """The steps `TRANSITIONS` allows from `current` (the page offers only these forms)."""
    return [step for step, (froms, _) in TRANSITIONS.items() if S(current) in froms]


def next_state(problem_id: int, current: ProblemState | str | None, step: str) -> ProblemState:
    """The state `step` leads to from `current`, or a refusal naming the current state."""
    froms, to = TRANSITIONS[step]
    if current is None and not froms:
        return to
    current = S(current)
    if current in froms:
        return to
    possible = [STEP_LABELS[s] for s in steps_from(current)]
    then = f"当前只能{'或'.join(possible)}。" if possible else "已办结，不能再操作。"
    raise ProblemStateError(f"问题 {problem_id} 当前状态为“{current.label}”，不能{STEP_LABELS[step]}；{then}")


def missing_problem(problem_id: int) -> str:
    """The words for an item id that does not exist, or is outside the caller's scope."""
    return f"问题 {problem_id} 不存在或不在您的管辖范围内，请核对问题编号。"


def _checked(con, portal: Portal, actor, action: str, problem_id: int) -> dict:
    """The item once `actor` may do `action` on it; else refused, an item outside the scope in
    the words of a missing one. Unit accounts reach only the items assigned to their unit."""
    missing = missing_problem(problem_id)
    item = store.problem(con, problem_id, portal.settings.today())
    if grant(Role(actor.role), action) is Grant.NO:
        require(actor, action)  # the role's refusal
    if item is None:
        require_record(actor, action, None, missing)
        raise NotFound(missing)
    if grant(Role(actor.role), action) is Grant.OWN:
        require_record(actor, action, item["assignee"] or "", missing)
        return item
    scope = scope_of(actor)
    if not (scope.has_plan(item["plan"]) and scope.has_unit(item["unit"])):
        raise OutOfScope(missing, action)
    require(actor, action, unit=item["unit"], plan=item["plan"])
    return item


def _text(value: str | None, what: str, limit: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(f"请填写{what}。")
    if len(text) > limit:
        raise InvalidInput(f"{what}不能超过 {limit} 个字。")
    return text


def _says_nothing(text: str) -> bool:
    return text.replace(" ", "").replace("。", "") in NONE_TEXTS


def _event(
    con, portal: Portal, actor, item: dict, step: str, state: ProblemState, detail: dict, **fields
) -> int:
    """One step of the item: its event row and the audit line `problem.<step>` with `detail`."""
    row = {
        "problem_id": item["problem_id"],
        "step": step,
        "state": state.value,
        "assignee": fields.pop("assignee", item.get("assignee")),
        "due_date": fields.pop("due_date", item.get("due_date")),
        "actor": actor.username,
        "happened_at": portal.settings.now(),
        **fields,
    }
    event_id = store.insert_event(con, row)
    text = json.dumps(detail, ensure_ascii=False)
    portal.audit(con, actor.audit_name, f"problem.{step}", str(item["problem_id"]), text)
    return event_id


def _new_item(con, portal: Portal, actor, row: dict, detail: dict) -> ProblemStep:
    """立项 (either way): the item, its first event and the audit line with `detail`."""
    problem_id = store.insert_problem(
        con, row | {"created_by": actor.username, "created_at": portal.settings.now()}
    )
    item = {"problem_id": problem_id, "assignee": None, "due_date": None}
    _event(con, portal, actor, item, ADD, next_state(problem_id, None, ADD), detail, text=row["text"])
    message = f"已立项：问题编号 {problem_id}“{row['title']}”，请交办责任单位。"
    return ProblemStep(problem_id, ADD, S.NEW, message)


def add_from_report(portal: Portal, actor, submission_id: int, task: str, title: str = "") -> ProblemStep:
    """立项 from a unit's report: the 存在问题 of `task` in submission `submission_id` (报送-待审 or
    已通过), concerning the reporting unit, in the task's plan. Once per submission and task."""
    submission_id = int(submission_id)
    missing = f"报送记录 {submission_id} 不存在或不在您的管辖范围内，请核对报送编号。"
    with portal.warehouse.transaction() as con:
        row = store.reported(con, submission_id, task)
        unit = row["unit"] if row else store.submission_unit(con, submission_id)
        require_record(actor, "problem.manage", unit, missing)
        if row is None:
            raise NotFound(f"报送记录 {submission_id} 中没有任务“{task}”。")
        require(actor, "problem.manage", unit=row["unit"], plan=row["plan"])
        status = SubmissionStatus(row["status"])
        if status not in SOURCE_STATUSES:
            raise Conflict(
                f"报送记录 {submission_id} 当前状态为“{status.label}”，只能从已报送或已通过的报送中立项。"
            )
        text = (row["problems"] or "").strip()
        if not text or _says_nothing(text):
            raise InvalidInput(f"报送记录 {submission_id} 中任务“{task}”没有填写存在问题，无可立项。")
        taken = store.of_source(con, submission_id, task)
        if taken is not None:
            raise Conflict(f"这条存在问题已经立项（问题编号 {taken}），不必重复立项。")
        title = _text(title, "问题标题", MAX_TITLE, required=False) or _title_of(text)
        return _new_item(
            con,
            portal,
            actor,
            {
                "plan": row["plan"],
                "unit": row["unit"],
                "title": title,
                "text": text,
                "source_submission": submission_id,
                "source_task": task,
                "source_round": row["round"],
            },
            {"unit": row["unit"], "submission": submission_id, "task": task, "title": title},
        )


def _title_of(text: str) -> str:
    line = text.splitlines()[0].strip()
    return line if len(line) <= TITLE_FROM_TEXT else line[:TITLE_FROM_TEXT] + "…"


def add_by_hand(
    portal: Portal, actor, plan: str, unit: str, title: str, text: str, source_note: str = ""
) -> ProblemStep:
    """立项 by hand (a 问诊, an inspection): the office names the plan, the unit it concerns, a
    title, the description and where it came from."""
    require(actor, "problem.manage", unit=unit, plan=plan)
    title = _text(title, "问题标题", MAX_TITLE)
    text = _text(text, "问题描述", MAX_TEXT)
    note = _text(source_note, "问题来源", MAX_TITLE, required=False)
    with portal.warehouse.transaction() as con:
        if plan not in {code for code, _ in lookups.plans(con)}:
            raise NotFound(missing_plan(plan))
        if lookups.unit_name(con, unit) is None:
            raise NotFound(missing_unit(unit))
        return _new_item(
            con,
            portal,
            actor,
            {"plan": plan, "unit": unit, "title": title, "text": text, "source_note": note or "办公室立项"},
            {"unit": unit, "plan": plan, "title": title, "source": note},
        )


def assign(portal: Portal, actor, problem_id: int, unit: str, due: dt.date) -> ProblemStep:
    """交办 the item to `unit` (any unit the office acts on, usually the one it concerns), to be
    answered by `due`; the unit gets a message. Again while unanswered: another unit or date."""
    problem_id, today = int(problem_id), portal.settings.today()
    if not isinstance(due, dt.date):
        raise InvalidInput("请填写反馈期限（YYYY-MM-DD）。")
    with portal.warehouse.transaction() as con:
        item = _checked(con, portal, actor, "problem.manage", problem_id)
        require(actor, "problem.manage", unit=unit, plan=item["plan"])
        name = lookups.unit_name(con, unit)
        if name is None:
            raise NotFound(missing_unit(unit))
        state = next_state(problem_id, item["state"], ASSIGN)
        if due < today:
            raise InvalidInput(f"反馈期限 {due.isoformat()} 早于今天（{today.isoformat()}），请重新选择。")
        detail = {"unit": unit, "due": due.isoformat(), "from": item["state"], "to": state.value}
        event_id = _event(con, portal, actor, item, ASSIGN, state, detail, assignee=unit, due_date=due)
        after = item | {"assignee": unit, "due_date": due}
        sent = notify.problem_step(con, portal.settings, after, event_id, ASSIGN, "")
    return ProblemStep(
        problem_id,
        ASSIGN,
        state,
        f"已将问题 {problem_id} 交办{name}（{unit}），请于{due.year}年{due.month}月{due.day}日前反馈。",
        sent,
    )


def answer(
    portal: Portal, actor, problem_id: int, text: str, file_name: str | None = None, data: bytes | None = None
) -> ProblemStep:
    """The assigned unit's answer (what was done), with an optional evidence file checked like any
    佐证材料 (type by content, size, no macros)."""
    problem_id = int(problem_id)
    with portal.warehouse.connect() as con:
        _checked(con, portal, actor, "problem.answer", problem_id)
    text = _text(text, "答复内容", MAX_TEXT)
    evidence = ev.attached(portal.settings.home, data, file_name, portal.settings.evidence_max_mb)
    with portal.warehouse.transaction() as con:
        item = _checked(con, portal, actor, "problem.answer", problem_id)
        state = next_state(problem_id, item["state"], ANSWER)
        detail = {"from": item["state"], "to": state.value, "file": evidence.get("evidence_name")}
        _event(con, portal, actor, item, ANSWER, state, detail, text=text, **evidence)
    return ProblemStep(problem_id, ANSWER, state, f"已答复问题 {problem_id}，等待办公室销号。")


def close(portal: Portal, actor, problem_id: int, comment: str = "") -> ProblemStep:
    """销号: the office accepts the unit's answer; the item is done."""
    problem_id = int(problem_id)
    comment = _text(comment, "销号意见", MAX_TEXT, required=False)
    with portal.warehouse.transaction() as con:
        item = _checked(con, portal, actor, "problem.manage", problem_id)
        state = next_state(problem_id, item["state"], CLOSE)
        detail = {"from": item["state"], "to": state.value, "comment": comment}
        _event(con, portal, actor, item, CLOSE, state, detail, text=comment or None)
    return ProblemStep(problem_id, CLOSE, state, f"问题 {problem_id} 已销号。")


def send_back(portal: Portal, actor, problem_id: int, reason: str, due: dt.date | None = None) -> ProblemStep:
    """退回 the unit's answer with a reason (and optionally a new due date): it answers again and
    gets a message."""
    problem_id = int(problem_id)
    reason = _text(reason, "退回理由", MAX_TEXT)
    with portal.warehouse.transaction() as con:
        item = _checked(con, portal, actor, "problem.manage", problem_id)
        state = next_state(problem_id, item["state"], RETURN)
        due = due or item["due_date"]
        if due is not None and due < portal.settings.today() and due != item["due_date"]:
            raise InvalidInput(f"新的反馈期限 {due.isoformat()} 早于今天，请重新选择。")
        detail = {
            "from": item["state"],
            "to": state.value,
            "reason": reason,
            "due": str(due) if due else None,
        }
        event_id = _event(con, portal, actor, item, RETURN, state, detail, text=reason, due_date=due)
        sent = notify.problem_step(con, portal.settings, item | {"due_date": due}, event_id, RETURN, reason)
    return ProblemStep(problem_id, RETURN, state, f"已退回问题 {problem_id} 的答复，请单位重新答复。", sent)


# ----------------------------------------------------------------------------- reading

LIST_COLUMNS = [
    "problem_id",
    "title",
    "state_label",
    "unit",
    "unit_name",
    "assignee",
    "assignee_name",
    "due_date",
    "overdue",
    "plan",
    "source_label",
    "text",
    "last_answer",
    "created_by",
    "created_at",
    "updated_at",
    "state",
]
# Names the frames go out with (pages head them, `portal problem list --json` keys on them).
_OUT = {"title": "problem_title", "text": "problem_text", "due_date": "feedback_due"}
_TRAIL_OUT = {"happened_at": "event_at", "text": "event_text", "due_date": "feedback_due"}


def _listed(portal: Portal, actor, frame: pl.DataFrame) -> pl.DataFrame:
    """The items `actor` may read: a unit's those assigned to it; an office's in its plans and units."""
    if grant(Role(actor.role), "problem.view") is Grant.OWN:
        return frame.filter(pl.col("assignee") == actor.unit)
    plans, units = visible_plans(actor, "problem.view"), visible_units(actor, "problem.view")
    if plans is not None:
        frame = frame.filter(pl.col("plan").is_in(list(plans)))
    if units is not None:
        frame = frame.filter(pl.col("unit").is_in(list(units)))
    return frame


def _labelled(frame: pl.DataFrame) -> pl.DataFrame:
    labels = {s.value: s.label for s in S}
    return frame.with_columns(
        pl.col("state")
        .replace_strict(labels, default=pl.col("state"), return_dtype=pl.Utf8)
        .alias("state_label"),
        pl.when(pl.col("source_submission").is_not_null())
        .then(
            pl.format(
                "{} 报送记录 {} 任务 {}",
                pl.col("source_round"),
                pl.col("source_submission"),
                pl.col("source_task"),
            )
        )
        .otherwise(pl.col("source_note"))
        .alias("source_label"),
    )


def list_problems(
    portal: Portal,
    actor,
    unit: str | None = None,
    plan: str | None = None,
    open_only: bool = False,
) -> pl.DataFrame:
    """The items `actor` may read (LIST_COLUMNS), newest first; `unit` limits to the items
    concerning or assigned to that unit, `plan` to one plan (both checked against the scope)."""
    return _items(portal, actor, unit, plan, open_only).select(LIST_COLUMNS).rename(_OUT)


def _items(portal: Portal, actor, unit: str | None, plan: str | None, open_only: bool) -> pl.DataFrame:
    if unit is not None or plan is not None:
        require(actor, "problem.view", unit=unit, plan=plan)
    else:
        require(
            actor,
            "problem.view",
            actor.unit if grant(Role(actor.role), "problem.view") is Grant.OWN else None,
        )
    with portal.warehouse.connect() as con:
        frame = _listed(portal, actor, store.problems(con, portal.settings.today()))
    if unit is not None:
        frame = frame.filter((pl.col("unit") == unit) | (pl.col("assignee") == unit))
    if plan is not None:
        frame = frame.filter(pl.col("plan") == plan)
    if open_only:
        frame = frame.filter(pl.col("state") != S.CLOSED.value)
    return _labelled(frame).sort("problem_id", descending=True)


# The register as downloaded (问题台账): column → header, in order.
REGISTER_HEADERS = {
    "problem_id": "问题编号",
    "title": "问题标题",
    "state_label": "状态",
    "plan": "规划",
    "unit_name": "涉及单位",
    "assignee_name": "责任单位",
    "due_date": "反馈期限",
    "days_overdue": "逾期天数",
    "last_step_label": "最近一步",
    "updated_at": "最近一步时间",
    "last_actor": "最近一步操作人",
    "source_label": "问题来源",
}
REGISTER_SHEET = "问题台账"


def register(
    portal: Portal, actor, unit: str | None = None, plan: str | None = None, open_only: bool = False
) -> pl.DataFrame:
    """The register as downloaded: the items `list_problems` gives, with the days each is overdue
    and its last step, headed in Chinese (REGISTER_HEADERS)."""
    today = portal.settings.today()
    items = _items(portal, actor, unit, plan, open_only)
    return (
        items.with_columns(
            pl.when(pl.col("overdue"))
            .then((pl.lit(today) - pl.col("due_date")).dt.total_days())
            .otherwise(None)
            .cast(pl.Int64)
            .alias("days_overdue"),
            pl.col("last_step")
            .replace_strict(STEP_LABELS, default=pl.col("last_step"), return_dtype=pl.Utf8)
            .alias("last_step_label"),
            pl.col("updated_at").dt.strftime("%Y-%m-%d %H:%M"),
            pl.coalesce("assignee_name", "assignee"),
        )
        .select(list(REGISTER_HEADERS))
        .rename(REGISTER_HEADERS)
    )


def register_xlsx(
    portal: Portal, actor, unit: str | None = None, plan: str | None = None, open_only: bool = False
) -> bytes:
    """The register as a one-sheet .xlsx; every cell written formula-safe (a title a unit typed
    that starts with = + - @ stays text)."""
    return table_xlsx(register(portal, actor, unit, plan, open_only), REGISTER_SHEET)


@dataclass(frozen=True)
class ProblemBoard:
    items: pl.DataFrame  # LIST_COLUMNS, open first then closed, newest first
    open: int
    overdue: int
    closed: int
    by_unit: pl.DataFrame  # unit, unit_name, open, overdue: per assigned unit (or concerned, before 交办)


def problem_board(portal: Portal, actor, unit: str | None = None, plan: str | None = None) -> ProblemBoard:
    """What the 问题整改 page shows: the items, the counts and open/overdue by unit."""
    items = list_problems(portal, actor, unit=unit, plan=plan)
    open_items = items.filter(pl.col("state") != S.CLOSED.value)
    by_unit = (
        open_items.with_columns(
            pl.coalesce("assignee", "unit").alias("who"),
            pl.coalesce("assignee_name", "unit_name").alias("who_name"),
        )
        .group_by("who", "who_name")
        .agg(pl.len().alias("open"), pl.col("overdue").sum().alias("overdue"))
        .rename({"who": "unit", "who_name": "unit_name"})
        .sort(["overdue", "open", "unit"], descending=[True, True, False])
    )
    ordered = items.with_columns((pl.col("state") == S.CLOSED.value).alias("_done")).sort(
        ["_done", "overdue", "problem_id"], descending=[False, True, True]
    )
    return ProblemBoard(
        ordered.drop("_done"),
        open_items.height,
        int(open_items["overdue"].sum() or 0),
        items.height - open_items.height,
        by_unit.cast({"open": pl.Int64, "overdue": pl.Int64}),
    )


TRAIL_COLUMNS = [
    "event_id",
    "happened_at",
    "step_label",
    "state_label",
    "actor",
    "assignee",
    "due_date",
    "text",
    "evidence_name",
]


def trail(portal: Portal, actor, problem_id: int) -> pl.DataFrame:
    """The item's whole trail, oldest first: who did which step when, with what, and the state after."""
    with portal.warehouse.connect() as con:
        _checked(con, portal, actor, "problem.view", problem_id)
        frame = store.events(con, problem_id)
    labels = {s.value: s.label for s in S}
    return (
        frame.with_columns(
            pl.col("step")
            .replace_strict(STEP_LABELS, default=pl.col("step"), return_dtype=pl.Utf8)
            .alias("step_label"),
            pl.col("state")
            .replace_strict(labels, default=pl.col("state"), return_dtype=pl.Utf8)
            .alias("state_label"),
            pl.col("evidence_name").map_elements(safe_file_name, return_dtype=pl.Utf8),
        )
        .select(TRAIL_COLUMNS)
        .rename(_TRAIL_OUT)
    )


def problem(portal: Portal, actor, problem_id: int) -> dict:
    """One item as `list_problems` shows it, with its source (submission, task, round)."""
    with portal.warehouse.connect() as con:
        item = _checked(con, portal, actor, "problem.view", problem_id)
        frame = store.problems(con, portal.settings.today(), problem_id)
    shown = _labelled(frame).select(LIST_COLUMNS).rename(_OUT).to_dicts()[0]
    return shown | {k: item[k] for k in ("source_submission", "source_task", "task_title", "source_round")}


@dataclass(frozen=True)
class EvidenceFile:
    name: str
    data: bytes
    media_type: str


def answer_evidence(portal: Portal, actor, event_id: int) -> EvidenceFile:
    """The evidence file of an answer, for whoever may read the item."""
    event_id = int(event_id)
    missing = f"答复 {event_id} 不存在或没有佐证材料。"
    with portal.warehouse.connect() as con:
        row = store.event(con, event_id)
        if row is None or not row["evidence_path"]:
            require_record(actor, "problem.view", None, missing)
            raise NotFound(missing)
        try:
            _checked(con, portal, actor, "problem.view", row["problem_id"])
        except NotFound:
            raise NotFound(missing) from None
    data = (portal.settings.home / row["evidence_path"]).read_bytes()
    return EvidenceFile(safe_file_name(row["evidence_name"]), data, row["evidence_type"])


CANDIDATE_COLUMNS = [
    "submission_id",
    "round",
    "unit",
    "unit_name",
    "plan",
    "task",
    "task_title",
    "problems",
    "problem_id",
]


def candidates(portal: Portal, actor, round_code: str | None = None, plan: str | None = None) -> pl.DataFrame:
    """The 存在问题 the office may take up: in submissions of units and plans it acts on, 报送-待审
    or 已通过, with the item already taken up from each (problem_id), newest round first."""
    require(actor, "problem.manage", plan=plan)
    plans, units = visible_plans(actor, "problem.manage"), visible_units(actor, "problem.manage")
    with portal.warehouse.connect() as con:
        frame = store.candidates(con, round_code, list(NONE_TEXTS))
    if plans is not None:
        frame = frame.filter(pl.col("plan").is_in(list(plans)))
    if units is not None:
        frame = frame.filter(pl.col("unit").is_in(list(units)))
    if plan is not None:
        frame = frame.filter(pl.col("plan") == plan)
    return frame.select(CANDIDATE_COLUMNS)


def assignable_units(portal: Portal, actor, plan: str) -> list[tuple[str, str]]:
    """(code, name) of the active units the office may 交办 to for `plan`."""
    require(actor, "problem.manage", plan=plan)
    units = visible_units(actor, "problem.manage")
    with portal.warehouse.connect() as con:
        active = lookups.active_units(con)
    return [(code, name) for code, name in active if units is None or code in units]


def plan_choices(portal: Portal, actor, act: bool = False) -> list[tuple[str, str]]:
    """(code, name) of the plans the 问题整改 page offers: those read, or with `act` those the
    office may take problems up in."""
    plans = visible_plans(actor, "problem.manage" if act else "problem.view")
    with portal.warehouse.connect() as con:
        every = lookups.plans(con)
    return [(code, name) for code, name in every if plans is None or code in plans]
