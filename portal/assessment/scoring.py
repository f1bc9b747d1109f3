"""Pure scoring: facts (plain dataclasses) and a scheme in, points with their working out.

No SQL and no I/O here, so every rule can be tested with numbers written by hand. Each line keeps
the numbers it was scored from and a `basis` text with the arithmetic, which the exported detail
sheets print so an evaluator can recompute any score.

Rules (the scheme supplies every number):
- indicators: points × Σ wᵢ·min(max(ratioᵢ, 0), cap) / Σ wᵢ, at most the component's points;
  an indicator not reported (no ratio) counts 0.
- tasks: a task's weight is shared between its lead (lead share, or all of it when the task has no
  helpers) and its helpers (helpers share, split evenly); a unit scores
  points × Σ shareₜ·wₜ·fraction(statusₜ) / Σ shareₜ·wₜ; no approved report counts 0.
- reporting: points minus deductions (late days, late rounds, returns, missing rounds), never < 0.
- bonus: the evaluators' items, at most the scheme's cap.
- a component with nothing assigned to the unit is reweighted onto the others, scored 0 or full.
- components are rounded to 2 decimals (half up); total = their sum; ties share a rank.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from portal.assessment.scheme import ScoringScheme


def round2(x: float) -> float:
    """Half-up rounding to 2 decimals, as people do it by hand (Python's round() is half-even)."""
    return float(Decimal(repr(x)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _g(x: float) -> str:
    return f"{x:.4f}".rstrip("0").rstrip(".")


# --- facts ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorFact:
    unit: str
    code: str
    name: str
    kind: str
    measure_unit: str | None
    weight: float
    target: float | None  # the value expected at year end
    actual: float | None  # latest approved value of the year (None: not reported)
    ratio: float | None  # completion ratio against `target` (None: not reported)
    pace: str | None
    round: str | None  # where `actual` came from
    plan_target: float | None = None


@dataclass(frozen=True)
class TaskFact:
    unit: str
    code: str
    number: str | None
    title: str
    role: str  # lead | helper
    weight: float
    helpers: int  # how many helpers the task has
    status: str | None  # the unit's own latest approved status in the year
    percent: float | None
    round: str | None
    lead_status: str | None = None
    lead_percent: float | None = None
    lead_round: str | None = None


@dataclass(frozen=True)
class RoundFact:
    unit: str
    round: str
    due_date: dt.date
    submitted_at: dt.datetime | None
    days_late: int | None
    returns: int
    due_passed: bool


@dataclass(frozen=True)
class BonusItem:
    id: int
    unit: str
    points: float
    reason: str
    entered_by: str
    entered_at: dt.datetime


# --- scored lines -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorLine:
    fact: IndicatorFact
    counted_ratio: float  # ratio clipped to [0, cap]; 0 when not reported
    points: float
    basis: str


@dataclass(frozen=True)
class TaskLine:
    fact: TaskFact
    share: float  # this unit's share of the task
    base: float  # weight × share
    status: str | None  # the status scored (own or lead's, per the scheme)
    fraction: float
    points: float
    basis: str


@dataclass(frozen=True)
class RoundLine:
    fact: RoundFact
    state: str  # on_time | late | missing | not_due
    deduction: float
    basis: str


@dataclass(frozen=True)
class BonusLine:
    item: BonusItem


@dataclass
class UnitScore:
    unit: str
    name: str
    kind: str | None
    maxima: dict[str, float]
    indicator_score: float
    task_score: float
    reporting_score: float
    deductions: float
    bonus: float
    total: float
    indicators: list[IndicatorLine] = field(default_factory=list)
    tasks: list[TaskLine] = field(default_factory=list)
    rounds: list[RoundLine] = field(default_factory=list)
    bonuses: list[BonusLine] = field(default_factory=list)
    indicator_raw: float = 0.0  # Σ line points before the component cap
    bonus_raw: float = 0.0  # Σ items before the cap
    rank: int = 0
    grade: str = ""


# --- rules ------------------------------------------------------------------------------------------


def component_maxima(scheme: ScoringScheme, has_indicators: bool, has_tasks: bool) -> dict[str, float]:
    """Each component's points for one unit, after reweighting a component it has nothing in."""
    maxima = {
        "indicators": scheme.indicator_points,
        "tasks": scheme.task_points,
        "reporting": scheme.reporting_points,
    }
    if scheme.if_nothing_assigned != "reweight" or has_indicators == has_tasks:
        return maxima
    empty, kept = ("indicators", "tasks") if has_tasks else ("tasks", "indicators")
    maxima[kept] += maxima[empty]
    maxima[empty] = 0.0
    return maxima


def score_indicators(
    facts: list[IndicatorFact], points: float, scheme: ScoringScheme
) -> tuple[float, float, list[IndicatorLine]]:
    """(score, uncapped sum, lines)."""
    total_weight = sum(f.weight for f in facts)
    lines = []
    for f in facts:
        counted = 0.0 if f.ratio is None else min(max(f.ratio, 0.0), scheme.ratio_cap)
        earned = points * f.weight * counted / total_weight if total_weight else 0.0
        basis = f"{_g(points)} × {_g(f.weight)}/{_g(total_weight)} × {_g(counted)} = {earned:.4f}"
        if f.ratio is None:
            basis = "未报送,计 0 分"
        lines.append(IndicatorLine(f, counted, earned, basis))
    raw = sum(line.points for line in lines)
    return min(points, raw), raw, lines


def task_share(role: str, helpers: int, scheme: ScoringScheme) -> float:
    if role == "lead":
        return scheme.lead_share if helpers else 1.0
    return scheme.helpers_share / helpers if helpers else 0.0


def score_tasks(facts: list[TaskFact], points: float, scheme: ScoringScheme) -> tuple[float, list[TaskLine]]:
    bases = [(f, task_share(f.role, f.helpers, scheme)) for f in facts]
    total_base = sum(f.weight * share for f, share in bases)
    lines = []
    for f, share in bases:
        status = f.lead_status if scheme.status_source == "lead" else f.status
        fraction = scheme.status_fraction.get(status, 0.0) if status else 0.0
        base = f.weight * share
        earned = points * base * fraction / total_base if total_base else 0.0
        basis = f"{_g(points)} × {_g(base)}/{_g(total_base)} × {_g(fraction)} = {earned:.4f}"
        lines.append(TaskLine(f, share, base, status, fraction, earned, basis))
    return sum(line.points for line in lines), lines


def score_reporting(
    facts: list[RoundFact], points: float, scheme: ScoringScheme
) -> tuple[float, float, list[RoundLine]]:
    """(score, deductions, lines); the score never goes below 0."""
    lines = []
    for f in facts:
        parts: list[tuple[str, float]] = []
        if f.submitted_at is None:
            state = "missing" if f.due_passed else "not_due"
            if f.due_passed:
                parts.append((f"未报送 × {_g(scheme.per_missing_round)}", scheme.per_missing_round))
        elif f.days_late:
            state = "late"
            parts.append(
                (f"迟报 {f.days_late} 天 × {_g(scheme.per_late_day)}", f.days_late * scheme.per_late_day)
            )
            if scheme.per_late_round:
                parts.append((f"迟报 1 次 × {_g(scheme.per_late_round)}", scheme.per_late_round))
        else:
            state = "on_time"
        if f.returns:
            parts.append(
                (f"退回 {f.returns} 次 × {_g(scheme.per_returned)}", f.returns * scheme.per_returned)
            )
        deduction = sum(amount for _, amount in parts)
        basis = " + ".join(text for text, _ in parts) + f" = {_g(deduction)}" if parts else "不扣分"
        lines.append(RoundLine(f, state, deduction, basis))
    deductions = sum(line.deduction for line in lines)
    return max(0.0, points - deductions), deductions, lines


def competition_ranks(totals: list[float]) -> list[int]:
    """1 + how many totals are strictly higher: ties share a rank and the next rank is skipped."""
    keyed = [round2(t) for t in totals]
    ascending = sorted(keyed)
    return [1 + len(ascending) - bisect.bisect_right(ascending, t) for t in keyed]


def score_unit(
    unit: dict,
    indicators: list[IndicatorFact],
    tasks: list[TaskFact],
    rounds: list[RoundFact],
    bonuses: list[BonusItem],
    scheme: ScoringScheme,
) -> UnitScore:
    maxima = component_maxima(scheme, bool(indicators), bool(tasks))
    ind_score, ind_raw, ind_lines = score_indicators(indicators, maxima["indicators"], scheme)
    task_score, task_lines = score_tasks(tasks, maxima["tasks"], scheme)
    if scheme.if_nothing_assigned == "full":
        ind_score = ind_score if indicators else maxima["indicators"]
        task_score = task_score if tasks else maxima["tasks"]
    rep_score, deductions, round_lines = score_reporting(rounds, maxima["reporting"], scheme)
    bonus_raw = sum(b.points for b in bonuses)
    bonus = min(bonus_raw, scheme.bonus_max)
    parts = [round2(ind_score), round2(task_score), round2(rep_score), round2(bonus)]
    return UnitScore(
        unit=unit["unit"],
        name=unit["name"],
        kind=unit.get("kind"),
        maxima=maxima,
        indicator_score=parts[0],
        task_score=parts[1],
        reporting_score=parts[2],
        deductions=round2(deductions),
        bonus=parts[3],
        total=round2(sum(parts)),
        indicators=ind_lines,
        tasks=task_lines,
        rounds=round_lines,
        bonuses=[BonusLine(b) for b in bonuses],
        indicator_raw=ind_raw,
        bonus_raw=bonus_raw,
    )


def score_units(
    units: list[dict],
    indicators: list[IndicatorFact],
    tasks: list[TaskFact],
    rounds: list[RoundFact],
    bonuses: list[BonusItem],
    scheme: ScoringScheme,
) -> list[UnitScore]:
    """Every unit scored, ranked and graded, best first (ties in the order the units were given)."""

    kinds = (indicators, tasks, rounds, bonuses)
    by_unit: list[dict[str, list]] = [{} for _ in kinds]  # grouped once: scanning per unit was quadratic
    for groups, items in zip(by_unit, kinds, strict=True):
        for x in items:
            groups.setdefault(x.unit, []).append(x)
    scored = [score_unit(u, *(groups.get(u["unit"], []) for groups in by_unit), scheme) for u in units]
    for s, r in zip(scored, competition_ranks([s.total for s in scored]), strict=True):
        s.rank = r
        s.grade = scheme.grade(s.total)
    return sorted(scored, key=lambda s: s.rank)
