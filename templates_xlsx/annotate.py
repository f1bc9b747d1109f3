"""The unit's own workbook handed back with its problems marked where they are.

Error cells are filled red and warning cells yellow, each with a comment saying what is wrong and
what to do; a 校验结果 sheet, first and active, lists every issue with a link to its cell. The
hidden `_meta` sheet is left as it was, so once fixed the same file can be uploaded again.

The copy is made safe to hand to a reviewer: formulas are replaced by their cached values,
external links are dropped, and every text that Excel could take for a formula (= + - @, tab,
CR) is stored as text with a quote prefix. It is bounded: a workbook beyond its sheet budgets
(templates_xlsx.budget) is not opened, only a 校验结果 sheet is made, saying so; and at most
MAX_ANNOTATED_ISSUES issues are marked and listed, with a note of how many more there are.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Iterable

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, PatternFill
from openpyxl.utils.cell import coordinate_from_string
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from schemas.issues import Issue
from templates_xlsx import budget
from templates_xlsx.reader import sheet_parts
from templates_xlsx.writing import BODY_FONT, BORDER, WRAP, is_formula_like, print_setup, put, style_header

RESULT_SHEET = "校验结果"
RESULT_HEADERS = ("序号", "级别", "工作表", "单元格", "列", "填写值", "问题", "处理建议")
RESULT_WIDTHS = (6, 7, 12, 9, 14, 16, 60, 48)

# Excel's own "bad" and "neutral" cell styles, so the colours read the way people expect.
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
WARNING_FILL = PatternFill("solid", fgColor="FFEB9C")
_AUTHOR = "平台校验"
# Comment box size in points: wide enough for two or three Chinese sentences.
_COMMENT_WIDTH, _COMMENT_HEIGHT = 320, 140
# Issues marked and listed at most: a few hundred comments keep the copy quick to make and open,
# and nobody works through more before uploading again.
MAX_ANNOTATED_ISSUES = 500

TOO_LARGE_NOTE = "原文件超出可处理的范围（见上表），未在原文件上标注；请按上表修改后重新上传。"
MORE_NOTE = "另有 {more} 个问题未列出，也未在表中标注；请先修正以上问题，重新上传后再看其余问题。"


def _too_large(data: bytes) -> bool:
    """Whether a worksheet is beyond its budget, found without opening the workbook."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        return bool(budget.check_sizes(archive, sheet_parts(archive)))
    except Exception:  # not a workbook we can measure: openpyxl fails on it too, and says so
        return False


def _open(data: bytes | None) -> Workbook | None:
    """The workbook with values only (formulas replaced by their cached results, external links
    dropped), or None when there is nothing we may open."""
    if data:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # openpyxl warns about extensions it drops
                book = load_workbook(io.BytesIO(data), rich_text=False, data_only=True, keep_links=False)
        except Exception:  # a file the validator refused or could not read: report on its own
            return None
        _defuse(book)
        return book
    return None


def _defuse(book: Workbook) -> None:
    """No cell of the copy is a formula, or text Excel would run as one once a reviewer edits it."""
    for ws in book.worksheets:
        for cell in list(ws._cells.values()):  # only the cells the file has, not the whole grid
            if cell.data_type == "f":  # array and table formulas keep no cached value here
                cell.value = str(getattr(cell.value, "text", cell.value))
                cell.data_type = "s"
                cell.quotePrefix = True
            elif isinstance(cell.value, str) and is_formula_like(cell.value):
                cell.data_type = "s"
                cell.quotePrefix = True


def _blank() -> Workbook:
    book = Workbook()
    book.remove(book.active)
    return book


def _valid_cell(ref: str | None) -> bool:
    if not ref:
        return False
    try:
        coordinate_from_string(ref)
    except ValueError:
        return False
    return True


def _mark_cells(book: Workbook, issues: Iterable[Issue]) -> None:
    by_cell: dict[tuple[str, str], list[Issue]] = {}
    for issue in issues:
        if issue.sheet in book.sheetnames and _valid_cell(issue.cell):
            by_cell.setdefault((issue.sheet, issue.cell), []).append(issue)
    for (sheet, ref), found in by_cell.items():
        cell = book[sheet][ref]
        cell.fill = ERROR_FILL if any(i.is_error for i in found) else WARNING_FILL
        text = "\n".join(f"【{i.severity.label}】{i.message}\n处理建议：{i.hint}" for i in found)
        comment = Comment(text, _AUTHOR)
        comment.width, comment.height = _COMMENT_WIDTH, _COMMENT_HEIGHT
        cell.comment = comment


def _write_results(ws: Worksheet, issues: list[Issue], sheets: set[str], notes: list[str]) -> None:
    style_header(ws, 1, list(RESULT_HEADERS), list(RESULT_WIDTHS))
    ws.freeze_panes = "A2"
    for k, note in enumerate(notes):
        put(ws, max(len(issues), 1) + 3 + k, 1, note).font = BODY_FONT
    if not issues:
        put(ws, 2, 1, "校验通过，未发现问题。")
        return
    for n, issue in enumerate(issues, start=1):
        r = n + 1
        values = (
            n,
            issue.severity.label,
            issue.sheet or "文件",
            issue.cell or "",
            issue.column or "",
            issue.value or "",
            issue.message,
            issue.hint,
        )
        for j, value in enumerate(values, start=1):
            cell = put(ws, r, j, value)
            cell.font = BODY_FONT
            cell.border = BORDER
            cell.alignment = WRAP
        ws.cell(row=r, column=2).fill = ERROR_FILL if issue.is_error else WARNING_FILL
        if issue.sheet in sheets and _valid_cell(issue.cell):
            link = ws.cell(row=r, column=4)
            quoted = issue.sheet.replace("'", "''")
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{quoted}'!{issue.cell}")
            link.style = "Hyperlink"
            link.border = BORDER
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center", vertical="center")
    ws.auto_filter.ref = f"A1:H{len(issues) + 1}"
    print_setup(ws, repeat_rows="1:1")


def annotate(data: bytes | None, issues: Iterable[Issue]) -> bytes:
    """The workbook with its issues marked; a workbook with only 校验结果 if `data` cannot be
    opened or is beyond its sheet budgets."""
    issues = list(issues)
    notes = []
    too_large = bool(data) and _too_large(data)
    book = None if too_large else _open(data)
    if too_large:
        notes.append(TOO_LARGE_NOTE)
    book = book or _blank()
    if len(issues) > MAX_ANNOTATED_ISSUES:
        notes.append(MORE_NOTE.format(more=len(issues) - MAX_ANNOTATED_ISSUES))
        issues = issues[:MAX_ANNOTATED_ISSUES]
    if RESULT_SHEET in book.sheetnames:  # an annotated file uploaded again: start the list afresh
        book.remove(book[RESULT_SHEET])
    sheets = set(book.sheetnames)
    _mark_cells(book, issues)
    ws = book.create_sheet(RESULT_SHEET, 0)
    _write_results(ws, issues, sheets, notes)
    for other in book.worksheets:
        other.sheet_view.tabSelected = False
    ws.sheet_view.tabSelected = True
    book.active = 0
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
