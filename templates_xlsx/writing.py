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
    return put_cell(ws.cell(row=row, column=col), value)


def put_cell(cell, value: Any):
    """`put` on a cell already in hand (the builder styles it first: one lookup instead of two)."""
    if value is None:
        return cell
    if isinstance(value, dt.date | bool | int | float):
        cell.value = value
        if isinstance(value, dt.date):
            cell.number_format = "yyyy-mm-dd"
        return cell
    # Control characters pasted into the registry would make openpyxl refuse the whole workbook.
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
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
        return self.apply_looks(cell, kind, attrs)

    def apply_looks(self, cell, kind: Hashable, attrs: dict[str, Any]):
        """`apply` with the attributes as one dict (a loop over many cells builds it once)."""
        style = self._styles.get(kind)
        if style is None:
            for name, value in attrs.items():
                setattr(cell, name, value)
            self._styles[kind] = copy(cell._style)
        elif getattr(cell, "shares_styles", False):
            cell._style, cell._owned = style, False  # templates_xlsx.fastbook: copied on change
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
    # the body's looks stamped from the first cell of each kind (a registry of a few thousand
    # rows set font and border cell by cell: most of `portal init --demo`'s registry workbook)
    styles = CellStyles()
    looks = {
        wrap: {"font": BODY_FONT, "border": BORDER} | ({"alignment": WRAP} if wrap else {})
        for wrap in (False, True)
    }
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
            wrap = bool(c.wrap)
            put_cell(styles.apply_looks(ws.cell(row=r, column=j), ("body", wrap), looks[wrap]), value)
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


# --- printed reports (assessment table, bulletin): titles, bordered grids, totals ----------------

SUBTITLE_FONT = Font(name="宋体", size=10)
TOTAL_FONT = Font(name="宋体", size=10, bold=True)
TOTAL_FILL = PatternFill("solid", fgColor="DDEBF7")
SECTION_FONT = Font(name="黑体", size=12, bold=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
MIDDLE_WRAP = Alignment(vertical="center", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center")
NUMBER = "0.00"


def merged_text(
    ws: Worksheet,
    row: int,
    first_col: int,
    last_col: int,
    value: Any,
    font: Font = SUBTITLE_FONT,
    alignment: Alignment = LEFT,
    height: float | None = None,
):
    """One value across merged columns of a row (titles, notes, sections), written safely with `put`."""
    cell = put(ws, row, first_col, value)
    cell.font = font
    cell.alignment = alignment
    if last_col > first_col:
        ws.merge_cells(start_row=row, start_column=first_col, end_row=row, end_column=last_col)
    if height:
        ws.row_dimensions[row].height = height
    return cell


def title_rows(ws: Worksheet, title: str, left: str, right: str, ncols: int) -> int:
    """Row 1 the title across the table; row 2 the issuer on the left and the date on the right.
    Returns the next free row."""
    merged_text(ws, 1, 1, ncols, title, TITLE_FONT, CENTER, height=32)
    half = max(1, ncols // 2)
    merged_text(ws, 2, 1, half, left, SUBTITLE_FONT, LEFT, height=20)
    merged_text(ws, 2, half + 1, ncols, right, SUBTITLE_FONT, RIGHT)
    return 3


def grid_row(
    ws: Worksheet,
    row: int,
    values: Sequence[Any],
    number_formats: Sequence[str | None] | None = None,
    alignments: Sequence[Alignment | None] | None = None,
    font: Font = BODY_FONT,
    fill: PatternFill | None = None,
) -> None:
    """One bordered table row; numbers get their column's format, text goes through `put`."""
    for j, value in enumerate(values, start=1):
        cell = put(ws, row, j, value)
        cell.font = font
        cell.border = BORDER
        if fill is not None:
            cell.fill = fill
        fmt = number_formats[j - 1] if number_formats else None
        if fmt and isinstance(value, int | float) and not isinstance(value, bool):
            cell.number_format = fmt
        align = alignments[j - 1] if alignments else None
        cell.alignment = align or (MIDDLE_WRAP if isinstance(value, str) else RIGHT)


def span_table(
    ws: Worksheet,
    top: int,
    fields: Sequence[tuple[str, int, str | None]],
    rows: Iterable[Sequence[Any]],
    font: Font = BODY_FONT,
) -> int:
    """A bordered table on a fixed column grid where a field may span several grid columns
    (merged), so tables of different shapes can share one sheet's column widths.
    `fields` = (header, span, number format). Returns the first row after the table."""
    row = top
    for values, is_header in [(tuple(h for h, _, _ in fields), True)] + [(tuple(r), False) for r in rows]:
        col = 1
        for (_, span, fmt), value in zip(fields, values, strict=True):
            cell = put(ws, row, col, value)
            for j in range(col, col + span):
                ws.cell(row=row, column=j).border = BORDER
            if is_header:
                cell.fill, cell.font, cell.alignment = HEADER_FILL, HEADER_FONT, CENTER
            else:
                cell.font = font
                numeric = isinstance(value, int | float) and not isinstance(value, bool)
                if fmt and numeric:
                    cell.number_format = fmt
                cell.alignment = RIGHT if numeric else MIDDLE_WRAP
            if span > 1:
                ws.merge_cells(start_row=row, start_column=col, end_row=row, end_column=col + span - 1)
            col += span
        if is_header:
            ws.row_dimensions[row].height = 28
        row += 1
    return row


# --- pagination: decide the page breaks ourselves, so a printout has a known number of pages ----

A4_POINTS = (595.3, 841.9)  # portrait width, height
# Share of the computed page height we fill: renderers round the fit-to-width scale and row
# heights differently (LibreOffice vs Excel vs WPS); the slack keeps every planned page one page.
PAGE_FILL = 0.95
LINE_POINTS = 12.5  # one line of 10-pt 宋体, with leading
DEFAULT_ROW_POINTS = 15.0


def text_width(text: str) -> int:
    """Width in Excel character units: a CJK (full-width) character takes two."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def column_points(width_chars: float) -> float:
    """Printed width of a column of `width_chars` (Excel: 7 px per character + 5 px padding)."""
    return (int(width_chars * 7) + 5) * 0.75


def fit_row_height(ws: Worksheet, row: int, minimum: float = 16.0) -> float:
    """Set the row's height from its wrapped text (lines × line height), so no renderer guesses it."""
    lines = 1
    merged = {r.min_col: r.max_col for r in ws.merged_cells.ranges if r.min_row == row == r.max_row}
    for cell in ws[row]:
        if not isinstance(cell.value, str) or not cell.value:
            continue
        last = merged.get(cell.column, cell.column)
        width = sum(
            ws.column_dimensions[get_column_letter(j)].width or 8.43 for j in range(cell.column, last + 1)
        )
        usable = max(1.0, width - 0.5)
        needed = sum(max(1, -(-text_width(part) // int(usable))) for part in cell.value.split("\n"))
        lines = max(lines, needed)
    height = max(minimum, lines * LINE_POINTS + 3.5)
    ws.row_dimensions[row].height = height
    return height


def report_margins(ws: Worksheet) -> None:
    """Narrower top and bottom margins than Excel's 1 inch: a printed report, not a worksheet."""
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.page_margins.header = ws.page_margins.footer = 0.25


def plan_pages(
    ws: Worksheet,
    last_row: int,
    landscape: bool = True,
    repeat_rows: tuple[int, int] | None = None,
    keep_with_next: Iterable[int] = (),
    keep_together: Iterable[tuple[int, int]] = (),
) -> int:
    """Insert manual row breaks so that, printed fit-to-width on A4, rows 1..last_row take a known
    number of pages; returns that number. Breaks fall before a row of `keep_with_next` (a section
    title) when one is in the lower half of the page, else where the page is full. A block of
    `keep_together` (first, last row: a unit with its signature lines) starts a new page when it
    would not fit in what is left of this one but fits on a page; a longer block starts a new page
    only if that saves one, and then breaks inside as above."""
    from openpyxl.worksheet.pagebreak import Break, RowBreak

    width_pt, height_pt = A4_POINTS[::-1] if landscape else A4_POINTS
    m = ws.page_margins
    printable_w = width_pt - (m.left + m.right) * 72
    printable_h = height_pt - (m.top + m.bottom) * 72
    max_col = ws.max_column
    sheet_w = sum(
        column_points(ws.column_dimensions[get_column_letter(j)].width or 8.43) for j in range(1, max_col + 1)
    )
    scale = min(1.0, printable_w / sheet_w)
    capacity = printable_h / scale * PAGE_FILL

    def height(r: int) -> float:
        return ws.row_dimensions[r].height or DEFAULT_ROW_POINTS

    repeat_h = sum(height(r) for r in range(repeat_rows[0], repeat_rows[1] + 1)) if repeat_rows else 0.0
    room = capacity - repeat_h  # what a page after the first holds below the repeated rows
    sections = set(keep_with_next)
    spans = list(keep_together)
    blocks: dict[int, list[float]] = {}
    for first, last in spans:
        blocks.setdefault(first, []).append(sum(height(x) for x in range(first, last + 1)))
    ws.row_breaks = RowBreak()
    pages, used, page_start = 1, 0.0, 1

    def break_before(r: int) -> None:
        nonlocal pages, used, page_start
        ws.row_breaks.append(Break(id=r - 1))
        pages += 1
        used, page_start = repeat_h, r

    for r in range(1, last_row + 1):
        for block_h in blocks.get(r, ()):
            left = capacity - used
            if r == page_start or block_h <= left:
                continue
            if block_h <= room or -(-(block_h - left) // room) >= -(-block_h // room):
                break_before(r)  # fits on a fresh page, or starting here would cost a page more
        h = height(r)
        if used + h > capacity and r > page_start:
            cut = max(
                (
                    s
                    for s in sections
                    if page_start + (r - page_start) // 2 < s <= r
                    and not any(a < s <= b < r for a, b in spans)  # never split a block already placed
                ),
                default=r,
            )
            ws.row_breaks.append(Break(id=cut - 1))
            pages += 1
            used = repeat_h + sum(height(x) for x in range(cut, r))
            page_start = cut
        used += h
    return pages
