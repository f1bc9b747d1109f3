"""What evaluators and units enter on the annual assessment beside the data (issue 16): 扣分项,
一票否决 and 定性评价 by evaluators, 自评分 by the units themselves.

Each use case takes the acting account and checks role and scope with `permissions.require`:
evaluators act with assessment.adjust on their offices' own plans (an office above reads, never
adjusts); a unit's clerk or sign-off account enters its own unit's self-scores
(assessment.self_score) and reads only those. Wrong input comes back as issues with Chinese
messages (an unknown code lists the valid ones, a number out of range says the range) and stores
nothing. Every change is audited and nothing is deleted: a withdrawal is recorded on the row, a
score entered again is a new row and the latest counts. The 年度考核 and 年度自评 pages and
`portal deduction|veto|qualitative|selfscore` are thin callers of these functions.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import polars as pl

from portal.assessment.assess import Assessment, _check_plan_year
from portal.assessment.board import AssessmentChoices, PlanChoice
from portal.assessment.lifecycle import assert_editable
from portal.assessment.scheme import ScoringScheme, load_scheme
from portal.core import labels as L
from portal.core.context import Portal
from portal.core.outcome import Outcome
from portal.core.permissions import Grant, OutOfScope, allowed, grant, missing_plan, require, scope_of
from portal.core.readcache import cached_read
from schemas.enums import Role
from schemas.issues import Issue, Report
from warehouse import assessment as data
from warehouse import lookups, offices

# The components a unit scores itself on, in the order of the 考核表.
COMPONENTS = ("indicators", "tasks", "reporting", "qualitative")
COMPONENT_LABELS = {
    "indicators": L.ASSESS_INDICATORS,
    "tasks": L.ASSESS_TASKS,
    "reporting": L.ASSESS_ROUNDS,
    "qualitative": L.ASSESS_QUALITATIVE,
}
_EPS = 1e-9  # sums of decimal points (0.5 + 1.5) compared with a cap


@dataclass
class EntryResult:
    """What one entry did: its id when recorded, and the issues (errors: nothing was recorded;
    warnings: recorded, with something the person should know, such as a cap already reached)."""

    report: Report
    entry_id: int | None = None
    done: str = ""  # the sentence saying what was recorded

    @property
    def ok(self) -> bool:
        return self.entry_id is not None

    def outcome(self) -> Outcome:
        messages = [i.message for i in self.report.issues]
        if self.entry_id is None:
            return Outcome(False, " ".join(messages))
        return Outcome(True, " ".join([self.done, *messages]))


def component_points(scheme: ScoringScheme) -> dict[str, float]:
    """Each component's points under the scheme: the range of its 自评分."""
    return {
        "indicators": scheme.indicator_points,
        "tasks": scheme.task_points,
        "reporting": scheme.reporting_points,
        "qualitative": scheme.qualitative_points,
    }


def _num(value: float) -> str:
    return f"{value:g}"


def _score(value) -> float | None:
    """A number typed by a person, or None when it is not one."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _text(value) -> str:
    return (value or "").strip()


def _prepare(
    portal: Portal, con, actor, plan: str, year: int, unit: str
) -> tuple[ScoringScheme | None, Report]:
    """The scheme in force, once the plan, year, scheme and unit are right; else the issues."""
    report = Report()
    scheme_result = load_scheme(portal.settings.home, plan, year)
    report.extend(scheme_result.report.issues)
    _, issues = _check_plan_year(con, plan, year, actor)
    report.extend(issues)
    if not report.ok or scheme_result.scheme is None:
        return None, report
    if unit not in set(data.assessed_units(con, plan)["unit"].to_list()):
        report.add(Issue.make("entry-unit-not-assessed", value=unit, plan=plan))
    return scheme_result.scheme, report


def _require_adjust(actor, plan: str, unit: str) -> None:
    """An evaluator of the plan's own office; the plan's words first for a plan outside the scope."""
    require(actor, "assessment.adjust", plan=plan)
    require(actor, "assessment.adjust", unit=unit)


def _in_range(report: Report, what: str, value, top: float) -> float | None:
    score = _score(value)
    if score is None or not (-_EPS <= score <= top + _EPS):
        shown = value if score is None else _num(score)
        report.add(
            Issue.make("entry-points-invalid", value=shown, what=what, detail=f"应在 0 到 {_num(top)} 分之间")
        )
        return None
    return score


# --- 扣分项 -------------------------------------------------------------------------------------------


def _deduction_catalogue(scheme: ScoringScheme) -> str:
    return (
        "、".join(f"{d.code}（{d.name}，每次 {_num(d.points)} 分）" for d in scheme.deductions)
        or "（评分方案未设扣分项）"
    )


def add_deduction(
    portal: Portal,
    actor,
    plan: str,
    year: int,
    unit: str,
    code: str,
    reason: str,
    evidence: str | None = None,
) -> EntryResult:
    """`actor` records one entry of the scheme's deduction catalogue for `unit` (audited). The
    per-kind cap is applied in scoring; a warning says when this entry goes beyond it."""
    _require_adjust(actor, plan, unit)
    year, code, reason, evidence = int(year), _text(code), _text(reason), _text(evidence) or None
    with portal.warehouse.transaction() as con:
        assert_editable(con, plan, year)
        scheme, report = _prepare(portal, con, actor, plan, year, unit)
        if scheme is None:
            return EntryResult(report)
        kind = scheme.deduction(code)
        if kind is None:
            report.add(
                Issue.make(
                    "entry-item-unknown", value=code, key="[[deductions]]", known=_deduction_catalogue(scheme)
                )
            )
        if not reason:
            report.add(Issue.make("entry-reason-missing", what="扣分"))
        if not report.ok:
            return EntryResult(report)
        current = data.entries(con, "deductions", plan, year)
        before = float(current.filter((pl.col("unit") == unit) & (pl.col("item") == code))["points"].sum())
        row = {
            "plan": plan,
            "year": year,
            "unit": unit,
            "code": code,
            "points": kind.points,
            "reason": reason,
            "evidence": evidence,
            "entered_by": actor.username,
            "entered_at": portal.settings.now(),
        }
        entry_id = data.insert_entry(con, "deductions", row)
        portal.audit(
            con,
            actor.audit_name,
            "assessment.deduction.add",
            f"{plan}/{year}/{unit}",
            f"id={entry_id} code={code} points={_num(kind.points)} reason={reason} evidence={evidence or ''}",
        )
    cap = kind.max_total
    if before >= cap - _EPS:
        report.add(Issue.make("deduction-cap-reached", value=unit, name=kind.name, max_total=_num(cap)))
    elif before + kind.points > cap + _EPS:
        report.add(
            Issue.make(
                "deduction-over-cap",
                value=unit,
                name=kind.name,
                total=_num(before + kind.points),
                max_total=_num(cap),
            )
        )
    done = L.DEDUCTION_ADDED.format(id=entry_id, name=kind.name, points=_num(kind.points))
    return EntryResult(report, entry_id, done)


def _withdraw(
    portal: Portal, actor, kind: str, entry_id: int, missing: str, done: str, action: str
) -> Outcome:
    """Withdraw a deduction or veto in force (audited; the row stays with who and when). One of a
    plan outside the account's scope is refused in the words for an id that does not exist."""
    require(actor, "assessment.adjust")
    entry_id = int(entry_id)
    with portal.warehouse.transaction() as con:
        found = data.entry_in_force(con, kind, entry_id)
        if found is None or not scope_of(actor).has_plan(found["plan"]):
            return Outcome(False, missing.format(id=entry_id))
        require(actor, "assessment.adjust", plan=found["plan"])  # an office above only reads it
        assert_editable(con, found["plan"], found["year"])
        data.withdraw_entry(con, kind, entry_id, actor.username, portal.settings.now())
        portal.audit(
            con,
            actor.audit_name,
            action,
            f"{found['plan']}/{found['year']}/{found['unit']}",
            f"id={entry_id} item={found['item']}",
        )
    return Outcome(True, done.format(id=entry_id))


def withdraw_deduction(portal: Portal, actor, entry_id: int) -> Outcome:
    return _withdraw(
        portal,
        actor,
        "deductions",
        entry_id,
        L.DEDUCTION_NOT_FOUND,
        L.DEDUCTION_WITHDRAWN,
        "assessment.deduction.withdraw",
    )


# --- 一票否决 -----------------------------------------------------------------------------------------


def add_veto(
    portal: Portal,
    actor,
    plan: str,
    year: int,
    unit: str,
    reason_code: str,
    reason: str,
    evidence: str | None = None,
) -> EntryResult:
    """`actor` records a veto (one of the scheme's [veto] reasons, with the facts): the unit's grade
    becomes the scheme's veto grade whatever its score (audited)."""
    _require_adjust(actor, plan, unit)
    year, reason_code, reason, evidence = (
        int(year),
        _text(reason_code),
        _text(reason),
        _text(evidence) or None,
    )
    with portal.warehouse.transaction() as con:
        assert_editable(con, plan, year)
        scheme, report = _prepare(portal, con, actor, plan, year, unit)
        if scheme is None:
            return EntryResult(report)
        if reason_code not in scheme.veto_reasons:
            known = "、".join(f"“{r}”" for r in scheme.veto_reasons) or "（评分方案未设否决事由）"
            report.add(Issue.make("entry-item-unknown", value=reason_code, key="[veto] reasons", known=known))
        if not reason:
            report.add(Issue.make("entry-reason-missing", what="一票否决"))
        if not report.ok:
            return EntryResult(report)
        row = {
            "plan": plan,
            "year": year,
            "unit": unit,
            "reason_code": reason_code,
            "reason": reason,
            "evidence": evidence,
            "entered_by": actor.username,
            "entered_at": portal.settings.now(),
        }
        entry_id = data.insert_entry(con, "vetoes", row)
        portal.audit(
            con,
            actor.audit_name,
            "assessment.veto.add",
            f"{plan}/{year}/{unit}",
            f"id={entry_id} reason_code={reason_code} reason={reason} evidence={evidence or ''}",
        )
    done = L.VETO_ADDED.format(id=entry_id, reason_code=reason_code, grade=scheme.veto_grade)
    return EntryResult(report, entry_id, done)


def withdraw_veto(portal: Portal, actor, entry_id: int) -> Outcome:
    return _withdraw(
        portal, actor, "vetoes", entry_id, L.VETO_NOT_FOUND, L.VETO_WITHDRAWN, "assessment.veto.withdraw"
    )


# --- 定性评价 -----------------------------------------------------------------------------------------


def set_qualitative(
    portal: Portal, actor, plan: str, year: int, unit: str, item: str, score, note: str | None = None
) -> EntryResult:
    """`actor` scores `unit` on one [[qualitative]] item of the scheme, 0 to its points (audited);
    scoring again adds a row and the latest counts."""
    _require_adjust(actor, plan, unit)
    year, item, note = int(year), _text(item), _text(note) or None
    with portal.warehouse.transaction() as con:
        assert_editable(con, plan, year)
        scheme, report = _prepare(portal, con, actor, plan, year, unit)
        if scheme is None:
            return EntryResult(report)
        points = {q.name: q.points for q in scheme.qualitative}
        value = None
        if item not in points:
            known = (
                "、".join(f"{name}（{_num(p)} 分）" for name, p in points.items())
                or "（评分方案未设定性评价项）"
            )
            report.add(Issue.make("entry-item-unknown", value=item, key="[[qualitative]]", known=known))
        else:
            value = _in_range(report, f"定性评价“{item}”", score, points[item])
        if not report.ok:
            return EntryResult(report)
        row = {
            "plan": plan,
            "year": year,
            "unit": unit,
            "item": item,
            "score": value,
            "note": note,
            "entered_by": actor.username,
            "entered_at": portal.settings.now(),
        }
        entry_id = data.insert_entry(con, "qualitative", row)
        portal.audit(
            con,
            actor.audit_name,
            "assessment.qualitative.set",
            f"{plan}/{year}/{unit}",
            f"id={entry_id} item={item} score={_num(value)} note={note or ''}",
        )
    done = L.QUALITATIVE_SET.format(id=entry_id, unit=unit, item=item, score=_num(value))
    return EntryResult(report, entry_id, done)


# --- 自评分 -------------------------------------------------------------------------------------------


def _require_own_unit_plan(portal: Portal, actor, plan: str, unit: str) -> None:
    """A unit's own account, on a plan its unit has a part in: another plan is refused in the words
    of a plan that does not exist."""
    require(actor, "assessment.self_score", unit=unit)
    with portal.warehouse.connect() as con:
        plans = offices.plans_of_unit(con, unit)
    if plan not in plans:
        raise OutOfScope(missing_plan(plan), "assessment.self_score")


def _component(value: str, points: dict[str, float]) -> str | None:
    """A component by its code (tasks) or its Chinese name (任务推进), when it has points."""
    by_label = {label: code for code, label in COMPONENT_LABELS.items()}
    code = by_label.get(value, value)
    return code if points.get(code, 0) > 0 else None


def set_self_score(
    portal: Portal, actor, plan: str, year: int, unit: str, component: str, score
) -> EntryResult:
    """A unit's clerk or sign-off account enters its own 自评分 for one component, 0 to the
    component's points (audited); entered again, the latest counts."""
    _require_own_unit_plan(portal, actor, plan, unit)
    year, component = int(year), _text(component)
    with portal.warehouse.transaction() as con:
        assert_editable(con, plan, year)
        scheme, report = _prepare(portal, con, actor, plan, year, unit)
        if scheme is None:
            return EntryResult(report)
        points = component_points(scheme)
        code = _component(component, points)
        value = None
        if code is None:
            known = "、".join(
                f"{c}（{COMPONENT_LABELS[c]}，{_num(p)} 分）" for c, p in points.items() if p > 0
            )
            report.add(Issue.make("self-score-component-unknown", value=component, known=known))
        else:
            value = _in_range(report, f"自评分“{COMPONENT_LABELS[code]}”", score, points[code])
        if not report.ok:
            return EntryResult(report)
        row = {
            "plan": plan,
            "year": year,
            "unit": unit,
            "component": code,
            "score": value,
            "entered_by": actor.username,
            "entered_at": portal.settings.now(),
        }
        entry_id = data.insert_entry(con, "self_scores", row)
        portal.audit(
            con,
            actor.audit_name,
            "assessment.self_score.set",
            f"{plan}/{year}/{unit}",
            f"id={entry_id} component={code} score={_num(value)}",
        )
    done = L.SELF_SCORE_SET.format(id=entry_id, component=COMPONENT_LABELS[code], score=_num(value))
    return EntryResult(report, entry_id, done)


# --- listings -----------------------------------------------------------------------------------------


def _names(con, plan: str) -> dict[str, str]:
    units = data.assessed_units(con, plan)
    return dict(zip(units["unit"], units["name"], strict=True))


def _with_names(frame: pl.DataFrame, names: dict[str, str]) -> pl.DataFrame:
    return frame.with_columns(
        unit_name=pl.col("unit").replace_strict(names, default=pl.col("unit"), return_dtype=pl.Utf8)
    )


def _latest(frame: pl.DataFrame) -> pl.DataFrame:
    """The latest row per unit and item (a score entered again replaces the earlier one)."""
    return (
        frame.sort("entered_at", "id")
        .group_by("unit", "item", maintain_order=True)
        .last()
        .sort("unit", "item")
    )


def _entries(
    portal: Portal, actor, kind: str, plan: str, year: int
) -> tuple[pl.DataFrame, ScoringScheme | None]:
    require(actor, "assessment.view", plan=plan)
    with portal.warehouse.connect() as con:
        frame = _with_names(data.entries(con, kind, plan, int(year)), _names(con, plan))
    return frame, load_scheme(portal.settings.home, plan, int(year)).scheme


ENTRY_COLUMNS = {
    "deductions": [
        "id",
        "unit",
        "unit_name",
        "code",
        "name",
        "points",
        "reason",
        "evidence",
        "entered_by",
        "entered_at",
    ],
    "vetoes": ["id", "unit", "unit_name", "reason_code", "reason", "evidence", "entered_by", "entered_at"],
    "qualitative": ["id", "unit", "unit_name", "item", "points", "score", "note", "entered_by", "entered_at"],
    "self_scores": [
        "id",
        "unit",
        "unit_name",
        "component",
        "component_name",
        "points",
        "score",
        "entered_by",
        "entered_at",
    ],
}


@cached_read
def list_deductions(portal: Portal, actor, plan: str, year: int) -> pl.DataFrame:
    """The deductions in force (withdrawn ones stay in the warehouse, not here)."""
    frame, scheme = _entries(portal, actor, "deductions", plan, year)
    names = {d.code: d.name for d in scheme.deductions} if scheme else {}
    return (
        frame.rename({"item": "code"})
        .with_columns(name=pl.col("code").replace_strict(names, default=pl.col("code"), return_dtype=pl.Utf8))
        .select(ENTRY_COLUMNS["deductions"])
    )


@cached_read
def list_vetoes(portal: Portal, actor, plan: str, year: int) -> pl.DataFrame:
    frame, _ = _entries(portal, actor, "vetoes", plan, year)
    return frame.rename({"item": "reason_code"}).select(ENTRY_COLUMNS["vetoes"])


@cached_read
def list_qualitative(portal: Portal, actor, plan: str, year: int) -> pl.DataFrame:
    """The qualitative score that counts for each unit and item (`points`: the item's points)."""
    frame, scheme = _entries(portal, actor, "qualitative", plan, year)
    points = {q.name: q.points for q in scheme.qualitative} if scheme else {}
    return (
        _latest(frame)
        .rename({"points": "score", "reason": "note"})
        .with_columns(points=pl.col("item").replace_strict(points, default=None, return_dtype=pl.Float64))
        .select(ENTRY_COLUMNS["qualitative"])
    )


def list_self_scores(portal: Portal, actor, plan: str, year: int) -> pl.DataFrame:
    """The 自评分 that count, per unit and component: a unit's own account sees its own unit only;
    the office and evaluators (assessment.view) see every unit of the plan."""
    if actor is not None and grant(Role(actor.role), "assessment.self_score") is Grant.OWN:
        _require_own_unit_plan(portal, actor, plan, actor.unit)
        only = actor.unit
    else:
        require(actor, "assessment.view", plan=plan)
        only = None
    with portal.warehouse.connect() as con:
        frame = data.entries(con, "self_scores", plan, int(year))
        if only is not None:
            frame = frame.filter(pl.col("unit") == only)
        frame = _with_names(frame, _names(con, plan))
    scheme = load_scheme(portal.settings.home, plan, int(year)).scheme
    points = component_points(scheme) if scheme else {}
    order = {c: i for i, c in enumerate(COMPONENTS)}
    return (
        _latest(frame)
        .rename({"item": "component", "points": "score"})
        .with_columns(
            component_name=pl.col("component").replace_strict(COMPONENT_LABELS, default=pl.col("component")),
            points=pl.col("component").replace_strict(points, default=None, return_dtype=pl.Float64),
            order=pl.col("component").replace_strict(order, default=len(order), return_dtype=pl.Int64),
        )
        .sort("unit", "order")
        .select(ENTRY_COLUMNS["self_scores"])
    )


def as_json(frame: pl.DataFrame) -> list[dict]:
    """Rows for `--json`: times as ISO text."""
    return [
        {k: v.isoformat(timespec="seconds") if isinstance(v, dt.datetime) else v for k, v in row.items()}
        for row in frame.iter_rows(named=True)
    ]


# --- what the pages show ------------------------------------------------------------------------------


def self_score_comparison(a: Assessment) -> pl.DataFrame:
    """自评分 beside 考核分 for each unit that entered one, with the components whose difference is
    beyond the scheme's flag_difference (the evaluators' view; English column names)."""
    rows = [
        {
            "unit": u.unit,
            "unit_name": u.name,
            "self_score": u.self_score,
            "total": u.total,
            "self_flag_text": "、".join(COMPONENT_LABELS.get(c, c) for c in u.self_flagged),
        }
        for u in a.units
        if u.self_score is not None
    ]
    schema = {
        "unit": pl.Utf8,
        "unit_name": pl.Utf8,
        "self_score": pl.Float64,
        "total": pl.Float64,
        "self_flag_text": pl.Utf8,
    }
    return pl.DataFrame(rows, schema=schema)


# Display keys (portal.core.labels.COLUMNS heads them) of the 年度考核 page's entry tables.
DEDUCTION_TABLE = ["entry_id", "unit_name", "deduction_code", "deduction_name", "deduction_points"]
DEDUCTION_TABLE += ["entry_reason", "entry_evidence", "entered_by", "entered_at"]
VETO_TABLE = [
    "entry_id",
    "unit_name",
    "veto_reason_code",
    "entry_reason",
    "entry_evidence",
    "entered_by",
    "entered_at",
]
QUALITATIVE_TABLE = [
    "entry_id",
    "unit_name",
    "qualitative_item",
    "item_points",
    "entered_score",
    "entry_note",
]
QUALITATIVE_TABLE += ["entered_by", "entered_at"]
SELF_SCORE_TABLE = ["unit_name", "self_score", "total", "self_flag_text"]


@dataclass
class EntryBoard:
    """The evaluators' entries of a plan and year as the 年度考核 page shows them, and the choices
    the scheme offers for new ones."""

    deductions: pl.DataFrame  # DEDUCTION_TABLE
    vetoes: pl.DataFrame  # VETO_TABLE
    qualitative: pl.DataFrame  # QUALITATIVE_TABLE
    deduction_kinds: dict[str, str]  # code → how the choice reads
    veto_reasons: list[str]
    qualitative_items: dict[str, str]  # name → how the choice reads
    can_adjust: bool


def entry_board(portal: Portal, actor, a: Assessment) -> EntryBoard:
    """The entries of an assessment the account may see (assessment.view checked by each listing)."""
    plan, year, scheme = a.plan, a.year, a.scheme
    deductions = list_deductions(portal, actor, plan, year).rename(
        {
            "id": "entry_id",
            "code": "deduction_code",
            "name": "deduction_name",
            "points": "deduction_points",
            "reason": "entry_reason",
            "evidence": "entry_evidence",
        }
    )
    vetoes = list_vetoes(portal, actor, plan, year).rename(
        {
            "id": "entry_id",
            "reason_code": "veto_reason_code",
            "reason": "entry_reason",
            "evidence": "entry_evidence",
        }
    )
    qualitative = list_qualitative(portal, actor, plan, year).rename(
        {
            "id": "entry_id",
            "item": "qualitative_item",
            "points": "item_points",
            "score": "entered_score",
            "note": "entry_note",
        }
    )
    kinds = {
        d.code: f"{d.code} {d.name}（每次 {_num(d.points)} 分，合计不超过 {_num(d.max_total)} 分）"
        for d in (scheme.deductions if scheme else ())
    }
    items = {q.name: f"{q.name}（0–{_num(q.points)} 分）" for q in (scheme.qualitative if scheme else ())}
    return EntryBoard(
        deductions=deductions.select(DEDUCTION_TABLE),
        vetoes=vetoes.select(VETO_TABLE),
        qualitative=qualitative.select(QUALITATIVE_TABLE),
        deduction_kinds=kinds,
        veto_reasons=list(scheme.veto_reasons) if scheme else [],
        qualitative_items=items,
        # a year in 公示 or 定稿 is locked (lifecycle.assert_editable): no forms to be refused by
        can_adjust=allowed(actor, "assessment.adjust", plan=plan) and a.stage == "预评",
    )


@dataclass(frozen=True)
class SelfScoreForm:
    """A unit's 自评 of one plan and year: each component with points, and its latest self-score."""

    plan: str
    year: int
    unit: str
    components: (
        pl.DataFrame
    )  # component, component_name, item_points, self_score (None: not entered), entered_by, entered_at
    problems: list[str]  # why no form can be shown (a broken scheme)
    unit_name: str = ""

    @property
    def choices(self) -> dict[str, str]:
        """component → its name with the range, for the form's choice."""
        return {
            r["component"]: f"{r['component_name']}（0–{_num(r['item_points'])} 分）"
            for r in self.components.iter_rows(named=True)
        }


def self_score_choices(portal: Portal, actor) -> AssessmentChoices:
    """The plans the account's unit has a part in, for 年度自评."""
    require(actor, "assessment.self_score", unit=actor.unit if actor is not None else None)
    with portal.warehouse.connect() as con:
        plans = set(offices.plans_of_unit(con, actor.unit))
        rows = [r for r in lookups.plan_periods(con) if r[0] in plans]
    return AssessmentChoices([PlanChoice(*r) for r in rows], portal.settings.today())


def self_score_form(portal: Portal, actor, plan: str, year: int) -> SelfScoreForm:
    """The 自评 form of the account's own unit: nothing of any other unit is read."""
    unit = actor.unit
    _require_own_unit_plan(portal, actor, plan, unit)
    with portal.warehouse.connect() as con:
        name = lookups.unit_name(con, unit) or unit
    scheme_result = load_scheme(portal.settings.home, plan, int(year))
    if scheme_result.scheme is None:
        problems = [i.message for i in scheme_result.report.errors]
        return SelfScoreForm(plan, int(year), unit, pl.DataFrame(), problems, name)
    entered = list_self_scores(portal, actor, plan, year)
    points = component_points(scheme_result.scheme)
    rows = [
        {"component": c, "component_name": COMPONENT_LABELS[c], "item_points": p}
        for c, p in points.items()
        if p > 0
    ]
    frame = pl.DataFrame(rows).join(
        entered.select("component", pl.col("score").alias("self_score"), "entered_by", "entered_at"),
        on="component",
        how="left",
    )
    return SelfScoreForm(plan, int(year), unit, frame, [], name)
