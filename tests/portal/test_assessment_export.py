"""The annual assessment workbook: read back with openpyxl, printed by LibreOffice, and the CLI."""

import datetime as dt
import io
import json
import re
import zipfile

import pytest
from openpyxl import load_workbook

from portal.assessment.assess import Assessment, assess, table_stage
from portal.assessment.assessment_xlsx import DETAIL_SHEET, SUMMARY_SHEET, assessment_workbook
from schemas.enums import Role
from schemas.issues import Report
from tests.actors import EVALUATOR
from tests.conftest import cli, run_cli
from tests.portal.assessment_fixture import assessment_fixture, build_assessment_portal
from tests.portal.printing import assert_no_cut_columns, pdf_pages, pdf_text, to_pdf
from warehouse.assessment import insert_entry

OFFICE = "长江中游城市群科技创新工作领导小组办公室"
EVIL = '=HYPERLINK("http://evil.example","点我")'


@pytest.fixture
def portal(portal_home):
    return build_assessment_portal(portal_home)


def _book(portal):
    a = assess(portal, EVALUATOR, "P", 2025)
    return assessment_workbook(a, portal.settings.office_name)


def _texts(ws) -> list[str]:
    return [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def _unit_rows(ws) -> dict[str, int]:
    """The first row of each unit's block on the detail sheet, by unit name."""
    found = {}
    for r in range(1, ws.max_row + 1):
        m = re.match(r"^\d+\. (.+?)\u3000\u3000总分", str(ws.cell(row=r, column=1).value or ""))
        if m:
            found[m[1]] = r
    return found


def test_summary_has_title_issuer_stage_data_date_and_one_row_per_unit_without_cross_unit_sums(portal):
    ws = load_workbook(io.BytesIO(_book(portal).data))[SUMMARY_SHEET]
    assert ws["A1"].value == "规划P2025年度考核结果汇总表"
    assert ws["A2"].value == f"发文机关：{OFFICE}"
    # the year is over and every round settled: scored on the whole year, never claiming 定稿
    assert ws["F2"].value == "考核阶段：年度评定\u3000\u3000数据截至：2026年1月25日"
    assert [c.value for c in ws[3]] == [
        "序号",
        "责任单位",
        "指标完成\n（60分）",
        "任务推进\n（30分）",
        "报送质量\n（10分）",
        "加分\n（≤5分）",
        "扣分",
        "总分",
        "排名",
        "等次",
        "备注",
    ]
    rows = [[c.value for c in ws[r]][:10] for r in range(4, 7)]
    assert rows == [
        [1, "经发局", 58.0, 25.06, 9.0, 0.0, 0.0, 92.06, 1, "优秀"],
        [2, "科技局", 54.0, 25.85, 9.4, 0.0, 0.0, 89.25, 2, "良好"],
        [3, "高新园区", 36.0, 15.6, 7.5, 5.0, 0.0, 64.1, 3, "合格"],
    ]
    texts = _texts(ws)
    assert not {"合计", "平均"} & set(texts)  # a sum of different units' scores means nothing
    assert ws["A7"].value is None and ws["A8"].value == "说明："
    assert any("优秀 1 个、良好 1 个、合格 1 个、不合格 0 个" in t for t in texts)
    assert any(t.startswith("制表人：") and "审核人：" in t and "考核组成员：" in t for t in texts)
    assert f"{OFFICE}（盖章）" in texts
    assert ws["C4"].number_format == "0.00"
    assert all(
        ws.cell(row=r, column=c).border.left.style == "thin" for r in range(3, 7) for c in range(1, 12)
    )


def test_summary_prints_on_a4_fit_to_width_with_the_header_row_repeated(portal):
    book = load_workbook(io.BytesIO(_book(portal).data))
    ws = book[SUMMARY_SHEET]
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.print_title_rows == "$3:$3"
    assert book[DETAIL_SHEET].print_title_rows == "$1:$2"  # title, issuer and stage on every page


def test_a_component_a_unit_does_not_carry_shows_a_dash_not_zero(portal_home):
    fx = assessment_fixture()
    fx.rows["indicator_owners"] = [r for r in fx.rows["indicator_owners"] if r["indicator"] != "I5"]
    book = load_workbook(io.BytesIO(_book(build_assessment_portal(portal_home, fx)).data))
    ws = book[SUMMARY_SHEET]
    c_row = next(r for r in range(4, 7) if ws.cell(row=r, column=2).value == "高新园区")
    assert ws.cell(row=c_row, column=3).value == "—"
    assert ws.cell(row=c_row, column=11).value.startswith("未承担指标，指标完成分值折入任务推进")
    details = book[DETAIL_SHEET]
    first = _unit_rows(details)["高新园区"]
    assert details.cell(row=first + 1, column=1).value.startswith("得分构成：指标完成 — ＋ 任务推进")
    assert "（一）指标完成" in details.cell(row=first + 2, column=1).value
    assert details.cell(row=first + 2, column=1).value.endswith("：本单位未承担本规划的指标。")


def test_no_unit_codes_indicator_codes_record_ids_or_login_names_are_printed(portal):
    book = load_workbook(io.BytesIO(_book(portal).data))
    texts = [t for ws in book for t in _texts(ws)]
    assert not {"A", "B", "C", "I1", "T1"} & set(texts)
    joined = "\n".join(texts)
    for word in ("evaluator", "单位代码", "记录 ", "录入人"):
        assert word not in joined, word


def test_every_unit_block_ends_with_the_signature_lines_and_the_units_confirmation(portal):
    ws = load_workbook(io.BytesIO(_book(portal).data))[DETAIL_SHEET]
    starts = _unit_rows(ws)
    assert list(starts) == ["经发局", "科技局", "高新园区"]
    bounds = [*starts.values(), ws.max_row + 1]
    for first, nxt in zip(bounds, bounds[1:], strict=False):
        block = [ws.cell(row=r, column=c).value or "" for r in range(first, nxt) for c in (1, 8)]
        signers = [i for i, t in enumerate(block) if str(t).startswith("制表人：")]
        confirm = [i for i, t in enumerate(block) if str(t).startswith("被考核单位确认：")]
        assert len(signers) == len(confirm) == 1
        assert "考核组成员：" in block[signers[0]] and "负责人签字：" in block[confirm[0]]


def test_the_detail_sheet_lets_an_evaluator_recompute_each_score(portal):
    book = load_workbook(io.BytesIO(_book(portal).data))
    assert book.sheetnames == [SUMMARY_SHEET, DETAIL_SHEET]
    ws = book[DETAIL_SHEET]
    cells: dict = {}  # the first row showing each value: 经发局's block comes first
    for r in range(1, ws.max_row + 1):
        for c in (2, 3):
            cells.setdefault(ws.cell(row=r, column=c).value, r)
    assert ws["A3"].value == "1. 经发局\u3000\u3000总分 92.06 分，排名第 1 名，等次：优秀"
    assert ws["A4"].value == (
        "得分构成：指标完成 58.00 ＋ 任务推进 25.06 ＋ 报送质量 9.00（10 − 报送扣分 1） ＋ 加分 0.00"
        " − 扣分 0.00 ＝ 92.06。"
    )
    row = [ws.cell(row=cells["指标I1（个）"], column=c).value for c in range(1, 15)]
    # 考核内容, 分值, 评分标准 (the fixture's linear rule, merged down over 经发局's two indicators)
    assert row[:7] == [
        1,
        "指标I1（个）",
        None,
        40,
        "按完成率计分（完成率×分值），完成率最高按120%计",
        None,
        None,
    ]
    assert row[7:] == [200, 170, "2025Q4", 0.85, "滞后", 34, "40 × 0.85 = 34"]  # I1 is worth 60 × 2/3 = 40
    assert "E7:G8" in {str(r) for r in ws.merged_cells.ranges}
    row = [ws.cell(row=cells["任务T1"], column=c).value for c in range(1, 15)]
    assert row[3] == pytest.approx(30 * 1.4 / 1.7)  # weight 2 × lead share 0.7 of Σ 1.7
    assert row[4].startswith("按填报状态折算完成度（已完成 1、推进中 0.8、滞后 0.4、未启动 0）")
    assert row[7:12] == ["牵头", "推进中", 80, None, "2025Q4"]
    assert row[12] == pytest.approx(30 * 1.12 / 1.7)
    texts = _texts(ws)
    assert any(
        "2025Q4 按时报送（截止 2026-01-15，2026-01-14 首次报送）：退回 1 次 × 1 = 1" in t for t in texts
    )
    assert "获省级科技进步奖" in texts and "承办全市科技创新现场会" in texts
    assert any(t.endswith("加分录入合计 7，按上限 5 计。") for t in texts)
    assert any("2025Q4 未报送（截止 2026-01-15）：未报送 × 2.5 = 2.5" in t for t in texts)


def test_the_data_date_is_the_newest_approval_counted(portal_home):
    fx = assessment_fixture()
    fx.review(1, "approve", "", "2026-01-20 16:30")
    ws = load_workbook(io.BytesIO(_book(build_assessment_portal(portal_home, fx)).data))[SUMMARY_SHEET]
    assert ws["F2"].value.endswith("数据截至：2026年1月20日")


@pytest.mark.parametrize(
    ("today", "unsettled", "label"),
    [
        (dt.date(2025, 10, 10), [], "预评"),  # the year is not over
        (dt.date(2026, 1, 25), ["2025Q4"], "预评"),  # a round still open or awaiting review
        (dt.date(2026, 1, 25), [], "年度评定"),  # whole year, settled: still not 定稿
    ],
)
def test_the_printed_stage_is_preliminary_until_the_year_is_over_and_settled(today, unsettled, label):
    a = Assessment(plan="P", year=2025, report=Report(), as_of=today, unsettled=unsettled)
    stage = table_stage(a)
    assert (stage.label, stage.data_as_of) == (label, today)
    assert "定稿" not in stage.label


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
    reasons = [c for row in book[DETAIL_SHEET].iter_rows() for c in row if c.value == "+SUM(1,2)"]
    assert [(c.value, c.quotePrefix) for c in reasons] == [("+SUM(1,2)", True)]


@pytest.mark.libreoffice
@pytest.mark.slow
def test_libreoffice_prints_the_fixture_table_on_the_planned_pages(portal, tmp_path):
    book = _book(portal)
    assert book.pages == {SUMMARY_SHEET: 1, DETAIL_SHEET: 3}
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
def test_the_demo_jingzhou_table_packs_its_units_and_signs_each_on_its_page(demo_portal, tmp_path):
    # 荆州 (JZ) 2025, nothing approved yet: 11 units; it printed on 22 pages with one sheet per unit
    a = assess(demo_portal, EVALUATOR, "JZ", 2025)
    assert a.ok and len(a.units) == 11
    assert {(u.indicator_score, u.task_score) for u in a.units} == {(0.0, 0.0)}  # nothing approved yet
    # 2025Q1 and Q2 are past their due dates unreported (−2.5 each); 2025Q3 is due 10-15, today is 10-10
    assert {(u.reporting_score, u.total, u.rank, u.grade) for u in a.units} == {(5.0, 5.0, 1, "不合格")}
    book = assessment_workbook(a, demo_portal.settings.office_name)
    path = tmp_path / "JZ-2025.xlsx"
    path.write_bytes(book.data)
    pdf = to_pdf(path)
    # 10 pages before each line carried its 评分标准, and still 10 (1 summary + 9 detail pages)
    assert pdf_pages(pdf) == book.total_pages == 10
    pages = pdf_text(pdf).split("\f")[: book.total_pages]
    assert all(a.plan_name in page and "2025年度考核" in page for page in pages)  # the title on every page
    assert "考核阶段：预评" in pages[0] and "数据截至：2025年10月10日" in pages[0]
    for i, u in enumerate(a.units, start=1):
        title = re.compile(rf"(?m)^\s*{i}\. {re.escape(u.name)}\s+总分")
        on = [p for p in pages if title.search(p)]
        assert len(on) == 1, u.name  # every unit is there once …
        rest = on[0][title.search(on[0]).end() :]
        block = re.split(rf"(?m)^\s*{i + 1}\. ", rest)[0]
        assert "制表人" in block and "被考核单位确认" in block, u.name  # … signed on its own page
    printed = "".join(pages)
    # every line in the words of a published 评分细则: 考核内容, 分值, 评分标准, 考核分
    heads = re.compile(r"(?m)^\s*序号\s+考核内容\s+分值\s+评分标准\s+.*考核分\s+计算过程")
    assert len(heads.findall(printed)) >= 2 * 9  # an indicator and a task table on most units' pages
    # the 评分标准 wraps inside its merged cell: each printed line holds a piece of the sentence
    assert "完成率≥100%得满分，80%–100%得" in printed and "80%，60%–80%得50%，低于60%不得" in printed
    assert "已完成或进度达到序时进度的得满分" in printed
    for code in ("JZKF-", "JZ-K", "evaluator", "单位代码"):
        assert code not in printed
    summary = load_workbook(path)[SUMMARY_SHEET]
    header = next(row for row in summary.iter_rows(values_only=True) if row[0] == "序号")
    assert_no_cut_columns(
        pdf, [h for h in header if h], ["序号", "考核内容", "分值", "评分标准", "考核分", "计算过程"]
    )


def test_a_units_self_score_prints_beside_its_score(portal):
    with portal.warehouse.transaction() as con:
        for component, score in (("indicators", 59.0), ("tasks", 30.0)):
            row = {"plan": "P", "year": 2025, "unit": "A", "component": component, "score": score}
            insert_entry(
                con, "self_scores", row | {"entered_by": "rep", "entered_at": dt.datetime(2026, 1, 20)}
            )
    ws = load_workbook(io.BytesIO(_book(portal).data))[DETAIL_SHEET]
    texts = _texts(ws)
    # 经发局 (A): indicators 58.00 vs 59 (within the default's 5 points), tasks 25.06 vs 30 (4.94: within)
    assert "（一）指标完成（分值 60；考核分 58.00；自评分 59.00）" in texts
    assert any(t.startswith("（二）任务推进（分值 30；考核分 25.06；自评分 30.00；以本单位") for t in texts)


def test_a_self_score_far_from_the_score_is_flagged(portal):
    with portal.warehouse.transaction() as con:
        row = {"plan": "P", "year": 2025, "unit": "A", "component": "indicators", "score": 40.0}
        insert_entry(con, "self_scores", row | {"entered_by": "rep", "entered_at": dt.datetime(2026, 1, 20)})
    texts = _texts(load_workbook(io.BytesIO(_book(portal).data))[DETAIL_SHEET])
    assert "（一）指标完成（分值 60；考核分 58.00；自评分 40.00，差异较大）" in texts
