"""The quarterly bulletin on the assessment fixture's round 2025Q4 (today 2026-01-25), and on the demo.

By hand, 2025Q4 (due 2026-01-15):
- reporting: A first valid upload 01-14 (on time; the later v2 does not change that), B 01-10 on
  time, C only a rejected upload (missing); X has no duties (not expected).
- KPI at the end of 2025Q4 (approved values): I1 170/200 red, I2 70/50 green, I3 12/15 red,
  I4 1/1 green, I5 36 (2025Q3, still the latest: 本期未报, never counted as behind) → plan P:
  5 indicators, 2 green, 2 red, 1 unreported.
- tasks (current submissions): T1 lead A in progress, helper B behind → behind; T4 due 2024, lead A
  never reported it completed → past due. T2 completed, T3 no one behind and not past due.
"""

import datetime as dt
import io
import re
import zipfile
from dataclasses import replace

import pytest
from docx import Document
from openpyxl import load_workbook

from portal.core.context import Portal
from portal.monitoring.bulletin import bulletin, problem_counts
from portal.monitoring.bulletin_docx import PROBLEM_HEADERS, BulletinTexts, bulletin_document
from portal.monitoring.bulletin_xlsx import (
    DETAIL_SHEET,
    KIND_SHEET,
    MAIN_SHEET,
    PACE_SHEET,
    PROBLEM_SHEET,
    RED_SHEET,
    TASK_SHEET,
    UNREPORTED_SHEET,
    bulletin_workbook,
)
from portal.reporting import problems as pb
from tests.actors import OFFICE, reporter
from tests.conftest import cli, run_cli
from tests.portal.assessment_fixture import assessment_fixture, build_assessment_portal
from tests.portal.printing import assert_no_cut_columns, pdf_pages, pdf_text, to_pdf

EVIL = '=HYPERLINK("http://evil.example","点我")'


@pytest.fixture
def portal(portal_home):
    return build_assessment_portal(portal_home, bonuses=False)


def test_bulletin_counts_match_the_hand_computation(portal):
    b = bulletin(portal, "2025Q4")
    assert (b.completion.expected, b.on_time, b.late, b.missing) == (3, 2, 0, 1)
    assert b.reporting.select("unit", "timing").rows() == [
        ("A", "on_time"),
        ("B", "on_time"),
        ("C", "missing"),
    ]
    assert b.by_kind.rows() == [("department", 2, 2, 0, 0), ("park", 1, 0, 0, 1)]
    assert b.pace.select("plan", "indicators", "green", "yellow", "red", "unreported").rows() == [
        ("P", 5, 2, 0, 2, 1)
    ]
    assert b.red_list["indicator"].to_list() == ["I1", "I3"]
    assert b.red_list["ratio"].to_list() == pytest.approx([0.85, 0.8])
    assert b.unreported["indicator"].to_list() == ["I5"]
    assert b.tasks_behind.select("task", "reasons", "helpers_behind").rows() == [
        ("T1", ["behind"], ["科技局"]),
        ("T4", ["past_due"], []),
    ]


def _texts(ws) -> list[str]:
    return [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def test_bulletin_workbook_has_the_text_then_one_sheet_per_table_and_native_charts(portal):
    book = bulletin_workbook(bulletin(portal, "2025Q4"), portal.settings.office_name)
    wb = load_workbook(io.BytesIO(book.data))
    assert wb.sheetnames == [
        MAIN_SHEET,
        KIND_SHEET,
        PACE_SHEET,
        RED_SHEET,
        UNREPORTED_SHEET,
        TASK_SHEET,
        DETAIL_SHEET,
    ]
    main = wb[MAIN_SHEET]
    texts = _texts(main)
    assert main["A1"].value == "2025年第4季度科技创新任务调度情况通报"
    assert main["A2"].value == "发文机关：长江中游城市群科技创新工作领导小组办公室"
    assert [t for t in texts if t.startswith(("一、", "二、", "三、", "四、"))] == [
        "一、报送情况",
        "二、指标进度",
        "三、滞后指标名单（2 个）",
        "四、滞后任务（2 项）",
    ]
    assert any(
        "应报送单位 3 个，已报送 2 个（其中按时 2 个、迟报 0 个），未报送 1 个，报送率 66.7%" in t
        for t in texts
    )
    assert f"进度滞后的指标 2 个，名单见“{RED_SHEET}”。" in texts
    assert "任务T1" not in texts  # the tables are on their own sheets, not in the text
    # I5's value is 2025Q3's, carried over: marked with its quarter, never counted as behind
    assert [c.value for c in wb[UNREPORTED_SHEET][4]][:7] == [
        1,
        "指标I5（个）",
        None,
        "规划P",
        "高新园区",
        36,
        None,
    ]
    assert wb[UNREPORTED_SHEET]["H4"].value == "2025年第三季度"
    for name in (KIND_SHEET, PACE_SHEET, RED_SHEET, UNREPORTED_SHEET, TASK_SHEET):
        sheet = wb[name]
        assert sheet.print_title_rows == "$3:$3" and sheet["A3"].value == "序号", name
        assert sheet.page_setup.orientation == "portrait", name
    tasks = _texts(wb[TASK_SHEET])
    # the task as the plan writes it and the plan's name, never their codes (#17)
    assert "任务T1" in tasks and "T1 任务T1" not in tasks and "P" not in tasks
    assert wb[RED_SHEET]["G3"].value == "序时进度" and "P" not in _texts(wb[RED_SHEET])
    assert "进度滞后；配合单位滞后：科技局" in tasks and "逾期未完成" in tasks
    kinds = {
        r[1].value: [c.value for c in r[2:7]]
        for r in wb[KIND_SHEET].iter_rows()
        if r[1].value in ("部门", "园区", "合计")
    }
    assert kinds == {  # 应报送, 按时, 迟报, 逾期未报, 未到截止 (the round is past its due date)
        "部门": [2, 2, 0, 0, 0],
        "园区": [1, 0, 0, 1, 0],
        "合计": [3, 2, 0, 1, 0],
    }
    detail = wb[DETAIL_SHEET]
    assert [[c.value for c in detail[r]] for r in range(4, 7)] == [
        [1, "经发局", "部门", "已通过", "2026-01-14 09:00", "2026-01-15", 0, "按时报送"],
        [2, "科技局", "部门", "已通过", "2026-01-10 09:00", "2026-01-15", 0, "按时报送"],
        # "" reads back as None; its only upload failed validation
        [3, "高新园区", "园区", "未报送（上传未通过校验）", None, "2026-01-15", None, "未报送"],
    ]
    assert detail.print_title_rows == "$3:$3"
    with zipfile.ZipFile(io.BytesIO(book.data)) as z:
        charts = sorted(n for n in z.namelist() if n.startswith("xl/charts/chart"))
        assert charts == ["xl/charts/chart1.xml", "xl/charts/chart2.xml"]
        first = z.read(charts[0]).decode()
    # openpyxl writes "<x />" with its own writer and "<x/>" when lxml is installed (python-docx needs it)
    assert re.search(r'<barDir val="bar" ?/>', first) and re.search(r'<grouping val="stacked" ?/>', first)
    # the series are read from the table on its own sheet
    assert "<a:t>各类单位报送情况</a:t>" in first and f"<f>'{KIND_SHEET}'!D" in first


def test_bulletin_text_that_looks_like_a_formula_stays_text(portal_home):
    fx = assessment_fixture()
    fx.rows["units"][1]["name"] = EVIL  # B, a helper behind on T1 and a reporting unit
    portal = build_assessment_portal(portal_home, fx, bonuses=False)
    data = bulletin_workbook(bulletin(portal, "2025Q4"), "办公室").data
    wb = load_workbook(io.BytesIO(data))
    cells = [
        c
        for ws in wb
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str) and "HYPERLINK" in c.value
    ]
    assert {c.value for c in cells} == {EVIL, "进度滞后；配合单位滞后：" + EVIL}
    assert all(c.data_type == "s" for c in cells)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheets = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet"))
    assert not re.search(r"<f[ >]", sheets)


@pytest.mark.libreoffice
@pytest.mark.slow
def test_libreoffice_prints_the_fixture_bulletin_on_the_planned_pages(portal, tmp_path):
    book = bulletin_workbook(bulletin(portal, "2025Q4"), portal.settings.office_name)
    # the 正文 with its two charts on one page (it took 2 with the tables in it), one page per table
    sheets = [MAIN_SHEET, KIND_SHEET, PACE_SHEET, RED_SHEET, UNREPORTED_SHEET, TASK_SHEET, DETAIL_SHEET]
    assert book.pages == dict.fromkeys(sheets, 1)
    path = tmp_path / "通报.xlsx"
    path.write_bytes(book.data)
    pdf = to_pdf(path)
    assert pdf_pages(pdf) == 7
    pages = pdf_text(pdf).split("\f")
    assert "一、报送情况" in pages[0] and "四、滞后任务" in pages[0]
    assert re.search(r"序号\s+任务\s+规划\s+牵头单位", pages[5]) and "任务T1" in pages[5]


@pytest.mark.libreoffice
@pytest.mark.slow
def test_the_demo_bulletin_is_written_by_the_cli_and_prints_on_the_planned_pages(demo_portal, tmp_path):
    home = demo_portal.settings.home
    out = tmp_path / "2025Q3季度通报.xlsx"
    done = run_cli("bulletin", "--round", "2025Q3", "-o", str(out), home=home)
    assert done.returncode == 0, done.stderr.decode()
    message = done.stderr.decode()
    # nothing is reported yet: no indicator is 滞后 for want of a value (issue #17: 本期未报 is listed apart)
    assert "应报 56 个单位，按时 0、迟报 0、未报送 56；滞后指标 0 个，滞后任务 0 项" in message
    planned = int(re.search(r"A4 共 (\d+) 页", message)[1])
    detail = load_workbook(out)[DETAIL_SHEET]
    # an open round: not one unit is counted as failing before its due date (#17)
    book = load_workbook(out)
    assert any("未报送 56 个（其中已逾期 0 个、未到截止 56 个）" in t for t in _texts(book[MAIN_SHEET]))
    total = next(r for r in book[KIND_SHEET].iter_rows(values_only=True) if r[1] == "合计")
    assert total[2:7] == (56, 0, 0, 0, 56)
    assert detail.max_row == 3 + 56 and {detail.cell(row=r, column=8).value for r in range(4, 60)} == {
        "未报送（未到截止）"
    }
    assert pdf_pages(to_pdf(out)) == planned


def test_bulletin_cli_refuses_a_bad_or_unknown_round(portal):
    home = portal.settings.home
    bad = cli("bulletin", "--round", "2025-3", "-o", str(home / "b.xlsx"), home=home)
    assert bad.returncode == 2 and "格式不对" in bad.stderr
    unknown = cli("bulletin", "--round", "2019Q1", "-o", str(home / "b.xlsx"), home=home)
    assert unknown.returncode == 2 and "没有调度轮次“2019Q1”" in unknown.stderr
    assert not (home / "b.xlsx").exists()


def _on(portal, day: dt.date) -> Portal:
    """The portal with its clock on `day` (steps of the 问题库 taken in the past)."""
    return Portal(replace(portal.settings, fixed_today=day), portal.warehouse)


def _problems_in_jz_and_xy(demo_portal) -> dict[str, int]:
    """In JZ: one item 交办 to 创新创业服务中心 due 09-15 (overdue on 10-10), one answered and
    销号; one 交办 in 2025Q2 (not this quarter) and still open; in XY one overdue (another office's)."""
    ids = {}
    for key, plan, unit, title, assigned, due in [
        ("late", "JZ", "JZKF-CXCY", "孵化场地不足", dt.date(2025, 8, 1), dt.date(2025, 9, 15)),
        ("done", "JZ", "JZKF-CXCY", "专业人才引进难", dt.date(2025, 8, 2), dt.date(2025, 8, 31)),
        ("older", "JZ", "JZKF-JFJ", "配套资金到位慢", dt.date(2025, 6, 10), dt.date(2025, 12, 31)),
        ("xy", "XY", "XY-KJJ", "襄阳的逾期问题", dt.date(2025, 8, 1), dt.date(2025, 9, 1)),
    ]:
        at = _on(demo_portal, assigned)
        ids[key] = pb.add_by_hand(at, OFFICE, plan, unit, title, "问诊发现。", "2025年问诊").problem_id
        pb.assign(at, OFFICE, ids[key], unit, due)
    pb.answer(_on(demo_portal, dt.date(2025, 8, 20)), reporter("JZKF-CXCY"), ids["done"], "已整改。")
    pb.close(_on(demo_portal, dt.date(2025, 8, 25)), OFFICE, ids["done"])
    pb.add_by_hand(demo_portal, OFFICE, "JZ", "JZKF-CXCY", "只立项未交办", "办公室草稿。")
    return ids


def test_the_bulletin_counts_its_plans_problems_and_lists_the_overdue_by_unit(demo_portal):
    ids = _problems_in_jz_and_xy(demo_portal)
    counts = problem_counts(bulletin(demo_portal, "2025Q3", "JZ"))
    # 交办 in 2025Q3: late and done (older was 2025Q2's; the draft never 交办; XY is not JZ's)
    assert (counts.this_quarter, counts.assigned, counts.closed) == (2, 3, 1)
    assert counts.line() == "本季度交办问题 2 项；截至目前累计交办 3 项，已销号 1 项，逾期未销号 1 项。"
    assert counts.overdue.select("problem_id", "unit_name", "title", "days_overdue").rows() == [
        (ids["late"], "创新创业服务中心", "孵化场地不足", 25)
    ]
    whole = problem_counts(bulletin(demo_portal, "2025Q3"))  # every plan: XY's overdue item too
    assert set(whole.overdue["problem_id"]) == {ids["late"], ids["xy"]}


def test_the_bulletin_workbook_and_document_carry_the_problem_section(demo_portal):
    _problems_in_jz_and_xy(demo_portal)
    b = bulletin(demo_portal, "2025Q3", "JZ")
    wb = load_workbook(io.BytesIO(bulletin_workbook(b, "办公室").data))
    assert "五、问题整改" in _texts(wb[MAIN_SHEET])
    sheet = wb[PROBLEM_SHEET]
    assert wb.sheetnames[-2:] == [PROBLEM_SHEET, DETAIL_SHEET]  # the last 附表, before the detail
    assert [c.value for c in sheet[3] if c.value] == ["序号", "责任单位", "问题", "反馈期限", "逾期天数"]
    assert [c.value for c in sheet[4] if c.value] == [
        1,
        "创新创业服务中心",
        "孵化场地不足",
        "2025年9月15日",
        25,
    ]
    doc = Document(io.BytesIO(bulletin_document(b, BulletinTexts(), "办公室")))
    paragraphs = [p.text for p in doc.paragraphs]
    assert paragraphs.index("（三）问题整改") < paragraphs.index("六、下步要求")
    table = doc.tables[-1]
    assert [c.text for c in table.rows[0].cells] == PROBLEM_HEADERS
    assert [c.text for c in table.rows[1].cells] == [
        "1",
        "创新创业服务中心",
        "孵化场地不足",
        "2025年9月15日",
        "25",
    ]


def test_a_bulletin_of_plans_without_problems_has_no_problem_section(demo_portal):
    _problems_in_jz_and_xy(demo_portal)
    b = bulletin(demo_portal, "2025Q3", "YY")
    assert (problem_counts(b).this_quarter, problem_counts(b).assigned) == (0, 0)
    wb = load_workbook(io.BytesIO(bulletin_workbook(b, "办公室").data))
    assert PROBLEM_SHEET not in wb.sheetnames and "五、问题整改" not in _texts(wb[MAIN_SHEET])
    doc = Document(io.BytesIO(bulletin_document(b, BulletinTexts(), "办公室")))
    assert "（三）问题整改" not in [p.text for p in doc.paragraphs]


@pytest.mark.libreoffice
@pytest.mark.slow
def test_the_problem_section_prints_with_its_header_and_names(demo_portal, tmp_path):
    _problems_in_jz_and_xy(demo_portal)
    b = bulletin(demo_portal, "2025Q3", "JZ")
    doc, book = tmp_path / "通报.docx", tmp_path / "通报.xlsx"
    doc.write_bytes(bulletin_document(b, BulletinTexts(), "办公室"))
    book.write_bytes(bulletin_workbook(b, "办公室").data)
    for path in (doc, book):
        pdf = to_pdf(path)
        printed = "".join(pdf_text(pdf).split())
        assert "问题整改" in printed and "逾期未销号1项" in printed, path.name
        assert "创新创业服务中心" in printed and "孵化场地不足" in printed, path.name
        assert_no_cut_columns(pdf, PROBLEM_HEADERS)
