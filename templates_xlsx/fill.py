"""Type values into a quarterly template's input cells, by row code and column key, as a clerk would.

Rows are found by their code in the sheet's key column and columns by their header text, both
from the specs in `schemas.sheets`, so the filler follows the specs like the builder and reader.
Only input columns may be filled: a pre-filled cell is locked in Excel too. The demo
(`portal.demo_fill`) fills its uploads with this, and so does the tests' clerk (`tests/xlsx_fill.py`).

    data = fill_workbook(
        template,
        indicators={"JZ-K01": 1250, "JZ-K02": {"value": 120, "note": "统计局"}},
        tasks={"JZ-3.1.1": {"status": TaskStatus.IN_PROGRESS, "percent": 60, "narrative": "已完成招标"}},
    )
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from schemas.sheets import INDICATOR_SHEET, LIST_SHEET_BY_TYPE, TASK_SHEET, TEMPLATE_SHEETS, SheetSpec
from templates_xlsx.builder import TemplateContext, build_into, build_template
from templates_xlsx.fastbook import FastBook, Unsupported
from templates_xlsx.writing import put

# code → value of the row's main input column, or code → {column key: value}
RowValues = Mapping[str, Any]

# The column a bare value goes to, per sheet: an indicator's 本期值, a task's 状态.
MAIN_INPUT = {INDICATOR_SHEET.key: "value", TASK_SHEET.key: "status"}


def template_spec(name_or_key: str) -> SheetSpec:
    """A template sheet's spec by sheet name (指标填报) or key (indicator_values)."""
    for spec in TEMPLATE_SHEETS:
        if name_or_key in (spec.name, spec.key):
            return spec
    raise KeyError(f"no template sheet {name_or_key!r}")


def header_columns(ws: Worksheet, spec: SheetSpec) -> dict[str, int]:
    """Column key → 1-based column index, found by header text in the spec's header row."""
    found = {}
    for cell in ws[spec.header_row]:
        column = spec.by_header(str(cell.value or "").strip())
        if column is not None:
            found[column.key] = cell.column
    return found


def row_numbers(ws: Worksheet, spec: SheetSpec) -> dict[str, int]:
    """Row code → Excel row, for the rows below the header."""
    key_col = header_columns(ws, spec)[spec.row_key]
    out = {}
    for r in range(spec.first_data_row, ws.max_row + 1):
        code = ws.cell(row=r, column=key_col).value
        if code not in (None, ""):
            out[str(code)] = r
    return out


def cell_value(value: Any) -> Any:
    """What a clerk types for a value: an enum's Chinese label (推进中), else the value itself."""
    if isinstance(value, Enum):
        return getattr(value, "label", value.value)
    return value


def fill_sheet(ws: Worksheet, spec: SheetSpec, values: RowValues, formulas: bool = False) -> None:
    """Write each row's inputs. `formulas`: text starting with = is typed as a formula (as a clerk
    could); otherwise every text goes through `put` and stays text."""
    where = row_numbers(ws, spec)
    cols = header_columns(ws, spec)
    for code, given in values.items():
        if code not in where:
            raise KeyError(f"{spec.name}: no row {code!r} (rows: {list(where)})")
        record = given if isinstance(given, Mapping) else {MAIN_INPUT[spec.key]: given}
        for key, value in record.items():
            if not spec.column(key).input:
                raise ValueError(f"{spec.name}.{key} is pre-filled and locked; a clerk cannot type there")
            if formulas:
                ws.cell(row=where[code], column=cols[key]).value = cell_value(value)
            else:
                put(ws, where[code], cols[key], cell_value(value))


def open_book(data: bytes) -> Workbook:
    return load_workbook(io.BytesIO(data))


def save_book(book: Workbook) -> bytes:
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def fill_book(
    book: Workbook,
    indicators: RowValues | None = None,
    tasks: RowValues | None = None,
    formulas: bool = False,
) -> None:
    """Fill an opened template in place (indicators on 指标填报, tasks on 任务进展)."""
    for spec, values in ((INDICATOR_SHEET, indicators), (TASK_SHEET, tasks)):
        if values:
            fill_sheet(book[spec.name], spec, values, formulas)


def fill_list(ws: Worksheet, spec: SheetSpec, items: Sequence[Mapping[str, Any]]) -> None:
    """Type a list sheet's items one per row below its header, by column key (a clerk pasting the
    list over whatever list was there)."""
    if ws.max_row >= spec.first_data_row:
        ws.delete_rows(spec.first_data_row, ws.max_row - spec.first_data_row + 1)
    cols = header_columns(ws, spec)
    for i, item in enumerate(items):
        for key, value in item.items():
            put(ws, spec.first_data_row + i, cols[key], cell_value(value))


def fill_template(
    ctx: TemplateContext,
    secret: bytes,
    indicators: RowValues | None = None,
    tasks: RowValues | None = None,
    lists: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> bytes:
    """The unit's template built with the inputs typed in, in one pass: what `fill_workbook` gives
    for `build_template(ctx, secret)` (the same cells, values and sheets), without openpyxl loading
    and saving the workbook (the demo fills hundreds). openpyxl does it when the fast writer cannot."""
    book = FastBook()
    try:
        build_into(book, ctx, secret)
        _fill_all(book, indicators, tasks, False, lists)
        return book.save_bytes()
    except Unsupported:
        return fill_workbook(build_template(ctx, secret), indicators, tasks, lists=lists)


def _fill_all(book, indicators, tasks, formulas, lists) -> None:
    fill_book(book, indicators, tasks, formulas)
    for list_type, items in (lists or {}).items():
        spec = LIST_SHEET_BY_TYPE[list_type]
        fill_list(book[spec.name], spec, items)


def fill_workbook(
    data: bytes,
    indicators: RowValues | None = None,
    tasks: RowValues | None = None,
    formulas: bool = False,
    lists: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> bytes:
    """The template's bytes with the inputs typed in, saved by openpyxl (a formula gets no cached value).

    `indicators`: code → value, or code → {"value": …, "note": …}.
    `tasks`: code → status, or code → {"status": TaskStatus or label, "percent": …, "narrative": …, …}.
    `lists`: list type (ListType code) → items, each {column key: value}, on that type's list sheet.
    """
    book = open_book(data)
    _fill_all(book, indicators, tasks, formulas, lists)
    return save_book(book)
