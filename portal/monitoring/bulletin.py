"""The quarterly bulletin (季度通报): who reported, how the KPIs are pacing, which tasks lag.

Everything comes from the views of warehouse.views (completion, KPI progress, task progress), so
the bulletin says exactly what the pages say; this module only counts, orders and picks. A bulletin
is of one plan (its office issues it) or of several (the nearest office above all of them issues it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from portal.core import labels as L
from portal.core.context import Portal
from portal.monitoring.quote_rules import DEFAULT_RULES, PartRules, QuoteRules
from portal.monitoring.scoped import issuer
from schemas.enums import Pace, ProblemState
from schemas.errors import NotFound
from schemas.quarters import Quarter
from warehouse import lookups
from warehouse import problems as problem_rows
from warehouse.views import Completion, completion, kpi_progress, task_progress, unit_plans


@dataclass
class Bulletin:
    round: str
    year: int
    quarter: int
    today: dt.date  # the bulletin's date: the portal's clock, never before the quarter ended
    completion: Completion
    reporting: pl.DataFrame  # one row per expected unit: unit, name, kind, state, state_text, reported_at, due_date, days_late, timing
    by_kind: pl.DataFrame  # kind, expected, on_time, late, missing
    pace: pl.DataFrame  # plan, plan_name, indicators, green, yellow, red
    red_list: (
        pl.DataFrame
    )  # red indicators: plan, indicator, name, owner_name, actual, expected, ratio, reported
    tasks_behind: pl.DataFrame  # overdue tasks: plan, task, number, title, lead_unit, lead_name, lead_status, lead_percent, reasons, helpers_behind
    plan: str | None = None  # the plan of a per-plan bulletin
    plan_name: str | None = None
    office: dict | None = None  # the issuing office's row (warehouse.offices.OFFICE_COLUMNS) when known
    parent_office: dict | None = None  # the office above it (抄送)
    unreported: pl.DataFrame | None = None  # 本期未报/未审核 indicators: never counted as behind
    task_rows: pl.DataFrame | None = None  # task_progress_long rows of the plan(s), for quotes
    kpi: pl.DataFrame | None = None  # every indicator of the plan(s) (kpi_progress rows)
    problems: pl.DataFrame | None = None  # 问题库 items of the plan(s) 交办 by today (PROBLEM_COLUMNS)

    @property
    def on_time(self) -> int:
        return int(self.by_kind["on_time"].sum())

    @property
    def late(self) -> int:
        return int(self.by_kind["late"].sum())

    @property
    def missing(self) -> int:
        return int(self.by_kind["missing"].sum())


# Timing of a unit's report: the bulletin's three columns.
ON_TIME, LATE, MISSING = (
    "on_time",
    "late",
    "missing",
)  # missing: not reported (never, rejected only, returned)


def _reporting(c: Completion) -> pl.DataFrame:
    return c.units.select(
        "unit",
        "name",
        "kind",
        "state",
        pl.struct("state", "rejected_attempts")
        .map_elements(
            lambda s: L.report_state_text(s["state"], s["rejected_attempts"]), return_dtype=pl.String
        )
        .alias("state_text"),
        "reported_at",
        "due_date",
        "days_late",
        "extended",
        pl.when(~pl.col("reported"))
        .then(pl.lit(MISSING))
        .when(pl.col("days_late") > 0)
        .then(pl.lit(LATE))
        .otherwise(pl.lit(ON_TIME))
        .alias("timing"),
    )


def _by_kind(reporting: pl.DataFrame) -> pl.DataFrame:
    return (
        reporting.group_by("kind", maintain_order=True)
        .agg(
            pl.len().cast(pl.Int64).alias("expected"),
            *[(pl.col("timing") == t).sum().cast(pl.Int64).alias(t) for t in (ON_TIME, LATE, MISSING)],
        )
        .sort("kind")
    )


def _pace(kpi: pl.DataFrame, plans: pl.DataFrame) -> pl.DataFrame:
    counts = kpi.group_by("plan").agg(
        pl.len().cast(pl.Int64).alias("indicators"),
        *[(pl.col("pace") == p.value).sum().cast(pl.Int64).alias(p.value) for p in Pace],
    )
    return (
        plans.join(counts, left_on="code", right_on="plan", how="left")
        .rename({"code": "plan", "name": "plan_name"})
        .with_columns(pl.col("indicators", *[p.value for p in Pace]).fill_null(0))
    )


def bulletin(
    portal: Portal, round_code: str, plan: str | None = None, *, within: Iterable[str] | None = None
) -> Bulletin:
    """The bulletin of a round on the portal's clock, of one plan (its units, indicators and tasks
    only) or of every plan of the year; `within` limits it to those plans (an account's scope).
    It is issued by the plan's office, or by the nearest office above all its plans. Raises
    RoundCodeError for a malformed code, warehouse.views.UnknownRound for a round not in the
    warehouse and NotFound for an unknown plan or one not `within` (all with Chinese messages)."""
    period = Quarter.parse(round_code)
    year, quarter = period.year, period.quarter
    today = portal.settings.today()
    with portal.warehouse.connect() as con:
        c = completion(con, round_code, today)
        kpi = kpi_progress(con, round_code)
        tasks = task_progress(con, round_code)
        plans = lookups.plans_of_year(con, year)
        allowed = None if within is None else set(within)
        if allowed is not None:
            plans = plans.filter(pl.col("code").is_in(list(allowed)))
        if plan is not None:
            if plan not in dict(lookups.plans(con)) or (allowed is not None and plan not in allowed):
                raise NotFound(f"没有规划“{plan}”，请检查规划代码（见任务分解表）。")
            plans = plans.filter(pl.col("code") == plan)
        if plan is not None or allowed is not None:
            chosen = [plan] if plan is not None else plans["code"].to_list()
            c = c.only(unit_plans(con).filter(pl.col("plan").is_in(chosen))["unit"])
        else:
            chosen = plans["code"].to_list()
        office, parent = issuer(con, chosen)
        problems = _problems(con, chosen, today)
        plan_name = dict(lookups.plans(con)).get(plan) if plan else None
    kpi = kpi.filter(pl.col("plan").is_in(plans["code"].implode()))
    reporting = _reporting(c)
    red = kpi.filter(pl.col("pace") == Pace.RED.value).select(
        "plan",
        "indicator",
        "name",
        "measure_unit",
        "owner",
        "owner_name",
        "actual",
        "expected",
        "ratio",
        "reported",
    )
    in_plans = pl.col("plan").is_in(plans["code"].implode())
    behind = tasks.overdue.filter(in_plans).select(
        "plan",
        "task",
        "number",
        "title",
        "lead_unit",
        "lead_name",
        "lead_status",
        "lead_percent",
        pl.col("overdue_reasons").alias("reasons"),
        pl.col("helpers")
        .list.eval(pl.element().filter(pl.element().struct.field("status") == "behind").struct.field("name"))
        .alias("helpers_behind"),
    )
    return Bulletin(
        round=round_code,
        year=year,
        quarter=quarter,
        today=today,
        completion=c,
        reporting=reporting,
        by_kind=_by_kind(reporting),
        pace=_pace(kpi, plans),
        red_list=red,
        tasks_behind=behind,
        plan=plan,
        plan_name=plan_name,
        office=office,
        parent_office=parent,
        unreported=kpi.filter(pl.col("pace") == Pace.UNREPORTED.value),
        task_rows=tasks.long.filter(in_plans),
        kpi=kpi,
        problems=problems,
    )


PROBLEM_COLUMNS = [
    "problem_id",
    "plan",
    "title",
    "unit",
    "unit_name",
    "state",
    "due_date",
    "days_overdue",
    "assigned_on",
    "closed_on",
]


def _problems(con, plans: list[str], today: dt.date) -> pl.DataFrame:
    """The 问题库 items of `plans` already 交办 (an item only 立项 is the office's own draft), each
    with its 责任单位 (the unit it is assigned to) and the days it is overdue on `today`."""
    items = problem_rows.problems(con, today).filter(pl.col("plan").is_in(list(plans)))
    days = problem_rows.first_assigned(con)
    return (
        items.join(days, on="problem_id", how="inner")
        .filter(pl.col("assigned_on").is_not_null() & (pl.col("assigned_on") <= today))
        .select(
            "problem_id",
            "plan",
            "title",
            pl.col("assignee").alias("unit"),
            pl.coalesce("assignee_name", "assignee").alias("unit_name"),
            "state",
            "due_date",
            pl.when(pl.col("overdue"))
            .then((pl.lit(today) - pl.col("due_date")).dt.total_days())
            .otherwise(None)
            .cast(pl.Int64)
            .alias("days_overdue"),
            "assigned_on",
            "closed_on",
        )
    )


# ------------------------------------------------------------------------------- for the document

# Unit ratings of the 单位排名 (红黄绿): red = still owes the round past its due date, or an indicator
# behind pace (滞后); yellow = reported late, an indicator 稍缓, or a task it leads is behind; green
# otherwise. Ranked green first, then by the share of its indicators on pace, then registry order.
RATINGS = {"green": "绿", "yellow": "黄", "red": "红"}


def issued_on(b: Bulletin) -> dt.date:
    """The bulletin's date: today on the portal's clock, never a date before the quarter ended."""
    return max(b.today, Quarter(b.year, b.quarter).end())


def overdue_units(b: Bulletin) -> pl.DataFrame:
    """Units that still owe the round and whose (effective) due date has passed as of today."""
    return b.reporting.filter((pl.col("timing") == MISSING) & (pl.col("due_date") < b.today))


def not_yet_due_units(b: Bulletin) -> pl.DataFrame:
    """Units that have not reported but whose due date is today or later (an open round)."""
    return b.reporting.filter((pl.col("timing") == MISSING) & (pl.col("due_date") >= b.today))


def ranking(b: Bulletin) -> pl.DataFrame:
    """One row per unit expected to report: unit, name, timing, indicators it owns by pace, tasks it
    leads that are behind, rating (green/yellow/red) and rank."""
    kpi = b.kpi if b.kpi is not None else pl.DataFrame(schema={"owner": pl.String, "pace": pl.String})
    paces = kpi.group_by("owner").agg(
        *[(pl.col("pace") == p.value).sum().cast(pl.Int64).alias(p.value) for p in Pace],
    )
    tasks = b.tasks_behind.group_by("lead_unit").agg(pl.len().cast(pl.Int64).alias("tasks_behind"))
    overdue = set(overdue_units(b)["unit"])
    frame = (
        b.reporting.with_row_index("order")
        .join(paces, left_on="unit", right_on="owner", how="left")
        .join(tasks, left_on="unit", right_on="lead_unit", how="left")
        .with_columns(pl.col(*[p.value for p in Pace], "tasks_behind").fill_null(0))
        .with_columns(
            indicators=pl.sum_horizontal(*[p.value for p in Pace]),
            overdue=pl.col("unit").is_in(list(overdue)),
        )
        .with_columns(
            rating=pl.when(pl.col("overdue") | (pl.col("red") > 0))
            .then(pl.lit("red"))
            .when((pl.col("timing") == LATE) | (pl.col("yellow") > 0) | (pl.col("tasks_behind") > 0))
            .then(pl.lit("yellow"))
            .otherwise(pl.lit("green")),
            on_pace=pl.when(pl.col("indicators") > 0)
            .then(pl.col("green") / pl.col("indicators"))
            .otherwise(None),
        )
    )
    order = {"green": 0, "yellow": 1, "red": 2}
    frame = frame.with_columns(rating_order=pl.col("rating").replace_strict(order, return_dtype=pl.Int64))
    frame = frame.sort(["rating_order", "on_pace", "order"], descending=[False, True, False], nulls_last=True)
    return frame.with_row_index("rank", offset=1).drop("rating_order")


@dataclass(frozen=True)
class ProblemCounts:
    """The bulletin's 问题整改: items 交办 this quarter, all 交办 so far, those 销号, and the
    ones overdue (past their due date, not 销号) by 责任单位 and most days first."""

    this_quarter: int
    assigned: int
    closed: int
    overdue: pl.DataFrame  # PROBLEM_COLUMNS

    def line(self) -> str:
        return (
            f"本季度交办问题 {self.this_quarter} 项；截至目前累计交办 {self.assigned} 项，"
            f"已销号 {self.closed} 项，逾期未销号 {self.overdue.height} 项。"
        )


def problem_counts(b: Bulletin) -> ProblemCounts:
    items = (
        b.problems
        if b.problems is not None
        else pl.DataFrame(schema=dict.fromkeys(PROBLEM_COLUMNS, pl.String))
    )
    period = Quarter(b.year, b.quarter)
    start, end = period.previous().end() + dt.timedelta(days=1), period.end()
    in_quarter = items.filter(pl.col("assigned_on").is_between(pl.lit(start), pl.lit(end)))
    overdue = items.filter(pl.col("days_overdue").is_not_null()).sort(
        ["unit_name", "days_overdue", "problem_id"], descending=[False, True, False]
    )
    return ProblemCounts(
        in_quarter.height,
        items.height,
        items.filter(pl.col("state") == ProblemState.CLOSED.value).height,
        overdue,
    )


@dataclass(frozen=True)
class Quote:
    unit_name: str
    task: str  # the task as the plan writes it: number and title
    text: str

    def line(self) -> str:
        return f"{self.unit_name}（{self.task}）：{self.text.strip()}"


def task_label(number: str | None, title: str) -> str:
    """A task as the plan writes it: its number and title (never the internal code)."""
    return f"{number} {title}" if number else title


def _plain(column: str) -> pl.Expr:
    """The text as compared with the rules: no spaces, no closing 。/."""
    return pl.col(column).fill_null("").str.replace_all(r"\s", "").str.strip_chars_end("。.")


def _has_any(column: str, words: tuple[str, ...]) -> pl.Expr:
    if not words:
        return pl.lit(False)
    return pl.any_horizontal(*[pl.col(column).fill_null("").str.contains(w, literal=True) for w in words])


def _chosen(frame: pl.DataFrame, column: str, part: PartRules, lag: pl.Expr) -> pl.DataFrame:
    """Apply a part's length, keyword and order rules to the qualifying rows."""
    kept = frame.filter(
        (_plain(column).str.len_chars() >= max(part.min_length, 1)) & ~_has_any(column, part.exclude)
    ).with_columns(preferred=_has_any(column, part.prefer), lag=lag)
    keys = ["preferred", "lag", "task_position"] if part.order == "lag" else ["preferred", "task_position"]
    return kept.sort(keys, descending=[True] + [False] * (len(keys) - 1), nulls_last=True)


def pick_quotes(b: Bulletin, rules: QuoteRules = DEFAULT_RULES) -> tuple[list[Quote], list[Quote]]:
    """(亮点, 存在问题) quoted from approved task progress text, chosen by `rules`
    (portal.monitoring.quote_rules: the office's file, or the defaults)."""
    rows = b.task_rows
    if rows is None or rows.is_empty():
        return [], []
    approved = (
        rows.with_row_index("task_position")
        .filter(pl.col("submission_status") == "approved")
        .with_columns(ahead=pl.col("percent") - pl.col("expected_percent"))
    )

    def quotes(frame: pl.DataFrame, column: str, limit: int) -> list[Quote]:
        return [
            Quote(r["unit_name"] or r["unit"], task_label(r["number"], r["title"]), r[column])
            for r in frame.head(max(limit, 0)).iter_rows(named=True)
        ]

    h, p = rules.highlights, rules.problems
    highlights = _chosen(
        approved.filter(pl.col("status").is_in(list(h.statuses)) & (pl.col("ahead") >= rules.min_ahead)),
        "narrative",
        h,
        -pl.col("ahead"),  # furthest ahead first
    )
    qualifies = pl.col("status").is_in(list(p.statuses))
    if rules.behind_schedule:
        qualifies = qualifies | (pl.col("ahead") < 0)
    skip = [t.replace(" ", "").rstrip("。.") for t in rules.skip]
    problems = _chosen(
        approved.filter(qualifies.fill_null(False)).filter(~_plain("problems").is_in(skip)),
        "problems",
        p,
        pl.col("ahead"),  # furthest behind first
    )
    return quotes(highlights, "narrative", h.max), quotes(problems, "problems", p.max)


def amount_text(value: float | None, measure_unit: str | None = None) -> str:
    """A number as paper shows it: 192.4286 家 → 192 家, 3.456 亿元 → 3.46 亿元, 14.25% → 14.3%."""
    if value is None:
        return "—"
    unit = measure_unit or ""
    if unit == "%":
        digits = 1
    elif abs(value) >= 100 or unit in ("家", "件", "人", "个", "项", "家次", "所"):
        digits = 0
    elif abs(value) >= 10:
        digits = 1
    else:
        digits = 2
    text = f"{value:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}".rstrip()
