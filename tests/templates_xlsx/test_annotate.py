"""The annotated workbook: the unit's own file, problems marked in place, a 校验结果 sheet first."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from openpyxl import load_workbook

from templates_xlsx.annotate import ERROR_FILL, RESULT_HEADERS, RESULT_SHEET, WARNING_FILL, annotate
from templates_xlsx.builder import build_template
from tests.validators.sample import SECRET, fill, run, sample_context
from tests.xlsx_fill import patch_sheet_xml


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
    assert ws["A2"].value == "校验通过，未发现问题。"


def test_a_file_that_cannot_be_opened_gets_a_report_only_workbook():
    from schemas.issues import Issue

    book = _book(annotate(b"junk", [Issue.make("file-not-xlsx", detail="是纯文本")]))
    assert book.sheetnames == [RESULT_SHEET]
    assert book[RESULT_SHEET]["C2"].value == "文件"


def _xml_of(data: bytes) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return {n: archive.read(n) for n in archive.namelist()}


def test_formulas_in_the_copy_are_replaced_by_their_cached_values(unit_template):
    def formulas(xml: str) -> str:
        xml = re.sub(
            r'<c r="N4"[^>]*?(/>|>.*?</c>)', '<c r="N4"><f>1000+50</f><v>1050</v></c>', xml, flags=re.S
        )
        dde = "<c r=\"O4\" t=\"str\"><f>cmd|' /C calc'!A0</f><v>=cmd|' /C calc'!A0</v></c>"
        return re.sub(r'<c r="O4"[^>]*?(/>|>.*?</c>)', dde, xml, flags=re.S)

    data = patch_sheet_xml(fill(unit_template), "指标填报", formulas)
    marked = annotate(data, run(data).report.issues)
    assert not any(
        re.search(rb"<(\w+:)?f[ >/]", body) for name, body in _xml_of(marked).items() if "sheet" in name
    )
    ws = _book(marked)["指标填报"]
    assert (ws["N4"].value, ws["N4"].data_type) == (1050, "n")
    assert ws["O4"].value == "=cmd|' /C calc'!A0" and ws["O4"].data_type == "s" and ws["O4"].quotePrefix


def test_external_links_are_dropped_from_the_copy(unit_template):
    from tests.validators import hostile

    marked = annotate(hostile.with_dde_external_link(fill(unit_template)), [])
    parts = _xml_of(marked)
    assert not any("externalLink" in name for name in parts)
    assert b"externalLink" not in parts["xl/_rels/workbook.xml.rels"]


@pytest.mark.parametrize("typed", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1+1", "\r=1+1"])
def test_text_that_could_run_as_a_formula_is_quote_prefixed_in_the_result_sheet(typed):
    from schemas.issues import Issue

    issue = Issue.make("value-not-number", sheet=typed, cell="N4", value=typed)
    ws = _book(annotate(None, [issue]))[RESULT_SHEET]
    for ref in ("C2", "F2"):
        # XML may read a CR back as LF (it depends on the XML writer openpyxl picks: lxml keeps it)
        assert ws[ref].value in (typed, typed.replace("\r", "\n"))
        assert ws[ref].data_type == "s" and ws[ref].quotePrefix


def test_a_workbook_beyond_its_budget_is_not_opened_and_the_result_sheet_says_so(unit_template, monkeypatch):

    import templates_xlsx.annotate as module
    from templates_xlsx.reader import Workbook
    from tests.validators import hostile

    data = hostile.with_rows(fill(unit_template), Workbook(unit_template).sheet_part("指标填报"), 9, 200_000)
    issues = run(data).report.issues
    assert [i.code for i in issues] == ["sheet-too-large"]

    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl opened a workbook beyond its budget")

    monkeypatch.setattr(module, "load_workbook", refuse)
    book = _book(annotate(data, issues))
    assert book.sheetnames == [RESULT_SHEET]
    values = [r[0] for r in book[RESULT_SHEET].iter_rows(values_only=True)]
    assert module.TOO_LARGE_NOTE in values


def test_at_most_the_first_issues_are_marked_and_a_note_counts_the_rest(unit_template):
    from schemas.issues import Issue
    from templates_xlsx.annotate import MAX_ANNOTATED_ISSUES

    issues = [Issue.make("text-trimmed", sheet="指标填报", cell=f"P{r}", value=" x ") for r in range(1, 601)]
    book = _book(annotate(fill(unit_template), issues))
    ws = book[RESULT_SHEET]
    listed = [r for r in ws.iter_rows(min_row=2, values_only=True) if isinstance(r[0], int)]
    assert len(listed) == MAX_ANNOTATED_ISSUES
    assert any(isinstance(r[0], str) and "另有 100 个问题" in r[0] for r in ws.iter_rows(values_only=True))
    assert book["指标填报"]["P500"].comment is not None and book["指标填报"]["P501"].comment is None
