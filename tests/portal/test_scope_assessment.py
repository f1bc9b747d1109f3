"""年度考核 within an account's scope: an evaluator of 荆州经开区 (JZKF) scores plan JZ only; plan YY
is refused in the very words of a plan that does not exist; an upper office reads, never adjusts.
The 考核表 is issued by the plan's own office."""

import io

import pytest
from openpyxl import load_workbook

from portal.assessment.assess import add_bonus, assess, list_bonus, withdraw_bonus
from portal.assessment.board import (
    assessment_board,
    assessment_choices,
    export_assessment,
    save_scheme_as,
    scheme_text_as,
)
from portal.core.errors import NotFound
from portal.core.permissions import PermissionDenied, missing_plan
from schemas.enums import Role
from tests.actors import EVALUATOR
from tests.conftest import account_in, cli

YEAR = 2025


@pytest.fixture
def jzkf(demo_portal):
    return account_in(demo_portal, "eval_jzkf", Role.EVALUATOR, offices=["JZKF"])


def _refusal(call) -> str:
    with pytest.raises(NotFound) as refused:
        call()
    return refused.value.message


USE_CASES = {
    "assess": lambda p, a, plan: assess(p, a, plan, YEAR),
    "board": lambda p, a, plan: assessment_board(p, a, plan, YEAR),
    "export": lambda p, a, plan: export_assessment(p, a, plan, YEAR),
    "list_bonus": lambda p, a, plan: list_bonus(p, a, plan, YEAR),
    "add_bonus": lambda p, a, plan: add_bonus(p, a, plan, YEAR, f"{plan}-KJJ", 1, "获省级表彰"),
    "scheme_text": lambda p, a, plan: scheme_text_as(p, a, plan, YEAR),
    "save_scheme": lambda p, a, plan: save_scheme_as(p, a, plan, YEAR, b"[bonus]\nmax_total = 3.0\n"),
}


@pytest.mark.parametrize("use_case", list(USE_CASES))
def test_another_offices_plan_is_refused_in_the_words_of_a_plan_that_does_not_exist(
    demo_portal, jzkf, use_case
):
    call = USE_CASES[use_case]
    outside = _refusal(lambda: call(demo_portal, jzkf, "YY"))
    missing = _refusal(lambda: call(demo_portal, jzkf, "NOPE"))
    assert outside == missing.replace("NOPE", "YY") == missing_plan("YY")
    assert list_bonus(demo_portal, EVALUATOR, "YY", YEAR).is_empty()  # nothing was recorded
    assert not (demo_portal.settings.home / "scoring").exists()


def test_the_unknown_plan_issue_of_a_platform_account_says_the_same_words(demo_portal):
    unknown = assess(demo_portal, EVALUATOR, "NOPE", YEAR)
    assert [i.message for i in unknown.report.errors] == [missing_plan("NOPE")]


def test_an_evaluator_scores_adjusts_and_exports_its_own_offices_plan(demo_portal, jzkf):
    assert [p.code for p in assessment_choices(demo_portal, jzkf).plans] == ["JZ"]
    board = assessment_board(demo_portal, jzkf, "JZ", YEAR)
    assert board.ok and board.can_adjust and board.can_export
    added = add_bonus(demo_portal, jzkf, "JZ", YEAR, "JZKF-CXCY", 1, "获省级表彰")
    assert added.bonus_id is not None, added.report.issues
    assert export_assessment(demo_portal, jzkf, "JZ", YEAR)[:2] == b"PK"
    assert withdraw_bonus(demo_portal, jzkf, added.bonus_id).ok


def test_a_bonus_item_of_another_office_is_refused_like_a_missing_id(demo_portal, jzkf):
    yy = add_bonus(demo_portal, EVALUATOR, "YY", YEAR, "YY-KJJ", 1, "获省级表彰").bonus_id
    refused = withdraw_bonus(demo_portal, jzkf, yy)
    missing = withdraw_bonus(demo_portal, jzkf, 9999)
    assert not refused.ok and refused.message == missing.message.replace("9999", str(yy))
    assert list_bonus(demo_portal, EVALUATOR, "YY", YEAR)["id"].to_list() == [yy]  # still in force


def test_an_upper_office_reads_the_assessment_below_it_but_cannot_adjust_it(demo_portal):
    province = account_in(demo_portal, "eval_hb", Role.EVALUATOR, offices=["HB"])
    assert {p.code for p in assessment_choices(demo_portal, province).plans} == {"XY", "XYKX", "JZ", "SY"}
    board = assessment_board(demo_portal, province, "JZ", YEAR)
    assert board.ok and not board.can_adjust and board.can_export
    with pytest.raises(PermissionDenied, match="只读"):
        add_bonus(demo_portal, province, "JZ", YEAR, "JZKF-CXCY", 1, "获省级表彰")
    with pytest.raises(PermissionDenied, match="只读"):
        save_scheme_as(demo_portal, province, "JZ", YEAR, b"[bonus]\nmax_total = 3.0\n")
    jz_item = add_bonus(demo_portal, EVALUATOR, "JZ", YEAR, "JZKF-CXCY", 1, "获省级表彰").bonus_id
    with pytest.raises(PermissionDenied, match="只读"):
        withdraw_bonus(demo_portal, province, jz_item)
    assert list_bonus(demo_portal, EVALUATOR, "JZ", YEAR)["id"].to_list() == [jz_item]


def test_portal_assess_as_an_account_shows_only_its_plans(demo_portal, jzkf):
    home = demo_portal.settings.home
    own = cli("assess", "--plan", "JZ", "--year", "2025", "--json", "--as", "eval_jzkf", home=home)
    assert own.returncode == 0, own.stderr
    outside = cli("assess", "--plan", "YY", "--year", "2025", "--as", "eval_jzkf", home=home)
    missing = cli("assess", "--plan", "NOPE", "--year", "2025", "--as", "eval_jzkf", home=home)
    assert outside.returncode == missing.returncode == 1 and outside.stdout == ""
    assert outside.stderr == missing.stderr.replace("NOPE", "YY") == f"错误：{missing_plan('YY')}\n"


def _summary_and_signatures(data: bytes) -> tuple[str, set[str]]:
    book = load_workbook(io.BytesIO(data))
    cells = {str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value}
    return book.worksheets[0]["A2"].value, cells


@pytest.mark.parametrize(
    ("plan", "office"), [("JZ", "荆州经开区创新创业服务中心"), ("YY", "益阳市科学技术局")]
)
def test_the_assessment_table_is_issued_by_the_plans_own_office(demo_portal, plan, office):
    issuer, cells = _summary_and_signatures(export_assessment(demo_portal, EVALUATOR, plan, YEAR))
    assert issuer == f"发文机关：{office}"
    assert f"{office}（盖章）" in cells  # the 落款 above the seal, under the summary
    everything = " ".join(cells) + issuer
    assert "长江中游城市群科技创新工作领导小组办公室" not in everything


def test_the_signature_is_the_offices_seal_text_when_it_has_one(demo_portal):
    with demo_portal.warehouse.transaction() as con:
        con.execute("UPDATE offices SET seal_text = '荆州经开区创新创业服务中心（印）' WHERE code = 'JZKF'")
    issuer, cells = _summary_and_signatures(export_assessment(demo_portal, EVALUATOR, "JZ", YEAR))
    assert issuer == "发文机关：荆州经开区创新创业服务中心"
    assert "荆州经开区创新创业服务中心（印）（盖章）" in cells
