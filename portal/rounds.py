"""Quarters: round codes, due dates by the settings' rule, which round is current on the clock."""

from __future__ import annotations

import datetime as dt
import re

from portal.settings import Settings
from schemas.enums import RoundState

_CODE = re.compile(r"^(\d{4})Q([1-4])$")


class RoundCodeError(ValueError):
    pass


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
