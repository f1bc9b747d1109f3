"""Rounds: due dates by the settings' rule, which round is current on the clock, and round administration.

Quarter arithmetic is schemas.quarters.Quarter; the round rows are warehouse.rounds."""

from __future__ import annotations

import datetime as dt

import polars as pl

from portal.core.context import Portal
from portal.core.outcome import Outcome
from portal.core.permissions import require
from portal.core.settings import Settings
from schemas.enums import RoundState
from schemas.quarters import Quarter, RoundCodeError
from warehouse import rounds
from warehouse.rounds import RoundInfo


def due_date(code: str, settings: Settings) -> dt.date:
    """A new round's due date by the settings' rule (so many days after its quarter ends)."""
    return Quarter.parse(code).due(settings.due_days_after_quarter)


def suggested_round(newest: str | None) -> str:
    """The code offered for a new round: the quarter after the newest one ("" when there is none)."""
    return str(Quarter.parse(newest).next()) if newest else ""


def demo_rounds(settings: Settings, first: str = "2024Q1") -> list[dict]:
    """Every quarter from `first` to the one being reported today: earlier closed, the current open."""
    current = Quarter.reported_on(settings.today())
    return [
        {
            "code": str(q),
            "due_date": q.due(settings.due_days_after_quarter),
            "state": str(RoundState.OPEN if q == current else RoundState.CLOSED),
        }
        for q in Quarter.parse(first).through(current)
    ]


# ----------------------------------------------------------------------------- round administration
# (services over the warehouse: every change checked against portal.permissions and audited)

# Where a round may go from each state. A closed round may reopen; it must be closed before it
# is locked, and a locked round is final (issue 5: locking forbids any change).
TRANSITIONS: dict[RoundState, frozenset[RoundState]] = {
    RoundState.OPEN: frozenset({RoundState.CLOSED}),
    RoundState.CLOSED: frozenset({RoundState.OPEN, RoundState.LOCKED}),
    RoundState.LOCKED: frozenset(),
}


def current_round(portal: Portal) -> RoundInfo | None:
    """The quarter being reported on the portal's clock, if registered; else the latest open round."""
    with portal.warehouse.connect() as con:
        return rounds.current(con, portal.settings.today())


def list_rounds(portal: Portal, actor) -> pl.DataFrame:
    require(actor, "round.manage")
    with portal.warehouse.connect() as con:
        frame = rounds.listing(con)
    labels = {str(s): s.label for s in RoundState}
    return frame.with_columns(
        pl.col("state").replace_strict(labels, default=pl.col("state")).alias("state_label")
    )


def create_round(portal: Portal, actor, code: str, due: dt.date | None = None) -> Outcome:
    """Register a quarter as an open round; the due date follows the settings' rule unless given."""
    require(actor, "round.manage")
    code = (code or "").strip().upper()
    try:
        quarter = Quarter.parse(code)
    except RoundCodeError as exc:
        return Outcome(False, str(exc))
    due = due or quarter.due(portal.settings.due_days_after_quarter)
    if due <= quarter.end():
        return Outcome(False, f"截止日期 {due} 应晚于该季度末 {quarter.end()}。")
    with portal.warehouse.transaction() as con:
        if rounds.get(con, code) is not None:
            return Outcome(False, f"轮次 {code} 已存在。")
        rounds.insert(con, code, due, RoundState.OPEN)
        portal.audit(con, actor.username, "round.create", code, f"due={due}")
    return Outcome(True, f"已新建轮次 {code}，状态“{RoundState.OPEN.label}”，截止日期 {due}。")


def set_round_state(portal: Portal, actor, code: str, state: RoundState | str) -> Outcome:
    require(actor, "round.manage")
    state = RoundState(state)
    with portal.warehouse.transaction() as con:
        found = rounds.get(con, code)
        if found is None:
            return Outcome(False, f"轮次 {code} 不存在。")
        if state not in TRANSITIONS[found.state]:
            if found.state == RoundState.LOCKED:
                return Outcome(False, f"轮次 {code} 已锁定，不能再更改。")
            return Outcome(False, f"轮次 {code} 当前为“{found.state_label}”，不能改为“{state.label}”。")
        rounds.set_state(con, code, state)
        portal.audit(con, actor.username, "round.state", code, f"{found.state}→{state}")
    return Outcome(True, f"轮次 {code} 已由“{found.state_label}”改为“{state.label}”。")


def set_due_date(portal: Portal, actor, code: str, due: dt.date) -> Outcome:
    require(actor, "round.manage")
    with portal.warehouse.transaction() as con:
        found = rounds.get(con, code)
        if found is None:
            return Outcome(False, f"轮次 {code} 不存在。")
        if found.state == RoundState.LOCKED:
            return Outcome(False, f"轮次 {code} 已锁定，不能再更改截止日期。")
        if due <= found.period.end():
            return Outcome(False, f"截止日期 {due} 应晚于该季度末 {found.period.end()}。")
        if due == found.due_date:
            return Outcome(False, f"轮次 {code} 的截止日期已是 {due}。")
        rounds.set_due_date(con, code, due)
        portal.audit(con, actor.username, "round.due_date", code, f"{found.due_date}→{due}")
    return Outcome(True, f"轮次 {code} 的截止日期已由 {found.due_date} 改为 {due}。")
