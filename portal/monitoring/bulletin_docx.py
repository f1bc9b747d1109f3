"""The quarterly bulletin (季度通报) as a Word document an office can issue, laid out after GB/T 9704.

A4, 版心 156 × 225 mm (margins top 37, bottom 35, left 28, right 26 mm), about 28 characters × 22
lines: body 仿宋_GB2312 三号 (16 pt) on a fixed 28.95 pt line, title 方正小标宋简体 二号 (22 pt),
first-level headings 黑体, second-level 楷体_GB2312. Fonts are named by their East Asian name; where
they are absent the viewer falls back (Noto CJK on these machines). The tables of the bulletin
workbook (bulletin_xlsx) travel with it as 附件. Text comes from the Bulletin and from what the office
wrote or edited on the page (BulletinTexts); numbers are rounded for paper, tasks named as the plan
numbers them, the plan by its name, a quarter in words.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import polars as pl
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from portal.core.documents import chinese_date
from portal.monitoring.bulletin import (
    DEFAULT_RULES,
    LATE,
    ON_TIME,
    RATINGS,
    Bulletin,
    QuoteRules,
    amount_text,
    issued_on,
    not_yet_due_units,
    overdue_units,
    pick_quotes,
    problem_counts,
    ranking,
    task_label,
)
from schemas.quarters import Quarter

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
LATIN_FONT = "Times New Roman"
BODY_PT = 16  # 三号
TITLE_PT = 22  # 二号
TABLE_PT = 12  # 小四: a table of nine columns fits the 156 mm 版心
LINE_PT = 28.95  # 225 mm / 22 lines
TABLE_ROW_MM = 9  # every table row one height
ATTACHMENT_NAME = "附件"
SUBJECT = "科技创新重点任务调度情况"
PROBLEM_HEADERS = ["序号", "责任单位", "问题", "反馈期限", "逾期天数"]
PROBLEM_WIDTHS_MM = [12, 36, 52, 34, 22]  # 156 mm 版心: a date and 逾期天数 on one line


@dataclass
class BulletinTexts:
    """What the office writes or edits on the page before export (one item per line)."""

    highlights: str = ""  # 亮点: quotes picked by pick_quotes, edited
    problems: str = ""  # 存在问题: quotes picked by pick_quotes, edited
    requirements: str = ""  # 下步要求: the office's own text
    doc_number: str = ""  # 文号's number; blank leaves room to fill by hand


def default_texts(b: Bulletin, rules: QuoteRules = DEFAULT_RULES) -> BulletinTexts:
    """The texts the page starts from: the quotes picked by `rules`, nothing written yet."""
    highlights, problems = pick_quotes(b, rules)
    return BulletinTexts(
        highlights="\n".join(q.line() for q in highlights),
        problems="\n".join(q.line() for q in problems),
    )


def title(b: Bulletin) -> str:
    """关于2025年第二季度科技创新重点任务调度情况的通报."""
    return f"关于{Quarter(b.year, b.quarter).label}{SUBJECT}的通报"


def _office_name(b: Bulletin, fallback: str) -> str:
    return (b.office or {}).get("name") or fallback


def _fonts(run, east_asian: str, size: float, bold: bool = False) -> None:
    run.font.name = LATIN_FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asian)


def _para(doc, text: str = "", font: str = BODY_FONT, size: float = BODY_PT, align=None, indent: bool = True):
    p = doc.add_paragraph()
    fmt = p.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(LINE_PT)
    fmt.space_before = fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    if align is not None:
        p.alignment = align
    if text:
        _fonts(p.add_run(text), font, size)
    return p


def _heading(doc, text: str, level: int = 1):
    return _para(doc, text, HEADING_FONT if level == 1 else SUBHEADING_FONT)


def _table_header(row) -> None:
    """Repeat this row at the top of every page the table runs onto (w:tblHeader)."""
    props = row._tr.get_or_add_trPr()
    for tag in ("w:tblHeader", "w:cantSplit"):
        el = OxmlElement(tag)
        el.set(qn("w:val"), "true")
        props.append(el)


def _fixed_height(row) -> None:
    from docx.enum.table import WD_ROW_HEIGHT_RULE

    row.height = Mm(TABLE_ROW_MM)
    row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    el = OxmlElement("w:cantSplit")
    el.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(el)


def _table(doc, headers: list[str], widths_mm: list[float], rows: list[list[str]]):
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for record, is_header in [(headers, True), *[(r, False) for r in rows]]:
        row = table.rows[0] if is_header else table.add_row()
        _fixed_height(row)
        if is_header:
            _table_header(row)
        for cell, text, width in zip(row.cells, record, widths_mm, strict=True):
            cell.width = Mm(width)
            p = cell.paragraphs[0]
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _fonts(p.add_run(str(text)), HEADING_FONT if is_header else BODY_FONT, TABLE_PT)
    return table


def _page(doc) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(BODY_PT)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    # page number in the footer: "— 1 —"
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _fonts(footer.add_run("— "), BODY_FONT, 14)
    run = footer.add_run()
    _fonts(run, BODY_FONT, 14)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.text = text
        run._element.append(el)
    _fonts(footer.add_run(" —"), BODY_FONT, 14)


def _rule(paragraph, side: str) -> None:
    """A thin line above or below a paragraph (the 版记's rules)."""
    borders = OxmlElement("w:pBdr")
    line = OxmlElement(f"w:{side}")
    for key, value in (("val", "single"), ("sz", "6"), ("space", "1"), ("color", "000000")):
        line.set(qn(f"w:{key}"), value)
    borders.append(line)
    paragraph._p.get_or_add_pPr().append(borders)


def _names(frame: pl.DataFrame) -> str:
    return "、".join(frame["name"].fill_null("").to_list())


def _overall(b: Bulletin) -> list[str]:
    c = b.completion
    reported = b.on_time + b.late
    rate = "—" if c.rate is None else f"{c.rate:.1%}"
    overdue, pending = overdue_units(b), not_yet_due_units(b)
    due = chinese_date(c.due_date)
    if pending.height:  # an open round: say as of when, and keep 未到截止 apart from 逾期
        lines = [
            f"截至{chinese_date(b.today)}，本季度应报送单位 {c.expected} 个，已报送 {reported} 个，"
            f"报送率 {rate}；其中按时报送 {b.on_time} 个，迟报 {b.late} 个。未报送 {b.missing} 个，"
            f"其中未到截止日期（{due}）{pending.height} 个，已逾期 {overdue.height} 个。"
        ]
    else:
        lines = [
            f"本季度报送截止日期为{due}。应报送单位 {c.expected} 个，已报送 {reported} 个，报送率 {rate}；"
            f"其中按时报送 {b.on_time} 个，迟报 {b.late} 个，逾期未报送 {overdue.height} 个。"
        ]
        if b.today > c.due_date and overdue.height:
            lines.append(
                f"截至{chinese_date(b.today)}，已过截止日期 {(b.today - c.due_date).days} 天，仍有单位未报送。"
            )
    return lines


def _pace_lines(b: Bulletin) -> list[str]:
    counts = {k: int(b.pace[k].sum()) for k in ("indicators", "green", "yellow", "red", "unreported")}
    lines = [
        f"纳入监测的指标 {counts['indicators']} 个，对照序时进度（按规划目标推算到本季度末应达到的水平）："
        f"进度正常 {counts['green']} 个，稍缓（落后序时进度 10% 以内）{counts['yellow']} 个，"
        f"滞后 {counts['red']} 个；本期未报或未审核 {counts['unreported']} 个，不计入滞后。"
    ]
    for r in b.red_list.iter_rows(named=True):
        lines.append(
            f"{r['name']}：{r['owner_name'] or ''}报送 {amount_text(r['actual'], r['measure_unit'])}，"
            f"序时进度 {amount_text(r['expected'], r['measure_unit'])}。"
        )
    carried = b.unreported.filter(pl.col("actual").is_not_null()) if b.unreported is not None else None
    if carried is not None and carried.height:
        shown = [
            f"{r['name']}（{amount_text(r['actual'], r['measure_unit'])}，"
            f"{Quarter.parse(r['actual_round']).label}数据）"
            for r in carried.iter_rows(named=True)
        ]
        lines.append("沿用以前季度数据、本季度未报或未审核的指标：" + "、".join(shown) + "。")
    return lines


def _call_out(b: Bulletin) -> list[str]:
    lines = []
    late = b.reporting.filter(pl.col("timing") == LATE)
    overdue = overdue_units(b)
    if late.height:
        lines.append(f"迟报的单位：{_names(late)}。")
    if overdue.height:
        lines.append(f"逾期未报送的单位：{_names(overdue)}。")
    behind_units = b.red_list["owner_name"].drop_nulls().unique(maintain_order=True).to_list()
    if behind_units:
        lines.append(f"有指标滞后的单位：{'、'.join(behind_units)}。")
    task_units = b.tasks_behind["lead_name"].drop_nulls().unique(maintain_order=True).to_list()
    if task_units:
        tasks = "、".join(task_label(t["number"], t["title"]) for t in b.tasks_behind.iter_rows(named=True))
        lines.append(f"牵头任务滞后的单位：{'、'.join(task_units)}（{tasks}）。")
    return lines or ["本季度没有需要点名的单位。"]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def bulletin_document(b: Bulletin, texts: BulletinTexts, fallback_office: str) -> bytes:
    """The bulletin as .docx bytes."""
    doc = Document()
    _page(doc)
    office = b.office or {}
    name = _office_name(b, fallback_office)
    issued = issued_on(b)
    prefix = office.get("doc_prefix") or ""
    number = texts.doc_number.strip() or "　　"
    if prefix:  # 文号 only for an office that has a 文号前缀 in the offices table
        _para(doc, f"{prefix}〔{issued.year}〕{number}号", align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _para(doc, indent=False)
    _para(
        doc, title(b), TITLE_FONT, TITLE_PT, WD_ALIGN_PARAGRAPH.CENTER, indent=False
    ).paragraph_format.line_spacing = Pt(36)
    _para(doc, indent=False)
    recipients = office.get("recipients") or "各责任单位"
    _para(doc, f"{recipients}：", indent=False)
    scope = f"《{b.plan_name}》" if b.plan_name else "各规划"
    _para(
        doc,
        f"根据{scope}任务分解和季度调度安排，现将{Quarter(b.year, b.quarter).label}重点任务和指标推进情况通报如下。",
    )

    _heading(doc, "一、总体情况")
    for line in _overall(b):
        _para(doc, line)

    _heading(doc, "二、指标进度")
    for line in _pace_lines(b):
        _para(doc, line)

    _heading(doc, "三、单位排名")
    _para(
        doc,
        "综合报送时效、指标进度和牵头任务进展，将各单位分为绿、黄、红三档（红：逾期未报或有指标滞后；黄：迟报、指标稍缓或牵头任务滞后；绿：其余）。",
    )
    ranked = ranking(b)
    rows = [
        [
            str(r["rank"]),
            r["name"] or "",
            {ON_TIME: "按时", LATE: "迟报"}.get(r["timing"], "逾期" if r["overdue"] else "未报"),
            str(r["green"]),
            str(r["yellow"]),
            str(r["red"]),
            str(r["unreported"]),
            str(r["tasks_behind"]),
            RATINGS[r["rating"]],
        ]
        for r in ranked.iter_rows(named=True)
    ]
    _table(
        doc,
        ["排名", "单位", "报送", "正常", "稍缓", "滞后", "未报", "任务滞后", "评价"],
        [12, 48, 14, 14, 14, 14, 14, 16, 10],
        rows,
    )

    _heading(doc, "四、工作亮点")
    for line in _lines(texts.highlights) or ["本季度各单位报送的进展情况中暂无超前于序时进度的事项。"]:
        _para(doc, line)

    _heading(doc, "五、存在问题")
    _heading(doc, "（一）单位反映的问题", level=2)
    for line in _lines(texts.problems) or ["各单位本季度未反映突出问题。"]:
        _para(doc, line)
    _heading(doc, "（二）需要督促的单位", level=2)
    for line in _call_out(b):
        _para(doc, line)
    counts = problem_counts(b)
    if counts.assigned:  # only where the office uses the 问题库
        _heading(doc, "（三）问题整改", level=2)
        _para(doc, counts.line())
    if counts.overdue.height:
        _para(doc, "逾期未销号的问题（按责任单位）：")
        rows = [
            [str(i), r["unit_name"] or "", r["title"], chinese_date(r["due_date"]), str(r["days_overdue"])]
            for i, r in enumerate(counts.overdue.iter_rows(named=True), start=1)
        ]
        _table(doc, PROBLEM_HEADERS, PROBLEM_WIDTHS_MM, rows)

    _heading(doc, "六、下步要求")
    for line in _lines(texts.requirements) or ["请各单位对照序时进度查找差距，按时报送下季度调度数据。"]:
        _para(doc, line)

    _para(doc)
    _para(doc, f"{ATTACHMENT_NAME}：1. {Quarter(b.year, b.quarter).label}指标进度和滞后任务表", indent=True)
    _para(doc, f"　　　2. {Quarter(b.year, b.quarter).label}各单位报送情况表", indent=True)
    # 落款: three blank lines for the seal, then the issuing body and the date, right-aligned
    for _ in range(3):
        _para(doc, indent=False)
    seal = office.get("seal_text") or name
    _para(doc, f"{seal}　　", align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    _para(doc, f"{chinese_date(issued)}　　　", align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    _para(doc, indent=False)
    parent = (b.parent_office or {}).get("name")
    if parent:
        _rule(_para(doc, f"抄送：{parent}。", size=14, indent=False), "top")
    _rule(
        _para(doc, f"{name}　　　　{chinese_date(issued)}印发", size=14, indent=False),
        "bottom" if parent else "top",
    )
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
