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


def table_xlsx(frame, sheet: str) -> bytes:
    """A shown table (`frame`: a Polars frame with its headers as shown) as a one-sheet .xlsx.

    Every cell goes through templates_xlsx.writing.put, so text a user typed that starts with
    = + - @ stays text in Excel (the grid's own "Download as CSV" is switched off for that reason).
    """
    from templates_xlsx.writing import put

    book = Workbook()
    ws = book.active
    ws.title = sheet_title(sheet, set())
    for col, name in enumerate(frame.columns, start=1):
        put(ws, 1, col, name)
    for row, values in enumerate(frame.iter_rows(), start=2):
        for col, value in enumerate(values, start=1):
            put(ws, row, col, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
