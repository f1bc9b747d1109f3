"""The quarterly bulletin (季度通报): who reported, how the KPIs are pacing, which tasks lag.

Everything comes from the views of warehouse.views (completion, KPI progress, task progress), so
the bulletin says exactly what the pages say; this module only counts and orders.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from portal.core import labels as L
from portal.core.context import Portal
from schemas.enums import Pace
from schemas.quarters import Quarter
from warehouse import lookups
from warehouse.views import Completion, completion, kpi_progress, task_progress


@dataclass
class Bulletin:
    round: str
    year: int
    quarter: int
    today: dt.date
    completion: Completion
    reporting: pl.DataFrame  # one row per expected unit: unit, name, kind, state, state_text, reported_at, due_date, days_late, timing
    by_kind: pl.DataFrame  # kind, expected, on_time, late, missing
    pace: pl.DataFrame  # plan, plan_name, indicators, green, yellow, red
    red_list: (
        pl.DataFrame
    )  # red indicators: plan, indicator, name, owner_name, actual, expected, ratio, reported
    tasks_behind: (
        pl.DataFrame
    )  # overdue tasks: plan, task, title, lead_name, lead_status, lead_percent, reasons, helpers_behind

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


def bulletin(portal: Portal, round_code: str) -> Bulletin:
    """The bulletin of a round on the portal's clock. Raises RoundCodeError for a malformed code and
    warehouse.views.UnknownRound for a round not in the warehouse (both with Chinese messages)."""
    period = Quarter.parse(round_code)
    year, quarter = period.year, period.quarter
    today = portal.settings.today()
    with portal.warehouse.connect() as con:
        c = completion(con, round_code, today)
        kpi = kpi_progress(con, round_code)
        tasks = task_progress(con, round_code)
        plans = lookups.plans_of_year(con, year)
    kpi = kpi.filter(pl.col("plan").is_in(plans["code"].implode()))
    reporting = _reporting(c)
    red = kpi.filter(pl.col("pace") == Pace.RED.value).select(
        "plan", "indicator", "name", "measure_unit", "owner_name", "actual", "expected", "ratio", "reported"
    )
    behind = tasks.overdue.select(
        "plan",
        "task",
        "title",
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
    )
