"""What the landing page (概览) shows: a unit its own round and workload; everyone else the plans."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from portal.core.context import Portal
from portal.core.permissions import require, visible_plans, visible_units
from portal.core.readcache import cached_read
from portal.reporting.standing import Banner, round_standing
from schemas.enums import ReportState
from warehouse import lookups, rounds
from warehouse.rounds import RoundInfo
from warehouse.views import completion


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


@cached_read
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


@cached_read
def plans_overview(portal: Portal, account) -> PlansOverview:
    """Only the plans and units the account may read."""
    require(account, "overview.view")
    plans_seen = visible_plans(account, "overview.view")
    units_seen = visible_units(account, "overview.view")
    today = portal.settings.today()
    with portal.warehouse.connect() as con:
        rnd = rounds.current(con, today)
        plans = lookups.plan_summary(con)
        board = completion(con, rnd.code, today) if rnd is not None else None
    if plans_seen is not None:
        plans = plans.filter(pl.col("plan").is_in(list(plans_seen)))
    if board is not None and units_seen is not None:
        board = board.only(pl.Series(list(units_seen), dtype=pl.String))
    return PlansOverview(today, rnd, board.reported if board is not None else 0, plans)
