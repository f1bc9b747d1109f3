"""Documents an office can issue, on the filled demo (one copy for the module: building it costs
~60 s): the pace that compares like with like, the per-plan 季度通报 in Word, the 催报名单 from the
command line; each printed with LibreOffice and read back with pdftotext."""

import io
import shutil
import subprocess

import polars as pl
import pytest
from docx import Document
from openpyxl import load_workbook

from portal.core.context import Portal
from portal.monitoring.bulletin import PartRules, QuoteRules, amount_text, bulletin, pick_quotes
from portal.monitoring.bulletin_docx import BulletinTexts, bulletin_document, title
from tests.conftest import require_tool, run_cli
from tests.portal.printing import assert_no_cut_columns, pdf_pages, to_pdf
from warehouse.views import kpi_progress

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def filled(_filled_demo_home, tmp_path_factory) -> Portal:
    home = tmp_path_factory.mktemp("filled-documents")
    shutil.copytree(_filled_demo_home, home, dirs_exist_ok=True)
    return Portal.open(home)


def _pdf_text(pdf) -> str:
    pdftotext = require_tool("pdftotext")
    return subprocess.run(
        [pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def _docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_no_indicator_is_behind_only_because_its_value_is_from_an_earlier_quarter(filled):
    with filled.warehouse.connect() as con:
        kpi = kpi_progress(con, "2025Q3")
    earlier = kpi.filter(pl.col("actual_round").is_not_null() & (pl.col("actual_round") != "2025Q3"))
    assert earlier.height > 0  # the demo has indicators whose latest approved value is 2025Q2's
    assert set(earlier["pace"]) == {"unreported"}
    assert set(kpi.filter(pl.col("pace") == "red")["actual_round"]) <= {"2025Q3"}
    assert (kpi.filter(pl.col("pace") == "unreported")["current"]).not_().all()


def test_the_cli_writes_the_plans_bulletin_in_word_from_its_own_office(filled, tmp_path):
    out = tmp_path / "b.docx"
    done = run_cli("bulletin", "--round", "2025Q2", "--plan", "JZ", "-o", str(out), home=filled.settings.home)
    assert done.returncode == 0, done.stderr.decode()
    assert (tmp_path / "b-附件.xlsx").is_file()
    text = _docx_text(out.read_bytes())
    with filled.warehouse.connect() as con:
        office = con.execute(
            "SELECT o.name, o.seal_text, o.doc_prefix, o.recipients FROM plans p JOIN offices o ON o.code = p.office "
            "WHERE p.code = 'JZ'"
        ).fetchone()
        jz_units = {
            r[0]
            for r in con.execute(
                "SELECT u.name FROM units u WHERE u.code IN (SELECT unit FROM task_units tu JOIN tasks t ON t.code = tu.task "
                "WHERE t.plan = 'JZ' UNION SELECT unit FROM indicator_owners io JOIN indicators i ON i.code = io.indicator "
                "WHERE i.plan = 'JZ')"
            ).fetchall()
        }
        others = {r[0] for r in con.execute("SELECT name FROM units").fetchall()} - jz_units
    name, seal, prefix, recipients = office
    assert "荆州" in name and name in text and (seal or name) in text
    assert "关于2025年第二季度科技创新重点任务调度情况的通报" in text and "总体情况" in text
    if prefix:
        assert f"{prefix}〔" in text
    if recipients:
        assert f"{recipients}：" in text
    doc = Document(str(out))
    ranked = [row.cells[1].text for row in doc.tables[0].rows[1:]]
    assert ranked and set(ranked) <= jz_units
    b = bulletin(filled, "2025Q2", "JZ")
    body = text
    for name_of_issuer in (b.office["name"], (b.parent_office or {}).get("name") or "", b.plan_name):
        body = body.replace(name_of_issuer, "")  # an office or plan name may contain a city's name
    assert not [u for u in others if u and u in body and not any(u in j for j in jz_units)]
    assert "2025Q2" not in text and "JZ" not in text  # names and words, not codes, on paper
    header = doc.tables[0].rows[0]._tr
    assert header.find(".//{*}tblHeader") is not None
    section = doc.sections[0]
    assert (round(section.top_margin.mm), round(section.left_margin.mm)) == (37, 28)


@pytest.mark.libreoffice
def test_the_word_bulletin_prints_with_its_key_parts_and_every_column(filled, tmp_path):
    b = bulletin(filled, "2025Q2", "JZ")
    texts = BulletinTexts(requirements="请各单位于下季度截止日期前报送。")
    path = tmp_path / "通报.docx"
    path.write_bytes(bulletin_document(b, texts, "办公室"))
    pdf = to_pdf(path)
    pages = pdf_pages(pdf)
    assert 2 <= pages <= 8
    text = _pdf_text(pdf).replace(" ", "").replace("\n", "")
    for part in ("总体情况", "指标进度", "单位排名", "工作亮点", "存在问题", "下步要求", "序时进度", "印发"):
        assert part in text, part
    assert_no_cut_columns(pdf, ["排名", "单位", "报送", "正常", "稍缓", "滞后", "未报", "任务滞后", "评价"])
    assert "请各单位于下季度截止日期前报送。" in text
    assert title(b).replace(" ", "") in text


def test_quotes_are_the_units_own_approved_text_chosen_by_rules(filled):
    b = bulletin(filled, "2025Q2", "JZ")
    two = QuoteRules(highlights=PartRules(max=2, statuses=("in_progress",)), problems=PartRules(max=2))
    highlights, problems = pick_quotes(b, two)
    assert len(highlights) <= 2 and len(problems) <= 2
    approved = b.task_rows.filter(pl.col("submission_status") == "approved")
    said = set(approved["narrative"].drop_nulls()) | set(approved["problems"].drop_nulls())
    assert all(q.text in said for q in [*highlights, *problems])
    none, _ = pick_quotes(b, QuoteRules(highlights=PartRules(max=0)))
    assert none == []


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [(192.4286, "家", "192 家"), (3.456, "亿元", "3.46 亿元"), (14.25, "%", "14.2%"), (None, "家", "—")],
)
def test_numbers_on_paper_are_rounded_sensibly(value, unit, text):
    assert amount_text(value, unit) == text


@pytest.mark.libreoffice
def test_the_cli_writes_the_reminder_list_with_leaders_and_a_column_for_the_calls(filled, tmp_path):
    out = tmp_path / "催报名单.xlsx"
    done = run_cli("status", "--round", "2025Q3", "--plan", "JZ", "-o", str(out), home=filled.settings.home)
    assert done.returncode == 0, done.stderr.decode()
    ws = load_workbook(out).active
    assert ws["A1"].value.startswith("2025年第三季度") and "2025Q3" not in ws["A1"].value
    headers = [c.value for c in ws[4]]
    assert {"分管领导", "剩余/逾期天数", "催报记录", "联系人", "联系电话"} <= set(headers)
    assert ws.print_title_rows == "$4:$4"
    heights = {ws.row_dimensions[r].height for r in range(5, ws.max_row + 1)}
    assert len(heights) == 1  # every row one height
    units = bulletin(filled, "2025Q3", "JZ").completion.units
    owing = set(
        units.filter(~pl.col("reported"))["name"]
    )  # never reported, or returned awaiting resubmission
    names = {ws.cell(row=r, column=2).value for r in range(5, ws.max_row + 1)}
    assert names == owing
    pdf = to_pdf(out)
    text = _pdf_text(pdf).replace(" ", "")
    assert "2025年第三季度" in text and "催报记录" in text
    assert pdf_pages(pdf) >= 1
    assert_no_cut_columns(pdf, [h for h in headers if h])
