"""The annotated workbook: the unit's own file, problems marked in place, a 校验结果 sheet first."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from templates_xlsx.annotate import ERROR_FILL, RESULT_HEADERS, RESULT_SHEET, WARNING_FILL, annotate
from templates_xlsx.builder import build_template
from tests.validators.sample import SECRET, fill, run, sample_context


@pytest.fixture(scope="module")
def unit_template() -> bytes:
    return build_template(sample_context(), SECRET)


def _book(data: bytes):
    return load_workbook(io.BytesIO(data))


def test_error_and_warning_cells_are_filled_and_commented(unit_template):
    data = fill(unit_template, indicators={"T-K01": {"value": "１０５０"}}, tasks={"T-1.1": {"percent": 120}})
    book = _book(annotate(data, run(data).report.issues))
    warn, err = book["指标填报"]["N4"], book["任务进展"]["H4"]
    assert warn.fill.fgColor.rgb == WARNING_FILL.fgColor.rgb and "【警告】" in warn.comment.text
    assert err.fill.fgColor.rgb == ERROR_FILL.fgColor.rgb and "【错误】" in err.comment.text
    assert "处理建议" in err.comment.text
    untouched = book["任务进展"]["H5"]
    assert untouched.comment is None and untouched.fill.fgColor.rgb != ERROR_FILL.fgColor.rgb


def test_a_cell_with_an_error_and_a_warning_is_red_with_both_in_its_comment(unit_template):
    data = fill(unit_template, indicators={"T-K03": {"value": "无", "note": None}})
    book = _book(annotate(data, run(data).report.issues))
    cell = book["指标填报"]["N6"]
    assert cell.fill.fgColor.rgb == ERROR_FILL.fgColor.rgb
    assert "【警告】" in cell.comment.text and "【错误】" in cell.comment.text


def test_the_result_sheet_lists_every_issue_with_a_link_to_its_cell(unit_template):
    data = fill(unit_template, tasks={"T-1.1": {"percent": 120}}, indicators={"T-K02": {"value": 8000}})
    issues = run(data).report.issues
    book = _book(annotate(data, issues))
    ws = book[RESULT_SHEET]
    assert book.sheetnames[0] == RESULT_SHEET and book.active.title == RESULT_SHEET
    assert tuple(c.value for c in ws[1]) == RESULT_HEADERS
    assert [(r[0], r[1], r[3]) for r in ws.iter_rows(min_row=2, values_only=True)] == [
        (1, "错误", "H4"),
        (2, "警告", "N5"),
    ]
    assert ws["D2"].hyperlink.location == "'任务进展'!H4"


def test_values_that_look_like_formulas_are_listed_as_text(unit_template):
    data = fill(unit_template, indicators={"T-K01": {"value": "=1000+50"}})
    ws = _book(annotate(data, run(data).report.issues))[RESULT_SHEET]
    assert ws["F2"].value == "=1000+50" and ws["F2"].data_type == "s" and ws["F2"].quotePrefix


def test_an_annotated_workbook_uploaded_again_gives_the_same_issues(unit_template):
    data = fill(unit_template, tasks={"T-1.1": {"percent": 120}})
    first = run(data).report
    again = run(annotate(data, first.issues)).report
    assert again.flatten(["code", "sheet", "cell"]) == first.flatten(["code", "sheet", "cell"])
    twice = _book(annotate(annotate(data, first.issues), first.issues))
    assert twice.sheetnames.count(RESULT_SHEET) == 1


def test_a_clean_workbook_says_so(unit_template):
    ws = _book(annotate(fill(unit_template), []))[RESULT_SHEET]
    assert ws["A2"].value == "校验通过,未发现问题。"


def test_a_file_that_cannot_be_opened_gets_a_report_only_workbook():
    from schemas.issues import Issue

    book = _book(annotate(b"junk", [Issue.make("file-not-xlsx", detail="是纯文本")]))
    assert book.sheetnames == [RESULT_SHEET]
    assert book[RESULT_SHEET]["C2"].value == "文件"
