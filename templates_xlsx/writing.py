"""Writing cells and sheets with openpyxl: safe text, styled headers, sheets laid out from a spec.

Every text cell we export goes through `put`, so a value starting with = + - @ is stored as a
plain string (and shown with Excel's quote prefix), never as a formula.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable, Sequence
from copy import copy
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from schemas.sheets import ColumnType, SheetSpec

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")

HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_FONT = Font(bold=True, color="FFFFFF", name="宋体", size=11)
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
# Header of a column the unit fills in: a warmer colour than the pre-filled columns' header.
INPUT_HEADER_FILL = PatternFill("solid", fgColor="C65911")
UNLOCKED = Protection(locked=False)
TITLE_FONT = Font(bold=True, size=14, name="黑体")
BODY_FONT = Font(name="宋体", size=10)
THIN = Side(style="thin", color="A6A6A6")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def put(ws: Worksheet, row: int, col: int, value: Any):
    """Write one value; text that Excel would take for a formula stays text."""
    if isinstance(value, dt.datetime | dt.date) or value is None or isinstance(value, bool | int | float):
        cell = ws.cell(row=row, column=col, value=value)
        if isinstance(value, dt.date):
            cell.number_format = "yyyy-mm-dd"
        return cell
    # Control characters pasted into the registry would make openpyxl refuse the whole workbook.
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    cell = ws.cell(row=row, column=col)
    cell.value = text
    if is_formula_like(text):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


class CellStyles:
    """Style a kind of cell once, stamp the rest: openpyxl hashes every style object on each
    assignment, so copying a styled cell's style array is several times cheaper than setting
    font, fill, border … cell by cell. One instance per workbook (styles index its tables)."""

    def __init__(self) -> None:
        self._styles: dict[Hashable, Any] = {}

    def apply(self, cell, kind: Hashable, **attrs: Any):
        style = self._styles.get(kind)
        if style is None:
            for name, value in attrs.items():
                setattr(cell, name, value)
            self._styles[kind] = copy(cell._style)
        else:
            cell._style = copy(style)
        return cell


def style_header(
    ws: Worksheet,
    row: int,
    headers: Sequence[str],
    widths: Sequence[float],
    styles: CellStyles | None = None,
) -> None:
    styles = styles or CellStyles()
    for j, (header, width) in enumerate(zip(headers, widths, strict=True), start=1):
        styles.apply(
            ws.cell(row=row, column=j),
            "header",
            fill=HEADER_FILL,
            font=HEADER_FONT,
            alignment=CENTER,
            border=BORDER,
        )
        put(ws, row, j, header)
        ws.column_dimensions[get_column_letter(j)].width = width
    ws.row_dimensions[row].height = 30


def list_validation(ws: Worksheet, choices: Iterable[str], cells: str, prompt: str = "") -> DataValidation:
    dv = DataValidation(
        type="list",
        formula1='"' + ",".join(choices) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="输入无效",
        error="请从下拉列表中选择。",
        showInputMessage=bool(prompt),
        prompt=prompt or None,
    )
    dv.add(cells)
    ws.add_data_validation(dv)
    return dv


def write_table(ws: Worksheet, spec: SheetSpec, rows: Iterable[dict[str, Any]], enum_labels=None) -> int:
    """Header at `spec.header_row`, then one row per dict; CODES lists joined with 、. Returns rows written."""
    enum_labels = enum_labels or {}
    style_header(ws, spec.header_row, spec.headers, [c.width for c in spec.columns])
    r = spec.header_row
    for r, record in enumerate(rows, start=spec.first_data_row):
        for j, c in enumerate(spec.columns, start=1):
            value = record.get(c.key)
            if c.type == ColumnType.CODES:
                value = "、".join(value or [])
            elif c.type == ColumnType.BOOL and value is not None:
                value = "是" if value else "否"
            elif c.key in enum_labels and value is not None:
                value = enum_labels[c.key].get(value, value)
            cell = put(ws, r, j, value)
            cell.font = BODY_FONT
            cell.border = BORDER
            if c.wrap:
                cell.alignment = WRAP
    last = max(r, spec.first_data_row)
    for j, c in enumerate(spec.columns, start=1):
        if c.choices:
            letter = get_column_letter(j)
            list_validation(ws, c.choices, f"{letter}{spec.first_data_row}:{letter}{last + 500}")
    ws.freeze_panes = ws.cell(row=spec.first_data_row, column=1)
    ws.auto_filter.ref = f"A{spec.header_row}:{get_column_letter(len(spec.columns))}{last}"
    return max(0, r - spec.header_row)


def print_setup(ws: Worksheet, landscape: bool = True, repeat_rows: str | None = None) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    if repeat_rows:
        ws.print_title_rows = repeat_rows
