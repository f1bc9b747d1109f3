"""The annual assessment table (年度考核表) as a print-ready workbook.

Sheet 1 考核汇总: title, issuing office and date, one row per unit in rank order, totals and notes;
A4 landscape, fit to width, header row repeated on every page. Then one sheet per unit with every
indicator, task, round and bonus item that contributed, its data and the points it earned, and the
arithmetic, so an evaluator can recompute any score by hand. Values, not formulas: every reader
(and the tests) sees the numbers.
"""

from __future__ import annotations

from collections import Counter

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from portal.assessment.assess import Assessment
from portal.assessment.scoring import UnitScore
from portal.core.documents import ExportedBook, chinese_date, save, sheet_title
from schemas.enums import IndicatorKind, Pace, TaskRole, TaskStatus
from templates_xlsx.writing import (
    CENTER,
    NUMBER,
    SECTION_FONT,
    TOTAL_FILL,
    TOTAL_FONT,
    fit_row_height,
    grid_row,
    merged_text,
    plan_pages,
    print_setup,
    report_margins,
    span_table,
    style_header,
    title_rows,
)

SUMMARY_SHEET = "考核汇总"
SUMMARY_HEADER_ROW = 3
ROUND_STATES = {"on_time": "按时报送", "late": "迟报", "missing": "未报送", "not_due": "未到截止日期"}
COMPONENT_LABELS = {"indicators": "指标完成", "tasks": "任务推进", "reporting": "报送质量"}

# Detail sheets share one 14-column grid; each table spans it with merged fields.
DETAIL_WIDTHS = [5, 10, 22, 11, 10, 7, 10, 10, 9, 8, 9, 8, 9, 27]
RATIO = "0.00%"


def _label(enum, value) -> str:
    if value is None:
        return "未报送"
    try:
        return enum(value).label
    except ValueError:
        return str(value)


def _summary_headers(a: Assessment) -> list[str]:
    s = a.scheme
    return [
        "序号",
        "责任单位",
        f"指标完成\n({s.indicator_points:g}分)",
        f"任务推进\n({s.task_points:g}分)",
        f"报送质量\n({s.reporting_points:g}分)",
        "报送扣分",
        f"加分\n(≤{s.bonus_max:g}分)",
        "总分",
        "排名",
        "等次",
        "备注",
    ]


SUMMARY_WIDTHS = [6, 26, 10, 10, 10, 9, 8, 9, 6, 8, 26]
SUMMARY_FORMATS = [None, None, NUMBER, NUMBER, NUMBER, NUMBER, NUMBER, NUMBER, "0", None, None]


def _remark(a: Assessment, u: UnitScore) -> str:
    s = a.scheme
    if not u.indicators and u.tasks and s.if_nothing_assigned == "reweight":
        return f"未承担指标,指标完成分值折入任务推进(任务推进满分 {u.maxima['tasks']:g})"
    if not u.tasks and u.indicators and s.if_nothing_assigned == "reweight":
        return f"未承担任务,任务推进分值折入指标完成(指标完成满分 {u.maxima['indicators']:g})"
    return ""


def _write_summary(ws, a: Assessment, office: str) -> int:
    headers = _summary_headers(a)
    ncols = len(headers)
    title = f"{a.plan_name}{a.year}年度考核结果汇总表"
    title_rows(ws, title, f"发文机关:{office}", f"日期:{chinese_date(a.as_of)}", ncols)
    style_header(ws, SUMMARY_HEADER_ROW, headers, SUMMARY_WIDTHS)
    row = SUMMARY_HEADER_ROW + 1
    for i, u in enumerate(a.units, start=1):
        values = [
            i,
            u.name,
            u.indicator_score,
            u.task_score,
            u.reporting_score,
            u.deductions,
            u.bonus,
            u.total,
            u.rank,
            u.grade,
            _remark(a, u),
        ]
        grid_row(ws, row, values, SUMMARY_FORMATS, [CENTER, None, *[None] * 6, CENTER, CENTER, None])
        row += 1
    if not a.units:
        grid_row(ws, row, ["", "本规划没有承担任务或指标的单位", *[""] * (ncols - 2)])
        row += 1
    n = len(a.units) or 1
    sums = [
        sum(u.indicator_score for u in a.units),
        sum(u.task_score for u in a.units),
        sum(u.reporting_score for u in a.units),
        sum(u.deductions for u in a.units),
        sum(u.bonus for u in a.units),
        sum(u.total for u in a.units),
    ]
    for label, numbers in (("合计", sums), ("平均", [round(x / n, 2) for x in sums])):
        grid_row(
            ws,
            row,
            ["", label, *[round(x, 2) for x in numbers], "", "", ""],
            SUMMARY_FORMATS,
            [CENTER, CENTER, *[None] * 9],
            font=TOTAL_FONT,
            fill=TOTAL_FILL,
        )
        row += 1
    grades = Counter(u.grade for u in a.units)
    levels = [lv.name for lv in a.scheme.levels] + [a.scheme.below]
    notes = [
        "说明:",
        "1. 总分 = 指标完成 + 任务推进 + 报送质量 + 加分;报送质量 = 分值 − 报送扣分,不低于 0;各项保留两位小数。",
        "2. 只计入办公室审核通过的填报数据;排名按总分从高到低,总分相同者名次并列。",
        "3. 等次:"
        + "、".join(f"{lv.name} ≥ {lv.min:g} 分" for lv in a.scheme.levels)
        + f",其余为{a.scheme.below}。本次:"
        + "、".join(f"{name} {grades.get(name, 0)} 个" for name in levels)
        + "。",
        f"4. 评分方案:{a.scheme.source_label};各单位得分明细见后附工作表。",
    ]
    row += 1
    for note in notes:
        merged_text(ws, row, 1, ncols, note, height=18)
        row += 1
    ws.freeze_panes = ws.cell(row=SUMMARY_HEADER_ROW + 1, column=1)
    print_setup(ws, landscape=False, repeat_rows=f"{SUMMARY_HEADER_ROW}:{SUMMARY_HEADER_ROW}")
    ws.oddFooter.center.text = "第 &P 页,共 &N 页"
    return _paginate(ws, row - 1, False, repeat_rows=(SUMMARY_HEADER_ROW, SUMMARY_HEADER_ROW))


def _paginate(ws, last_row: int, landscape: bool, repeat_rows=None, sections=()) -> int:
    """Heights from the text, then our own page breaks: the number of A4 pages the sheet prints on."""
    report_margins(ws)
    for r in range(1, last_row + 1):
        if ws.row_dimensions[r].height is None:
            fit_row_height(ws, r)
    return plan_pages(ws, last_row, landscape=landscape, repeat_rows=repeat_rows, keep_with_next=sections)


SPACER_POINTS = 8.0


def _gap(ws, row: int) -> int:
    """A thin empty row between tables."""
    ws.row_dimensions[row].height = SPACER_POINTS
    return row + 1


def _table(ws, row: int, fields, rows: list, empty: str) -> int:
    """The table, or one line saying there is nothing (a header over no rows wastes paper)."""
    if rows:
        return _gap(ws, span_table(ws, row, fields, rows))
    merged_text(ws, row, 1, len(DETAIL_WIDTHS), empty)
    return _gap(ws, row + 1)


def _section(ws, row: int, text: str) -> int:
    merged_text(ws, row, 1, len(DETAIL_WIDTHS), text, SECTION_FONT, height=20)
    return row + 1


INDICATOR_FIELDS = [
    ("序号", 1, None),
    ("指标代码", 1, None),
    ("指标名称", 1, None),
    ("类型", 1, None),
    ("计量单位", 1, None),
    ("权重", 1, "0.##"),
    ("年末期望值", 1, "0.####"),
    ("实际值", 1, "0.####"),
    ("数据轮次", 1, None),
    ("完成率", 1, RATIO),
    ("计分完成率", 1, RATIO),
    ("进度状态", 1, None),
    ("得分", 1, NUMBER),
    ("计算过程", 1, None),
]
TASK_FIELDS = [
    ("序号", 1, None),
    ("任务编号", 1, None),
    ("任务名称", 1, None),
    ("本单位角色", 1, None),
    ("任务权重", 1, "0.##"),
    ("配合单位数", 1, "0"),
    ("分享比例", 1, "0.####"),
    ("计分基数", 1, "0.####"),
    ("填报状态", 1, None),
    ("进度(%)", 1, "0.#"),
    ("数据轮次", 1, None),
    ("得分比例", 1, "0.##"),
    ("得分", 1, NUMBER),
    ("计算过程", 1, None),
]
ROUND_FIELDS = [
    ("序号", 1, None),
    ("轮次", 1, None),
    ("报送情况", 1, None),
    ("截止日期", 1, None),
    ("首次报送", 2, None),
    ("迟报天数", 1, "0"),
    ("退回次数", 1, "0"),
    ("扣分", 1, NUMBER),
    ("计算过程", 5, None),
]
BONUS_FIELDS = [
    ("序号", 1, None),
    ("编号", 1, None),
    ("加分理由", 7, None),
    ("录入人", 2, None),
    ("录入时间", 2, None),
    ("加分", 1, NUMBER),
]
SCORE_FIELDS = [("考核项目", 2, None), ("分值", 1, "0.##"), ("得分", 1, NUMBER), ("计算方法", 10, None)]


def _write_detail(ws, a: Assessment, u: UnitScore, seal: str) -> int:
    s = a.scheme
    ncols = len(DETAIL_WIDTHS)
    title_rows(ws, f"{u.name}{a.year}年度考核得分明细", f"规划:{a.plan_name}", f"单位代码:{u.unit}", ncols)
    for j, width in enumerate(DETAIL_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(j)].width = width
    merged_text(
        ws,
        3,
        1,
        ncols,
        f"总分 {u.total:.2f} 分,排名第 {u.rank} 名,等次:{u.grade}。",
        SECTION_FONT,
        height=22,
    )
    capped = "(已按分值封顶)" if u.indicator_raw > u.maxima["indicators"] else ""
    bonus_note = f"(录入合计 {u.bonus_raw:g},按上限计)" if u.bonus_raw > s.bonus_max else ""
    scores = [
        (
            "指标完成",
            u.maxima["indicators"],
            u.indicator_score,
            f"各指标得分之和 {u.indicator_raw:.4f},不超过分值{capped}",
        ),
        ("任务推进", u.maxima["tasks"], u.task_score, "各任务得分之和"),
        (
            "报送质量",
            u.maxima["reporting"],
            u.reporting_score,
            f"分值 {u.maxima['reporting']:g} − 扣分 {u.deductions:g},不低于 0",
        ),
        ("加分", s.bonus_max, u.bonus, f"各加分项之和,不超过 {s.bonus_max:g}{bonus_note}"),
        ("总分", s.full_marks, u.total, "以上四项之和(各项先保留两位小数)"),
    ]
    row = _gap(ws, span_table(ws, 4, SCORE_FIELDS, scores))
    sections = [row]
    row = _section(ws, row, f"一、指标完成(分值 {u.maxima['indicators']:g};完成率封顶 {s.ratio_cap:.0%})")
    ind_rows = [
        [
            i,
            line.item,
            line.name,
            _label(IndicatorKind, line.kind),
            line.measure_unit or "",
            line.weight,
            line.target,
            line.actual,
            line.round or "",
            line.ratio,
            line.completion,
            _label(Pace, line.pace) if line.pace else "",
            line.score,
            line.working,
        ]
        for i, line in enumerate(u.indicators, start=1)
    ]
    row = _table(ws, row, INDICATOR_FIELDS, ind_rows, "本单位未承担本规划的指标。")

    source = "本单位" if s.status_source == "own" else "牵头单位"
    sections.append(row)
    row = _section(
        ws,
        row,
        f"二、任务推进(分值 {u.maxima['tasks']:g};按{source}年内最后一次审核通过的状态计分;"
        f"牵头 {s.lead_share:g}、配合 {s.helpers_share:g})",
    )
    task_rows = [
        [
            i,
            line.number or line.item,
            line.name,
            _label(TaskRole, line.role),
            line.weight,
            line.helpers,
            line.share,
            line.base,
            _label(TaskStatus, line.scored_status),
            line.percent if s.status_source == "own" else line.lead_percent,
            (line.round if s.status_source == "own" else line.lead_round) or "",
            line.fraction,
            line.score,
            line.working,
        ]
        for i, line in enumerate(u.tasks, start=1)
    ]
    row = _table(ws, row, TASK_FIELDS, task_rows, "本单位未承担本规划年内到期的任务。")

    sections.append(row)
    row = _section(
        ws,
        row,
        f"三、报送质量(分值 {u.maxima['reporting']:g};迟报每天扣 {s.per_late_day:g}、每次扣 {s.per_late_round:g},"
        f"退回每次扣 {s.per_returned:g},未报送每季度扣 {s.per_missing_round:g})",
    )
    round_rows = [
        [
            i,
            line.round,
            ROUND_STATES[line.state],
            line.due_date.isoformat(),
            line.submitted_at.strftime("%Y-%m-%d %H:%M") if line.submitted_at else "",
            line.days_late if line.days_late is not None else "",
            line.returns,
            line.deduction,
            line.working,
        ]
        for i, line in enumerate(u.rounds, start=1)
    ]
    row = _table(ws, row, ROUND_FIELDS, round_rows, "本年度尚无调度轮次。")

    sections.append(row)
    row = _section(ws, row, f"四、加分(合计不超过 {s.bonus_max:g} 分)")
    bonus_rows = [
        [
            i,
            line.id,
            line.reason,
            line.entered_by,
            line.entered_at.strftime("%Y-%m-%d %H:%M"),
            line.points,
        ]
        for i, line in enumerate(u.bonuses, start=1)
    ]
    row = _table(ws, row, BONUS_FIELDS, bonus_rows, "无加分项。")
    merged_text(ws, row, 1, ncols, f"{seal} {chinese_date(a.as_of)}", height=18)
    print_setup(ws, landscape=True)
    ws.oddFooter.center.text = "&A 第 &P 页,共 &N 页"
    return _paginate(ws, row, True, sections=sections)


def assessment_workbook(a: Assessment, office: str, seal: str | None = None) -> ExportedBook:
    """The whole table as .xlsx bytes with the pages each sheet prints on. `a` must be ok.
    `office` issues it (发文机关); `seal` is the 落款 under each unit's sheet (default `office`)."""
    book = Workbook()
    summary = book.active
    summary.title = SUMMARY_SHEET
    pages = {SUMMARY_SHEET: _write_summary(summary, a, office)}
    taken = {SUMMARY_SHEET}
    for i, u in enumerate(a.units, start=1):
        ws = book.create_sheet(sheet_title(f"{i}-{u.name}", taken))
        pages[ws.title] = _write_detail(ws, a, u, seal or office)
    return save(book, pages)
