"""Printed exports (.xlsx): the annual assessment table and the quarterly bulletin."""

from __future__ import annotations

import datetime as dt
import re

# Characters Excel forbids in a sheet name; its length limit.
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_MAX = 31


def sheet_title(text: str, taken: set[str]) -> str:
    """A valid, unique sheet name made from `text` (Excel: ≤ 31 characters, no []:*?/\\)."""
    base = _SHEET_FORBIDDEN.sub("-", text).strip("'") or "Sheet"
    name, n = base[:SHEET_NAME_MAX], 2
    while name in taken:
        suffix = f"({n})"
        name, n = base[: SHEET_NAME_MAX - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"
