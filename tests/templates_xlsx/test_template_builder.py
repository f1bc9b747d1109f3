"""The built template, read back with openpyxl: layout from the specs, protection, validations, meta."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from schemas.enums import TaskStatus
from schemas.sheets import (
    INDICATOR_SHEET,
    INSTRUCTIONS,
    META_KEYS,
    META_SHEET,
    TASK_SHEET,
    TEMPLATE_SHEETS,
    column_letter,
)
from templates_xlsx.builder import build_template, meta_values
from templates_xlsx.signature import verify_meta
from templates_xlsx.writing import INPUT_FILL
from tests.templates_xlsx.conftest import SECRET, sample_context


def _open(data: bytes):
    return load_workbook(io.BytesIO(data))


def _validations(ws) -> dict[str, object]:
    """Cell → the data validation covering it."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            for row in ws[rng.coord] if ":" in rng.coord else [[ws[rng.coord]]]:
                for cell in row:
                    out[cell.coordinate] = dv
    return out


def test_sheets_are_instructions_then_the_template_specs_then_meta(template):
    book = _open(template)
    assert book.sheetnames == [INSTRUCTIONS.name, *(s.name for s in TEMPLATE_SHEETS), META_SHEET.name]
    assert book.active.title == INSTRUCTIONS.name


@pytest.mark.parametrize("spec", TEMPLATE_SHEETS, ids=lambda s: s.key)
def test_data_sheets_are_laid_out_from_the_spec(template, context, spec):
    ws = _open(template)[spec.name]
    assert context.unit_name in ws["A1"].value and spec.title in ws["A1"].value
    assert [c.value for c in ws[spec.header_row]] == spec.headers
    codes = [ws.cell(row=r, column=1).value for r in range(spec.first_data_row, ws.max_row + 1)]
    assert codes == context.keys_for(spec)
    for j, column in enumerate(spec.columns):
        assert ws.column_dimensions[column_letter(j)].width == column.width


def test_prefilled_values_are_written_as_given(template):
    ws = _open(template)[INDICATOR_SHEET.name]
    row = {c.key: ws.cell(row=4, column=j + 1).value for j, c in enumerate(INDICATOR_SHEET.columns)}
    assert row["indicator"] == "JZ-K01"
    assert row["kind"] == "存量"
    assert row["last_value"] == 96 and row["last_round"] == "2025Q2"
    assert row["value"] is None and row["note"] is None


@pytest.mark.parametrize("spec", TEMPLATE_SHEETS, ids=lambda s: s.key)
def test_input_cells_are_unlocked_and_shaded_and_prefilled_cells_locked(template, context, spec):
    ws = _open(template)[spec.name]
    for r in range(spec.first_data_row, spec.first_data_row + len(context.rows_for(spec))):
        for j, column in enumerate(spec.columns, start=1):
            cell = ws.cell(row=r, column=j)
            assert cell.protection.locked is (not column.input), cell.coordinate
            shaded = cell.fill.fgColor.rgb.endswith(INPUT_FILL.fgColor.rgb[-6:])
            assert shaded is column.input, cell.coordinate


def test_every_sheet_is_protected_without_a_password_and_the_structure_locked(template):
    book = _open(template)
    for ws in book.worksheets:
        assert ws.protection.sheet is True, ws.title
        assert not ws.protection.password, ws.title
    assert book.security.lockStructure is True


def test_numeric_inputs_carry_decimal_validations_with_each_rows_range(template):
    ws = _open(template)[INDICATOR_SHEET.name]
    dv = _validations(ws)
    value = column_letter(INDICATOR_SHEET.index("value"))
    stock, rate, flow, milestone = (dv[f"{value}{r}"] for r in (4, 5, 6, 7))
    assert (stock.type, stock.operator, stock.formula1) == ("decimal", "greaterThanOrEqual", "0")
    assert flow is stock  # same range, one validation over both rows
    assert (rate.type, rate.operator) == ("decimal", "between")  # allow_negative: any number
    assert float(rate.formula1) < 0 < float(rate.formula2)
    assert (milestone.type, milestone.formula1, milestone.formula2) == ("whole", "0", "1")
    for v in (stock, rate, milestone):
        assert v.showErrorMessage is True and v.errorStyle == "stop"
        assert v.showInputMessage is True and v.prompt == INDICATOR_SHEET.column("value").help


def test_task_inputs_have_a_status_list_and_a_0_to_100_percent(template):
    ws = _open(template)[TASK_SHEET.name]
    dv = _validations(ws)
    status = dv[f"{column_letter(TASK_SHEET.index('status'))}4"]
    percent = dv[f"{column_letter(TASK_SHEET.index('percent'))}6"]
    assert status.type == "list" and status.showErrorMessage is True
    assert status.formula1 == '"' + ",".join(s.label for s in TaskStatus) + '"'
    assert (percent.type, percent.operator, percent.formula1, percent.formula2) == (
        "decimal",
        "between",
        "0",
        "100",
    )
    assert percent.showErrorMessage is True


@pytest.mark.parametrize("spec", TEMPLATE_SHEETS, ids=lambda s: s.key)
def test_header_is_frozen_and_print_is_a4_landscape_with_header_rows_repeated(template, spec):
    ws = _open(template)[spec.name]
    assert ws.freeze_panes == f"B{spec.first_data_row}"
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
    assert ws.print_title_rows == f"$1:${spec.header_row}"


def test_meta_sheet_is_very_hidden_protected_and_signed(template, context):
    ws = _open(template)[META_SHEET.name]
    assert ws.sheet_state == "veryHidden"
    assert ws.protection.sheet is True
    meta = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=2).value for r in range(1, ws.max_row + 1)}
    assert list(meta) == list(META_KEYS)
    assert meta["unit"] == "JZKF-JFJ" and meta["round"] == "2025Q3" and meta["template_version"] == "1"
    assert meta["indicator_keys"] == "JZ-K01,JZ-K02,JZ-K03,JZ-K04"
    assert meta["task_keys"] == "JZ-3.1.1,JZ-3.2.2,JZ-3.6.1"
    assert meta == meta_values(context, SECRET)
    assert verify_meta(meta, SECRET)


def test_text_that_looks_like_a_formula_stays_text(template):
    ws = _open(template)[TASK_SHEET.name]
    title = ws.cell(row=5, column=TASK_SHEET.index("title") + 1)
    assert title.data_type == "s" and title.value.startswith("=HYPERLINK")
    assert title.quotePrefix is True


def test_instructions_name_the_unit_round_due_date_contact_and_every_status(template, context):
    ws = _open(template)[INSTRUCTIONS.name]
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
    for expected in (
        "经发局(JZKF-JFJ)",
        "2025年第3季度",
        "2025年10月15日",
        context.office_contact,
        context.plans[0],
        "指标 4 个",
        "任务 3 项",
        *(s.label for s in TaskStatus),
    ):
        assert expected in text, expected


def test_a_unit_with_nothing_in_a_sheet_gets_the_header_only(context):
    data = build_template(sample_context(indicators=[]), SECRET)
    ws = _open(data)[INDICATOR_SHEET.name]
    assert ws.max_row == INDICATOR_SHEET.header_row
    assert "没有需要填报的指标" in ws["A2"].value


@pytest.mark.parametrize(
    "codes",
    [["JZ-K01", "JZ-K01"], ["JZ-K01", "A,B"], ["JZ-K01", " "]],
    ids=["duplicate", "comma", "blank"],
)
def test_row_keys_that_cannot_be_signed_are_a_fault_of_the_registry(context, codes):
    rows = [dict(context.indicators[0], indicator=code) for code in codes]
    with pytest.raises(ValueError):
        build_template(sample_context(indicators=rows), SECRET)
