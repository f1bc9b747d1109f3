"""Scoring as frames: facts (Polars) and a scheme in, one frame of score lines and one of units out.

No SQL and no I/O here, so every rule can be tested with numbers written by hand. The work is
set-based (Polars expressions over all units at once; a province's 2,000 units and 100,000 facts
are scored in one pass, never a Python loop per fact). Each line keeps the numbers it was scored
from, the approved submission and cell (or task row) behind it, and a `basis` text with the
arithmetic, which the exported detail sheets print so an evaluator can recompute any score.

Lines (one per unit and item): component = indicators | tasks | reporting | deductions | bonus |
qualitative; `points` is the item's points for the unit, `completion` the ratio the rule was
applied to, `score` what it earned (negative for deductions).

Rules (the scheme supplies every number):
- indicators: completion = the year's ratio clipped to [0, ratio_cap] (not reported: 0); the rule
  (linear with floor, bands, pass/fail; per item if the scheme says so) turns it into a fraction;
  with item points (absolute) an item is worth its points, else points × w / Σw of the unit's
  indicators (share); the component is Σ scores, at most its points.
- tasks: a unit's share of a task is lead (lead share, or 1 without helpers) or helper (helpers
  share ÷ helpers); completion is against 序时进度 (completed or on schedule: 1; behind: reported ÷
  expected percent) or the status fraction; then the rule, as for indicators; absolute points are
  item points × share, else the component's points × w·share / Σ w·share.
- reporting: points minus deductions (late days, late rounds, returns, missing rounds), never < 0.
- deductions: catalogue entries, each kind capped at its max_total; bonus: at most the cap;
  qualitative: the evaluators' scores.
- a component with nothing assigned is reweighted onto the others (share mode only), scored 0 or full.
- components are rounded to 2 decimals (half up); total = their sum less deductions, never < 0;
  ranks are shared by ties, within each ranking group; grades by threshold, then quotas by rank
  within the group (beyond the quota: the next grade, with a note); a veto sets the veto grade.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import polars as pl

from portal.assessment.scheme import Rule, ScoringScheme
from schemas.enums import TaskStatus, UnitKind
from schemas.sheets import INDICATOR_SHEET, TASK_SHEET

COMPONENTS = ("indicators", "tasks", "reporting", "qualitative", "bonus", "deductions")
# Tolerance when comparing a ratio with a band's minimum (0.8 computed as 12/15 is 0.79999…).
_EPS = 1e-9


def round2(x: float) -> float:
    """Half-up rounding to 2 decimals, as people do it by hand (Python's round() is half-even)."""
    return float(Decimal(repr(x)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _round2_expr(e: pl.Expr) -> pl.Expr:
    """round2 over a column: half up, with the same guard against 2.675 being 2.67499… in binary."""
    return (((e * 100 + 1e-7 * e.sign()).abs() + 0.5).floor() * e.sign() / 100).round(2)


def _g(x: float) -> str:
    return f"{x:.4f}".rstrip("0").rstrip(".")


def _num(e: pl.Expr) -> pl.Expr:
    """A number as text like _g (up to 4 decimals, no trailing zeros)."""
    return e.round(4).cast(pl.Utf8).str.replace(r"\.0$", "")


# --- the facts' frames ------------------------------------------------------------------------------

INDICATOR_SCHEMA = {
    "unit": pl.Utf8,
    "item": pl.Utf8,
    "name": pl.Utf8,
    "kind": pl.Utf8,
    "measure_unit": pl.Utf8,
    "weight": pl.Float64,
    "target": pl.Float64,  # the value expected at year end
    "actual": pl.Float64,  # latest approved value of the year (None: not reported)
    "ratio": pl.Float64,  # completion against `target` (None: not reported)
    "pace": pl.Utf8,
    "round": pl.Utf8,
    "submission_id": pl.Int64,
    "cell": pl.Utf8,
    "plan_target": pl.Float64,
}
TASK_SCHEMA = {
    "unit": pl.Utf8,
    "item": pl.Utf8,
    "number": pl.Utf8,
    "name": pl.Utf8,
    "role": pl.Utf8,  # lead | helper
    "weight": pl.Float64,
    "helpers": pl.Int64,
    "status": pl.Utf8,  # the unit's own latest approved status in the year
    "percent": pl.Float64,
    "round": pl.Utf8,
    "submission_id": pl.Int64,
    "sheet_row": pl.Int64,
    "expected_percent": pl.Float64,  # 序时进度 at that round
    "lead_status": pl.Utf8,
    "lead_percent": pl.Float64,
    "lead_round": pl.Utf8,
    "lead_submission_id": pl.Int64,
    "lead_sheet_row": pl.Int64,
    "lead_expected_percent": pl.Float64,
}
ROUND_SCHEMA = {
    "unit": pl.Utf8,
    "round": pl.Utf8,
    "due_date": pl.Date,
    "submitted_at": pl.Datetime("us"),
    "days_late": pl.Int64,
    "returns": pl.Int64,
    "due_passed": pl.Boolean,
}
ENTRY_SCHEMA = {  # bonus items, deductions, vetoes, qualitative scores, self-scores
    "id": pl.Int64,
    "unit": pl.Utf8,
    "item": pl.Utf8,  # deduction code, veto reason, qualitative item, self-score component
    "points": pl.Float64,
    "reason": pl.Utf8,
    "evidence": pl.Utf8,
    "entered_by": pl.Utf8,
    "entered_at": pl.Datetime("us"),
}


def frame(rows, schema: dict) -> pl.DataFrame:
    """Rows (dicts) or a frame, with exactly `schema`'s columns (missing ones null)."""
    if isinstance(rows, pl.DataFrame):
        return rows.select(
            [pl.col(c).cast(t) if c in rows.columns else pl.lit(None, t).alias(c) for c, t in schema.items()]
        )
    if not rows:
        return pl.DataFrame(schema=schema)
    return frame(pl.DataFrame(rows, infer_schema_length=None), schema)


@dataclass
class Facts:
    units: pl.DataFrame  # unit, name, kind (in the registry's order)
    indicators: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=INDICATOR_SCHEMA))
    tasks: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=TASK_SCHEMA))
    rounds: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ROUND_SCHEMA))
    bonus: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ENTRY_SCHEMA))
    deductions: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ENTRY_SCHEMA))
    vetoes: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ENTRY_SCHEMA))
    qualitative: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ENTRY_SCHEMA))
    self_scores: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ENTRY_SCHEMA))

    def __post_init__(self) -> None:
        self.units = frame(self.units, {"unit": pl.Utf8, "name": pl.Utf8, "kind": pl.Utf8})
        self.indicators = frame(self.indicators, INDICATOR_SCHEMA)
        self.tasks = frame(self.tasks, TASK_SCHEMA)
        self.rounds = frame(self.rounds, ROUND_SCHEMA)
        for name in ("bonus", "deductions", "vetoes", "qualitative", "self_scores"):
            setattr(self, name, frame(getattr(self, name), ENTRY_SCHEMA))


# --- rules as expressions ---------------------------------------------------------------------------


def rule_fraction(rule: Rule, c: pl.Expr) -> pl.Expr:
    """The fraction of an item's points that completion `c` earns under `rule`."""
    if rule.name == "pass_fail":
        return pl.when(c >= 1 - _EPS).then(1.0).otherwise(0.0)
    if rule.name == "bands":
        expr = pl.lit(0.0)
        for band in reversed(rule.bands):
            expr = pl.when(c >= band.min - _EPS).then(band.fraction).otherwise(expr)
        return expr
    return pl.when(c < rule.floor - _EPS).then(0.0).otherwise(c)


def _by_item(base: Rule, items: dict, c: pl.Expr) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(fraction, rule name, rule wording) with each item's override applied."""
    fraction, name, wording = rule_fraction(base, c), pl.lit(base.name), pl.lit(base.wording)
    for code, item in items.items():
        if item.rule is not None:
            hit = pl.col("item") == code
            fraction = pl.when(hit).then(rule_fraction(item.rule, c)).otherwise(fraction)
            name = pl.when(hit).then(pl.lit(item.rule.name)).otherwise(name)
            wording = pl.when(hit).then(pl.lit(item.rule.wording)).otherwise(wording)
    return fraction, name, wording


def _item_points(unit_points: float, items: dict) -> pl.Expr:
    """An item's absolute points: its override, else unit_points × weight."""
    expr = pl.lit(unit_points) * pl.col("weight")
    for code, item in items.items():
        if item.points is not None:
            expr = pl.when(pl.col("item") == code).then(pl.lit(item.points)).otherwise(expr)
    return expr


def _maxima(scheme: ScoringScheme, facts: Facts) -> pl.DataFrame:
    """Each unit's points per component after reweighting an empty component (share mode only)."""
    has_ind = facts.indicators.select("unit").unique().with_columns(has_ind=pl.lit(True))
    has_task = facts.tasks.select("unit").unique().with_columns(has_task=pl.lit(True))
    ind, task = scheme.indicator_points, scheme.task_points
    u = (
        facts.units.select("unit")
        .join(has_ind, on="unit", how="left")
        .join(has_task, on="unit", how="left")
        .with_columns(pl.col("has_ind", "has_task").fill_null(False))
    )
    reweight = pl.lit(scheme.if_nothing_assigned == "reweight") & (pl.col("has_ind") != pl.col("has_task"))
    return u.with_columns(
        max_indicators=pl.when(reweight)
        .then(pl.when(pl.col("has_ind")).then(ind + task).otherwise(0.0))
        .otherwise(ind),
        max_tasks=pl.when(reweight)
        .then(pl.when(pl.col("has_task")).then(ind + task).otherwise(0.0))
        .otherwise(task),
        max_reporting=pl.lit(scheme.reporting_points),
    )


def indicator_lines(facts: Facts, scheme: ScoringScheme, maxima: pl.DataFrame) -> pl.DataFrame:
    f = facts.indicators.join(maxima.select("unit", "max_indicators"), on="unit", how="left")
    c = pl.col("ratio").clip(0.0, scheme.ratio_cap).fill_null(0.0)
    fraction, rule, wording = _by_item(scheme.indicator_rule, scheme.indicator_items, pl.col("completion"))
    if scheme.indicators_absolute:
        points = _item_points(scheme.indicator_item_points, scheme.indicator_items)
    else:
        points = pl.col("max_indicators") * pl.col("weight") / pl.col("weight").sum().over("unit")
    return (
        f.with_columns(completion=c, points=points.fill_nan(0.0))
        .with_columns(fraction=fraction, rule=rule, wording=wording)
        .with_columns(score=pl.col("points") * pl.col("fraction"))
        .with_columns(
            component=pl.lit("indicators"),
            source=pl.col("submission_id"),
            source_cell=pl.col("cell"),
        )
    )


def indicator_texts(lines: pl.DataFrame, scheme: ScoringScheme) -> pl.DataFrame:
    """An indicator line's `where` (the approved cell, the completion, the rule) and `working`."""
    where = pl.format(
        "报送记录 {}（{}）“{}”表 {} 单元格",
        pl.col("submission_id"),
        pl.col("round"),
        pl.lit(INDICATOR_SHEET.name),
        pl.col("cell").fill_null("（未记录）"),
    )
    return lines.with_columns(
        working=pl.when(pl.col("ratio").is_null())
        .then(pl.lit("未报送（年内无审核通过的数据），计 0 分"))
        .otherwise(_points_times_fraction()),
        where=pl.when(pl.col("ratio").is_not_null()).then(
            pl.format("{}：完成率 {}%，{}", where, _num(pl.col("completion") * 100), pl.col("wording"))
        ),
    )


def _points_times_fraction() -> pl.Expr:
    """The working of a scored line, indicator or task alike: "points × fraction = score"."""
    return pl.format("{} × {} = {}", _num(pl.col("points")), _num(pl.col("fraction")), _num(pl.col("score")))


def _status_label(status: pl.Expr) -> pl.Expr:
    labels = {s.value: s.label for s in TaskStatus}
    return status.replace_strict(labels, default=status, return_dtype=pl.Utf8).fill_null("未填")


def _status_fraction(scheme: ScoringScheme, status: pl.Expr) -> pl.Expr:
    return status.replace_strict(scheme.status_fraction, default=0.0, return_dtype=pl.Float64)


def task_lines(facts: Facts, scheme: ScoringScheme, maxima: pl.DataFrame) -> pl.DataFrame:
    lead = scheme.status_source == "lead"
    pick = {
        k: pl.col(f"lead_{k}" if lead else k)
        for k in ("status", "percent", "round", "submission_id", "sheet_row", "expected_percent")
    }
    share = (
        pl.when(pl.col("role") == "lead")
        .then(pl.when(pl.col("helpers") > 0).then(scheme.lead_share).otherwise(1.0))
        .otherwise(
            pl.when(pl.col("helpers") > 0).then(scheme.helpers_share / pl.col("helpers")).otherwise(0.0)
        )
    )
    status, percent, expected = pick["status"], pick["percent"], pick["expected_percent"]
    by_status = _status_fraction(scheme, status)
    if scheme.task_measure == "schedule":
        completion = (
            pl.when(status.is_null() & percent.is_null())
            .then(0.0)
            .when(status == "completed")
            .then(1.0)
            .when(percent.is_not_null() & (expected <= 0))
            .then(1.0)
            .when(percent.is_not_null())
            .then((percent / expected).clip(0.0, 1.0))
            .otherwise(by_status)
        )
    else:
        completion = pl.when(status.is_null()).then(0.0).otherwise(by_status)
    fraction, rule, wording = _by_item(scheme.task_rule, scheme.task_items, pl.col("completion"))
    base = pl.col("weight") * pl.col("share")
    if scheme.tasks_absolute:
        points = _item_points(scheme.task_item_points, scheme.task_items) * pl.col("share")
    else:
        points = pl.col("max_tasks") * base / base.sum().over("unit")
    return (
        facts.tasks.join(maxima.select("unit", "max_tasks"), on="unit", how="left")
        .with_columns(share=share)
        .with_columns(
            base=base,
            completion=completion,
            scored_status=status,
            scored_percent=percent,
            scored_round=pick["round"],
            scored_expected=expected,
            source=pick["submission_id"],
            source_row=pick["sheet_row"],
        )
        .with_columns(points=points.fill_nan(0.0), fraction=fraction, rule=rule, wording=wording)
        .with_columns(score=pl.col("points") * pl.col("fraction"))
        .with_columns(
            component=pl.lit("tasks"),
        )
    )


def task_texts(lines: pl.DataFrame, scheme: ScoringScheme) -> pl.DataFrame:
    """A task line's `where` (the report and row scored, the measure, the rule) and `working`,
    from the columns task_lines kept of what it scored (scored_*, source, source_row)."""
    status, percent, expected = pl.col("scored_status"), pl.col("scored_percent"), pl.col("scored_expected")
    row = (
        pl.when(pl.col("source_row").is_not_null())
        .then(pl.format("第 {} 行", pl.col("source_row")))
        .otherwise(pl.format("任务 {}", pl.col("item")))
    )
    where = pl.format(
        "报送记录 {}（{}）“{}”表 {}", pl.col("source"), pl.col("scored_round"), pl.lit(TASK_SHEET.name), row
    )
    if scheme.task_measure == "schedule":
        measured = pl.format(
            "填报进度 {}%，序时进度 {}%，完成度 {}",
            _num(percent.fill_null(0.0)),
            _num(expected),
            _num(pl.col("completion")),
        )
    else:
        measured = pl.format("填报状态 {}，完成度 {}", _status_label(status), _num(pl.col("completion")))
    return lines.with_columns(
        where=pl.when(pl.col("scored_status").is_not_null() | pl.col("scored_percent").is_not_null()).then(
            pl.format("{}：{}，{}", where, measured, pl.col("wording"))
        ),
        working=pl.when(pl.col("scored_status").is_null() & pl.col("scored_percent").is_null())
        .then(pl.lit("未报送（年内无审核通过的进展），计 0 分"))
        .otherwise(_points_times_fraction()),
    )


def round_lines(facts: Facts, scheme: ScoringScheme) -> pl.DataFrame:
    s = scheme
    missing = pl.col("submitted_at").is_null() & pl.col("due_passed")
    late = pl.col("submitted_at").is_not_null() & (pl.col("days_late").fill_null(0) > 0)
    deduction = (
        pl.when(missing).then(s.per_missing_round).otherwise(0.0)
        + pl.when(late).then(pl.col("days_late") * s.per_late_day + s.per_late_round).otherwise(0.0)
        + pl.col("returns") * s.per_returned
    )
    parts = [
        pl.when(missing).then(pl.lit(f"未报送 × {_g(s.per_missing_round)}")),
        pl.when(late).then(pl.format("迟报 {} 天 × {}", pl.col("days_late"), pl.lit(_g(s.per_late_day)))),
        pl.when(late & pl.lit(s.per_late_round > 0)).then(pl.lit(f"迟报 1 次 × {_g(s.per_late_round)}")),
        pl.when(pl.col("returns") > 0).then(
            pl.format("退回 {} 次 × {}", pl.col("returns"), pl.lit(_g(s.per_returned)))
        ),
    ]
    text = pl.concat_str(parts, separator=" + ", ignore_nulls=True)
    return (
        facts.rounds.with_columns(returns=pl.col("returns").fill_null(0))
        .with_columns(
            state=pl.when(pl.col("submitted_at").is_null())
            .then(pl.when(pl.col("due_passed")).then(pl.lit("missing")).otherwise(pl.lit("not_due")))
            .when(late)
            .then(pl.lit("late"))
            .otherwise(pl.lit("on_time")),
            deduction=deduction,
            component=pl.lit("reporting"),
            item=pl.col("round"),
            rule=pl.lit("deduct"),
            points=pl.lit(None, pl.Float64),
            completion=pl.lit(None, pl.Float64),
            score=-deduction,
        )
        .with_columns(
            working=pl.when(pl.col("deduction") > 0)
            .then(pl.format("{} = {}", text, _num(pl.col("deduction"))))
            .otherwise(pl.lit("不扣分"))
        )
    )


def deduction_lines(facts: Facts, scheme: ScoringScheme) -> pl.DataFrame:
    caps = {d.code: d.max_total for d in scheme.deductions}
    names = {d.code: d.name for d in scheme.deductions}
    d = facts.deductions.sort("unit", "entered_at", "id")
    # each entry counts until its kind's cap is reached: the running total before it decides
    before = pl.col("points").cum_sum().over("unit", "item") - pl.col("points")
    cap = pl.col("item").replace_strict(caps, default=0.0, return_dtype=pl.Float64)
    counted = (cap - before).clip(0.0, None).clip(None, pl.col("points"))
    return d.with_columns(
        counted=counted,
        name=pl.col("item").replace_strict(names, default=pl.col("item"), return_dtype=pl.Utf8),
        cap=cap,
    ).with_columns(
        component=pl.lit("deductions"),
        rule=pl.lit("deduct"),
        completion=pl.lit(None, pl.Float64),
        score=-pl.col("counted"),
        working=pl.format(
            "扣分项 {} {}（记录 {}，{} 录入）：{}；佐证：{}；扣 {} 分{}",
            pl.col("item"),
            pl.col("name"),
            pl.col("id"),
            pl.col("entered_by"),
            pl.col("reason"),
            pl.col("evidence").fill_null("无"),
            _num(pl.col("counted")),
            pl.when(pl.col("counted") < pl.col("points") - _EPS)
            .then(pl.format("（该项合计不超过 {} 分）", _num(pl.col("cap"))))
            .otherwise(pl.lit("")),
        ),
    )


def bonus_lines(facts: Facts, scheme: ScoringScheme) -> pl.DataFrame:
    return facts.bonus.with_columns(
        component=pl.lit("bonus"),
        item=pl.col("id").cast(pl.Utf8),
        rule=pl.lit("add"),
        completion=pl.lit(None, pl.Float64),
        score=pl.col("points"),
        working=pl.format(
            "加分（记录 {}，{} 录入）：{}", pl.col("id"), pl.col("entered_by"), pl.col("reason")
        ),
    )


def qualitative_lines(facts: Facts, scheme: ScoringScheme) -> pl.DataFrame:
    """One line per unit and qualitative item: the latest score entered, or 0 when none was."""
    items = pl.DataFrame(
        {"item": [q.name for q in scheme.qualitative], "points": [q.points for q in scheme.qualitative]},
        schema={"item": pl.Utf8, "points": pl.Float64},
    )
    latest = (
        facts.qualitative.sort("entered_at", "id")
        .group_by("unit", "item")
        .agg(pl.all().last())
        .select("unit", "item", pl.col("points").alias("entered"), "id", "reason", "entered_by")
    )
    return (
        facts.units.select("unit")
        .join(items, how="cross")
        .join(latest, on=["unit", "item"], how="left")
        .with_columns(
            component=pl.lit("qualitative"),
            rule=pl.lit("evaluated"),
            score=pl.col("entered").fill_null(0.0),
        )
        .with_columns(
            completion=pl.col("score") / pl.col("points"),
            working=pl.when(pl.col("entered").is_null())
            .then(pl.lit("考核评价员尚未评分，计 0 分"))
            .otherwise(
                pl.format(
                    "考核评价员 {} 评分（记录 {}）{}",
                    pl.col("entered_by"),
                    pl.col("id"),
                    pl.when(pl.col("reason").fill_null("") != "")
                    .then(pl.format(":{}", pl.col("reason")))
                    .otherwise(pl.lit("")),
                )
            ),
        )
    )


LINE_COLUMNS = ["unit", "component", "item", "rule", "points", "completion", "score", "basis"]


# --- units: totals, ranks within groups, grades with quotas and vetoes ------------------------------


def _groups(scheme: ScoringScheme, units: pl.DataFrame) -> pl.Expr:
    if scheme.ranking_by == "kind":
        labels = {k.value: k.label for k in UnitKind}
        return (
            pl.col("kind")
            .replace_strict(labels, default=pl.col("kind"), return_dtype=pl.Utf8)
            .fill_null("其他")
        )
    if scheme.ranking_by == "groups":
        expr = pl.lit("其他")
        for name, members in reversed(list(scheme.ranking_groups.items())):
            hit = pl.col("kind").is_in(list(members)) | pl.col("unit").is_in(list(members))
            expr = pl.when(hit).then(pl.lit(name)).otherwise(expr)
        return expr
    return pl.lit("全部")


def _grade(scheme: ScoringScheme, total: pl.Expr) -> pl.Expr:
    expr = pl.lit(scheme.below)
    for level in reversed(scheme.levels):
        expr = pl.when(total >= level.min - _EPS).then(pl.lit(level.name)).otherwise(expr)
    return expr


def _apply_quotas(scheme: ScoringScheme, units: pl.DataFrame) -> pl.DataFrame:
    """Grades beyond a level's quota (by rank within the group) move down a level, with a note.
    Vetoed units keep the veto grade and take no place in a quota."""
    names = [lv.name for lv in scheme.levels]
    for name in names:
        share = scheme.quota.get(name)
        if share is None:
            continue
        lower = scheme.next_grade(name)
        size = pl.len().over("group")
        allowed = (size * share + _EPS).floor()
        in_level = (pl.col("grade") == name) & ~pl.col("vetoed")
        # place among the group's units of this grade, in rank order (ties: registry order)
        place = pl.when(in_level).then(pl.col("in_level_order").rank("ordinal").over("group", "grade"))
        units = units.with_columns(
            in_level_order=pl.col("rank") * 1_000_000 + pl.col("position"), allowed=allowed
        ).with_columns(place=place)
        over = in_level & (pl.col("place") > pl.col("allowed"))
        units = units.with_columns(
            grade=pl.when(over).then(pl.lit(lower)).otherwise(pl.col("grade")),
            note=pl.when(over)
            .then(
                pl.format(
                    "{}名额 {} 个（本组 {} 个单位的 {}%），按名次顺延为{}",
                    pl.lit(name),
                    pl.col("allowed").cast(pl.Int64),
                    pl.len().over("group"),
                    pl.lit(_g(share * 100)),
                    pl.lit(lower),
                )
            )
            .otherwise(pl.col("note")),
        ).drop("place", "allowed", "in_level_order")
    return units


def competition_ranks(totals: list[float]) -> list[int]:
    """1 + how many totals are strictly higher: ties share a rank and the next rank is skipped."""
    keyed = [round2(t) for t in totals]
    ascending = sorted(keyed)
    return [1 + len(ascending) - bisect.bisect_right(ascending, t) for t in keyed]


# The parts whose texts are built only when their lines are read (score(): indicator and task lines
# are 100,000 at province scale and their texts most of the scoring's time; a page reads one unit's).
_TEXTS = {0: indicator_texts, 1: task_texts}
# After this many units' lines were asked for one by one, every line is put in order once and each
# unit's cut from it (a table of every unit), instead of filtering the parts per unit (a page).
_ONE_BY_ONE = 8


def _with_basis(lines: pl.DataFrame) -> pl.DataFrame:
    """The line's basis: the approved submission and cell (or task row) behind it, then the arithmetic."""
    return lines.with_columns(
        basis=pl.when(pl.col("where").is_not_null())
        .then(pl.format("{} → {}", pl.col("where"), pl.col("working")))
        .otherwise(pl.col("working"))
    )


@dataclass
class Scored:
    """One row per unit (`units`, best first within its group) and every score line, built when read:
    `lines` (every unit's, in the units' order, then component) or `lines_of(unit)`."""

    units: pl.DataFrame
    parts: list[pl.DataFrame]  # each component's lines in COMPONENTS' order (texts of _TEXTS not yet)
    scheme: ScoringScheme
    order: pl.Series  # the registered units, in the registry's order
    counts: dict[str, int] = field(default_factory=dict)  # lines per unit
    _lines: pl.DataFrame | None = field(default=None, repr=False)
    _starts: dict[str, int] = field(default_factory=dict, repr=False)
    _asked: int = field(default=0, repr=False)

    def _texted(self, parts: list[pl.DataFrame]) -> list[pl.DataFrame]:
        return [_TEXTS[k](p, self.scheme) if k in _TEXTS else p for k, p in enumerate(parts)]

    @property
    def lines(self) -> pl.DataFrame:
        """Every line with its texts, by unit in the units' order, then component, then each part's order."""
        if self._lines is None:
            self._lines = _with_basis(_in_unit_order(self.order, self._texted(self.parts)))
            at = 0
            for unit, n in self._lines.group_by("unit", maintain_order=True).len().iter_rows():
                self._starts[unit] = at
                at += n
        return self._lines

    def lines_of(self, unit: str) -> pl.DataFrame:
        """One unit's lines, equal to its rows of `lines`: for a page, only its own rows are read."""
        if self._lines is None and self._asked < _ONE_BY_ONE:
            self._asked += 1
            own = [p.filter(pl.col("unit") == unit) for p in self.parts]
            return _with_basis(_in_unit_order(self.order, self._texted(own)))
        lines = self.lines
        return lines.slice(self._starts.get(unit, 0), self.counts.get(unit, 0))


def _in_unit_order(units: pl.Series, parts: list[pl.DataFrame]) -> pl.DataFrame:
    """The parts' lines of the registered `units` (others dropped), by unit in the units' order, then
    component, then each part's own order. Sorted once on one integer key: a join to the units'
    positions and a sort on three keys moved every column of 100,000 lines twice."""
    n = max((p.height for p in parts), default=0) + 1
    keyed = []
    for k, p in enumerate(parts):
        p = p.with_columns(
            position=pl.col("unit").replace_strict(
                units, pl.int_range(len(units), eager=True), default=None, return_dtype=pl.Int64
            )
        )
        if p["position"].null_count():
            p = p.filter(pl.col("position").is_not_null())
        keyed.append(
            p.with_columns(line_order=(pl.col("position") * len(parts) + k) * n + pl.int_range(pl.len()))
        )
    return pl.concat(keyed, how="diagonal_relaxed").sort("line_order").drop("line_order")


def score(facts: Facts, scheme: ScoringScheme) -> Scored:
    """Every unit's points, totals, rank and grade from the lines' numbers; the lines themselves
    (texts, order) are built when read (Scored.lines, Scored.lines_of)."""
    maxima = _maxima(scheme, facts)
    parts = [
        indicator_lines(facts, scheme, maxima),
        task_lines(facts, scheme, maxima),
        round_lines(facts, scheme),
        qualitative_lines(facts, scheme),
        bonus_lines(facts, scheme),
        deduction_lines(facts, scheme),
    ]
    order = facts.units["unit"]
    # the lines per unit and each component's sum: each part is one component (COMPONENTS' order),
    # summed on its own, then the parts' sums per unit (one pass over 100,000 lines with a filter per
    # component cost twice as much)
    sums = (
        pl.concat(
            [
                p.lazy()
                .group_by("unit")
                .agg(pl.len().alias("lines"), pl.col("score").cast(pl.Float64).sum().alias(f"raw_{c}"))
                for p, c in zip(parts, COMPONENTS, strict=True)
            ],
            how="diagonal",
        )
        .filter(pl.col("unit").is_in(order.implode()))
        .group_by("unit")
        .agg(pl.col("lines").sum(), *[pl.col(f"raw_{c}").sum() for c in COMPONENTS])
        .collect()
    )
    counts = dict(zip(sums["unit"].to_list(), sums["lines"].to_list(), strict=True))
    sums = sums.drop("lines")
    entered = (
        facts.vetoes.sort("entered_at", "id").group_by("unit").agg(veto_reason=pl.col("item").str.join("、"))
    )
    self_scores = (
        facts.self_scores.sort("entered_at", "id")
        .group_by("unit", "item")
        .agg(pl.col("points").last())
        .pivot(on="item", index="unit", values="points")
        if facts.self_scores.height
        else pl.DataFrame(schema={"unit": pl.Utf8})
    )
    for c in ("indicators", "tasks", "reporting", "qualitative"):
        if f"{c}" not in self_scores.columns:
            self_scores = self_scores.with_columns(pl.lit(None, pl.Float64).alias(c))
    self_scores = self_scores.select(
        "unit", *[pl.col(c).alias(f"self_{c}") for c in ("indicators", "tasks", "reporting", "qualitative")]
    )
    full = scheme.if_nothing_assigned == "full"
    u = (
        facts.units.with_columns(position=pl.int_range(pl.len()))
        .join(maxima, on="unit", how="left")
        .join(sums, on="unit", how="left")
        .join(entered, on="unit", how="left")
        .join(self_scores, on="unit", how="left")
        .with_columns(pl.col([f"raw_{c}" for c in COMPONENTS]).fill_null(0.0))
        .with_columns(
            indicators=pl.when(pl.lit(full) & ~pl.col("has_ind"))
            .then(pl.col("max_indicators"))
            .otherwise(pl.min_horizontal("raw_indicators", "max_indicators")),
            tasks=pl.when(pl.lit(full) & ~pl.col("has_task"))
            .then(pl.col("max_tasks"))
            .otherwise(pl.min_horizontal("raw_tasks", "max_tasks")),
            reporting=(pl.col("max_reporting") + pl.col("raw_reporting")).clip(0.0, None),
            deductions_reporting=-pl.col("raw_reporting"),
            qualitative=pl.col("raw_qualitative"),
            bonus=pl.min_horizontal("raw_bonus", pl.lit(scheme.bonus_max)),
            deducted=-pl.col("raw_deductions"),
        )
        .with_columns(
            _round2_expr(pl.col(c))
            for c in (
                "indicators",
                "tasks",
                "reporting",
                "qualitative",
                "bonus",
                "deducted",
                "deductions_reporting",
            )
        )
        .with_columns(
            total=_round2_expr(
                (
                    pl.sum_horizontal("indicators", "tasks", "reporting", "qualitative", "bonus")
                    - pl.col("deducted")
                ).clip(0.0, None)
            ),
            group=_groups(scheme, facts.units),
            vetoed=pl.col("veto_reason").is_not_null(),
        )
        .with_columns(
            rank=pl.col("total").rank("min", descending=True).over("group").cast(pl.Int64),
            grade=pl.when(pl.col("vetoed"))
            .then(pl.lit(scheme.veto_grade))
            .otherwise(_grade(scheme, pl.col("total"))),
            note=pl.when(pl.col("vetoed")).then(
                pl.format("一票否决（{}），等次定为{}", pl.col("veto_reason"), pl.lit(scheme.veto_grade))
            ),
        )
    )
    u = _apply_quotas(scheme, u)
    self_total = pl.sum_horizontal(
        [pl.col(f"self_{c}") for c in ("indicators", "tasks", "reporting", "qualitative")]
    )
    any_self = pl.any_horizontal(
        [pl.col(f"self_{c}").is_not_null() for c in ("indicators", "tasks", "reporting", "qualitative")]
    )
    flagged = [
        pl.when((pl.col(f"self_{c}") - pl.col(c)).abs() > scheme.self_flag + _EPS).then(pl.lit(c))
        for c in ("indicators", "tasks", "reporting", "qualitative")
    ]
    u = u.with_columns(
        self_score=pl.when(any_self).then(_round2_expr(self_total)),
        self_flagged=pl.concat_list(flagged).list.drop_nulls(),
    )
    group_order = u.group_by("group", maintain_order=True).agg(first=pl.col("position").min())
    u = u.join(group_order, on="group").sort("first", "rank", "position").drop("first")
    return Scored(u, parts, scheme, order, counts)


# --- one unit's score, for pages and the exported table -----------------------------------------------


@dataclass(frozen=True)
class Line:
    """One score line as a mapping of its columns (`line.item`, `line.score`, `line.basis`, ...)."""

    row: dict

    def __getattr__(self, name: str):
        try:
            return self.row[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass
class UnitScore:
    unit: str
    name: str
    kind: str | None
    group: str
    maxima: dict[str, float]
    indicator_score: float
    task_score: float
    reporting_score: float
    deductions: float  # reporting deductions (late, returns, missing)
    bonus: float
    qualitative: float
    deducted: float  # catalogue deductions (扣分项), capped per kind
    total: float
    rank: int
    grade: str
    vetoed: bool
    note: str
    self_scores: dict[str, float | None]
    self_score: float | None
    self_flagged: list[str]
    indicator_raw: float
    bonus_raw: float
    # the assessment's lines: this unit's are built when asked for (a page shows one unit's; building
    # every line's text up front was most of the scoring's time at province scale)
    scored: Scored = field(repr=False, compare=False)
    line_count: int = 0
    _lines: pl.DataFrame | None = field(default=None, repr=False, compare=False)

    @property
    def lines(self) -> pl.DataFrame:
        """This unit's lines (its rows of the assessment's lines), built once."""
        if self._lines is None:
            self._lines = self.scored.lines_of(self.unit)
        return self._lines

    def component(self, name: str) -> list[Line]:
        return [Line(r) for r in self.lines.filter(pl.col("component") == name).iter_rows(named=True)]

    @property
    def indicators(self) -> list[Line]:
        return self.component("indicators")

    @property
    def tasks(self) -> list[Line]:
        return self.component("tasks")

    @property
    def rounds(self) -> list[Line]:
        return self.component("reporting")

    @property
    def bonuses(self) -> list[Line]:
        return self.component("bonus")

    @property
    def deduction_entries(self) -> list[Line]:
        return self.component("deductions")

    @property
    def qualitative_lines(self) -> list[Line]:
        return self.component("qualitative")


_SELF = ("indicators", "tasks", "reporting", "qualitative")
# The columns of Scored.units a UnitScore is built from, in the order unit_scores reads them.
_UNIT_SCORE_COLUMNS = (
    "unit", "name", "kind", "group", "max_indicators", "max_tasks", "max_reporting", "indicators", "tasks",
    "reporting", "deductions_reporting", "bonus", "qualitative", "deducted", "total", "rank", "grade",
    "vetoed", "note", *[f"self_{c}" for c in _SELF], "self_score", "self_flagged", "raw_indicators",
    "raw_bonus",
)  # fmt: skip


def unit_scores(scored: Scored) -> list[UnitScore]:
    """The units of `scored` as UnitScore, in its order; each reads its own lines when asked. Only the
    columns read are taken out of the frame, a row at a time as a tuple (issue 23: a dict of every
    column per unit was ~10 ms of CPU at 2,000 units), and passed by position in UnitScore's field
    order with literal dicts: keywords and dict(zip()) were ~60 % of the remaining ~15 ms (2,000 units)."""
    columns = scored.units.select(_UNIT_SCORE_COLUMNS).to_dict(as_series=False)
    counts = scored.counts
    out = []
    for (unit, name, kind, group, max_ind, max_task, max_rep, ind, task, rep, ded_rep, bonus, qual, deducted,
         total, rank, grade, vetoed, note, self_ind, self_task, self_rep, self_qual, self_score, flagged,
         raw_ind, raw_bonus) in zip(*columns.values(), strict=True):  # fmt: skip
        out.append(
            UnitScore(  # unit, name, kind, group, maxima, indicator_score, ... line_count: the fields' order
                unit,
                name,
                kind,
                group,
                {"indicators": max_ind, "tasks": max_task, "reporting": max_rep},
                ind,
                task,
                rep,
                ded_rep,
                bonus,
                qual,
                deducted,
                total,
                rank,
                grade,
                vetoed,
                note or "",
                {_SELF[0]: self_ind, _SELF[1]: self_task, _SELF[2]: self_rep, _SELF[3]: self_qual},
                self_score,
                flagged,
                raw_ind,
                raw_bonus,
                scored,
                counts.get(unit, 0),
            )
        )
    return out
