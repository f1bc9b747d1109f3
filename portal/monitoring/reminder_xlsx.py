"""The reminder list (催报名单) of a round as a print-ready workbook: who still owes the round (never
reported, every upload rejected, or returned), whom to call.

One sheet: title, issuing office and date, a line of counts, then one bordered row per missing
unit (soonest due first) with its contact and phone; A4 portrait, fit to width, header repeated.
Every text cell goes through templates_xlsx.writing.put (a contact typed as "=…" stays text).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl
from openpyxl import Workbook

from portal.core.documents import ExportedBook, chinese_date, save
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

if TYPE_CHECKING:
    from portal.monitoring.dashboards import CompletionBoard

SHEET = "催报名单"
HEADER_ROW = 4
HEADERS = ["序号", "单位代码", "单位名称", "单位类型", "联系人", "联系电话", "截止日期", "剩余时间", "提示"]
HEADERS += ["报送状态", "未通过校验次数"]
WIDTHS = [6, 13, 26, 9, 12, 14, 12, 12, 12, 14, 9]
COLUMNS = ["unit", "unit_name", "kind_label", "contact", "phone", "due_date", "days_left_text", "reminder"]
COLUMNS += ["state_text", "rejected_attempts"]
ALIGN = [CENTER, None, None, CENTER, None, None, CENTER, CENTER, CENTER, CENTER, CENTER]


def reminder_workbook(board: CompletionBoard, missing: pl.DataFrame, office: str) -> ExportedBook:
    book = Workbook()
    ws = book.active
    ws.title = SHEET
    ncols = len(HEADERS)
    title_rows(
        ws,
        f"{board.round} 季度调度催报名单",
        f"发文机关:{office}",
        f"日期:{chinese_date(board.today)}",
        ncols,
    )
    soon = board.due_soon.height
    counts = (
        f"本轮截止日期 {board.due_date.isoformat()};应报 {board.expected} 个单位,已报送 {board.reported} 个,"
        f"未报送或被退回 {board.missing.height} 个(其中三天内到期或已逾期 {soon} 个)。"
    )
    merged_text(ws, 3, 1, ncols, counts, height=20)
    style_header(ws, HEADER_ROW, HEADERS, WIDTHS)
    row = HEADER_ROW + 1
    for i, record in enumerate(missing.select(COLUMNS).iter_rows(), start=1):
        grid_row(ws, row, [i, *record], alignments=ALIGN)
        row += 1
    if missing.is_empty():
        merged_text(ws, row, 1, ncols, "无:应报单位均已报送。")
        row += 1
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=1)
    print_setup(ws, landscape=False, repeat_rows=f"{HEADER_ROW}:{HEADER_ROW}")
    ws.oddFooter.center.text = "第 &P 页,共 &N 页"
    report_margins(ws)
    for r in range(1, row):
        if ws.row_dimensions[r].height is None:
            fit_row_height(ws, r)
    pages = plan_pages(ws, row - 1, landscape=False, repeat_rows=(HEADER_ROW, HEADER_ROW))
    return save(book, {SHEET: pages})
