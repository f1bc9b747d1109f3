"""The annual assessment workbook: read back with openpyxl, printed by LibreOffice, and the CLI."""

import io
import json
import re
import zipfile

import pytest
from openpyxl import load_workbook

from portal.assessment.assess import assess
from portal.assessment.assessment_xlsx import SUMMARY_SHEET, assessment_workbook
from schemas.enums import Role
from tests.actors import EVALUATOR
from tests.conftest import cli, run_cli
from tests.portal.assessment_fixture import assessment_fixture, build_assessment_portal
from tests.portal.printing import pdf_pages, to_pdf

OFFICE = "长江中游城市群科技创新工作领导小组办公室"
EVIL = '=HYPERLINK("http://evil.example","点我")'


@pytest.fixture
def portal(portal_home):
    return build_assessment_portal(portal_home)


def _book(portal):
    a = assess(portal, EVALUATOR, "P", 2025)
    return assessment_workbook(a, portal.settings.office_name)


def test_summary_sheet_has_title_office_date_one_row_per_unit_and_totals(portal):
    ws = load_workbook(io.BytesIO(_book(portal).data))[SUMMARY_SHEET]
    assert ws["A1"].value == "规划P2025年度考核结果汇总表"
    assert ws["A2"].value == f"发文机关:{OFFICE}"
    assert ws["F2"].value == "日期:2026年1月25日"
    assert [c.value for c in ws[3]] == [
        "序号",
        "责任单位",
        "指标完成\n(60分)",
        "任务推进\n(30分)",
        "报送质量\n(10分)",
        "报送扣分",
        "加分\n(≤5分)",
        "总分",
        "排名",
        "等次",
        "备注",
    ]
    rows = [[c.value for c in ws[r]][:10] for r in range(4, 9)]
    assert rows == [
        [1, "经发局", 58.0, 25.06, 9.0, 1.0, 0.0, 92.06, 1, "优秀"],
        [2, "科技局", 54.0, 25.85, 9.4, 0.6, 0.0, 89.25, 2, "良好"],
        [3, "高新园区", 36.0, 15.6, 7.5, 2.5, 5.0, 64.1, 3, "合格"],
        # totals: 58+54+36; 25.06+25.85+15.6; 9+9.4+7.5; 1+0.6+2.5; 5; 92.06+89.25+64.1
        [None, "合计", 148.0, 66.51, 25.9, 4.1, 5.0, 245.41, None, None],
        # averages, rounded to 2 decimals: 245.41 / 3 = 81.80
        [None, "平均", 49.33, 22.17, 8.63, 1.37, 1.67, 81.8, None, None],
    ]
    assert ws["A10"].value == "说明:"
    assert "优秀 1 个、良好 1 个、合格 1 个、不合格 0 个" in ws["A13"].value
    assert ws["C4"].number_format == "0.00"
    assert all(
        ws.cell(row=r, column=c).border.left.style == "thin" for r in range(3, 9) for c in range(1, 12)
    )


def test_summary_prints_on_a4_fit_to_width_with_the_header_row_repeated(portal):
    ws = load_workbook(io.BytesIO(_book(portal).data))[SUMMARY_SHEET]
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.print_title_rows == "$3:$3"


def test_one_detail_sheet_per_unit_lets_an_evaluator_recompute_each_score(portal):
    book = load_workbook(io.BytesIO(_book(portal).data))
    assert book.sheetnames == [SUMMARY_SHEET, "1-经发局", "2-科技局", "3-高新园区"]
    ws = book["1-经发局"]
    cells = {ws.cell(row=r, column=c).value: (r, c) for r in range(1, ws.max_row + 1) for c in (1, 2, 3)}
    assert ws["A3"].value == "总分 92.06 分,排名第 1 名,等次:优秀。"
    r, _ = cells["I1"]
    row = [ws.cell(row=r, column=c).value for c in range(1, 15)]
    assert row[:11] == [1, "I1", "指标I1", "存量", "个", 2, 200, 170, "2025Q4", 0.85, 0.85]
    assert (row[11], row[12], row[13]) == ("滞后", 34, "40 × 0.85 = 34")  # I1 is worth 60 × 2/3 = 40
    r, _ = cells["T1"]
    row = [ws.cell(row=r, column=c).value for c in range(1, 15)]
    assert row[1:12] == ["T1", "任务T1", "牵头", 2, 2, 0.7, 1.4, "推进中", 80, "2025Q4", 0.8]
    assert row[12] == pytest.approx(30 * 1.12 / 1.7)
    r, _ = cells["2025Q4"]
    assert [ws.cell(row=r, column=c).value for c in (3, 4, 5, 7, 8, 9)] == [
        "按时报送",
        "2026-01-15",
        "2026-01-14 09:00",
        0,
        1,
        1,
    ]
    c_sheet = book["3-高新园区"]
    texts = [c.value for row in c_sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert "获省级科技进步奖" in texts and "未报送" in texts
    assert "各加分项之和,不超过 5(录入合计 7,按上限计)" in texts


def test_text_that_looks_like_a_formula_is_written_as_text(portal_home):
    fx = assessment_fixture()
    fx.rows["units"][0]["name"] = EVIL
    portal = build_assessment_portal(portal_home, fx, bonuses=False)
    from portal.assessment.assess import add_bonus

    add_bonus(portal, EVALUATOR, "P", 2025, "C", 1, "+SUM(1,2)")
    data = _book(portal).data
    book = load_workbook(io.BytesIO(data))
    name_cell = book[SUMMARY_SHEET]["B4"]
    assert (name_cell.value, name_cell.data_type, name_cell.quotePrefix) == (EVIL, "s", True)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>" not in xml and "<f " not in xml  # no formula anywhere
    assert re.search(r'<c r="B4" s="\d+" t="inlineStr"><is><t>=HYPERLINK\(', xml)  # stored as a string
    reasons = [c.value for row in book.worksheets[3].iter_rows() for c in row if c.value == "+SUM(1,2)"]
    assert reasons == ["+SUM(1,2)"]


@pytest.mark.libreoffice
@pytest.mark.slow
def test_libreoffice_prints_the_fixture_table_on_the_planned_pages(portal, tmp_path):
    book = _book(portal)
    assert book.pages == {SUMMARY_SHEET: 1, "1-经发局": 1, "2-科技局": 1, "3-高新园区": 1}
    path = tmp_path / "考核表.xlsx"
    path.write_bytes(book.data)
    assert pdf_pages(to_pdf(path)) == 4


def test_cli_writes_the_table_and_lists_the_scores(portal):
    home = portal.settings.home
    out = home / "考核表.xlsx"
    done = run_cli("assess", "--plan", "P", "--year", "2025", "-o", str(out), home=home)
    assert done.returncode == 0, done.stderr.decode()
    assert load_workbook(out).sheetnames[0] == SUMMARY_SHEET
    assert "A4 共 4 页" in done.stderr.decode()
    listed = cli("assess", "--plan", "P", "--year", "2025", "--json", home=home)
    doc = json.loads(listed.stdout)
    units = doc["units"]
    assert [(u["unit"], u["total"], u["rank"], u["grade"]) for u in units] == [
        ("A", 92.06, 1, "优秀"),
        ("B", 89.25, 2, "良好"),
        ("C", 64.1, 3, "合格"),
    ]
    # the JSON contract of issue 16, item 4: exactly these keys, every line traced to its source
    assert list(doc) == ["plan", "year", "as_of", "stage", "preliminary", "scheme", "units"]
    assert (doc["as_of"], doc["stage"], doc["preliminary"]) == ("2026-01-25", "预评", False)
    assert doc["scheme"]["sources"] == ["默认方案", "scoring/P.toml"]
    assert doc["scheme"]["indicators"]["rule"] == "linear"
    keys = ["unit", "name", "group", "total", "rank", "grade", "vetoed", "self_score", "lines"]
    assert all(list(u) == keys for u in units)
    line_keys = ["component", "item", "rule", "points", "completion", "score", "basis"]
    a_lines = {(line["component"], line["item"]): line for line in units[0]["lines"]}
    assert all(list(line) == line_keys for line in a_lines.values())
    i1 = a_lines[("indicators", "I1")]
    assert (i1["points"], i1["completion"], i1["score"]) == (40.0, 0.85, 34.0)
    assert i1["basis"].startswith("报送记录 ") and "“指标填报”表" in i1["basis"]
    t3 = a_lines[("tasks", "T3")]
    assert "“任务进展”表" in t3["basis"] and t3["completion"] == 1.0


def test_cli_exit_codes_for_a_bad_plan_and_a_bad_scheme(portal):
    home = portal.settings.home
    unknown = cli("assess", "--plan", "NOPE", "--year", "2025", "-o", str(home / "x.xlsx"), home=home)
    assert unknown.returncode == 2 and "规划“NOPE”不存在" in unknown.stderr
    assert not (home / "x.xlsx").exists()
    nowhere = cli("assess", "--plan", "P", "--year", "2025", "-o", str(home / "no" / "x.xlsx"), home=home)
    assert nowhere.returncode == 2 and "无法写入文件" in nowhere.stderr
    (home / "scoring").mkdir(exist_ok=True)
    (home / "scoring" / "P-2025.toml").write_text("[grades]\nbelow = 1\n", encoding="utf-8")
    bad = cli("assess", "--plan", "P", "--year", "2025", home=home)
    assert bad.returncode == 1 and "grades.below" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_cli_bonus_add_list_withdraw(portal, make_account):
    home = portal.settings.home
    make_account(portal, "evaluator", Role.EVALUATOR)
    added = run_cli(
        "bonus",
        "add",
        "--plan",
        "P",
        "--year",
        "2025",
        "--unit",
        "A",
        "--points",
        "1.5",
        "--reason",
        "获表彰",
        "--user",
        "evaluator",
        home=home,
    )
    assert added.returncode == 0, added.stderr.decode()
    refused = cli(
        "bonus",
        "add",
        "--plan",
        "P",
        "--year",
        "2025",
        "--unit",
        "A",
        "--points",
        "9",
        "--reason",
        "x",
        "--user",
        "evaluator",
        home=home,
    )
    assert refused.returncode == 1 and "bonus-points-invalid" in refused.stderr
    listed = cli("bonus", "list", "--plan", "P", "--year", "2025", home=home).stdout
    assert "获表彰" in listed and listed.count("\n") == 3
    bonus_id = next(line for line in listed.splitlines() if "获表彰" in line).split()[0]
    assert cli("bonus", "withdraw", bonus_id, "--user", "evaluator", home=home).returncode == 0
    again = cli("bonus", "withdraw", bonus_id, "--user", "evaluator", home=home)
    assert again.returncode == 1 and f"没有编号为 {bonus_id} 的有效加分项" in again.stderr


@pytest.mark.libreoffice
@pytest.mark.slow
def test_the_demo_table_prints_on_the_planned_pages_even_with_no_submissions(demo_portal, tmp_path):
    # 荆州 (JZ): 11 units, the biggest details run over two pages: the breaks are ours, not the renderer's
    a = assess(demo_portal, EVALUATOR, "JZ", 2025)
    assert a.ok and len(a.units) == 11
    assert {(u.indicator_score, u.task_score) for u in a.units} == {(0.0, 0.0)}  # nothing approved yet
    # 2025Q1 and Q2 are past their due dates unreported (−2.5 each); 2025Q3 is due 10-15, today is 10-10
    assert {(u.reporting_score, u.total, u.rank, u.grade) for u in a.units} == {(5.0, 5.0, 1, "不合格")}
    book = assessment_workbook(a, demo_portal.settings.office_name)
    assert book.pages["考核汇总"] == 1 and max(book.pages.values()) >= 2
    path = tmp_path / "JZ-2025.xlsx"
    path.write_bytes(book.data)
    assert pdf_pages(to_pdf(path)) == book.total_pages
