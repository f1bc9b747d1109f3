"""What the landing page (概览) shows: a unit its own round and workload; everyone else the plans."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from portal.core import labels as L
from portal.core.context import Portal
from portal.core.permissions import require
from schemas.enums import ReportState, RoundState
from warehouse import lookups, rounds
from warehouse.rounds import RoundInfo
from warehouse.views import DUE_SOON_DAYS, Standing, completion, standing


@dataclass(frozen=True)
class Banner:
    level: str  # "warning" or "error": how the page shows it
    text: str


def due_banner(
    round_code: str, state: RoundState, due: dt.date, today: dt.date, reported: bool
) -> Banner | None:
    """Warn a unit that has not reported an open round when its due date is near or past."""
    if reported or state != RoundState.OPEN:
        return None
    days = (due - today).days
    if days < 0:
        return Banner("error", f"{round_code} 轮次已于 {due} 截止,已逾期 {-days} 天,请尽快报送。")
    if days == 0:
        return Banner("warning", f"{round_code} 轮次今天({due})截止,请今天内完成报送。")
    if days <= DUE_SOON_DAYS:
        return Banner("warning", f"距 {round_code} 轮次截止还有 {days} 天({due}),请按时报送。")
    return None


@dataclass(frozen=True)
class UnitOverview:
    unit: str
    unit_name: str
    today: dt.date
    round: RoundInfo | None
    due: dt.date | None  # the unit's effective due date (its extension, if later)
    days_left: int | None
    state: ReportState | None  # the unit's standing in the round (warehouse standings()); None: no round
    state_text: str  # its words, the same on every page ("" when there is no round)
    banner: Banner | None
    indicators: int
    tasks_lead: int
    tasks_helper: int


def round_standing(con, unit: str, rnd: RoundInfo | None, today: dt.date):
    """(standing, its words, the due banner) of the unit in the round; (None, "", None) without a round."""
    found: Standing | None = standing(con, rnd.code, unit) if rnd else None
    if found is None:
        return None, "", None
    text = L.report_state_text(found.state, found.rejected_attempts)
    return found, text, due_banner(rnd.code, rnd.state, found.due_date, today, found.reported)


def unit_overview(portal: Portal, account, unit: str) -> UnitOverview:
    require(account, "overview.view", unit)
    today = portal.settings.today()
    with portal.warehouse.connect() as con:
        rnd = rounds.current(con, today)
        name = lookups.unit_name(con, unit)
        counts = lookups.unit_workload(con, unit)
        found, text, banner = round_standing(con, unit, rnd, today)
    due = found.due_date if found else None
    return UnitOverview(
        unit=unit,
        unit_name=name or unit,
        today=today,
        round=rnd,
        due=due,
        days_left=(due - today).days if due else None,
        state=found.state if found else None,
        state_text=text,
        banner=banner,
        indicators=counts[0],
        tasks_lead=counts[1],
        tasks_helper=counts[2],
    )


@dataclass(frozen=True)
class PlansOverview:
    today: dt.date
    round: RoundInfo | None
    units_reported: int  # units counted as reported in the round by 完成情况 (warehouse.views.completion)
    plans: pl.DataFrame  # plan, name, period, tasks, indicators, units


def plans_overview(portal: Portal, account) -> PlansOverview:
    require(account, "overview.view")
    today = portal.settings.today()
    with portal.warehouse.connect() as con:
        rnd = rounds.current(con, today)
        plans = lookups.plan_summary(con)
        reported = completion(con, rnd.code, today).reported if rnd is not None else 0
    return PlansOverview(today, rnd, reported, plans)
