"""Scoped accounts on the monitoring boards, the documents and the reminders, on the demo's tree:
荆州经开区 (JZKF, plan JZ) sees nothing of 益阳 (YY); 襄十随神 (XSSS) reads 襄阳 and 十堰 below it;
a document is issued by the plan's own office, or by the nearest office above all its plans."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from docx import Document

from portal.core.context import Portal
from portal.core.permissions import PermissionDenied
from portal.monitoring.bulletin import bulletin
from portal.monitoring.bulletin_docx import BulletinTexts
from portal.monitoring.dashboards import (
    bulletin_book,
    bulletin_draft,
    completion_board,
    completion_choices,
    export_bulletin_docx,
    indicator_history,
    kpi_board,
    kpi_choices,
    missing_list_book,
    task_board,
)
from portal.monitoring.overview import plans_overview
from portal.monitoring.reminder_xlsx import HEADER_ROW, SHEET
from portal.monitoring.status import round_status
from portal.notify import log as notify_log
from portal.notify.remind import remind
from portal.notify.sender import send_outbox
from schemas.enums import Role
from schemas.errors import NotFound
from tests.actors import OFFICE
from tests.conftest import account_in, cli, run_cli
from tests.portal.notify_servers import SmtpServer
from warehouse import offices, outbox
from warehouse.outbox import Message

ROUND = "2025Q3"
SOON = "2025-10-12"  # three days before 2025Q3's due date: every unreported unit is reminded
JZKF_NAME = "荆州经开区创新创业服务中心"
YY_NAME = "益阳市科学技术局"
XSSS_NAME = "襄十随神城市群科技创新协同发展领导小组办公室"
REGION_NAME = "长江中游城市群科技创新工作领导小组办公室"


@pytest.fixture
def jzkf(demo_portal, fast_hashes):
    return account_in(demo_portal, "rev_jzkf", Role.OFFICE_REVIEWER, offices=["JZKF"])


@pytest.fixture
def xsss(demo_portal, fast_hashes):
    return account_in(demo_portal, "rev_xsss", Role.OFFICE_REVIEWER, offices=["XSSS"])


def _cities(units) -> set[str]:
    """The city prefixes of unit codes (JZKF-CXCY → JZKF)."""
    return {u.split("-")[0] for u in units}


def _docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


def _sheet_text(data: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return "\n".join(
        str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if v
    )


# ----------------------------------------------------------------------------- boards


def test_a_city_office_sees_only_its_own_units_on_every_board(demo_portal, jzkf):
    board = completion_board(demo_portal, jzkf, ROUND)
    assert board.expected > 0 and "YY" not in _cities(board.units["unit"])
    assert "YY" not in _cities(board.missing["unit"])
    assert "YY" not in _cities(round_status(demo_portal, jzkf, ROUND).units["unit"])
    kpi = kpi_board(demo_portal, jzkf, ROUND)
    assert kpi.indicators.height > 0 and set(kpi.indicators["plan"]) == {"JZ"}
    tasks = task_board(demo_portal, jzkf, ROUND)
    assert tasks.tasks.height > 0 and set(tasks.tasks["plan"]) == {"JZ"}
    assert "YY" not in _cities(code for code, _ in tasks.units)
    assert set(plans_overview(demo_portal, jzkf).plans["plan"]) == {"JZ"}


def test_the_plan_pickers_offer_only_the_plans_the_account_reads(demo_portal, jzkf, xsss):
    assert [code for code, _ in completion_choices(demo_portal, jzkf).plans] == ["JZ"]
    choices = kpi_choices(demo_portal, jzkf)
    assert [code for code, _ in choices.plans] == ["JZ"]
    assert choices.units and "YY" not in _cities(code for code, _ in choices.units)
    assert [code for code, _ in completion_choices(demo_portal, xsss).plans] == ["XY", "XYKX", "SY"]


@pytest.mark.parametrize(
    "call",
    [
        lambda p, a, plan: completion_board(p, a, ROUND, plan),
        lambda p, a, plan: kpi_board(p, a, ROUND, plan),
        lambda p, a, plan: task_board(p, a, ROUND, plan),
        lambda p, a, plan: missing_list_book(p, a, ROUND, plan),
        lambda p, a, plan: bulletin_book(p, a, ROUND, plan),
        lambda p, a, plan: bulletin_draft(p, a, ROUND, plan),
    ],
    ids=["completion", "kpi", "tasks", "missing-list", "bulletin", "bulletin-draft"],
)
def test_asking_for_another_citys_plan_is_refused_like_an_unknown_plan(demo_portal, jzkf, call):
    with pytest.raises(NotFound) as outside:
        call(demo_portal, jzkf, "YY")
    with pytest.raises(NotFound) as unknown:
        call(demo_portal, jzkf, "NOPE")
    assert outside.value.message == unknown.value.message.replace("NOPE", "YY")
    with pytest.raises(NotFound) as unknown_to_platform:
        call(demo_portal, OFFICE, "NOPE")
    assert unknown_to_platform.value.message == unknown.value.message


def test_a_unit_filter_outside_the_scope_is_refused_like_an_unknown_unit(demo_portal, jzkf):
    for board in (kpi_board, task_board):
        with pytest.raises(NotFound) as outside:
            board(demo_portal, jzkf, ROUND, unit="YY-KJJ")
        with pytest.raises(NotFound) as unknown:
            board(demo_portal, jzkf, ROUND, unit="NO-SUCH")
        assert outside.value.message == unknown.value.message.replace("NO-SUCH", "YY-KJJ")


def test_the_history_of_another_citys_indicator_is_empty_as_for_an_unknown_one(demo_portal, jzkf):
    yy = kpi_board(demo_portal, OFFICE, ROUND, "YY").indicators["indicator"][0]
    jz = kpi_board(demo_portal, jzkf, ROUND).indicators["indicator"][0]
    assert indicator_history(demo_portal, OFFICE, ROUND, [yy]).height > 0
    assert indicator_history(demo_portal, jzkf, ROUND, [yy]).is_empty()
    assert set(indicator_history(demo_portal, jzkf, ROUND, [jz, yy])["indicator"]) == {jz}


def test_an_upper_office_reads_the_cities_below_it_and_nothing_of_the_others(demo_portal, xsss):
    board = completion_board(demo_portal, xsss, ROUND)
    cities = _cities(board.units["unit"])
    assert {"XY", "SY"} <= cities and not cities & {"JZ", "JZKF", "YY"}
    for frame in (kpi_board(demo_portal, xsss, ROUND).indicators, task_board(demo_portal, xsss, ROUND).tasks):
        assert {"XY", "SY"} <= set(frame["plan"]) <= {"XY", "XYKX", "SY"}
    assert set(completion_board(demo_portal, xsss, ROUND, "XYKX").units["unit"]) <= set(board.units["unit"])
    with pytest.raises(NotFound):
        kpi_board(demo_portal, xsss, ROUND, "JZ")


# ----------------------------------------------------------------------------- documents


def test_the_missing_list_of_a_city_office_names_it_and_lists_only_its_units(demo_portal, jzkf):
    book = missing_list_book(demo_portal, jzkf, ROUND)
    assert f"发文机关：{JZKF_NAME}" in _sheet_text(book.data)
    sheet = openpyxl.load_workbook(io.BytesIO(book.data))[SHEET]
    listed = [r[1] for r in sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True) if r[1]]
    owing = completion_board(demo_portal, jzkf, ROUND).missing
    assert listed == owing["name"].to_list() and "YY" not in _cities(owing["unit"])
    everyone = completion_board(demo_portal, OFFICE, ROUND).missing
    assert everyone.height > owing.height and "YY" in _cities(everyone["unit"])


def test_the_word_bulletin_of_a_plan_is_issued_by_the_plans_own_office(demo_portal, jzkf):
    texts = BulletinTexts()
    yy = _docx_text(export_bulletin_docx(demo_portal, OFFICE, ROUND, "YY", texts))
    assert YY_NAME in yy and JZKF_NAME not in yy and REGION_NAME not in yy
    assert "抄送：湖南省科学技术厅。" in yy
    jz = _docx_text(export_bulletin_docx(demo_portal, OFFICE, ROUND, "JZ", texts))
    assert f"{JZKF_NAME}　　\n" in jz  # 落款 (seal text), right before the date
    assert "抄送：荆州市科技创新领导小组办公室。" in jz and YY_NAME not in jz
    mine = _docx_text(export_bulletin_docx(demo_portal, jzkf, ROUND, None, texts))  # its one plan
    assert f"{JZKF_NAME}　　\n" in mine and YY_NAME not in mine


def test_a_bulletin_across_plans_is_issued_by_the_nearest_office_above_them(demo_portal, xsss):
    across = bulletin(demo_portal, ROUND, within=["XY", "SY"])
    assert across.office["code"] == "XSSS" and across.parent_office["code"] == "HB"
    assert set(across.pace["plan"]) == {"XY", "SY"}
    assert not _cities(across.reporting["unit"]) & {"JZ", "JZKF", "YY"}

    text = _docx_text(export_bulletin_docx(demo_portal, xsss, ROUND, None, BulletinTexts()))
    assert XSSS_NAME in text and "抄送：湖北省推进科技创新领导小组办公室。" in text
    b, book = bulletin_book(demo_portal, xsss, ROUND)
    assert set(b.pace["plan"]) == {"XY", "XYKX", "SY"}
    assert f"发文机关：{XSSS_NAME}" in _sheet_text(book.data)


def test_the_platforms_bulletin_of_every_plan_is_issued_by_the_root_office(demo_portal):
    b = bulletin(demo_portal, ROUND)
    assert b.office["code"] == "CJZY" and b.office["name"] == REGION_NAME


def test_a_numbered_office_prints_its_doc_prefix_and_its_seal_text(demo_portal):
    with demo_portal.warehouse.transaction() as con:
        con.execute(
            "UPDATE offices SET doc_prefix = '荆开创', seal_text = '荆州经开区创新创业服务中心（印）' "
            "WHERE code = 'JZKF'"
        )
    text = _docx_text(export_bulletin_docx(demo_portal, OFFICE, ROUND, "JZ", BulletinTexts(doc_number="7")))
    assert "荆开创〔2025〕7号" in text
    assert "荆州经开区创新创业服务中心（印）　　" in text
    assert f"{JZKF_NAME}　　　　" in text  # 印发 line: the office's name
    book = bulletin_book(demo_portal, OFFICE, ROUND, "JZ")[1]
    sheet = _sheet_text(book.data)
    assert f"发文机关：{JZKF_NAME}" in sheet and "荆州经开区创新创业服务中心（印） 2025年" in sheet


# ----------------------------------------------------------------------------- reminders


def _jzkf_units(portal: Portal) -> set[str]:
    with portal.warehouse.connect() as con:
        return set(offices.units_of_offices(con, ["JZKF"], below=False))


def test_a_city_office_reminds_only_its_own_units(demo_portal, jzkf):
    soon = Portal.open(demo_portal.settings.home, today=SOON)
    everyone = remind(soon, OFFICE, ROUND, dry_run=True)
    assert "YY" in _cities(m.unit for m in everyone.messages if m.unit)

    mine = remind(soon, jzkf, ROUND)

    units = {m.unit for m in mine.messages if m.unit}
    assert units and units <= _jzkf_units(soon)
    assert {m.office for m in mine.messages if m.event == "digest"} == {"JZKF"}
    assert {r["unit"] for r in notify_log.outbox_rows(soon) if r["unit"]} == units


def test_an_evaluator_may_not_send_reminders(demo_portal, fast_hashes):
    evaluator = account_in(demo_portal, "eva_jzkf", Role.EVALUATOR, offices=["JZKF"])
    soon = Portal.open(demo_portal.settings.home, today=SOON)
    with pytest.raises(PermissionDenied, match="发送催报通知"):
        remind(soon, evaluator, ROUND, dry_run=True)
    with pytest.raises(PermissionDenied, match="发送催报通知"):
        send_outbox(soon, evaluator)
    assert notify_log.outbox_rows(soon) == []


def _mail(key: str, unit: str) -> Message:
    to = f"{unit.lower()}@example.org"
    return Message(key, "due_soon", "email", to, "【测试】催报", "正文", round=ROUND, unit=unit)


def test_a_city_office_sends_and_lists_only_its_units_messages(demo_portal, jzkf):
    smtp = SmtpServer().start()
    try:
        portal = Portal.open(demo_portal.settings.home, smtp_host="127.0.0.1", smtp_port=smtp.port)
        with portal.warehouse.transaction() as con:
            outbox.enqueue(con, [_mail("k1", "JZKF-CXCY"), _mail("k2", "YY-KJJ")], portal.settings.now())

        assert [r["unit"] for r in notify_log.send_log(portal, jzkf).to_dicts()] == ["JZKF-CXCY"]
        assert send_outbox(portal, jzkf).sent == 1

        assert [m["To"] for m in smtp.inbox] == ["jzkf-cxcy@example.org"]
        states = {r["unit"]: r["state"] for r in notify_log.outbox_rows(portal)}
        assert states == {"JZKF-CXCY": "sent", "YY-KJJ": "pending"}
        assert send_outbox(portal, OFFICE).sent == 1  # the platform sends the rest
    finally:
        smtp.stop()


@pytest.mark.slow  # a real `portal` process and three commands in this one
def test_portal_remind_with_user_acts_for_that_account_and_refuses_an_evaluator(demo_portal, jzkf, xsss):
    home = demo_portal.settings.home
    settings = home / "settings.toml"
    kept = [x for x in settings.read_text(encoding="utf-8").splitlines() if not x.startswith("today")]
    settings.write_text("\n".join([*kept, f'today = "{SOON}"']) + "\n", encoding="utf-8")
    account_in(demo_portal, "eva_jzkf", Role.EVALUATOR, offices=["JZKF"])

    done = run_cli("remind", "--round", ROUND, "--json", "--user", "rev_jzkf", home=home)
    assert done.returncode == 0, done.stderr.decode()
    out = json.loads(done.stdout)
    assert set(out) == {"round", "dry_run", "new", "messages", "unreachable"}
    units = {m["unit"] for m in out["messages"] if m["unit"]}
    assert units and units <= _jzkf_units(demo_portal) and out["new"] == len(out["messages"])

    # the listings and the refusal: the same commands, in this process
    listed = cli("outbox", "list", "--json", home=home)
    assert {r["unit"] for r in json.loads(listed.stdout) if r["unit"]} == units
    upper = cli("outbox", "list", "--json", "--as", "rev_xsss", home=home)
    assert upper.returncode == 0 and json.loads(upper.stdout) == []  # JZKF is not below 襄十随神

    refused = cli("remind", "--round", ROUND, "--user", "eva_jzkf", home=home)
    assert refused.returncode == 1 and "发送催报通知" in refused.stderr


@pytest.mark.parametrize("plan", ["XY", "XYKX", "JZ", "SY", "YY"])
def test_each_demo_plans_bulletin_and_assessment_table_name_that_plans_office(demo_portal, plan):
    from openpyxl import load_workbook

    from portal.assessment.board import export_assessment
    from tests.actors import EVALUATOR

    with demo_portal.warehouse.connect() as con:
        office = con.execute(
            "SELECT o.name FROM plans p JOIN offices o ON o.code = p.office WHERE p.code = ?", [plan]
        ).fetchall()[0][0]
    word = _docx_text(export_bulletin_docx(demo_portal, OFFICE, ROUND, plan, BulletinTexts()))
    assert f"{office}　　\n" in word  # the 落款
    table = load_workbook(io.BytesIO(export_assessment(demo_portal, EVALUATOR, plan, 2025)))
    assert table.worksheets[0]["A2"].value == f"发文机关：{office}"
    assert REGION_NAME not in word  # never the platform's top office on a city's document
