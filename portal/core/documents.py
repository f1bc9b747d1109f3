"""Printed exports (.xlsx): the annual assessment table and the quarterly bulletin."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass

from openpyxl import Workbook

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


@dataclass(frozen=True)
class ExportedBook:
    """A written workbook and the pages each sheet was laid out to print on (A4)."""

    data: bytes
    pages: dict[str, int]

    @property
    def total_pages(self) -> int:
        return sum(self.pages.values())


def save(book: Workbook, pages: dict[str, int]) -> ExportedBook:
    buf = io.BytesIO()
    book.save(buf)
    return ExportedBook(buf.getvalue(), pages)
