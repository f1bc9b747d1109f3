"""The reminder list (催报名单) of a round as a print-ready workbook: who still owes the round (never
reported, every upload rejected, or returned awaiting resubmission), whom to call.

One sheet: title (the quarter in words), issuing office and date, a line of counts, then one
bordered row per missing unit (soonest due first) with its contact, phone and 分管领导, days left or
overdue, and an empty 催报记录 column for the office to fill; A4 portrait, fit to width, header
repeated on every page (print titles), every row one height.
Every text cell goes through templates_xlsx.writing.put (a contact typed as "=…" stays text).
"""

from __future__ import annotations

import polars as pl
from openpyxl import Workbook

from portal.core.documents import ExportedBook, chinese_date, save
from schemas.quarters import Quarter
from templates_xlsx.writing import (
    CENTER,
    fit_row_height,
    grid_row,
    merged_text,
    plan_pages,
    print_setup,
    report_margins,
    style_header,
    title_rows,
)

SHEET = "催报名单"
HEADER_ROW = 4
HEADERS = ["序号", "单位名称", "单位类型", "报送状态", "联系人", "联系电话", "分管领导", "截止日期"]
HEADERS += ["剩余/逾期天数", "催报记录"]
WIDTHS = [5, 24, 8, 16, 9, 13, 9, 11, 11, 18]
COLUMNS = [
    "unit_name",
    "kind_label",
    "state_text",
    "contact",
    "phone",
    "leader",
    "due_date",
    "days_left_text",
]
ALIGN = [CENTER, None, CENTER, None, None, None, None, CENTER, CENTER, None]
ROW_POINTS = 30.0  # every data row one height: two lines of a long unit name or state


def reminder_workbook(board, missing: pl.DataFrame, office: str, scope: str | None = None) -> ExportedBook:
    """`board`: a warehouse.views.Completion or a dashboards.CompletionBoard (round, today,
    due_date, expected, reported, missing, due_soon); `missing`: dashboards.missing_frame rows;
    `scope`: the plan's name when the list is of one plan."""
    book = Workbook()
    ws = book.active
    ws.title = SHEET
    ncols = len(HEADERS)
    title_rows(
        ws,
        f"{Quarter.parse(board.round).label}{scope or ''}调度催报名单",
        f"发文机关：{office}",
        f"日期：{chinese_date(board.today)}",
        ncols,
    )
    soon = board.due_soon.height
    counts = (
        f"本轮截止日期 {chinese_date(board.due_date)}；应报 {board.expected} 个单位，已报送 {board.reported} 个，"
        f"未报送或被退回待重报 {board.missing.height} 个（其中三天内到期或已逾期 {soon} 个）。"
    )
    merged_text(ws, 3, 1, ncols, counts, height=20)
    style_header(ws, HEADER_ROW, HEADERS, WIDTHS)
    row = HEADER_ROW + 1
    for i, record in enumerate(missing.select(COLUMNS).iter_rows(), start=1):
        grid_row(ws, row, [i, *record, ""], alignments=ALIGN)
        ws.row_dimensions[row].height = ROW_POINTS
        row += 1
    if missing.is_empty():
        merged_text(ws, row, 1, ncols, "无：应报单位均已报送。")
        row += 1
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=1)
    print_setup(ws, landscape=False, repeat_rows=f"{HEADER_ROW}:{HEADER_ROW}")
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    report_margins(ws)
    for r in range(1, row):
        if ws.row_dimensions[r].height is None:
            fit_row_height(ws, r)
    pages = plan_pages(ws, row - 1, landscape=False, repeat_rows=(HEADER_ROW, HEADER_ROW))
    return save(book, {SHEET: pages})
