"""The annual assessment table (年度考核表) as a document an office can sign and send.

Sheet 1 考核汇总: title with plan and year, issuer, stage and 数据截至, one row per unit in rank order
(no cross-unit sums: a total of scores means nothing), notes in the scheme's words and the signature
lines; A4 portrait, header row repeated. Sheet 2 得分明细: every unit's block (its score, the
indicators, tasks, rounds and entries that made it, with the arithmetic, then the signature lines and
the unit's confirmation), packed one after another on A4 landscape; a block that fits on a page is
never split, the title rows repeat on every page. Names, never codes or login names; "—" where a
component does not apply to a unit. Values, not formulas: every reader (and the tests) sees the numbers.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from portal.assessment.assess import Assessment, TableStage, table_stage
from portal.assessment.scheme import Rule, criterion, task_criterion
from portal.assessment.scoring import UnitScore
from portal.core.documents import ExportedBook, chinese_date, save
from schemas.enums import Pace, TaskRole, TaskStatus
from templates_xlsx.writing import (
    CENTER,
    LEFT,
    LINE_POINTS,
    NUMBER,
    SECTION_FONT,
    SUBTITLE_FONT,
    fit_row_height,
    grid_row,
    merged_text,
    plan_pages,
    print_setup,
    report_margins,
    span_table,
    style_header,
    text_width,
    title_rows,
)

SUMMARY_SHEET = "考核汇总"
DETAIL_SHEET = "得分明细"
SUMMARY_HEADER_ROW = 3
DETAIL_TITLE_ROWS = (1, 2)
ROUND_STATES = {"on_time": "按时报送", "late": "迟报", "missing": "未报送", "not_due": "未到截止日期"}
COMPONENT_LABELS = {"indicators": "指标完成", "tasks": "任务推进", "reporting": "报送质量"}
NOT_APPLICABLE = "—"

# Lines to sign on. Under the summary: the evaluators, one row. On every unit's block: the evaluators
# on the left half and the unit's own confirmation on the right, in one row of two lines each.
# Full-width blanks keep their width in every font.
SIGNERS = "制表人：＿＿＿＿＿＿　　审核人：＿＿＿＿＿＿　　考核组成员：＿＿＿＿＿＿＿＿＿＿＿＿　　日期：　　　年　　月　　日"
SIGN_ROW_POINTS = 30.0  # room for a handwritten signature
UNIT_SIGNERS = "制表人：＿＿＿＿＿＿　审核人：＿＿＿＿＿＿\n考核组成员：＿＿＿＿＿＿＿＿＿＿＿＿　日期：　　年　　月　　日"
UNIT_CONFIRM = "被考核单位确认：□无异议　□有异议（意见另附）\n负责人签字：＿＿＿＿＿＿（单位盖章）　日期：　　年　　月　　日"
UNIT_SIGN_POINTS = 42.0  # two lines with room to write between them
SIGN_SPLIT = 7  # the evaluators' half: the first 7 grid columns

# The detail sheet's one 14-column grid; each table spans it with merged fields. The last column
# (计算过程) is wide enough for the longest working text on one line, columns 2–3 for a task's
# title, 5–7 for a 评分标准 sentence in two or three lines.
DETAIL_WIDTHS = [5, 9, 24, 9, 11, 7, 9, 9, 9, 9, 9, 9, 9, 40]
RATIO = "0.00%"
PERCENT_NUMBER = '0.#"%"'  # a percent entered as a number (80 → 80%)


def _label(enum, value) -> str:
    if value is None:
        return "未报送"
    try:
        return enum(value).label
    except ValueError:
        return str(value)


def _applies(a: Assessment, u: UnitScore, component: str) -> bool:
    """The unit has something to be assessed on in `component` (or the scheme gives it full points)."""
    lines = u.indicators if component == "indicators" else u.tasks
    return bool(lines) or a.scheme.if_nothing_assigned == "full"


def _score_or_dash(a: Assessment, u: UnitScore, component: str, score: float):
    return score if _applies(a, u, component) else NOT_APPLICABLE


def _missing_note(a: Assessment, u: UnitScore) -> list[str]:
    """Why a component shows "—" (or full points) for this unit, in the scheme's terms."""
    s = a.scheme
    notes = []
    for component, what in (("indicators", "指标"), ("tasks", "任务")):
        lines = u.indicators if component == "indicators" else u.tasks
        if lines:
            continue
        other = "tasks" if component == "indicators" else "indicators"
        if s.if_nothing_assigned == "reweight":
            notes.append(
                f"未承担{what}，{COMPONENT_LABELS[component]}分值折入{COMPONENT_LABELS[other]}"
                f"（{COMPONENT_LABELS[other]}满分 {u.maxima[other]:g}）"
            )
        elif s.if_nothing_assigned == "full":
            notes.append(f"未承担{what}，{COMPONENT_LABELS[component]}按满分计")
        else:
            notes.append(f"未承担{what}，{COMPONENT_LABELS[component]}不计分")
    return notes


def _remark(a: Assessment, u: UnitScore) -> str:
    return "；".join([*_missing_note(a, u), *([u.note] if u.note else [])])


def _grouped(a: Assessment) -> bool:
    return len({u.group for u in a.units}) > 1


def _summary_columns(a: Assessment) -> list[tuple[str, float, str | None]]:
    """(header, width, number format) of the summary, following what the scheme scores."""
    s = a.scheme
    cols = [("序号", 5, None), ("责任单位", 22, None)]
    if _grouped(a):
        cols.append(("类别", 10, None))
    cols += [
        (f"指标完成\n（{s.indicator_points:g}分）", 10, NUMBER),
        (f"任务推进\n（{s.task_points:g}分）", 10, NUMBER),
        (f"报送质量\n（{s.reporting_points:g}分）", 10, NUMBER),
    ]
    if s.qualitative:
        cols.append((f"定性评价\n（{s.qualitative_points:g}分）", 10, NUMBER))
    cols.append((f"加分\n（≤{s.bonus_max:g}分）", 9, NUMBER))
    if s.deductions or any(u.deducted for u in a.units):
        cols.append(("扣分", 8, NUMBER))
    cols += [("总分", 9, NUMBER), ("排名", 6, "0"), ("等次", 8, None), ("备注", 28, None)]
    return cols


def _summary_values(a: Assessment, u: UnitScore, i: int, headers: list[str]) -> list:
    values = [i, u.name]
    if "类别" in headers:
        values.append(u.group)
    values += [
        _score_or_dash(a, u, "indicators", u.indicator_score),
        _score_or_dash(a, u, "tasks", u.task_score),
        u.reporting_score,
    ]
    if a.scheme.qualitative:
        values.append(u.qualitative)
    values.append(u.bonus)
    if "扣分" in headers:
        values.append(u.deducted + 0.0)  # + 0.0: never a negative zero
    return [*values, u.total, u.rank, u.grade, _remark(a, u)]


def _formula(a: Assessment, with_deductions: bool) -> str:
    parts = ["指标完成", "任务推进", "报送质量"] + (["定性评价"] if a.scheme.qualitative else []) + ["加分"]
    return " ＋ ".join(parts) + (" − 扣分" if with_deductions else "")


def _stage_line(stage: TableStage) -> str:
    return f"考核阶段：{stage.label}{stage.detail}　　数据截至：{chinese_date(stage.data_as_of)}"


def _signature(ws, row: int, ncols: int, text: str) -> int:
    merged_text(ws, row, 1, ncols, text, SUBTITLE_FONT, LEFT, height=SIGN_ROW_POINTS)
    return row + 1


def _write_summary(ws, a: Assessment, issuer: str, stage: TableStage, seal: str | None = None) -> int:
    columns = _summary_columns(a)
    headers = [h for h, _, _ in columns]
    formats = [f for _, _, f in columns]
    ncols = len(columns)
    title = f"{a.plan_name}{a.year}年度考核结果汇总表"
    title_rows(ws, title, f"发文机关：{issuer}", _stage_line(stage), ncols)
    style_header(ws, SUMMARY_HEADER_ROW, headers, [w for _, w, _ in columns])
    centered = [CENTER if h in ("序号", "排名", "等次", "类别") else None for h in headers]
    row = SUMMARY_HEADER_ROW + 1
    for i, u in enumerate(a.units, start=1):
        values = _summary_values(a, u, i, headers)
        aligns = [CENTER if v == NOT_APPLICABLE else c for v, c in zip(values, centered, strict=True)]
        grid_row(ws, row, values, formats, aligns)
        row += 1
    if not a.units:
        grid_row(ws, row, ["", "本规划没有承担任务或指标的单位", *[""] * (ncols - 2)])
        row += 1
    grades = Counter(u.grade for u in a.units)
    levels = [lv.name for lv in a.scheme.levels] + [a.scheme.below]
    notes = [
        "说明：",
        f"1. 总分 ＝ {_formula(a, '扣分' in headers)}，不低于 0；报送质量 ＝ 分值 − 报送扣分，不低于 0；"
        f"各项保留两位小数。“{NOT_APPLICABLE}”表示该单位未承担此项考核内容。",
        "2. 只计入办公室审核通过的填报数据；排名按总分从高到低"
        + ("（按类别分别排名）" if _grouped(a) else "")
        + "，总分相同者名次并列。",
        "3. 等次："
        + "、".join(f"{lv.name} ≥ {lv.min:g} 分" for lv in a.scheme.levels)
        + f"，其余为{a.scheme.below}。本次："
        + "、".join(f"{name} {grades.get(name, 0)} 个" for name in levels)
        + "。",
        f"4. 评分方案：{a.scheme.source_label}；各单位得分明细及确认见“{DETAIL_SHEET}”工作表。",
        f"5. {stage.note}",
    ]
    row += 1
    tail = row  # the notes, the signature lines and the seal print on one page
    for note in notes:
        merged_text(ws, row, 1, ncols, note)
        row += 1
    row = _signature(ws, row, ncols, SIGNERS)
    merged_text(ws, row, 1, ncols, f"{seal or issuer}（盖章）", SUBTITLE_FONT, LEFT, height=SIGN_ROW_POINTS)
    ws.freeze_panes = ws.cell(row=SUMMARY_HEADER_ROW + 1, column=1)
    print_setup(ws, landscape=False, repeat_rows=f"{SUMMARY_HEADER_ROW}:{SUMMARY_HEADER_ROW}")
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    header = (SUMMARY_HEADER_ROW, SUMMARY_HEADER_ROW)
    return _paginate(ws, row, False, repeat_rows=header, blocks=[(tail, row)])


def _paginate(ws, last_row: int, landscape: bool, repeat_rows=None, sections=(), blocks=()) -> int:
    """Heights from the text, then our own page breaks: the number of A4 pages the sheet prints on."""
    report_margins(ws)
    for r in range(1, last_row + 1):
        if ws.row_dimensions[r].height is None:
            fit_row_height(ws, r)
    return plan_pages(
        ws,
        last_row,
        landscape=landscape,
        repeat_rows=repeat_rows,
        keep_with_next=sections,
        keep_together=blocks,
    )


CENTER_WRAP = Alignment(horizontal="left", vertical="center", wrap_text=True)
SPACER_POINTS = 8.0
SECTION_SMALL = Font(name="黑体", size=10, bold=True)  # a section inside a unit's block


def _gap(ws, row: int) -> int:
    """A thin empty row between units."""
    ws.row_dimensions[row].height = SPACER_POINTS
    return row + 1


SECTION_POINTS = 17.0


def _section(ws, row: int, title: str, text: str = "") -> int:
    """A section title in bold, optionally followed on the same row by plain text (what a whole
    table would say in a sentence)."""
    width = sum(DETAIL_WIDTHS) - 0.5
    lines = max(1, -(-text_width(title + text) // int(width)))
    merged_text(ws, row, 1, len(DETAIL_WIDTHS), title + text, SECTION_SMALL)
    if text:
        ws.cell(row=row, column=1).value = CellRichText(
            TextBlock(InlineFont(rFont=SECTION_SMALL.name, sz=SECTION_SMALL.sz, b=True), title),
            TextBlock(InlineFont(rFont=SUBTITLE_FONT.name, sz=SUBTITLE_FONT.sz), text),
        )
    ws.row_dimensions[row].height = max(SECTION_POINTS, lines * LINE_POINTS + 3.5)
    return row + 1


def _table(
    ws, row: int, title: str, fields, rows: list, empty: str, merge: tuple[int, int] | None = None
) -> int:
    """A section title and its table, or one line saying there is nothing (a header over no rows
    wastes paper). A header whose words fit on one line gets a one-line row. `merge`: grid
    columns whose equal text on consecutive lines is merged into one cell."""
    if not rows:
        return _section(ws, row, title, f"：{empty}")
    header = _section(ws, row, title)
    end = span_table(ws, header, fields, rows)
    ws.row_dimensions[header].height = 18.0 if fit_row_height(ws, header) <= 16.0 else 28.0
    if merge:
        _merge_down(ws, header + 1, end - 1, *merge)
    return end


def _merge_down(ws, first: int, last: int, col: int, last_col: int) -> None:
    """Merge runs of equal text in columns col..last_col down rows first..last; rows get their
    heights from the other cells, the run's last row grows if the merged text needs more."""
    texts = [ws.cell(row=r, column=col).value for r in range(first, last + 1)]
    width = sum(DETAIL_WIDTHS[col - 1 : last_col]) - 0.5
    start = first
    for r in range(first, last + 2):
        if r <= last and texts[r - first] == texts[start - first]:
            continue
        run_end = r - 1
        text = texts[start - first]
        for k in range(start, run_end + 1):
            ws.cell(row=k, column=col).value = None
            fit_row_height(ws, k)
        need = sum(max(1, -(-text_width(p) // int(width))) for p in str(text or "").split("\n"))
        need_points = need * LINE_POINTS + 3.5
        have = sum(ws.row_dimensions[k].height for k in range(start, run_end + 1))
        if need_points > have:
            ws.row_dimensions[run_end].height += need_points - have
        ws.cell(row=start, column=col).value = text
        if run_end > start:
            for k in range(start, run_end + 1):
                ws.unmerge_cells(start_row=k, start_column=col, end_row=k, end_column=last_col)
            ws.merge_cells(start_row=start, start_column=col, end_row=run_end, end_column=last_col)
            ws.cell(row=start, column=col).alignment = CENTER_WRAP
        start = r


def _round_sentence(line) -> str:
    """One round in words: state, due date, first report, and the deduction with its arithmetic."""
    when = f"，{line.submitted_at:%Y-%m-%d} 首次报送" if line.submitted_at else ""
    scored = line.working if line.deduction > 0 else "不扣分"
    return f"{line.round} {ROUND_STATES[line.state]}（截止 {line.due_date.isoformat()}{when}）：{scored}"


# Each score line in the words of a published 评分细则: 考核内容, 分值, 评分标准, then what was
# measured, the 考核分 and its arithmetic. 评分标准 (grid columns 5–7) is merged down over the lines
# that share it, as such tables print it.
INDICATOR_FIELDS = [
    ("序号", 1, None),
    ("考核内容", 2, None),
    ("分值", 1, "0.##"),
    ("评分标准", 3, None),
    ("年末目标", 1, "0.####"),
    ("实际值", 1, "0.####"),
    ("数据轮次", 1, None),
    ("完成率", 1, RATIO),
    ("进度状态", 1, None),
    ("考核分", 1, NUMBER),
    ("计算过程", 1, None),
]
TASK_FIELDS = [
    ("序号", 1, None),
    ("考核内容", 2, None),
    ("分值", 1, "0.##"),
    ("评分标准", 3, None),
    ("角色", 1, None),
    ("填报状态", 1, None),
    ("填报进度", 1, PERCENT_NUMBER),
    ("序时进度", 1, PERCENT_NUMBER),
    ("数据轮次", 1, None),
    ("考核分", 1, NUMBER),
    ("计算过程", 1, None),
]
CRITERION_COLUMNS = (5, 7)  # the grid columns 评分标准 spans
ENTRY_FIELDS = [
    ("序号", 1, None),
    ("类别", 2, None),
    ("事由及佐证", 9, None),
    ("录入日期", 1, None),
    ("分值", 1, NUMBER),
]


def _day(value) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return value.isoformat() if isinstance(value, dt.date) else ""


def _entry_rows(u: UnitScore) -> list[list]:
    """Bonus items, deductions and qualitative scores in words, without record ids or login names."""
    rows = []
    for line in u.qualitative_lines:
        got = line.row.get("entered")
        reason = line.row.get("reason") or ""
        text = reason if got is not None else "尚未评分，计 0 分"
        rows.append([f"定性评价：{line.item}（{line.points:g} 分）", text, "", line.score])
    for line in u.bonuses:
        rows.append(["加分", line.reason or "", _day(line.row.get("entered_at")), line.points])
    for line in u.deduction_entries:
        evidence = line.row.get("evidence")
        text = (line.row.get("reason") or "") + (f"（佐证：{evidence}）" if evidence else "")
        if line.row.get("counted", 0) < line.row.get("points", 0) - 1e-9:
            text += f"（该项合计不超过 {line.row.get('cap', 0):g} 分）"
        rows.append(
            [f"扣分：{line.row.get('name') or line.item}", text, _day(line.row.get("entered_at")), line.score]
        )
    return [[i, *r] for i, r in enumerate(rows, start=1)]


def _composition(a: Assessment, u: UnitScore) -> str:
    """The unit's total as one sum in words, with anything capped, reweighted or vetoed."""
    s = a.scheme

    def part(component: str, score: float) -> str:
        return (
            f"{COMPONENT_LABELS[component]} {score:.2f}"
            if _applies(a, u, component)
            else (f"{COMPONENT_LABELS[component]} {NOT_APPLICABLE}")
        )

    terms = [
        part("indicators", u.indicator_score),
        part("tasks", u.task_score),
        f"报送质量 {u.reporting_score:.2f}（{u.maxima['reporting']:g} − 报送扣分 {u.deductions + 0.0:g}）",
    ]
    if s.qualitative:
        terms.append(f"定性评价 {u.qualitative:.2f}")
    terms.append(f"加分 {u.bonus:.2f}")
    text = "得分构成：" + " ＋ ".join(terms)
    if s.deductions or u.deducted:
        text += f" − 扣分 {u.deducted + 0.0:.2f}"  # + 0.0: no "-0.00" when nothing was deducted
    text += f" ＝ {u.total:.2f}。"
    notes = _missing_note(a, u)
    if u.indicator_raw > u.maxima["indicators"] + 1e-9:
        notes.append(f"各指标得分之和 {u.indicator_raw:g}，按分值 {u.maxima['indicators']:g} 封顶")
    if u.bonus_raw > s.bonus_max + 1e-9:
        notes.append(f"加分录入合计 {u.bonus_raw:g}，按上限 {s.bonus_max:g} 计")
    if u.note:
        notes.append(u.note)
    return text + ("；".join(notes) + "。" if notes else "")


def _line_rule(base: Rule, items: dict, code: str) -> Rule:
    """The rule a line was scored by: its item's override, else the component's."""
    item = items.get(code)
    return item.rule if item is not None and item.rule is not None else base


def _cap(s, line) -> float | None:
    return s.ratio_cap if line.rule == "linear" else None


def _component_title(a: Assessment, u: UnitScore, component: str, number: str) -> str:
    """“（一）指标完成（分值 60；考核分 48.00；自评分 50.00” — the caller closes the bracket
    for tasks (which add their measure), indicators are closed here."""
    score = u.indicator_score if component == "indicators" else u.task_score
    title = f"{number}{COMPONENT_LABELS[component]}（分值 {u.maxima[component]:g}；考核分 "
    title += f"{score:.2f}" if _applies(a, u, component) else NOT_APPLICABLE
    own = u.self_scores.get(component) if u.self_scores else None
    if own is not None:
        title += f"；自评分 {own:.2f}" + ("，差异较大" if component in (u.self_flagged or []) else "")
    return title + ("）" if component == "indicators" else "")


def _unit_block(ws, row: int, a: Assessment, u: UnitScore, i: int) -> tuple[int, list[int], int]:
    """One unit's rows from `row`; returns the next free row, its section rows and where the rows
    that must stay with the signature lines begin."""
    s = a.scheme
    ncols = len(DETAIL_WIDTHS)
    merged_text(
        ws,
        row,
        1,
        ncols,
        f"{i}. {u.name}　　总分 {u.total:.2f} 分，排名第 {u.rank} 名，等次：{u.grade}",
        SECTION_FONT,
        height=20,
    )
    row += 1
    merged_text(ws, row, 1, ncols, _composition(a, u))
    row += 1
    sections = [row]
    ind_rows = [
        [
            k,
            f"{line.name}（{line.measure_unit}）" if line.measure_unit else line.name,
            round(line.points, 4),
            criterion(_line_rule(s.indicator_rule, s.indicator_items, line.item), "完成率", _cap(s, line)),
            line.target,
            line.actual,
            line.round or "",
            line.ratio,
            _label(Pace, line.pace) if line.pace else "",
            line.score,
            line.working,
        ]
        for k, line in enumerate(u.indicators, start=1)
    ]
    row = _table(
        ws,
        row,
        _component_title(a, u, "indicators", "（一）"),
        INDICATOR_FIELDS,
        ind_rows,
        "本单位未承担本规划的指标。",
        CRITERION_COLUMNS,
    )
    own = s.status_source == "own"
    source = "本单位" if own else "牵头单位"
    task_rows = [
        [
            k,
            " ".join(p for p in (line.number, line.name) if p),
            round(line.points, 4),
            task_criterion(_line_rule(s.task_rule, s.task_items, line.item), s),
            _label(TaskRole, line.role),
            _label(TaskStatus, line.scored_status),
            line.scored_percent,
            line.scored_expected if s.task_measure == "schedule" else None,
            line.scored_round or "",
            line.score,
            line.working,
        ]
        for k, line in enumerate(u.tasks, start=1)
    ]
    sections.append(row)
    row = _table(
        ws,
        row,
        _component_title(a, u, "tasks", "（二）")
        + f"；以{source}年内最后一次审核通过的填报为准；牵头 {s.lead_share:g}、配合 {s.helpers_share:g}）",
        TASK_FIELDS,
        task_rows,
        "本单位未承担本规划年内到期的任务。",
        CRITERION_COLUMNS,
    )
    sections.append(row)
    rounds = "；".join(_round_sentence(line) for line in u.rounds)
    row = _section(
        ws,
        row,
        f"（三）报送质量（分值 {u.maxima['reporting']:g}；迟报每天扣 {s.per_late_day:g}、每次扣 {s.per_late_round:g}，"
        f"退回每次扣 {s.per_returned:g}，未报送每季度扣 {s.per_missing_round:g}）",
        f"：{rounds}。" if rounds else "：本年度尚无调度轮次。",
    )
    kinds = (["定性评价"] if s.qualitative else []) + ["加分"] + (["扣分"] if s.deductions else [])
    sections.append(row)
    tail = row
    row = _table(
        ws,
        row,
        f"（四）{'、'.join(kinds)}（加分合计不超过 {s.bonus_max:g} 分）",
        ENTRY_FIELDS,
        _entry_rows(u),
        "无。",
    )
    merged_text(ws, row, 1, SIGN_SPLIT, UNIT_SIGNERS, SUBTITLE_FONT, LEFT, height=UNIT_SIGN_POINTS)
    merged_text(ws, row, SIGN_SPLIT + 1, ncols, UNIT_CONFIRM, SUBTITLE_FONT, LEFT)
    return row + 1, sections, tail


def _write_details(ws, a: Assessment, issuer: str, stage: TableStage) -> int:
    ncols = len(DETAIL_WIDTHS)
    title_rows(
        ws, f"{a.plan_name}{a.year}年度考核得分明细表", f"发文机关：{issuer}", _stage_line(stage), ncols
    )
    ws.row_dimensions[1].height = 26  # repeated on every page: no taller than the title needs
    for j, width in enumerate(DETAIL_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(j)].width = width
    row = DETAIL_TITLE_ROWS[1] + 1
    sections: list[int] = []
    blocks: list[tuple[int, int]] = []
    for i, u in enumerate(a.units, start=1):
        first = row = _gap(ws, row) if i > 1 else row
        row, unit_sections, tail = _unit_block(ws, row, a, u, i)
        sections += [first, *unit_sections]
        blocks += [(first, row - 1), (tail, row - 1)]
    if not a.units:
        merged_text(ws, row, 1, ncols, "本规划没有承担任务或指标的单位。")
        row += 1
    print_setup(ws, landscape=True, repeat_rows=f"{DETAIL_TITLE_ROWS[0]}:{DETAIL_TITLE_ROWS[1]}")
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    return _paginate(ws, row - 1, True, repeat_rows=DETAIL_TITLE_ROWS, sections=sections, blocks=blocks)


def assessment_workbook(a: Assessment, issuer: str, seal: str | None = None) -> ExportedBook:
    """The whole table as .xlsx bytes with the pages each sheet prints on. `a` must be ok; `issuer`
    is the office printed as 发文机关, `seal` its 落款 above the seal (default `issuer`)."""
    stage = table_stage(a)
    book = Workbook()
    summary = book.active
    summary.title = SUMMARY_SHEET
    pages = {SUMMARY_SHEET: _write_summary(summary, a, issuer, stage, seal)}
    details = book.create_sheet(DETAIL_SHEET)
    pages[DETAIL_SHEET] = _write_details(details, a, issuer, stage)
    return save(book, pages)
