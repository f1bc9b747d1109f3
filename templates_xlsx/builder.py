"""The unit's quarterly workbook: instructions, one sheet per template spec, a signed hidden `_meta`.

Everything about a data sheet's columns comes from its `SheetSpec`: the builder loops over
`spec.columns` for headers, widths, which cells are inputs and what Excel validation they get.
Pre-filled cells are locked and the sheets protected *without a password*: protection is a guide
against slips, not security. What makes tampering detectable is the HMAC signature in `_meta`.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from schemas.enums import IndicatorKind, TaskStatus
from schemas.sheets import (
    INDICATOR_SHEET,
    INSTRUCTIONS,
    LIST_SHEETS,
    META_KEYS,
    META_SHEET,
    TASK_SHEET,
    TEMPLATE_SHEETS,
    TEMPLATE_VERSION,
    Column,
    ColumnType,
    SheetSpec,
    column_letter,
)
from templates_xlsx import instructions as text
from templates_xlsx.fastbook import FastBook, Unsupported
from templates_xlsx.rawzip import Deflated
from templates_xlsx.signature import META_ROW_KEYS, join_keys, sign_meta
from templates_xlsx.writing import (
    BODY_FONT,
    BORDER,
    CENTER,
    HEADER_FILL,
    HEADER_FONT,
    INPUT_FILL,
    INPUT_HEADER_FILL,
    TITLE_FONT,
    UNLOCKED,
    WRAP,
    CellStyles,
    print_setup,
    put,
    put_cell,
    style_header,
)

# No password: anyone may unprotect a sheet in Excel/WPS, and that is fine. Protection only keeps
# clerks from overtyping pre-filled cells by accident; integrity is the signature's job.
SHEET_PASSWORD: str | None = None

# Excel rejects text typed into a cell with a decimal validation; an open range still needs bounds.
_NO_LIMIT = 1e15

# Rough row-height estimate for wrapped pre-filled text (Excel does not re-fit rows openpyxl wrote).
_LINE_HEIGHT = 13.5
_MAX_LINES = 8

_MILESTONE = {IndicatorKind.MILESTONE.value, IndicatorKind.MILESTONE.label}
_ROUND = re.compile(r"^(\d{4})Q([1-4])$")


@dataclass
class TemplateContext:
    """Everything one unit's workbook shows. Row dicts are keyed by the sheet spec's column keys,
    with values as the unit should read them (labels, names); an indicator row may also carry
    `allow_negative` (not a visible column) to lift the ≥ 0 bound on its numeric inputs."""

    unit: str
    unit_name: str
    round: str
    due_date: dt.date
    generated_at: dt.datetime
    office_name: str
    office_contact: str
    plans: list[str] = field(default_factory=list)
    indicators: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    template_version: str = TEMPLATE_VERSION
    # list type → the unit's indicators backed by it (a list sheet per type, schemas.sheets.LIST_SHEETS)
    lists: dict[str, list[str]] = field(default_factory=dict)

    def rows_for(self, spec: SheetSpec) -> list[dict[str, Any]]:
        return {INDICATOR_SHEET.key: self.indicators, TASK_SHEET.key: self.tasks}[spec.key]

    def keys_for(self, spec: SheetSpec) -> list[str]:
        return [str(row[spec.row_key]) for row in self.rows_for(spec)]

    @property
    def is_empty(self) -> bool:
        return not self.indicators and not self.tasks


@dataclass(frozen=True)
class Bounds:
    """The range a numeric input accepts; `whole` for integers only. None = unbounded that side."""

    min_value: float | None = None
    max_value: float | None = None
    whole: bool = False


def input_bounds(column: Column, row: Mapping[str, Any]) -> Bounds:
    """What Excel enforces on this row's numeric input (the validator should check the same).

    The spec's min/max win; otherwise numbers we collect are ≥ 0 unless the row says
    `allow_negative`. A milestone is 0 (not yet) or 1 (achieved).
    """
    if row.get("kind") in _MILESTONE:
        return Bounds(0, 1, whole=True)
    low = column.min_value
    if low is None and not row.get("allow_negative"):
        low = 0
    return Bounds(low, column.max_value, whole=column.type == ColumnType.INT)


def round_label(code: str) -> str:
    """2025Q3 → 2025年第3季度 (the code itself if it is not a quarter)."""
    m = _ROUND.match(code)
    return f"{m[1]}年第{m[2]}季度" if m else code


def _date_text(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def meta_values(ctx: TemplateContext, secret: bytes) -> dict[str, str]:
    """The `_meta` sheet's key/value pairs, signature included, in `META_KEYS` order."""
    meta = {
        "template_version": ctx.template_version,
        "unit": ctx.unit,
        "unit_name": ctx.unit_name,
        "round": ctx.round,
        "generated_at": ctx.generated_at.isoformat(timespec="seconds"),
    }
    for spec in TEMPLATE_SHEETS:
        meta[META_ROW_KEYS[spec.key]] = join_keys(ctx.keys_for(spec))
    meta["signature"] = sign_meta(meta, secret)
    return {key: meta[key] for key in META_KEYS}


def build_template(ctx: TemplateContext, secret: bytes) -> bytes:
    """The .xlsx bytes of one unit's template for one round.

    Laid out once by the functions below, written by `fastbook` (the same XML as openpyxl's,
    several times faster: a province round is 2,000 workbooks); openpyxl writes it when the
    context holds something the fast writer does not handle."""
    book = FastBook()
    try:
        build_into(book, ctx, secret)
        return book.save_bytes()
    except Unsupported:
        return build_template_openpyxl(ctx, secret)


def build_deflated(ctx: TemplateContext, secret: bytes) -> tuple[bytes, Deflated]:
    """`build_template`, and the bytes compressed for a round's .zip (in the worker that built them)."""
    data = build_template(ctx, secret)
    return data, Deflated.of(data)


def warm() -> None:
    """Nothing: a worker process that runs it has imported the builder (openpyxl and all)."""


def build_into(book: FastBook, ctx: TemplateContext, secret: bytes) -> None:
    """Lay the template out in a fresh `FastBook` (templates_xlsx.fill types inputs into it before saving)."""
    _check_keys(ctx)
    _compose(book, ctx, secret)
    book.lock_structure = True
    book.creator = ctx.office_name
    book.title = _book_title(ctx)


def build_template_openpyxl(ctx: TemplateContext, secret: bytes) -> bytes:
    """The same workbook built and saved by openpyxl (the reference the fast writer is tested against)."""
    _check_keys(ctx)
    book = Workbook()
    book.remove(book.active)
    _compose(book, ctx, secret)
    book.security = WorkbookProtection(lockStructure=True)
    book.properties.creator = ctx.office_name
    book.properties.title = _book_title(ctx)
    book.active = 0
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _book_title(ctx: TemplateContext) -> str:
    return f"{ctx.unit_name} {round_label(ctx.round)} {text.TITLE}"


def _compose(book: Workbook | FastBook, ctx: TemplateContext, secret: bytes) -> None:
    styles = CellStyles()
    _write_instructions(book.create_sheet(INSTRUCTIONS.name), ctx, styles)
    for spec in TEMPLATE_SHEETS:
        _write_data_sheet(book.create_sheet(spec.name), spec, ctx.rows_for(spec), ctx, styles)
    for spec in LIST_SHEETS:
        if ctx.lists.get(spec.list_type):
            _write_list_sheet(book.create_sheet(spec.name), spec, ctx.lists[spec.list_type], ctx, styles)
    _write_meta(book.create_sheet(META_SHEET.name), meta_values(ctx, secret))


def _check_keys(ctx: TemplateContext) -> None:
    """Row keys must be usable in `_meta`: present, unique, without the separator (a registry fault)."""
    for spec in TEMPLATE_SHEETS:
        keys = ctx.keys_for(spec)
        bad = [k for k in keys if not k.strip() or "," in k or k != k.strip()]
        if bad or len(set(keys)) != len(keys):
            raise ValueError(f"{spec.name}: row keys must be unique, non-blank, without commas: {keys}")


# ---------------------------------------------------------------- data sheets


def _display(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if column.type == ColumnType.CODES and isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    if column.type == ColumnType.BOOL:
        return "是" if value else "否"
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _protect(ws: Worksheet, allow_filter: bool = False) -> None:
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # people may widen columns and rows to read
    ws.protection.formatRows = False
    ws.protection.autoFilter = not allow_filter
    if SHEET_PASSWORD:
        ws.protection.password = SHEET_PASSWORD


_SUBTITLE_FONT = Font(name="宋体", size=10, color="595959")
_TOP = Alignment(vertical="top")
_TOP_WRAP = Alignment(vertical="top", wrap_text=True)
_MIDDLE = Alignment(vertical="center")
_LABEL_FONTS = {plain: Font(name="宋体", size=10, bold=not plain) for plain in (False, True)}


def _title_rows(ws: Worksheet, spec: SheetSpec, ctx: TemplateContext, count: int, styles: CellStyles) -> None:
    # Not merged: the text overflows into the empty cells beside it, and merges are slow to write.
    if spec.header_row >= 2:
        styles.apply(ws.cell(row=1, column=1), "title", font=TITLE_FONT, alignment=_MIDDLE)
        put(ws, 1, 1, f"{spec.title}({ctx.unit_name} · {round_label(ctx.round)})")
        ws.row_dimensions[1].height = 26
    if spec.header_row >= 3:
        noun = "个" if spec.item == "指标" else "项"
        what = (
            f"本单位本轮需填报{spec.item} {count} {noun}" if count else f"本单位本轮没有需要填报的{spec.item}"
        )
        styles.apply(ws.cell(row=2, column=1), "subtitle", font=_SUBTITLE_FONT)
        put(
            ws,
            2,
            1,
            f"填报单位：{ctx.unit_name}（{ctx.unit}）  截止日期：{_date_text(ctx.due_date)}  {what}。"
            "黄色单元格为填报项，其余为预填内容（已锁定）。",
        )


def _write_data_sheet(
    ws: Worksheet,
    spec: SheetSpec,
    rows: Sequence[Mapping[str, Any]],
    ctx: TemplateContext,
    styles: CellStyles,
) -> None:
    _title_rows(ws, spec, ctx, len(rows), styles)
    style_header(ws, spec.header_row, spec.headers, [c.width for c in spec.columns], styles)
    for j, c in enumerate(spec.columns, start=1):
        if c.input:
            ws.cell(row=spec.header_row, column=j).fill = INPUT_HEADER_FILL
    first = spec.first_data_row
    looks = {
        c.key: {
            "font": BODY_FONT,
            "border": BORDER,
            "alignment": WRAP if c.wrap else _TOP,
            **({"protection": UNLOCKED, "fill": INPUT_FILL} if c.input else {}),
        }
        for c in spec.columns
    }
    # What each column's cells need, worked out once, not once a cell (a round is ~100,000 rows).
    columns = [
        (j, c, c.key, ("data", c.wrap, c.input), looks[c.key], c.wrap, max(c.width - 1, 1))
        for j, c in enumerate(spec.columns, start=1)
    ]
    for i, row in enumerate(rows):
        r = first + i
        lines = 1
        for j, c, key, kind, look, wrap, width in columns:
            value = _display(c, row.get(key))
            put_cell(styles.apply_looks(ws.cell(r, j), kind, look), value)
            if wrap and isinstance(value, str):
                # A CJK character is about two width units wide.
                lines = max(lines, math.ceil(len(value) * 2 / width))
        if lines > 1:
            ws.row_dimensions[r].height = min(lines, _MAX_LINES) * _LINE_HEIGHT
    _add_validations(ws, spec, rows)
    last_row = max(first, first + len(rows) - 1)
    ws.freeze_panes = ws.cell(row=first, column=2)
    ws.auto_filter.ref = f"A{spec.header_row}:{column_letter(len(spec.columns) - 1)}{last_row}"
    _protect(ws, allow_filter=True)
    print_setup(ws, repeat_rows=f"1:{spec.header_row}")


def _ranges(letter: str, excel_rows: list[int]) -> str:
    """Consecutive rows folded into ranges: N4:N9 N12."""
    parts, start = [], None
    for k, r in enumerate(excel_rows):
        if start is None:
            start = r
        if k + 1 == len(excel_rows) or excel_rows[k + 1] != r + 1:
            parts.append(f"{letter}{start}" if start == r else f"{letter}{start}:{letter}{r}")
            start = None
    return " ".join(parts)


def _number_validation(bounds: Bounds) -> DataValidation:
    low, high = bounds.min_value, bounds.max_value
    kind = "whole" if bounds.whole else "decimal"
    if low is not None and high is not None:
        operator, f1, f2 = "between", low, high
        error = f"请输入 {_num(low)} 到 {_num(high)} 之间的{'整数' if bounds.whole else '数字'}。"
    elif low is not None:
        operator, f1, f2 = "greaterThanOrEqual", low, None
        error = f"请输入不小于 {_num(low)} 的数字。"
    elif high is not None:
        operator, f1, f2 = "lessThanOrEqual", high, None
        error = f"请输入不大于 {_num(high)} 的数字。"
    else:
        operator, f1, f2 = "between", -_NO_LIMIT, _NO_LIMIT
        error = "请输入数字。"
    return DataValidation(
        type=kind,
        operator=operator,
        formula1=_num(f1),
        formula2=None if f2 is None else _num(f2),
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop",
        errorTitle="输入无效",
        error=error + "不要带单位、百分号或逗号；没有数据请留空。",
    )


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < _NO_LIMIT * 10 else repr(value)


def _with_prompt(dv: DataValidation, column: Column) -> DataValidation:
    if column.help:
        dv.showInputMessage = True
        dv.promptTitle = column.header[:32]  # Excel's limits: 32 for the title, 255 for the text
        dv.prompt = column.help[:255]
    return dv


def _add_validations(ws: Worksheet, spec: SheetSpec, rows: Sequence[Mapping[str, Any]]) -> None:
    if not rows:
        return
    first = spec.first_data_row
    for j, c in enumerate(spec.columns):
        if not c.input:
            continue
        letter = column_letter(j)
        if c.type in (ColumnType.NUMBER, ColumnType.INT):
            groups: dict[Bounds, list[int]] = {}
            for i, row in enumerate(rows):
                groups.setdefault(input_bounds(c, row), []).append(first + i)
            for bounds, excel_rows in groups.items():
                dv = _with_prompt(_number_validation(bounds), c)
                dv.sqref = _ranges(letter, excel_rows)
                ws.add_data_validation(dv)
            continue
        if c.choices:
            dv = DataValidation(
                type="list",
                formula1='"' + ",".join(c.choices) + '"',
                allow_blank=True,
                showErrorMessage=True,
                errorStyle="stop",
                errorTitle="输入无效",
                error="请从下拉列表中选择：" + "、".join(c.choices) + "。",
            )
        elif c.help:
            dv = DataValidation(allow_blank=True)  # no rule, only the input prompt
        else:
            continue
        dv = _with_prompt(dv, c)
        dv.sqref = f"{letter}{first}:{letter}{first + len(rows) - 1}"
        ws.add_data_validation(dv)


# ---------------------------------------------------------------- list sheets (名单)


def _write_list_sheet(
    ws: Worksheet, spec: SheetSpec, indicators: Sequence[str], ctx: TemplateContext, styles: CellStyles
) -> None:
    """A blank list: title, header, and validations down to the sheet's row budget. Not protected:
    every cell is the unit's to fill, one row per item, as many rows as there are items."""
    styles.apply(ws.cell(row=1, column=1), "title", font=TITLE_FONT, alignment=_MIDDLE)
    put(ws, 1, 1, f"{spec.title}（{ctx.unit_name} · {round_label(ctx.round)}）")
    ws.row_dimensions[1].height = 26
    styles.apply(ws.cell(row=2, column=1), "subtitle", font=_SUBTITLE_FONT)
    put(
        ws,
        2,
        1,
        f"每行填一个{spec.item}，行数不限；“{spec.column('indicator').header}”选择本行计入的指标"
        f"（{'、'.join(indicators)}），同一{spec.item}计入几个指标就填几行。指标的本期值应与名单条数一致。",
    )
    style_header(ws, spec.header_row, spec.headers, [c.width for c in spec.columns], styles)
    for j in range(1, len(spec.columns) + 1):
        ws.cell(row=spec.header_row, column=j).fill = INPUT_HEADER_FILL
    first, last = spec.first_data_row, spec.max_rows
    for j, c in enumerate(spec.columns):
        letter = column_letter(j)
        if c.key == "indicator":
            choices = list(indicators)
        elif c.choices:
            choices = list(c.choices)
        else:
            choices = []
        if choices:
            dv = DataValidation(
                type="list",
                formula1='"' + ",".join(choices) + '"',
                allow_blank=True,
                showErrorMessage=True,
                errorStyle="stop",
                errorTitle="输入无效",
                error="请从下拉列表中选择：" + "、".join(choices) + "。",
            )
        elif c.type in (ColumnType.NUMBER, ColumnType.INT):
            dv = _number_validation(Bounds(c.min_value, c.max_value, whole=c.type == ColumnType.INT))
        elif c.help:
            dv = DataValidation(allow_blank=True)
        else:
            continue
        dv = _with_prompt(dv, c)
        dv.sqref = f"{letter}{first}:{letter}{last}"
        ws.add_data_validation(dv)
    ws.freeze_panes = ws.cell(row=first, column=2)
    print_setup(ws, repeat_rows=f"1:{spec.header_row}")


# ---------------------------------------------------------------- 填报说明


def _write_instructions(ws: Worksheet, ctx: TemplateContext, styles: CellStyles) -> None:
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 92
    styles.apply(ws.cell(row=1, column=1), "title", font=TITLE_FONT, alignment=_MIDDLE)
    put(ws, 1, 1, f"{round_label(ctx.round)} {text.TITLE}")
    ws.row_dimensions[1].height = 28
    styles.apply(ws.cell(row=2, column=1), "subtitle", font=_SUBTITLE_FONT)
    put(ws, 2, 1, ctx.office_name)
    n_ind, n_task = len(ctx.indicators), len(ctx.tasks)
    facts = [
        ("填报单位", f"{ctx.unit_name}({ctx.unit})"),
        ("调度轮次", f"{round_label(ctx.round)}({ctx.round})"),
        ("截止日期", _date_text(ctx.due_date)),
        ("涉及规划", "\n".join(ctx.plans) or "—"),
        (
            "填报内容",
            f"指标 {n_ind} 个（“{INDICATOR_SHEET.name}”表），任务 {n_task} 项（“{TASK_SHEET.name}”表）",
        ),
        *(
            [
                (
                    "名单",
                    "、".join(
                        f"“{s.name}”（{'、'.join(ctx.lists[s.list_type])}）"
                        for s in LIST_SHEETS
                        if ctx.lists.get(s.list_type)
                    ),
                )
            ]
            if any(ctx.lists.values())
            else []
        ),
        ("联系方式", ctx.office_contact),
        ("模板生成时间", ctx.generated_at.strftime("%Y-%m-%d %H:%M")),
        ("模板版本", ctx.template_version),
    ]
    r = 4
    for label, value in facts:
        r = _pair(ws, r, label, value, styles)
    r = _section(ws, r + 1, "填报步骤", styles)
    for k, step in enumerate(text.STEPS, start=1):
        r = _pair(ws, r, str(k), step, styles, plain=True)
    r = _section(ws, r + 1, "任务状态说明", styles)
    for status in TaskStatus:
        r = _pair(ws, r, status.label, text.STATUS_MEANINGS[status], styles)
    r = _section(ws, r + 1, "指标类型与填报口径", styles)
    for kind in IndicatorKind:
        r = _pair(ws, r, kind.label, text.KIND_MEANINGS[kind], styles)
    r = _section(ws, r + 1, "单元格颜色说明", styles)
    ws.cell(row=r, column=1).fill = INPUT_FILL
    r = _pair(ws, r, "黄色单元格", text.LEGEND_INPUT, styles)
    ws.cell(row=r - 1, column=1).fill = INPUT_FILL
    r = _pair(ws, r, "白色单元格", text.LEGEND_LOCKED, styles)
    r = _section(ws, r + 1, "注意事项", styles)
    for note in text.NOTES:
        r = _pair(ws, r, "•", note, styles, plain=True)
    _protect(ws)
    print_setup(ws, landscape=False)


def _section(ws: Worksheet, r: int, title: str, styles: CellStyles) -> int:
    styles.apply(ws.cell(row=r, column=1), "section", fill=HEADER_FILL, font=HEADER_FONT)
    styles.apply(ws.cell(row=r, column=2), "section")
    put(ws, r, 1, title)
    return r + 1


def _pair(ws: Worksheet, r: int, label: str, value: str, styles: CellStyles, plain: bool = False) -> int:
    put_cell(
        styles.apply(
            ws.cell(row=r, column=1),
            ("label", plain),
            font=_LABEL_FONTS[plain],
            alignment=CENTER if plain else _TOP_WRAP,
            border=BORDER,
        ),
        label,
    )
    put_cell(
        styles.apply(ws.cell(row=r, column=2), "text", font=BODY_FONT, alignment=WRAP, border=BORDER), value
    )
    lines = sum(max(1, math.ceil(len(part) * 2 / 90)) for part in str(value).split("\n"))
    if lines > 1:
        ws.row_dimensions[r].height = min(lines, _MAX_LINES * 2) * _LINE_HEIGHT
    return r + 1


# ---------------------------------------------------------------- _meta


def _write_meta(ws: Worksheet, meta: Mapping[str, str]) -> None:
    for r, (key, value) in enumerate(meta.items(), start=1):
        put(ws, r, 1, key)
        put(ws, r, 2, value)
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 80
    ws.sheet_state = "veryHidden"
    _protect(ws)
