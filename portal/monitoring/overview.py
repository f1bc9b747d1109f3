"""What the landing page (概览) shows: a unit its own round and workload; everyone else the plans."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from portal.core.context import Portal
from portal.core.permissions import require
from portal.registry.rounds import RoundInfo, current_round_on
from portal.reporting.review import effective_due_date
from schemas.enums import RoundState, SubmissionStatus

# Issue 6: a banner when the due date is within three days or passed.
DUE_SOON_DAYS = 3
# Statuses that count as "this unit has reported this round".
_REPORTED = (SubmissionStatus.VALIDATED, SubmissionStatus.APPROVED)


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
    status: SubmissionStatus | None  # of the unit's latest submission in the round
    banner: Banner | None
    indicators: int
    tasks_lead: int
    tasks_helper: int


def unit_overview(portal: Portal, account, unit: str) -> UnitOverview:
    require(account, "overview.view", unit)
    today = portal.settings.today()
    with portal.warehouse.connect() as con:
        rnd = current_round_on(con, today)
        name = con.execute("SELECT name FROM units WHERE code = ?", [unit]).fetchall()
        counts = con.execute(
            """SELECT (SELECT count(*) FROM indicator_owners WHERE unit = $u),
                      (SELECT count(*) FROM task_units WHERE unit = $u AND role = 'lead'),
                      (SELECT count(*) FROM task_units WHERE unit = $u AND role = 'helper')""",
            {"u": unit},
        ).fetchall()[0]
        status = None
        if rnd is not None:
            # The standing submission: a rejected newer upload does not replace an accepted one.
            rows = con.execute(
                "SELECT status FROM submissions WHERE unit = ? AND round = ? AND status <> ? "
                "ORDER BY (status = ?), version DESC LIMIT 1",
                [unit, rnd.code, str(SubmissionStatus.SUPERSEDED), str(SubmissionStatus.REJECTED)],
            ).fetchall()
            status = SubmissionStatus(rows[0][0]) if rows else None
        due = effective_due_date(con, rnd.code, unit) if rnd else None
    banner = due_banner(rnd.code, rnd.state, due, today, status in _REPORTED) if rnd else None
    return UnitOverview(
        unit=unit,
        unit_name=name[0][0] if name else unit,
        today=today,
        round=rnd,
        due=due,
        days_left=(due - today).days if due else None,
        status=status,
        banner=banner,
        indicators=counts[0],
        tasks_lead=counts[1],
        tasks_helper=counts[2],
    )


@dataclass(frozen=True)
class PlansOverview:
    today: dt.date
    round: RoundInfo | None
    units_reported: int  # distinct units with a validated or approved submission in the round
    plans: pl.DataFrame  # plan, name, period, tasks, indicators, units


def plans_overview(portal: Portal, account) -> PlansOverview:
    require(account, "overview.view")
    with portal.warehouse.connect() as con:
        rnd = current_round_on(con, portal.settings.today())
        plans = con.sql("""
            SELECT p.code AS plan, p.name, p.start_year || '-' || p.end_year AS period,
                   (SELECT count(*) FROM tasks t WHERE t.plan = p.code) AS tasks,
                   (SELECT count(*) FROM indicators i WHERE i.plan = p.code) AS indicators,
                   (SELECT count(DISTINCT tu.unit) FROM task_units tu JOIN tasks t ON t.code = tu.task
                    WHERE t.plan = p.code) AS units
            FROM plans p ORDER BY p.rowid""").pl()
        reported = 0
        if rnd is not None:
            reported = con.execute(
                "SELECT count(DISTINCT unit) FROM submissions WHERE round = ? AND status IN (?, ?)",
                [rnd.code, *map(str, _REPORTED)],
            ).fetchall()[0][0]
    return PlansOverview(portal.settings.today(), rnd, reported, plans)
