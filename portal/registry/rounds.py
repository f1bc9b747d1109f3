"""Quarters: round codes, due dates by the settings' rule, which round is current on the clock."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import polars as pl

from portal.core.context import Portal
from portal.core.errors import InvalidInput
from portal.core.outcome import Outcome
from portal.core.permissions import require
from portal.core.settings import Settings
from schemas.enums import RoundState

_CODE = re.compile(r"^(\d{4})Q([1-4])$")


class RoundCodeError(InvalidInput, ValueError):
    """A malformed round code (the message shows the expected form)."""


def parse_round(code: str) -> tuple[int, int]:
    m = _CODE.match(code or "")
    if not m:
        raise RoundCodeError(f"轮次代码“{code}”格式不对,应为 2025Q3 这样的“年份+Q+季度”。")
    return int(m[1]), int(m[2])


def round_code(year: int, quarter: int) -> str:
    return f"{year}Q{quarter}"


def quarter_end(code: str) -> dt.date:
    year, quarter = parse_round(code)
    month = quarter * 3
    next_month = dt.date(year + (month == 12), month % 12 + 1, 1)
    return next_month - dt.timedelta(days=1)


def due_date(code: str, settings: Settings) -> dt.date:
    return quarter_end(code) + dt.timedelta(days=settings.due_days_after_quarter)


def previous_round(code: str) -> str:
    year, quarter = parse_round(code)
    return round_code(year - (quarter == 1), 4 if quarter == 1 else quarter - 1)


def next_round(code: str) -> str:
    year, quarter = parse_round(code)
    return round_code(year + (quarter == 4), 1 if quarter == 4 else quarter + 1)


def reporting_round(today: dt.date) -> str:
    """The quarter being reported on `today`: the one that ended most recently."""
    quarter = (today.month - 1) // 3 + 1
    return previous_round(round_code(today.year, quarter))


def rounds_between(first: str, last: str) -> list[str]:
    out, code = [], first
    while parse_round(code) <= parse_round(last):
        out.append(code)
        code = next_round(code)
    return out


def demo_rounds(settings: Settings, first: str = "2024Q1") -> list[dict]:
    """Every quarter from `first` to the one being reported today: earlier closed, the current open."""
    current = reporting_round(settings.today())
    return [
        {
            "code": code,
            "due_date": due_date(code, settings),
            "state": str(RoundState.OPEN if code == current else RoundState.CLOSED),
        }
        for code in rounds_between(first, current)
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


@dataclass(frozen=True)
class RoundInfo:
    code: str
    due_date: dt.date
    state: RoundState

    @property
    def state_label(self) -> str:
        return self.state.label


def _round(con, code: str) -> RoundInfo | None:
    rows = con.execute("SELECT code, due_date, state FROM rounds WHERE code = ?", [code]).fetchall()
    return RoundInfo(rows[0][0], rows[0][1], RoundState(rows[0][2])) if rows else None


def get_round(portal: Portal, code: str) -> RoundInfo | None:
    with portal.warehouse.connect() as con:
        return _round(con, code)


def current_round(portal: Portal) -> RoundInfo | None:
    """The quarter being reported on the portal's clock, if registered; else the latest open round."""
    with portal.warehouse.connect() as con:
        return current_round_on(con, portal.settings.today())


def current_round_on(con, today: dt.date) -> RoundInfo | None:
    found = _round(con, reporting_round(today))
    if found is not None:
        return found
    rows = con.execute(
        "SELECT code FROM rounds WHERE state = ? ORDER BY year DESC, quarter DESC LIMIT 1",
        [str(RoundState.OPEN)],
    ).fetchall()
    return _round(con, rows[0][0]) if rows else None


def list_rounds(portal: Portal, actor) -> pl.DataFrame:
    require(actor, "round.manage")
    with portal.warehouse.connect() as con:
        frame = con.sql("""
            SELECT r.code, r.due_date, r.state,
                   (SELECT count(*) FROM submissions s WHERE s.round = r.code) AS submissions
            FROM rounds r ORDER BY r.year DESC, r.quarter DESC""").pl()
    labels = {str(s): s.label for s in RoundState}
    return frame.with_columns(
        pl.col("state").replace_strict(labels, default=pl.col("state")).alias("state_label")
    )


def create_round(portal: Portal, actor, code: str, due: dt.date | None = None) -> Outcome:
    """Register a quarter as an open round; the due date follows the settings' rule unless given."""
    require(actor, "round.manage")
    code = (code or "").strip().upper()
    try:
        parse_round(code)
    except RoundCodeError as exc:
        return Outcome(False, str(exc))
    due = due or due_date(code, portal.settings)
    if due <= quarter_end(code):
        return Outcome(False, f"截止日期 {due} 应晚于该季度末 {quarter_end(code)}。")
    with portal.warehouse.transaction() as con:
        if _round(con, code) is not None:
            return Outcome(False, f"轮次 {code} 已存在。")
        year, quarter = parse_round(code)
        con.execute(
            "INSERT INTO rounds (code, year, quarter, due_date, state) VALUES (?, ?, ?, ?, ?)",
            [code, year, quarter, due, str(RoundState.OPEN)],
        )
        portal.audit(con, actor.username, "round.create", code, f"due={due}")
    return Outcome(True, f"已新建轮次 {code},状态“{RoundState.OPEN.label}”,截止日期 {due}。")


def set_round_state(portal: Portal, actor, code: str, state: RoundState | str) -> Outcome:
    require(actor, "round.manage")
    state = RoundState(state)
    with portal.warehouse.transaction() as con:
        found = _round(con, code)
        if found is None:
            return Outcome(False, f"轮次 {code} 不存在。")
        if state not in TRANSITIONS[found.state]:
            if found.state == RoundState.LOCKED:
                return Outcome(False, f"轮次 {code} 已锁定,不能再更改。")
            return Outcome(False, f"轮次 {code} 当前为“{found.state_label}”,不能改为“{state.label}”。")
        con.execute("UPDATE rounds SET state = ? WHERE code = ?", [str(state), code])
        portal.audit(con, actor.username, "round.state", code, f"{found.state}→{state}")
    return Outcome(True, f"轮次 {code} 已由“{found.state_label}”改为“{state.label}”。")


def set_due_date(portal: Portal, actor, code: str, due: dt.date) -> Outcome:
    require(actor, "round.manage")
    with portal.warehouse.transaction() as con:
        found = _round(con, code)
        if found is None:
            return Outcome(False, f"轮次 {code} 不存在。")
        if found.state == RoundState.LOCKED:
            return Outcome(False, f"轮次 {code} 已锁定,不能再更改截止日期。")
        if due <= quarter_end(code):
            return Outcome(False, f"截止日期 {due} 应晚于该季度末 {quarter_end(code)}。")
        if due == found.due_date:
            return Outcome(False, f"轮次 {code} 的截止日期已是 {due}。")
        con.execute("UPDATE rounds SET due_date = ? WHERE code = ?", [due, code])
        portal.audit(con, actor.username, "round.due_date", code, f"{found.due_date}→{due}")
    return Outcome(True, f"轮次 {code} 的截止日期已由 {found.due_date} 改为 {due}。")
