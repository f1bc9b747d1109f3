"""The list sheets (名单) behind list-backed indicators: each check reported at its sheet and cell."""

from __future__ import annotations

import time

import pytest

from schemas.credit_code import CHARSET, with_check
from templates_xlsx.builder import build_template
from templates_xlsx.fill import fill_workbook
from templates_xlsx.upload import read_upload
from tests.validators.sample import SECRET, expect, fill, run, sample_context
from validators.expectation import IndicatorFacts
from validators.lists import check_lists

# T-K01 (stock) and T-K02 (flow, 年新增) count enterprises; T-K03 (cumulative) counts projects.
LISTS = {"enterprise": ["T-K01", "T-K02"], "project": ["T-K03"]}
FACTS = (
    IndicatorFacts("T-K01", "stock", target=5, backed_by="enterprise"),
    IndicatorFacts(
        "T-K02", "flow", target=5, backed_by="enterprise", list_previous=1, list_previous_round="2025Q2"
    ),
    IndicatorFacts("T-K03", "cumulative", target=5, backed_by="project"),
    IndicatorFacts("T-K04", "rate", allow_negative=True, target=14),
    IndicatorFacts("T-K05", "milestone", target=1),
)
CODES = [with_check(f"91420600MA4{n:06d}") for n in range(4)]


def enterprise(indicator: str, n: int, **changes) -> dict:
    return {
        "indicator": indicator,
        "name": f"（演示）企业{n}",
        "credit_code": CODES[n],
        "stage": "培育",
    } | changes


def project(n: int, **changes) -> dict:
    return {
        "indicator": "T-K03",
        "name": f"（演示）项目{n}",
        "number": f"XM-{n}",
        "total_investment": 1000,
        "quarter_investment": 100,
        "cumulative_investment": 300,
        "progress": "主体施工",
    } | changes


GOOD_LISTS = {
    "enterprise": [
        enterprise("T-K01", 0),
        enterprise("T-K01", 1),
        enterprise("T-K01", 2),
        enterprise("T-K02", 0),
        enterprise("T-K02", 3),
    ],
    "project": [project(1), project(2)],
}
# T-K01: 3 rows; T-K02: 2 rows, 1 on the last approved list → 1 new; T-K03: 2 rows.
GOOD_VALUES = {"T-K01": {"value": 3}, "T-K02": {"value": 1}, "T-K03": {"value": 2}}


@pytest.fixture(scope="module")
def template() -> bytes:
    return build_template(sample_context(lists=LISTS), SECRET)


def upload(template: bytes, lists=None, values=None, **expectation):
    data = fill(template, indicators=GOOD_VALUES | (values or {}))
    data = fill_workbook(data, lists=GOOD_LISTS | (lists or {}))
    return run(data, expect(indicators=FACTS, **expectation))


def list_issues(result) -> list[list]:
    return [
        i for i in result.report.flatten(["sheet", "cell", "code"]) if i[2].startswith(("credit", "list"))
    ]


def test_the_template_has_one_list_sheet_per_type_with_the_indicator_choice_down_the_sheet(template):
    parsed = read_upload(template)
    assert {"list_enterprise", "list_project"} <= set(parsed.sheets)
    assert "list_platform" not in parsed.sheets
    import io

    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(template))["企业名单"]
    assert [c.value for c in ws[3]] == [
        "指标编号",
        "企业名称",
        "统一社会信用代码",
        "认定/入库时间",
        "证书或批次编号",
        "所在区县",
        "培育阶段",
        "备注",
    ]
    rules = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    assert rules["A4:A5000"] == '"T-K01,T-K02"'
    assert rules["G4:G5000"] == '"入库,培育,申报,认定"'


def test_a_list_that_matches_its_counts_passes(template):
    result = upload(template)
    assert list_issues(result) == []
    assert result.ok, result.report.flatten(["sheet", "cell", "code", "message"])


def test_a_wrong_check_digit_is_an_error_at_its_cell(template):
    code = CODES[1]
    wrong = code[:-1] + CHARSET[(CHARSET.index(code[-1]) + 1) % 31]
    result = upload(
        template,
        lists={
            "enterprise": [
                *GOOD_LISTS["enterprise"][:1],
                enterprise("T-K01", 1, credit_code=wrong),
                *GOOD_LISTS["enterprise"][2:],
            ]
        },
    )
    assert ["企业名单", "C5", "credit-code-check-digit"] in list_issues(result)
    issue = next(i for i in result.report.issues if i.code == "credit-code-check-digit")
    assert f"第 18 位校验码应为 {code[-1]}" in issue.message
    assert not result.ok


@pytest.mark.parametrize(
    ("code", "expected"),
    [("91420600MA4000000", "credit-code-length"), ("91420600MA4O00001X", "credit-code-charset")],
)
def test_a_code_of_the_wrong_length_or_charset_is_an_error_at_its_cell(template, code, expected):
    result = upload(
        template,
        lists={"enterprise": [enterprise("T-K01", 0, credit_code=code), *GOOD_LISTS["enterprise"][1:]]},
    )
    assert ["企业名单", "C4", expected] in list_issues(result)


def test_a_lower_case_code_with_spaces_is_read_as_printed(template):
    spaced = " " + CODES[0][:9].lower() + " " + CODES[0][9:]
    result = upload(
        template,
        lists={"enterprise": [enterprise("T-K01", 0, credit_code=spaced), *GOOD_LISTS["enterprise"][1:]]},
    )
    assert list_issues(result) == []


def test_the_same_item_twice_under_one_indicator_is_a_duplicate_at_the_second_row(template):
    rows = [*GOOD_LISTS["enterprise"][:3], enterprise("T-K01", 0), *GOOD_LISTS["enterprise"][3:]]
    result = upload(template, lists={"enterprise": rows}, values={"T-K01": {"value": 3}})
    assert list_issues(result) == [["企业名单", "C7", "list-row-duplicated"]]
    issue = next(i for i in result.report.issues if i.code == "list-row-duplicated")
    assert "另见第 4 行" in issue.message


def test_the_same_enterprise_under_two_indicators_is_no_duplicate(template):
    assert GOOD_LISTS["enterprise"][0]["credit_code"] == GOOD_LISTS["enterprise"][3]["credit_code"]
    assert list_issues(upload(template)) == []


def test_an_indicator_not_counted_by_the_list_is_an_error_at_its_cell(template):
    rows = [*GOOD_LISTS["enterprise"], enterprise("T-K03", 1)]
    assert ["企业名单", "A9", "list-indicator-unknown"] in list_issues(
        upload(template, lists={"enterprise": rows})
    )


def test_a_count_that_disagrees_with_the_list_is_an_error_at_the_value_cell(template):
    result = upload(template, values={"T-K01": {"value": 5}})
    assert list_issues(result) == [["指标填报", "N4", "list-count-mismatch"]]
    issue = next(i for i in result.report.issues if i.code == "list-count-mismatch")
    assert issue.message == "指标 T-K01 的本期值为 5，而“企业名单”中该指标的名单有 3 条。"


def test_a_new_indicator_is_the_difference_from_the_last_approved_list(template):
    result = upload(template, values={"T-K02": {"value": 2}})  # 2 rows, 1 before: 1 new, not 2
    assert list_issues(result) == [["指标填报", "N5", "list-new-count-mismatch"]]
    issue = next(i for i in result.report.issues if i.code == "list-new-count-mismatch")
    assert "上次审核通过的名单（2025Q2，1 条）增加 1 条" in issue.message


def test_an_item_another_unit_reported_is_a_warning_that_names_no_unit(template):
    result = upload(template, claimed_elsewhere=frozenset({("T-K01", CODES[2])}))
    assert list_issues(result) == [["企业名单", "C6", "list-claimed-elsewhere"]]
    issue = next(i for i in result.report.issues if i.code == "list-claimed-elsewhere")
    assert issue.message.startswith("该企业已由其他单位报送，请核实")
    assert not issue.is_error and result.ok


def test_a_missing_list_sheet_is_an_error_naming_the_sheet():
    plain = build_template(sample_context(), SECRET)  # a template from before the lists
    result = run(fill(plain, indicators=GOOD_VALUES), expect(indicators=FACTS))
    found = [i for i in result.report.issues if i.code == "list-sheet-missing"]
    assert {i.sheet for i in found} == {"企业名单", "项目名单"}


def test_a_registry_without_list_backed_indicators_checks_no_lists():
    plain = build_template(sample_context(), SECRET)
    result = run(fill(plain), expect())
    assert list_issues(result) == [] and result.ok


def test_a_list_of_5000_rows_is_read_and_checked_quickly(template):
    many = [
        {
            "indicator": "T-K01",
            "name": f"（演示）企业{n}",
            "credit_code": with_check(f"91420600MA{n:07d}"),
            "stage": "入库",
        }
        for n in range(4_996)
    ]
    data = fill_workbook(
        fill(template, indicators={"T-K01": {"value": 4_996}}), lists={"enterprise": many, "project": []}
    )
    parsed = read_upload(data)
    assert parsed.sheets["list_enterprise"].frame.height == 4_996
    started, cpu = time.perf_counter(), time.process_time()
    issues = check_lists(parsed.sheets, expect(indicators=FACTS[:1]))
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert [i.code for i in issues] == []
    # The set-based checks take ~10-15 ms CPU for 5,000 rows on the shared 2-core machine (~60-75
    # ms row by row); the whole upload: bench/bench_list_upload.py, BENCHMARKS.md.
    assert cpu < 0.3, (wall, cpu)


def test_a_5000_row_list_with_planted_errors_reports_exactly_those_cells(template):
    """The set-based checks word the same issues at the same cells as row by row: a wrong check
    digit, a wrong length, a lower-case code with a space (read as printed, no issue), a
    duplicate (at its second row, naming the first), an unknown indicator, a claimed item."""
    codes = [with_check(f"91420600MA{n:07d}") for n in range(4_996)]
    rows = [enterprise("T-K01", 0, name=f"（演示）企业{n}", credit_code=code) for n, code in enumerate(codes)]
    wrong = codes[100][:-1] + CHARSET[(CHARSET.index(codes[100][-1]) + 1) % 31]
    rows[100]["credit_code"] = wrong  # row 104
    rows[2_000]["credit_code"] = codes[2_000][:17]  # row 2004: 17 characters
    rows[3_000]["credit_code"] = " " + codes[3_000][:9].lower() + " " + codes[3_000][9:]  # fine
    rows[4_000]["credit_code"] = codes[10]  # row 4004: the item of row 14 again
    rows[4_500]["indicator"] = "T-K03"  # row 4504: not an enterprise-list indicator
    data = fill_workbook(
        fill(template, indicators=GOOD_VALUES | {"T-K01": {"value": 4_994}, "T-K02": {"value": -1}}),
        lists={"enterprise": rows, "project": GOOD_LISTS["project"]},
    )
    result = run(data, expect(indicators=FACTS, claimed_elsewhere=frozenset({("T-K01", codes[4_990])})))
    assert list_issues(result) == [
        ["企业名单", "C104", "credit-code-check-digit"],
        ["企业名单", "C2004", "credit-code-length"],
        ["企业名单", "C4004", "list-row-duplicated"],
        ["企业名单", "A4504", "list-indicator-unknown"],
        ["企业名单", "C4994", "list-claimed-elsewhere"],
    ]
    by_code = {i.code: i for i in result.report.issues}
    assert f"第 18 位校验码应为 {codes[100][-1]}" in by_code["credit-code-check-digit"].message
    assert "有 17 位" in by_code["credit-code-length"].message
    assert "另见第 14 行" in by_code["list-row-duplicated"].message
    assert by_code["list-claimed-elsewhere"].value == codes[4_990]
