"""The quarterly bulletin (季度通报) as a print-ready workbook with native Excel charts.

Sheet 1 季度通报, the 正文: each section in sentences with its chart (reporting by unit kind, KPI
pace by plan). Then one sheet per table that has rows (附表1–5: reporting by kind, pace by plan,
the red list of indicators, the indicators without an approved value this quarter with the
quarter of the value carried over, the tasks behind schedule), whose header row repeats on every
printed page; the charts read their series from these sheets. Last, 报送情况明细: one row per
unit expected to report. A4 portrait; every chart sits in one tall row, so a page break can never
cut it, and the page breaks are planned (templates_xlsx.writing.plan_pages).
"""

from __future__ import annotations

import polars as pl
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.utils import get_column_letter

from portal.core.documents import ExportedBook, chinese_date, save
from portal.monitoring.bulletin import (
    LATE,
    MISSING,
    ON_TIME,
    Bulletin,
    issued_on,
    not_yet_due_units,
    problem_counts,
    task_label,
)
from schemas.enums import TaskStatus, UnitKind
from schemas.quarters import Quarter
from templates_xlsx.writing import (
    SECTION_FONT,
    TOTAL_FONT,
    fit_row_height,
    merged_text,
    plan_pages,
    print_setup,
    report_margins,
    span_table,
    title_rows,
)

MAIN_SHEET = "季度通报"
DETAIL_SHEET = "报送情况明细"
WIDTHS = [6, 22, 12, 9, 14, 11, 11, 12]
NCOLS = len(WIDTHS)
PERCENT = "0.0%"
CHART_ROW_POINTS = 215.0  # the chart (7.2 cm) and a little air
CHART_CM = (15.5, 7.2)
COLOURS = {"green": "70AD47", "yellow": "FFC000", "red": "C00000", "grey": "BFBFBF"}
TIMING_LABELS = {ON_TIME: "按时报送", LATE: "迟报", MISSING: "未报送"}
REASONS = {"past_due": "逾期未完成", "behind": "进度滞后"}


def _kind(kind: str) -> str:
    member = UnitKind.from_label(kind)
    return member.label if member else kind


def _percent_text(x: float | None) -> str:
    return "—" if x is None else f"{x:.1%}"


def _line(ws, row: int, text: str, font=None) -> int:
    merged_text(ws, row, 1, NCOLS, text, *([font] if font else []))
    fit_row_height(ws, row)
    return row + 1


def _section(ws, row: int, text: str, sections: list[int]) -> int:
    sections.append(row)
    merged_text(ws, row, 1, NCOLS, text, SECTION_FONT, height=22)
    return row + 1


def _chart(ws, row: int, title: str, cats: Reference, data: Reference, colours: list[str]) -> int:
    """A horizontal stacked bar chart in one tall row at `row`."""
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.title = title
    chart.width, chart.height = CHART_CM
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    chart.y_axis.majorGridlines = None
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.legend.position = "b"
    for series, colour in zip(chart.series, colours, strict=True):
        series.graphicalProperties.solidFill = colour
        series.graphicalProperties.line.solidFill = colour
    ws.row_dimensions[row].height = CHART_ROW_POINTS
    ws.add_chart(chart, f"B{row}")
    return row + 1


# The tables, each on its own sheet after the 正文 (a table that breaks across pages repeats its
# header row); the main sheet's charts read their series from these sheets.
KIND_SHEET = "附表1 各类单位报送"
PACE_SHEET = "附表2 指标进度"
RED_SHEET = "附表3 滞后指标"
TASK_SHEET = "附表5 滞后任务"
UNREPORTED_SHEET = "附表4 本期未报指标"
PROBLEM_SHEET = "附表6 逾期未销号问题"
TABLE_HEADER_ROW = 3


def _table_sheet(book, name: str, title: str, b: Bulletin, office: str, fields, rows) -> tuple:
    """One table on its own A4 sheet: title rows, header row 3 repeated on every printed page.
    Returns (sheet, pages it prints on)."""
    ws = book.create_sheet(name)
    for j, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(j)].width = width
    title_rows(ws, title, f"发文机关：{office}", f"日期：{chinese_date(issued_on(b))}", NCOLS)
    end = span_table(ws, TABLE_HEADER_ROW, fields, rows)
    ws.freeze_panes = ws.cell(row=TABLE_HEADER_ROW + 1, column=1)
    print_setup(ws, landscape=False, repeat_rows=f"{TABLE_HEADER_ROW}:{TABLE_HEADER_ROW}")
    ws.oddFooter.center.text = "&A 第 &P 页，共 &N 页"
    report_margins(ws)
    for r in range(1, end):
        if ws.row_dimensions[r].height is None:
            fit_row_height(ws, r)
    header = (TABLE_HEADER_ROW, TABLE_HEADER_ROW)
    return ws, plan_pages(ws, end - 1, landscape=False, repeat_rows=header)


def _write_main(ws, book, b: Bulletin, office: str, seal: str) -> dict[str, int]:
    """The 正文 (sections in sentences, the two charts) on `ws`, each table on its own sheet of
    `book`; returns the pages of every sheet written."""
    c = b.completion
    pages: dict[str, int] = {}
    for j, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(j)].width = width
    title_rows(
        ws,
        f"{b.year}年第{b.quarter}季度科技创新任务调度情况通报",
        f"发文机关：{office}",
        f"日期：{chinese_date(issued_on(b))}",
        NCOLS,
    )
    sections: list[int] = []
    row = _section(ws, 3, "一、报送情况", sections)
    reported = b.on_time + b.late
    days_left = (c.due_date - b.today).days
    # an open round counts down; a past one says how long it is overdue only while units still owe it
    when = f"，距截止还有 {days_left} 天" if days_left >= 0 else ""
    if days_left < 0 and b.missing:
        when = f"，截至{chinese_date(b.today)}已过截止日期 {-days_left} 天"
    # an open round: units whose due date has not come are 未到截止, never counted as failing
    not_due = not_yet_due_units(b)
    overdue = b.missing - not_due.height
    split = f"（其中已逾期 {overdue} 个、未到截止 {not_due.height} 个）" if not_due.height else ""
    row = _line(
        ws,
        row,
        f"本轮次（{b.round}，截止日期 {chinese_date(c.due_date)}{when}）应报送单位 {c.expected} 个，"
        f"已报送 {reported} 个（其中按时 {b.on_time} 个、迟报 {b.late} 个），未报送 {b.missing} 个{split}，"
        f"报送率 {_percent_text(c.rate)}。各类单位情况见“{KIND_SHEET}”，各单位情况见“{DETAIL_SHEET}”。",
    )
    fields = [
        ("序号", 1, None),
        ("单位类型", 1, None),
        ("应报送", 1, "0"),
        ("按时报送", 1, "0"),
        ("迟报", 1, "0"),
        ("逾期未报", 1, "0"),
        ("未到截止", 1, "0"),
        ("报送率", 1, PERCENT),
    ]
    waiting = dict(not_due.group_by("kind").len().iter_rows()) if not_due.height else {}
    rows = [
        [
            i,
            _kind(k["kind"]),
            k["expected"],
            k[ON_TIME],
            k[LATE],
            k[MISSING] - waiting.get(k["kind"], 0),
            waiting.get(k["kind"], 0),
            (k[ON_TIME] + k[LATE]) / k["expected"],
        ]
        for i, k in enumerate(b.by_kind.to_dicts(), start=1)
    ]
    totals = [
        "",
        "合计",
        c.expected,
        b.on_time,
        b.late,
        overdue,
        not_due.height,
        reported / c.expected if c.expected else 0.0,
    ]
    table, pages[KIND_SHEET] = _table_sheet(
        book, KIND_SHEET, f"{b.year}年第{b.quarter}季度各类单位报送情况", b, office, fields, [*rows, totals]
    )
    last = TABLE_HEADER_ROW + len(rows) + 1
    for j in range(1, NCOLS + 1):
        table.cell(row=last, column=j).font = TOTAL_FONT
    first = TABLE_HEADER_ROW + 1
    if rows:
        cats = Reference(table, min_col=2, min_row=first, max_row=first + len(rows) - 1)
        data = Reference(table, min_col=4, max_col=7, min_row=first - 1, max_row=first + len(rows) - 1)
        colours = [COLOURS["green"], COLOURS["yellow"], COLOURS["red"], COLOURS["grey"]]
        row = _chart(ws, row, "各类单位报送情况", cats, data, colours)

    row = _section(ws, row, "二、指标进度", sections)
    unreported_count = b.unreported.height if b.unreported is not None else 0
    pace = b.pace.to_dicts()
    total = sum(p["indicators"] for p in pace)
    greens, yellows, reds, unreported = (
        sum(p[k] for p in pace) for k in ("green", "yellow", "red", "unreported")
    )
    row = _line(
        ws,
        row,
        f"截至本季度末，监测指标 {total} 个：进度正常 {greens} 个、稍缓（落后序时进度不超过 10%）{yellows} 个、"
        f"滞后 {reds} 个；本期未报/未审核 {unreported} 个，不计入滞后。只计入办公室审核通过的本季度数据。"
        f"各规划情况见“{PACE_SHEET}”"
        + (f"，本期未报的指标及沿用数据所属季度见“{UNREPORTED_SHEET}”。" if unreported_count else "。"),
    )
    fields = [
        ("序号", 1, None),
        ("规划", 2, None),
        ("指标数", 1, "0"),
        ("正常", 1, "0"),
        ("稍缓", 1, "0"),
        ("滞后", 1, "0"),
        ("本期未报", 1, "0"),
    ]
    rows = [
        [i, p["plan_name"], p["indicators"], p["green"], p["yellow"], p["red"], p["unreported"]]
        for i, p in enumerate(pace, start=1)
    ]
    table, pages[PACE_SHEET] = _table_sheet(
        book, PACE_SHEET, f"{b.year}年第{b.quarter}季度各规划指标进度", b, office, fields, rows
    )
    if rows:
        cats = Reference(table, min_col=2, min_row=first, max_row=first + len(rows) - 1)
        data = Reference(table, min_col=5, max_col=7, min_row=first - 1, max_row=first + len(rows) - 1)
        row = _chart(
            ws, row, "各规划指标进度", cats, data, [COLOURS["green"], COLOURS["yellow"], COLOURS["red"]]
        )

    plan_names = dict(zip(b.pace["plan"], b.pace["plan_name"], strict=True)) if b.pace.height else {}
    row = _section(ws, row, f"三、滞后指标名单（{b.red_list.height} 个）", sections)
    fields = [
        ("序号", 1, None),
        ("指标名称", 2, None),
        ("规划", 1, None),
        ("责任单位", 1, None),
        ("实际值", 1, "0.##"),
        ("序时进度", 1, "0.##"),
        ("完成率", 1, PERCENT),
    ]
    rows = [
        [
            i,
            f"{r['name']}（{r['measure_unit']}）" if r["measure_unit"] else r["name"],
            plan_names.get(r["plan"], r["plan"]),
            r["owner_name"] or "",
            r["actual"] if r["reported"] else "未报送",
            r["expected"] if r["expected"] is not None else "—",
            r["ratio"] if r["ratio"] is not None else "—",
        ]
        for i, r in enumerate(b.red_list.iter_rows(named=True), start=1)
    ]
    if rows:
        _, pages[RED_SHEET] = _table_sheet(
            book, RED_SHEET, f"{b.year}年第{b.quarter}季度滞后指标名单", b, office, fields, rows
        )
        row = _line(ws, row, f"进度滞后的指标 {len(rows)} 个，名单见“{RED_SHEET}”。")
    else:
        row = _line(ws, row, "本季度没有进度滞后的指标。")

    unreported = b.unreported if b.unreported is not None else pl.DataFrame()
    if unreported.height:
        fields = [
            ("序号", 1, None),
            ("指标名称", 2, None),
            ("规划", 1, None),
            ("责任单位", 1, None),
            ("最近审核通过的值", 2, "0.##"),
            ("数据所属季度", 1, None),
        ]
        rows = [
            [
                i,
                f"{r['name']}（{r['measure_unit']}）" if r["measure_unit"] else r["name"],
                plan_names.get(r["plan"], r["plan"]),
                r["owner_name"] or "",
                r["actual"] if r["actual"] is not None else "无",
                Quarter.parse(r["actual_round"]).label if r["actual_round"] else "—",
            ]
            for i, r in enumerate(unreported.iter_rows(named=True), start=1)
        ]
        _, pages[UNREPORTED_SHEET] = _table_sheet(
            book,
            UNREPORTED_SHEET,
            f"{b.year}年第{b.quarter}季度本期未报或未审核的指标",
            b,
            office,
            fields,
            rows,
        )

    row = _section(ws, row, f"四、滞后任务（{b.tasks_behind.height} 项）", sections)
    fields = [
        ("序号", 1, None),
        ("任务", 2, None),
        ("规划", 1, None),
        ("牵头单位", 1, None),
        ("牵头单位状态", 1, None),
        ("进度（%）", 1, "0.#"),
        ("原因", 1, None),
    ]
    rows = []
    for i, t in enumerate(b.tasks_behind.iter_rows(named=True), start=1):
        reasons = [REASONS.get(x, x) for x in t["reasons"]]
        if t["helpers_behind"]:
            reasons.append("配合单位滞后：" + "、".join(n or "" for n in t["helpers_behind"]))
        status = TaskStatus(t["lead_status"]).label if t["lead_status"] else "未报送"
        percent = t["lead_percent"] if t["lead_percent"] is not None else ""
        rows.append(
            [
                i,
                task_label(t["number"], t["title"]),
                plan_names.get(t["plan"], t["plan"]),
                t["lead_name"] or "",
                status,
                percent,
                "；".join(reasons),
            ]
        )
    if rows:
        _, pages[TASK_SHEET] = _table_sheet(
            book, TASK_SHEET, f"{b.year}年第{b.quarter}季度滞后任务", b, office, fields, rows
        )
        row = _line(ws, row, f"进度滞后或逾期未完成的任务 {len(rows)} 项，名单见“{TASK_SHEET}”。")
    else:
        row = _line(ws, row, "本季度没有滞后的任务。")

    counts = problem_counts(b)
    if counts.assigned:  # only where the office uses the 问题库: the 正文 keeps to its page otherwise
        row = _section(ws, row, "五、问题整改", sections)
        row = _line(ws, row, counts.line())
    if counts.overdue.height:
        fields = [
            ("序号", 1, None),
            ("责任单位", 2, None),
            ("问题", 3, None),
            ("反馈期限", 1, None),
            ("逾期天数", 1, "0"),
        ]
        rows = [
            [i, r["unit_name"] or "", r["title"], chinese_date(r["due_date"]), r["days_overdue"]]
            for i, r in enumerate(counts.overdue.iter_rows(named=True), start=1)
        ]
        _, pages[PROBLEM_SHEET] = _table_sheet(
            book, PROBLEM_SHEET, f"{b.year}年第{b.quarter}季度逾期未销号问题", b, office, fields, rows
        )
        row = _line(ws, row, f"逾期未销号的问题按责任单位列于“{PROBLEM_SHEET}”。")
    row += 1
    merged_text(ws, row, 1, NCOLS, f"{seal} {chinese_date(issued_on(b))}", height=18)
    print_setup(ws, landscape=False)
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    report_margins(ws)
    for r in range(1, row + 1):
        if ws.row_dimensions[r].height is None:
            fit_row_height(ws, r)
    pages[MAIN_SHEET] = plan_pages(ws, row, landscape=False, keep_with_next=sections)
    return pages


DETAIL_HEADERS = [
    "序号",
    "责任单位",
    "单位类型",
    "报送状态",
    "首次报送时间",
    "截止日期",
    "迟报天数",
    "报送情况",
]
DETAIL_WIDTHS = [6, 26, 10, 13, 17, 11, 9, 10]


def _write_detail(ws, b: Bulletin, office: str) -> int:
    ncols = len(DETAIL_HEADERS)
    title_rows(
        ws,
        f"{b.year}年第{b.quarter}季度各单位报送情况",
        f"发文机关：{office}",
        f"日期：{chinese_date(issued_on(b))}",
        ncols,
    )
    for j, width in enumerate(DETAIL_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(j)].width = width
    rows = []
    for i, u in enumerate(b.reporting.iter_rows(named=True), start=1):
        timing = TIMING_LABELS[u["timing"]]
        if u["timing"] == MISSING and u["due_date"] >= b.today:
            timing = "未报送（未到截止）"
        due = u["due_date"].isoformat() + ("（延期）" if u["extended"] else "")
        rows.append(
            [
                i,
                u["name"],
                _kind(u["kind"]),
                u["state_text"],
                u["reported_at"].strftime("%Y-%m-%d %H:%M") if u["reported_at"] else "",
                due,
                u["days_late"] if u["days_late"] is not None else "",
                timing,
            ]
        )
    fields = [(h, 1, "0") for h in DETAIL_HEADERS]
    row = span_table(ws, 3, fields, rows)
    ws.freeze_panes = "A4"
    print_setup(ws, landscape=False, repeat_rows="3:3")
    ws.oddFooter.center.text = "&A 第 &P 页，共 &N 页"
    report_margins(ws)
    for r in range(1, row):
        if ws.row_dimensions[r].height is None:
            fit_row_height(ws, r)
    return plan_pages(ws, row - 1, landscape=False, repeat_rows=(3, 3))


def bulletin_workbook(b: Bulletin, office: str, seal: str | None = None) -> ExportedBook:
    """`office`: the issuing office's name (发文机关); `seal`: its 落款 (default: the name)."""
    book = Workbook()
    main = book.active
    main.title = MAIN_SHEET
    detail = book.create_sheet(DETAIL_SHEET)
    pages = _write_main(main, book, b, office, seal or office)
    pages[DETAIL_SHEET] = _write_detail(detail, b, office)
    # the sheets in the order they print: 正文, 附表1–4, then every unit's reporting
    book.move_sheet(DETAIL_SHEET, offset=len(book.sheetnames) - 1 - book.sheetnames.index(DETAIL_SHEET))
    return save(book, {name: pages[name] for name in book.sheetnames})
