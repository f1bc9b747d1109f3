"""扣分项, 一票否决, 定性评价 (evaluators) and 自评分 (units) as use cases: role and scope, Chinese
messages for wrong input, audited, never deleted, and what each does to the assessment.

Scores on the hand-computed fixture (tests/portal/assessment_fixture.py, plan P 2025): A 经发局
92.06 优秀 (indicators 58.00, tasks 25.06, reporting 9.00), B 科技局 89.25 良好, C 高新园区 64.10 合格.
Scope on the demo: eval_jzkf acts on plan JZ only; eval_hb (湖北省) reads JZ and adjusts nothing.
"""

from __future__ import annotations

import json

import pytest

from portal.assessment.assess import assess
from portal.assessment.entries import (
    add_deduction,
    add_veto,
    list_deductions,
    list_qualitative,
    list_self_scores,
    list_vetoes,
    self_score_choices,
    self_score_comparison,
    self_score_form,
    set_qualitative,
    set_self_score,
    withdraw_deduction,
    withdraw_veto,
)
from portal.core import labels as L
from portal.core.errors import NotFound
from portal.core.permissions import PermissionDenied, missing_plan
from schemas.enums import Role
from tests.actors import EVALUATOR, OFFICE, reporter
from tests.conftest import account_in, cli
from tests.portal.assessment_fixture import build_assessment_portal

YEAR = 2025
UNIT = "JZKF-CXCY"  # the demo reporter's unit, assessed in plan JZ
QUALITATIVE = '[points]\nreporting = 5\n\n[[qualitative]]\nname = "工作创新"\npoints = 5\n'


@pytest.fixture
def jzkf(demo_portal):
    return account_in(demo_portal, "eval_jzkf", Role.EVALUATOR, offices=["JZKF"])


@pytest.fixture
def fixture_portal(portal_home):
    return build_assessment_portal(portal_home)


def _audit(portal, prefix: str) -> list[tuple]:
    with portal.warehouse.connect() as con:
        return con.execute(
            "SELECT actor, action, target FROM audit_log WHERE action LIKE ? ORDER BY id", [prefix + "%"]
        ).fetchall()


def _scheme(portal, text: str, name: str = "JZ-2025.toml") -> None:
    folder = portal.settings.home / "scoring"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


# --- 扣分项 -------------------------------------------------------------------------------------------


def test_an_evaluator_records_a_deduction_of_the_catalogue_with_reason_and_evidence(demo_portal, jzkf):
    result = add_deduction(demo_portal, jzkf, "JZ", YEAR, UNIT, "DB", " 督办件逾期 ", "荆经开督〔2025〕3号")
    assert result.ok and result.report.issues == []
    assert result.outcome().message == f"已录入扣分项 {result.entry_id}（督办事项逾期未办结，扣 1 分）。"
    rows = list_deductions(demo_portal, jzkf, "JZ", YEAR)
    assert rows.select("unit", "code", "name", "points", "reason", "evidence", "entered_by").rows() == [
        (UNIT, "DB", "督办事项逾期未办结", 1.0, "督办件逾期", "荆经开督〔2025〕3号", "eval_jzkf")
    ]
    assert _audit(demo_portal, "assessment.deduction") == [
        ("eval_jzkf", "assessment.deduction.add", f"JZ/{YEAR}/{UNIT}")
    ]
    a = assess(demo_portal, jzkf, "JZ", YEAR).unit(UNIT)
    assert a.deducted == 1.0 and [line.item for line in a.deduction_entries] == ["DB"]


def test_an_unknown_deduction_code_lists_the_valid_ones_and_a_reason_is_required(demo_portal, jzkf):
    result = add_deduction(demo_portal, jzkf, "JZ", YEAR, UNIT, "XX", "  ")
    assert not result.ok
    assert result.report.codes() == ["entry-item-unknown", "entry-reason-missing"]
    assert [i.message for i in result.report.issues] == [
        "评分方案的 [[deductions]] 中没有“XX”，可选：DB（督办事项逾期未办结，每次 1 分）、"
        "TB（被通报批评(黄牌警示)，每次 2 分）。",
        "扣分必须写明理由。",
    ]
    assert list_deductions(demo_portal, jzkf, "JZ", YEAR).is_empty()
    assert _audit(demo_portal, "assessment.deduction") == []


def test_a_unit_not_assessed_in_the_plan_is_an_issue(demo_portal):
    result = add_deduction(demo_portal, EVALUATOR, "JZ", YEAR, "YY-KJJ", "DB", "督办件逾期")
    assert result.report.codes() == ["entry-unit-not-assessed"]
    assert result.report.issues[0].message == "单位 YY-KJJ 在规划 JZ 中没有承担任务或指标，不在考核范围内。"


def test_the_cap_reached_is_told_and_scoring_counts_no_more_than_the_cap(demo_portal, jzkf):
    for n in range(3):  # DB: 1 point an entry, at most 3
        assert add_deduction(demo_portal, jzkf, "JZ", YEAR, UNIT, "DB", f"督办件逾期 {n}").report.issues == []
    fourth = add_deduction(demo_portal, jzkf, "JZ", YEAR, UNIT, "DB", "督办件逾期 3")
    assert fourth.ok and fourth.report.codes() == ["deduction-cap-reached"]
    assert fourth.report.issues[0].message == (
        f"单位 {UNIT} 的扣分项“督办事项逾期未办结”此前已扣满上限 3 分，本条已记录，但计分时不再扣分。"
    )
    assert fourth.outcome().ok and "此前已扣满上限 3 分" in fourth.outcome().message
    assert assess(demo_portal, jzkf, "JZ", YEAR).unit(UNIT).deducted == 3.0


def test_an_entry_going_past_the_cap_says_what_counts(demo_portal, jzkf):
    _scheme(demo_portal, '[[deductions]]\ncode = "HP"\nname = "红牌警示"\npoints = 2\nmax_total = 3\n')
    assert add_deduction(demo_portal, jzkf, "JZ", YEAR, UNIT, "HP", "红牌").report.issues == []
    second = add_deduction(demo_portal, jzkf, "JZ", YEAR, UNIT, "HP", "再次红牌")
    assert [i.message for i in second.report.issues] == [
        f"单位 {UNIT} 的扣分项“红牌警示”合计 4 分，超过上限 3 分，计分时按 3 分计。"
    ]
    assert assess(demo_portal, jzkf, "JZ", YEAR).unit(UNIT).deducted == 3.0


def test_a_withdrawn_deduction_keeps_its_row_with_who_and_when(demo_portal, jzkf):
    entry = add_deduction(demo_portal, jzkf, "JZ", YEAR, UNIT, "DB", "督办件逾期").entry_id
    outcome = withdraw_deduction(demo_portal, jzkf, entry)
    assert outcome.ok and outcome.message == f"已撤销扣分项 {entry}，记录仍保留。"
    assert list_deductions(demo_portal, jzkf, "JZ", YEAR).is_empty()
    with demo_portal.warehouse.connect() as con:
        kept = con.execute(
            "SELECT code, reason, withdrawn_by, withdrawn_at IS NOT NULL FROM assessment_deductions WHERE id = ?",
            [entry],
        ).fetchall()
    assert kept == [("DB", "督办件逾期", "eval_jzkf", True)]
    again = withdraw_deduction(demo_portal, jzkf, entry)
    assert not again.ok and again.message == L.DEDUCTION_NOT_FOUND.format(id=entry)
    assert assess(demo_portal, jzkf, "JZ", YEAR).unit(UNIT).deducted == 0.0
    assert [a for _, a, _ in _audit(demo_portal, "assessment.deduction")] == [
        "assessment.deduction.add",
        "assessment.deduction.withdraw",
    ]


def test_another_offices_plan_is_refused_in_the_words_of_a_plan_that_does_not_exist(demo_portal, jzkf):
    calls = [
        lambda plan: add_deduction(demo_portal, jzkf, plan, YEAR, "YY-KJJ", "DB", "督办件逾期"),
        lambda plan: add_veto(demo_portal, jzkf, plan, YEAR, "YY-KJJ", "数据弄虚作假", "核查属实"),
        lambda plan: set_qualitative(demo_portal, jzkf, plan, YEAR, "YY-KJJ", "工作创新", 3),
        lambda plan: list_deductions(demo_portal, jzkf, plan, YEAR),
        lambda plan: list_self_scores(demo_portal, jzkf, plan, YEAR),
    ]
    for call in calls:
        with pytest.raises(NotFound) as outside:
            call("YY")
        with pytest.raises(NotFound) as missing:
            call("NOPE")
        assert (outside.value.message, missing.value.message) == (missing_plan("YY"), missing_plan("NOPE"))
    assert list_deductions(demo_portal, EVALUATOR, "YY", YEAR).is_empty()


def test_an_entry_of_another_office_cannot_be_withdrawn_and_is_refused_like_a_missing_id(demo_portal, jzkf):
    yy = add_deduction(demo_portal, EVALUATOR, "YY", YEAR, "YY-KJJ", "DB", "督办件逾期").entry_id
    veto = add_veto(demo_portal, EVALUATOR, "YY", YEAR, "YY-KJJ", "数据弄虚作假", "核查属实").entry_id
    assert withdraw_deduction(demo_portal, jzkf, yy).message == L.DEDUCTION_NOT_FOUND.format(id=yy)
    assert withdraw_veto(demo_portal, jzkf, veto).message == L.VETO_NOT_FOUND.format(id=veto)
    assert list_deductions(demo_portal, EVALUATOR, "YY", YEAR)["id"].to_list() == [yy]
    assert list_vetoes(demo_portal, EVALUATOR, "YY", YEAR)["id"].to_list() == [veto]


def test_an_upper_office_reads_the_entries_but_enters_and_withdraws_none(demo_portal):
    province = account_in(demo_portal, "eval_hb", Role.EVALUATOR, offices=["HB"])
    entry = add_deduction(demo_portal, EVALUATOR, "JZ", YEAR, UNIT, "DB", "督办件逾期").entry_id
    assert list_deductions(demo_portal, province, "JZ", YEAR)["id"].to_list() == [entry]
    for call in (
        lambda: add_deduction(demo_portal, province, "JZ", YEAR, UNIT, "DB", "督办件逾期"),
        lambda: add_veto(demo_portal, province, "JZ", YEAR, UNIT, "数据弄虚作假", "核查属实"),
        lambda: set_qualitative(demo_portal, province, "JZ", YEAR, UNIT, "工作创新", 3),
        lambda: withdraw_deduction(demo_portal, province, entry),
    ):
        with pytest.raises(PermissionDenied, match="只读"):
            call()
    assert list_deductions(demo_portal, EVALUATOR, "JZ", YEAR)["id"].to_list() == [entry]


@pytest.mark.parametrize("actor", [OFFICE, reporter(UNIT)], ids=["office", "reporter"])
def test_only_evaluators_enter_deductions_vetoes_and_qualitative_scores(demo_portal, actor):
    for call in (
        lambda: add_deduction(demo_portal, actor, "JZ", YEAR, UNIT, "DB", "督办件逾期"),
        lambda: add_veto(demo_portal, actor, "JZ", YEAR, UNIT, "数据弄虚作假", "核查属实"),
        lambda: set_qualitative(demo_portal, actor, "JZ", YEAR, UNIT, "工作创新", 3),
        lambda: withdraw_deduction(demo_portal, actor, 1),
        lambda: withdraw_veto(demo_portal, actor, 1),
    ):
        with pytest.raises(PermissionDenied, match="无权录入考核加分项、扣分项、一票否决和定性评分"):
            call()


# --- 一票否决 -----------------------------------------------------------------------------------------


def test_a_veto_sets_the_units_grade_whatever_its_score_until_withdrawn(fixture_portal):
    assert assess(fixture_portal, EVALUATOR, "P", YEAR).unit("A").grade == "优秀"
    result = add_veto(
        fixture_portal, EVALUATOR, "P", YEAR, "A", "数据弄虚作假", "核查发现虚报高企数量", "核查报告"
    )
    assert (
        result.ok
        and result.outcome().message
        == f"已录入一票否决 {result.entry_id}（数据弄虚作假），该单位等次定为不合格。"
    )
    a = assess(fixture_portal, EVALUATOR, "P", YEAR).unit("A")
    assert (a.total, a.grade, a.vetoed) == (92.06, "不合格", True)
    assert "一票否决（数据弄虚作假）" in a.note
    assert list_vetoes(fixture_portal, EVALUATOR, "P", YEAR).select(
        "unit", "reason_code", "reason", "evidence"
    ).rows() == [("A", "数据弄虚作假", "核查发现虚报高企数量", "核查报告")]
    assert withdraw_veto(fixture_portal, EVALUATOR, result.entry_id).ok
    assert assess(fixture_portal, EVALUATOR, "P", YEAR).unit("A").grade == "优秀"
    assert [a for _, a, _ in _audit(fixture_portal, "assessment.veto")] == [
        "assessment.veto.add",
        "assessment.veto.withdraw",
    ]


def test_a_veto_reason_must_be_one_of_the_schemes_and_explained(fixture_portal):
    result = add_veto(fixture_portal, EVALUATOR, "P", YEAR, "A", "迟报", "")
    assert result.report.codes() == ["entry-item-unknown", "entry-reason-missing"]
    assert result.report.issues[0].message == (
        "评分方案的 [veto] reasons 中没有“迟报”，可选：“数据弄虚作假”、“发生重大安全生产事故或重大负面舆情”、"
        "“违反廉洁纪律造成恶劣影响”。"
    )
    assert result.report.issues[1].message == "一票否决必须写明理由。"
    assert list_vetoes(fixture_portal, EVALUATOR, "P", YEAR).is_empty()


# --- 定性评价 -----------------------------------------------------------------------------------------


def test_a_qualitative_score_is_added_to_the_units_total_and_the_latest_counts(fixture_portal):
    _scheme(fixture_portal, QUALITATIVE, "P-2025.toml")
    before = assess(fixture_portal, EVALUATOR, "P", YEAR).unit("A")
    assert before.qualitative == 0.0
    first = set_qualitative(fixture_portal, EVALUATOR, "P", YEAR, "A", "工作创新", 4, "首创“揭榜挂帅”")
    assert first.ok and first.outcome().message == f"已记录定性评价 {first.entry_id}：A“工作创新”4 分。"
    after = assess(fixture_portal, EVALUATOR, "P", YEAR).unit("A")
    assert (after.qualitative, after.total) == (4.0, round(before.total + 4, 2))
    assert [(line.item, line.score) for line in after.qualitative_lines] == [("工作创新", 4.0)]
    assert set_qualitative(fixture_portal, EVALUATOR, "P", YEAR, "A", "工作创新", 2.5).ok
    assert assess(fixture_portal, EVALUATOR, "P", YEAR).unit("A").total == round(before.total + 2.5, 2)
    listed = list_qualitative(fixture_portal, EVALUATOR, "P", YEAR)
    assert listed.select("unit", "item", "points", "score", "note").rows() == [
        ("A", "工作创新", 5.0, 2.5, None)
    ]
    with fixture_portal.warehouse.connect() as con:  # both scores kept: each row is the trail
        assert con.execute("SELECT score FROM assessment_qualitative ORDER BY id").fetchall() == [
            (4.0,),
            (2.5,),
        ]
    assert len(_audit(fixture_portal, "assessment.qualitative.set")) == 2


def test_a_qualitative_score_out_of_range_says_the_range_and_an_unknown_item_lists_them(fixture_portal):
    _scheme(fixture_portal, QUALITATIVE, "P-2025.toml")
    high = set_qualitative(fixture_portal, EVALUATOR, "P", YEAR, "A", "工作创新", 6)
    assert [i.message for i in high.report.issues] == [
        "定性评价“工作创新”的分值 6 无效：应在 0 到 5 分之间。"
    ]
    unknown = set_qualitative(fixture_portal, EVALUATOR, "P", YEAR, "A", "满意度", 3)
    assert [i.message for i in unknown.report.issues] == [
        "评分方案的 [[qualitative]] 中没有“满意度”，可选：工作创新（5 分）。"
    ]
    assert list_qualitative(fixture_portal, EVALUATOR, "P", YEAR).is_empty()


def test_without_qualitative_items_in_the_scheme_none_can_be_scored(demo_portal, jzkf):
    result = set_qualitative(demo_portal, jzkf, "JZ", YEAR, UNIT, "工作创新", 3)
    assert [i.message for i in result.report.issues] == [
        "评分方案的 [[qualitative]] 中没有“工作创新”，可选：（评分方案未设定性评价项）。"
    ]


# --- 自评分 -------------------------------------------------------------------------------------------


def test_a_units_self_score_appears_beside_its_score_with_large_differences_flagged(fixture_portal):
    clerk = reporter("A")
    tasks = set_self_score(fixture_portal, clerk, "P", YEAR, "A", "任务推进", 28)
    assert tasks.ok and tasks.outcome().message == f"已记录自评分 {tasks.entry_id}：任务推进 28 分。"
    a = assess(fixture_portal, EVALUATOR, "P", YEAR).unit("A")
    assert (a.self_scores["tasks"], a.self_score, a.self_flagged) == (28.0, 28.0, [])  # 28 vs 25.06
    assert set_self_score(fixture_portal, clerk, "P", YEAR, "A", "indicators", 50).ok  # 50 vs 58.00: > 5
    result = assess(fixture_portal, EVALUATOR, "P", YEAR)
    a = result.unit("A")
    assert (a.self_score, a.total, a.self_flagged) == (78.0, 92.06, ["indicators"])
    assert result.as_json()["units"][0]["self_score"] == 78.0
    assert self_score_comparison(result).rows() == [("A", "经发局", 78.0, 92.06, "指标完成")]
    assert (
        _audit(fixture_portal, "assessment.self_score")
        == [("reporter", "assessment.self_score.set", "P/2025/A")] * 2
    )


def test_a_unit_enters_and_reads_its_own_self_scores_only(fixture_portal):
    leader = type(reporter("B"))("leader_b", "科技局审核人", Role.UNIT_LEADER, "B")
    assert set_self_score(fixture_portal, reporter("A"), "P", YEAR, "A", "tasks", 20).ok
    assert set_self_score(
        fixture_portal, leader, "P", YEAR, "B", "reporting", 9
    ).ok  # the sign-off account too
    with pytest.raises(PermissionDenied, match="只能访问本单位"):
        set_self_score(fixture_portal, reporter("A"), "P", YEAR, "B", "tasks", 20)
    own = list_self_scores(fixture_portal, reporter("A"), "P", YEAR)
    assert own.select("unit", "component", "component_name", "points", "score").rows() == [
        ("A", "tasks", "任务推进", 30.0, 20.0)
    ]
    assert list_self_scores(fixture_portal, EVALUATOR, "P", YEAR)["unit"].to_list() == ["A", "B"]
    assert list_self_scores(fixture_portal, OFFICE, "P", YEAR).height == 2
    with pytest.raises(PermissionDenied):  # evaluators read self-scores, never enter them
        set_self_score(fixture_portal, EVALUATOR, "P", YEAR, "A", "tasks", 20)


def test_a_self_score_is_checked_against_the_components_points(fixture_portal):
    clerk = reporter("A")
    unknown = set_self_score(fixture_portal, clerk, "P", YEAR, "A", "bonus", 3)
    assert [i.message for i in unknown.report.issues] == [
        "自评分的项目“bonus”无效，可选：indicators（指标完成，60 分）、tasks（任务推进，30 分）、"
        "reporting（报送质量，10 分）。"
    ]
    high = set_self_score(fixture_portal, clerk, "P", YEAR, "A", "tasks", 31)
    assert [i.message for i in high.report.issues] == [
        "自评分“任务推进”的分值 31 无效：应在 0 到 30 分之间。"
    ]
    assert list_self_scores(fixture_portal, clerk, "P", YEAR).is_empty()


def test_a_plan_the_unit_has_no_part_in_is_refused_like_a_missing_one(demo_portal):
    clerk = reporter(UNIT)
    assert [p.code for p in self_score_choices(demo_portal, clerk).plans] == ["JZ"]
    for plan in ("YY", "NOPE"):
        with pytest.raises(NotFound) as refused:
            set_self_score(demo_portal, clerk, plan, YEAR, UNIT, "tasks", 20)
        assert refused.value.message == missing_plan(plan)
        with pytest.raises(NotFound):
            list_self_scores(demo_portal, clerk, plan, YEAR)


def test_the_self_score_form_shows_the_units_components_and_latest_scores(demo_portal):
    clerk = reporter(UNIT)
    assert set_self_score(demo_portal, clerk, "JZ", YEAR, UNIT, "tasks", 20).ok
    assert set_self_score(demo_portal, clerk, "JZ", YEAR, UNIT, "tasks", 25).ok
    form = self_score_form(demo_portal, clerk, "JZ", YEAR)
    assert form.problems == []
    assert form.components.select("component", "item_points", "self_score").rows() == [
        ("indicators", 60.0, None),
        ("tasks", 30.0, 25.0),
        ("reporting", 10.0, None),
    ]


# --- the command line -----------------------------------------------------------------------------------


def test_portal_deduction_add_list_withdraw(demo_portal):
    home = demo_portal.settings.home
    add = ["deduction", "add", "--plan", "JZ", "--year", "2025", "--unit", UNIT, "--code", "DB"]
    done = cli(*add, "--reason", "督办件逾期", "--evidence", "督办通知", "--user", "eval_jzkf", home=home)
    assert done.returncode == 0, done.stderr
    assert "已录入扣分项" in done.stderr
    listed = cli("deduction", "list", "--plan", "JZ", "--year", "2025", "--json", home=home)
    body = json.loads(listed.stdout)
    assert (body["plan"], body["year"]) == ("JZ", 2025)
    [row] = body["deductions"]
    assert set(row) == {
        "id",
        "unit",
        "unit_name",
        "code",
        "name",
        "points",
        "reason",
        "evidence",
        "entered_by",
        "entered_at",
    }
    assert (row["unit"], row["code"], row["points"], row["evidence"]) == (UNIT, "DB", 1.0, "督办通知")
    assert row["entered_at"].startswith("20")
    text = cli("deduction", "list", "--plan", "JZ", "--year", "2025", home=home)
    assert "督办件逾期" in text.stdout and "DB" in text.stdout
    bad = cli(*add[:-1], "XX", "--reason", "督办件逾期", "--user", "eval_jzkf", home=home)
    assert bad.returncode == 1 and "可选：DB" in bad.stderr
    refused = cli(*add, "--reason", "督办件逾期", "--user", "office", home=home)
    assert refused.returncode == 1 and "无权录入考核加分项、扣分项" in refused.stderr
    assert cli(*add, "--reason", "督办件逾期", home=home).returncode == 2  # no --user
    gone = cli("deduction", "withdraw", str(row["id"]), "--user", "eval_jzkf", home=home)
    assert gone.returncode == 0 and "已撤销扣分项" in gone.stderr
    again = cli("deduction", "withdraw", str(row["id"]), "--user", "eval_jzkf", home=home)
    assert again.returncode == 1 and "没有编号为" in again.stderr
    assert (
        json.loads(cli("deduction", "list", "--plan", "JZ", "--year", "2025", "--json", home=home).stdout)[
            "deductions"
        ]
        == []
    )


def test_portal_veto_and_qualitative(demo_portal):
    home = demo_portal.settings.home
    _scheme(demo_portal, QUALITATIVE)
    veto = ["veto", "add", "--plan", "JZ", "--year", "2025", "--unit", UNIT, "--reason-code", "数据弄虚作假"]
    done = cli(*veto, "--reason", "核查属实", "--user", "eval_jzkf", home=home)
    assert done.returncode == 0, done.stderr
    [row] = json.loads(cli("veto", "list", "--plan", "JZ", "--year", "2025", "--json", home=home).stdout)[
        "vetoes"
    ]
    assert (row["unit"], row["reason_code"], row["reason"]) == (UNIT, "数据弄虚作假", "核查属实")
    assert cli("veto", "withdraw", str(row["id"]), "--user", "eval_jzkf", home=home).returncode == 0
    bad = cli(*veto[:-1], "迟报", "--reason", "核查属实", "--user", "eval_jzkf", home=home)
    assert bad.returncode == 1 and "可选：“数据弄虚作假”" in bad.stderr

    score = ["qualitative", "set", "--plan", "JZ", "--year", "2025", "--unit", UNIT, "--item", "工作创新"]
    assert cli(*score, "--score", "4", "--note", "有创新", "--user", "eval_jzkf", home=home).returncode == 0
    high = cli(*score, "--score", "9", "--user", "eval_jzkf", home=home)
    assert high.returncode == 1 and "应在 0 到 5 分之间" in high.stderr
    listed = json.loads(
        cli("qualitative", "list", "--plan", "JZ", "--year", "2025", "--json", home=home).stdout
    )
    assert [(r["unit"], r["item"], r["score"], r["points"], r["note"]) for r in listed["qualitative"]] == [
        (UNIT, "工作创新", 4.0, 5.0, "有创新")
    ]


def test_portal_selfscore_for_the_own_unit_only(demo_portal):
    home = demo_portal.settings.home
    base = ["selfscore", "set", "--plan", "JZ", "--year", "2025", "--component", "tasks", "--score", "25"]
    done = cli(*base, "--unit", UNIT, "--user", "reporter", home=home)
    assert done.returncode == 0 and "已记录自评分" in done.stderr
    other = cli(*base, "--unit", "JZKF-SCJGJ", "--user", "reporter", home=home)
    assert other.returncode == 1 and "只能访问本单位" in other.stderr
    assert cli(*base, "--unit", "JZKF-SCJGJ", "--user", "leader_jzkf_scjgj", home=home).returncode == 0
    own = json.loads(
        cli(
            "selfscore", "list", "--plan", "JZ", "--year", "2025", "--json", "--as", "reporter", home=home
        ).stdout
    )
    assert [(r["unit"], r["component"], r["score"], r["points"]) for r in own["self_scores"]] == [
        (UNIT, "tasks", 25.0, 30.0)
    ]
    every = json.loads(cli("selfscore", "list", "--plan", "JZ", "--year", "2025", "--json", home=home).stdout)
    assert sorted(r["unit"] for r in every["self_scores"]) == ["JZKF-CXCY", "JZKF-SCJGJ"]
