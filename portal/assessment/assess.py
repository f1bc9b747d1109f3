"""The annual assessment (年度考核) of a plan's responsible units, and the evaluators' bonus items.

`assess` gathers the facts (warehouse/sql/assessment_*.sql, and the year-end indicator completion
of warehouse.views, the one definition of an indicator's completion), scores them with the pure
rules of portal/scoring.py under the plan's scheme (portal/scheme.py), and returns every number
with its working out. Only approved data counts.

`add_bonus` and `withdraw_bonus` are the bonus-item use cases the 年度考核 page and
`portal bonus add/withdraw` both call: each takes the acting account and checks assessment.adjust.
Every use case checks the plan against the account's scope: a plan outside it is refused in the
words for a plan that does not exist (permissions.missing_plan), and an office above the plan's
office reads the assessment but does not adjust it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from portal.assessment import lifecycle
from portal.assessment.scheme import ScoringScheme, load_scheme
from portal.assessment.scoring import Facts, Scored, UnitScore, score, unit_scores
from portal.core import labels as L
from portal.core.context import Portal
from portal.core.documents import chinese_date
from portal.core.outcome import Outcome
from portal.core.permissions import require, scope_of
from portal.core.readcache import cached_read
from schemas.issues import Issue, Report
from warehouse import assessment as data
from warehouse import offices

# The stage of a year never published, or reopened (portal/assessment/lifecycle.py: 预评 → 公示 → 定稿).
STAGE = "预评"


@dataclass
class Assessment:
    plan: str
    year: int
    report: Report
    plan_name: str = ""
    office: dict | None = None  # the office running the plan: it issues the 考核表
    scheme: ScoringScheme | None = None
    units: list[UnitScore] = field(default_factory=list)
    as_of: dt.date | None = None
    scored: Scored | None = field(default=None, repr=False)  # the scoring: its lines are built when read
    unsettled: list[str] = field(default_factory=list)  # rounds of the year not yet closed and approved
    stage: str = STAGE
    data_as_of: dt.date | None = None  # the newest approval counted (None: nothing approved yet)
    lifecycle: Any = None  # lifecycle.Lifecycle of the plan's year (None: built outside `assess`)
    snapshot: dict | None = None  # in 公示 / 定稿: the JSON document stored when it was published

    @property
    def lines(self) -> pl.DataFrame:
        """Every unit's score lines (built on first read: a page showing one unit reads only its own)."""
        return self.scored.lines if self.scored is not None else pl.DataFrame()

    @property
    def ok(self) -> bool:
        return self.report.ok and self.scheme is not None

    @property
    def preliminary(self) -> bool:
        """Numbers may still move: a 预评 with rounds unsettled (a published version never moves)."""
        return self.stage == STAGE and bool(self.unsettled)

    def unit(self, code: str) -> UnitScore:
        return next(u for u in self.units if u.unit == code)

    def summary(self) -> pl.DataFrame:
        """One row per unit, in rank order: the numbers of the summary sheet."""
        return pl.DataFrame(
            [
                {
                    "unit": u.unit,
                    "name": u.name,
                    "group": u.group,
                    "indicators": u.indicator_score,
                    "tasks": u.task_score,
                    "reporting": u.reporting_score,
                    "deductions": u.deductions,
                    "qualitative": u.qualitative,
                    "deducted": u.deducted,
                    "bonus": u.bonus,
                    "total": u.total,
                    "self_score": u.self_score,
                    "rank": u.rank,
                    "grade": u.grade,
                }
                for u in self.units
            ],
            schema={
                "unit": pl.Utf8,
                "name": pl.Utf8,
                "group": pl.Utf8,
                "indicators": pl.Float64,
                "tasks": pl.Float64,
                "reporting": pl.Float64,
                "deductions": pl.Float64,
                "qualitative": pl.Float64,
                "deducted": pl.Float64,
                "bonus": pl.Float64,
                "total": pl.Float64,
                "self_score": pl.Float64,
                "rank": pl.Int64,
                "grade": pl.Utf8,
            },
        )

    def as_json(self) -> dict:
        """The `portal assess --json` contract (issue 16, item 4); in 公示 and 定稿 the stored document."""
        if self.snapshot is not None:
            return {**self.snapshot, "stage": self.stage, "preliminary": self.preliminary}
        columns = ["component", "item", "rule", "points", "completion", "score", "basis"]
        lines = self.lines.select("unit", *columns) if self.lines.height else pl.DataFrame()
        by_unit = {u: g.drop("unit").to_dicts() for (u,), g in lines.group_by("unit")} if lines.height else {}
        return {
            "plan": self.plan,
            "year": self.year,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "stage": self.stage,
            "preliminary": self.preliminary,
            "scheme": self.scheme.as_dict() if self.scheme else {},
            "units": [
                {
                    "unit": u.unit,
                    "name": u.name,
                    "group": u.group,
                    "total": u.total,
                    "rank": u.rank,
                    "grade": u.grade,
                    "vetoed": u.vetoed,
                    "self_score": u.self_score,
                    "lines": by_unit.get(u.unit, []),
                }
                for u in self.units
            ],
        }


@dataclass(frozen=True)
class TableStage:
    """What the printed 考核表 says about how final it is."""

    label: str  # 预评 | 年度评定 | 公示 | 定稿
    data_as_of: dt.date  # 数据截至
    note: str  # one sentence for the table's notes
    detail: str = ""  # after the label on the stage line: the 公示期, or the version and 定稿日期


def table_stage(a: Assessment) -> TableStage:
    """The stage the 考核表 prints, from the year's lifecycle (portal/assessment/lifecycle.py):
    定稿 with its version and date; 公示 with its period and how to object; else 预评 while the
    year is not over on the portal's clock or any round of it is unsettled, and 年度评定 for a whole,
    settled year not yet published (never claiming 定稿). 数据截至 is the newest approval counted,
    else the day it was scored."""
    today = a.as_of or dt.date.today()
    data_as_of = a.data_as_of or today
    life = a.lifecycle
    if a.stage == "定稿" and life is not None:
        day = chinese_date(life.finalized_at.date())
        note = (
            f"本表为{a.year}年度考核定稿结果（版本 {life.version}，{day}定稿），"
            f"已经公示（{life.period_text}），异议均已答复。"
        )
        return TableStage("定稿", data_as_of, note, f"（版本 {life.version}，定稿日期 {day}）")
    if a.stage == "公示" and life is not None:
        note = (
            f"本表为公示稿（版本 {life.version}），公示期 {life.period_text}。被考核单位对本单位结果有异议的，"
            "请在公示期内通过平台“年度考核”页面（或命令 portal objection add）提出，写明理由并可附佐证材料；"
            "逾期不再受理。"
        )
        return TableStage("公示", data_as_of, note, f"（版本 {life.version}，公示期 {life.period_text}）")
    why = [f"{a.year}年度尚未结束"] if today <= dt.date(a.year, 12, 31) else []
    if a.unsettled:
        why.append("尚有未结束或未审核完毕的调度轮次（" + "、".join(a.unsettled) + "）")
    if why:
        note = f"本表为预评结果：{'，'.join(why)}，得分将随新审核通过的数据变化，不作为最终考核结果。"
        return TableStage("预评", data_as_of, note)
    note = f"本表按{a.year}年度全部审核通过的数据计分，经公示、定稿后方为最终考核结果。"
    return TableStage("年度评定", data_as_of, note)


def _check_plan_year(con, plan: str, year: int, actor=None) -> tuple[dict | None, list[Issue]]:
    row = data.plan_row(con, plan)
    if row is None:
        visible = scope_of(actor).plans() if actor is not None else None  # list no other office's
        codes = [c for c in data.plan_codes(con) if visible is None or c in visible]
        known = "、".join(codes) or "（尚未导入任何规划）"
        return None, [Issue.make("assess-plan-unknown", value=plan, known=known)]
    if not row["start_year"] <= year <= row["end_year"]:
        issue = Issue.make(
            "assess-year-outside-plan",
            value=year,
            plan=plan,
            start_year=row["start_year"],
            end_year=row["end_year"],
        )
        return row, [issue]
    return row, []


def gather(portal: Portal, con, plan: str, year: int, today: dt.date) -> Facts:
    """Every fact the assessment of `plan` in `year` scores, as frames (gather_with_state's facts)."""
    return gather_with_state(portal, con, plan, year, today)[0]


def gather_with_state(
    portal: Portal, con, plan: str, year: int, today: dt.date
) -> tuple[Facts, list[str], dt.date | None]:
    """The facts, the year's unsettled rounds and the day of its latest approval. The two largest
    lookups (tasks, indicators: ~70 % of the gathering at province scale) run side by side, each on
    a cursor of its own, while the assessed units, the rounds, the entries and the year's state are
    read on `con` (issue 23)."""
    with data.side_by_side(con, workers=2) as run:
        tasks = run(data.task_facts, plan, year)
        indicators = run(data.indicator_facts, plan, year)
        units = data.assessed_units(con, plan)  # registered on `con`, for the lookups below
        rounds = data.reporting_facts(con, year, today)
        entered = data.every_entry(con, plan, year)
        bonus = data.bonus_items(con, plan, year).with_columns(item=pl.col("id").cast(pl.Utf8))
        unsettled, as_of = data.unsettled_rounds(con, year), data.latest_approval(con, year)
    facts = Facts(
        units=units,
        indicators=indicators.result(),
        tasks=tasks.result(),
        rounds=rounds,
        bonus=bonus,
        **entered,
    )
    return facts, unsettled, as_of


@cached_read
def assess(portal: Portal, actor, plan: str, year: int) -> Assessment:
    """Score every unit with anything assigned in `plan` for `year`, once `actor` may see the
    assessment; problems with the plan, year or scheme come back as issues. A year in 公示 or 定稿
    is the version stored when it was published: its numbers no longer move with new data.
    One connection for the stage and the facts (each opening costs ~35 ms at province scale); the
    scoring runs after it is closed."""
    require(actor, "assessment.view", plan=plan)
    year = int(year)
    with portal.warehouse.connect() as con:
        life = lifecycle.lifecycle_of(portal, plan, year, con)
        frozen = lifecycle.frozen_assessment(portal, plan, year, con, life)
        if frozen is not None:
            return frozen
        result, facts = _gathered(portal, con, actor, plan, year)
        result.lifecycle = life
    _scored(result, facts)
    return result


def score_live(portal: Portal, actor, plan: str, year: int) -> tuple[Assessment, Facts | None]:
    """The 预评: score the data as it is now; with the facts scored (what a publication stores)."""
    require(actor, "assessment.view", plan=plan)
    with portal.warehouse.connect() as con:
        result, facts = _gathered(portal, con, actor, plan, int(year))
    _scored(result, facts)
    return result, facts


def _gathered(portal: Portal, con, actor, plan: str, year: int) -> tuple[Assessment, Facts | None]:
    """The assessment's frame (plan, office, scheme, issues) and its facts; no facts when the plan,
    year or scheme is refused."""
    today = portal.settings.today()
    scheme_result = load_scheme(portal.settings.home, plan, year)
    result = Assessment(plan=plan, year=year, report=scheme_result.report, as_of=today)
    row, issues = _check_plan_year(con, plan, year, actor)
    result.report.extend(issues)
    if row is not None:
        result.plan_name = row["name"]
        result.office = offices.office(con, offices.office_of_plan(con, plan))
    if not result.report.ok or scheme_result.scheme is None:
        return result, None
    result.scheme = scheme_result.scheme
    facts, result.unsettled, result.data_as_of = gather_with_state(portal, con, plan, year, today)
    return result, facts


def _scored(result: Assessment, facts: Facts | None) -> None:
    if facts is None:
        return
    scored = score(facts, result.scheme)
    result.scored = scored
    result.units = unit_scores(scored)


# --- bonus items ------------------------------------------------------------------------------------


@dataclass
class BonusResult:
    report: Report
    bonus_id: int | None = None

    def outcome(self) -> Outcome:
        """For a page's flash: what was recorded and any warning (Chinese), or why nothing was."""
        messages = [i.message for i in self.report.issues]
        if self.bonus_id is None:
            return Outcome(False, " ".join(messages))
        return Outcome(True, " ".join([L.BONUS_ADDED.format(id=self.bonus_id), *messages]))


def add_bonus(
    portal: Portal, actor, plan: str, year: int, unit: str, points: float, reason: str
) -> BonusResult:
    """`actor` records one bonus item (audited); wrong input comes back as issues and stores nothing."""
    require(actor, "assessment.adjust", plan=plan)
    year, points = int(year), float(points)
    report = Report()
    scheme_result = load_scheme(portal.settings.home, plan, year)
    report.extend(scheme_result.report.issues)
    reason = (reason or "").strip()
    with portal.warehouse.transaction() as con:
        _, issues = _check_plan_year(con, plan, year, actor)
        report.extend(issues)
        if not report.ok:
            return BonusResult(report)
        lifecycle.assert_editable(con, plan, year)
        cap = scheme_result.scheme.bonus_max
        if unit not in set(data.assessed_units(con, plan)["unit"].to_list()):
            report.add(Issue.make("bonus-unit-not-assessed", value=unit, plan=plan))
        if not (0 < points <= cap):
            report.add(Issue.make("bonus-points-invalid", value=f"{points:g}", max_total=f"{cap:g}"))
        if not reason:
            report.add(Issue.make("bonus-reason-missing"))
        if not report.ok:
            return BonusResult(report)
        now = portal.settings.now()
        bonus_id = data.insert_bonus(con, plan, year, unit, points, reason, actor.username, now)
        portal.audit(
            con,
            actor.audit_name,
            "assessment.bonus.add",
            f"{plan}/{year}/{unit}",
            f"id={bonus_id} points={points:g} reason={reason}",
        )
        total = data.bonus_items(con, plan, year).filter(pl.col("unit") == unit)["points"].sum()
        if total > cap:
            report.add(Issue.make("bonus-over-cap", value=unit, total=f"{total:g}", max_total=f"{cap:g}"))
    return BonusResult(report, bonus_id)


def withdraw_bonus(portal: Portal, actor, bonus_id: int) -> Outcome:
    """`actor` withdraws an item in force (audited; the record stays); refused when there is none,
    and in the same words when the item's plan is outside the account's scope."""
    require(actor, "assessment.adjust")
    bonus_id = int(bonus_id)
    with portal.warehouse.transaction() as con:
        found = data.bonus_in_force(con, bonus_id)
        if found is None or not scope_of(actor).has_plan(found["plan"]):
            return Outcome(False, L.BONUS_NOT_FOUND.format(id=bonus_id))
        require(actor, "assessment.adjust", plan=found["plan"])  # an upper office only reads it
        lifecycle.assert_editable(con, found["plan"], found["year"])
        row = data.withdraw_bonus(con, bonus_id, actor.username, portal.settings.now())
        portal.audit(
            con,
            actor.audit_name,
            "assessment.bonus.withdraw",
            f"{row['plan']}/{row['year']}/{row['unit']}",
            f"id={bonus_id} points={row['points']:g}",
        )
    return Outcome(True, L.BONUS_WITHDRAWN.format(id=bonus_id))


@cached_read
def list_bonus(portal: Portal, actor, plan: str, year: int) -> pl.DataFrame:
    require(actor, "assessment.view", plan=plan)
    with portal.warehouse.connect() as con:
        return data.bonus_items(con, plan, year)
