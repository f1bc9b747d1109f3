"""The annual assessment on the hand-computed fixture (tests/portal/assessment_fixture.py).

Scheme: the fixture's LEGACY_SCHEME (scoring/P.toml, the rules before issue 16): indicators 60, tasks 30, reporting 10; ratio cap 1.2; fractions completed 1,
in progress 0.8, behind 0.4, not started 0; lead 0.7 / helpers 0.3; late day −0.2, return −1,
missing round −2.5; bonus ≤ 5. Year-end expected values (warehouse.views, year 2025 Q4):
I1 200 (the line from 100 at 2024.0 reaches 200 at 2026.0), I2 50, I3 15, I4 1, I5 60.

A 经发局
  indicators  I1 170/200 = 0.85 (the returned v1's 150 does not count): 60 × 2/3 × 0.85 = 34
              I2 70/50 = 1.4, capped 1.2:                               60 × 1/3 × 1.2  = 24   → 58.00
  tasks       T1 lead of 2 helpers: base 2 × 0.7 = 1.4, in progress 0.8 → 1.12
              T3 helper of 1: base 1 × 0.3 = 0.3, completed 1           → 0.30
              30 × 1.42 / 1.7 = 25.0588…                                                       → 25.06
  reporting   Q3 on time; Q4 first valid upload on time (v2 after the due date does not make it
              late); 1 return: 10 − 1                                                          →  9.00
  total 58 + 25.06 + 9 = 92.06 → 优秀, rank 1
B 科技局
  indicators  I3 12/15 = 0.8: 60 × 1/2 × 0.8 = 24; I4 1/1: 60 × 1/2 × 1 = 30                  → 54.00
  tasks       T1 helper of 2: base 2 × 0.15 = 0.3, behind 0.4 → 0.12; T2 alone: base 1, completed → 1
              30 × 1.12 / 1.3 = 25.846…                                                        → 25.85
  reporting   Q3 3 days late: 10 − 3 × 0.2                                                     →  9.40
  total 54 + 25.85 + 9.4 = 89.25 → 良好, rank 2
C 高新园区
  indicators  I5 36/60 = 0.6 (Q4's 99 was rejected): 60 × 0.6                                 → 36.00
  tasks       T1 helper of 2: base 0.3, Q3 in progress 0.8 → 0.24; T3 lead of 1: base 0.7, behind
              0.4 → 0.28; 30 × 0.52 / 1.0                                                      → 15.60
  reporting   Q4 missing (only a rejected upload): 10 − 2.5                                    →  7.50
  bonus       3 + 4 = 7, capped                                                                →  5.00
  total 36 + 15.6 + 7.5 + 5 = 64.10 → 合格 (59.10 without the bonus: 不合格), rank 3
"""

import datetime as dt

import pytest

from portal.assessment.assess import add_bonus, assess, list_bonus, withdraw_bonus
from portal.assessment.board import assessment_board, score_sources, unit_detail
from tests.actors import EVALUATOR
from tests.portal.assessment_fixture import assessment_fixture, build_assessment_portal
from warehouse import accounts

EXPECTED = [
    # unit, indicators, tasks, reporting, deductions, bonus, total, rank, grade
    ("A", 58.00, 25.06, 9.00, 1.00, 0.00, 92.06, 1, "优秀"),
    ("B", 54.00, 25.85, 9.40, 0.60, 0.00, 89.25, 2, "良好"),
    ("C", 36.00, 15.60, 7.50, 2.50, 5.00, 64.10, 3, "合格"),
]


@pytest.fixture
def portal(portal_home):
    return build_assessment_portal(portal_home)


def _rows(a):
    return [
        (
            u.unit,
            u.indicator_score,
            u.task_score,
            u.reporting_score,
            u.deductions,
            u.bonus,
            u.total,
            u.rank,
            u.grade,
        )
        for u in a.units
    ]


def test_scores_ranks_and_grades_match_the_hand_computation(portal):
    a = assess(portal, EVALUATOR, "P", 2025)
    assert a.ok, a.report.issues
    assert _rows(a) == EXPECTED


def test_units_are_those_with_anything_assigned_in_the_plan(portal):
    a = assess(portal, EVALUATOR, "P", 2025)
    assert {u.unit for u in a.units} == {"A", "B", "C"}  # X has no duties


def test_indicator_detail_carries_the_data_and_points_of_each_line(portal):
    a = assess(portal, EVALUATOR, "P", 2025).unit("A")
    lines = {line.item: line for line in a.indicators}
    i1, i2 = lines["I1"], lines["I2"]
    assert (i1.target, i1.actual, i1.round) == (200.0, 170.0, "2025Q4")
    assert i1.ratio == pytest.approx(0.85) and i1.pace == "red"
    assert (i1.points, i1.score) == (pytest.approx(40.0), pytest.approx(34.0))  # 60 × 2/3, × 0.85
    assert i1.basis == (
        f"报送记录 {i1.submission_id}（2025Q4）“指标填报”表 （未记录） 单元格：完成率 85%，按完成率计分 → 40 × 0.85 = 34"
    )
    assert (i2.ratio, i2.completion, i2.pace) == (pytest.approx(1.4), 1.2, "green")
    assert i2.score == pytest.approx(24.0)


def test_task_detail_shows_share_base_status_and_points(portal):
    a = assess(portal, EVALUATOR, "P", 2025)
    got = {
        (u.unit, line.item): (
            line.role,
            line.share,
            line.base,
            line.scored_status,
            line.round,
            line.score,
        )
        for u in a.units
        for line in u.tasks
    }
    approx = pytest.approx
    assert got == {
        ("A", "T1"): ("lead", 0.7, approx(1.4), "in_progress", "2025Q4", approx(30 * 1.12 / 1.7)),
        ("A", "T3"): ("helper", 0.3, approx(0.3), "completed", "2025Q4", approx(30 * 0.3 / 1.7)),
        ("B", "T1"): ("helper", 0.15, approx(0.3), "behind", "2025Q4", approx(30 * 0.12 / 1.3)),
        ("B", "T2"): ("lead", 1.0, approx(1.0), "completed", "2025Q4", approx(30 * 1 / 1.3)),
        ("C", "T1"): ("helper", 0.15, approx(0.3), "in_progress", "2025Q3", approx(7.2)),
        ("C", "T3"): ("lead", 0.7, approx(0.7), "behind", "2025Q3", approx(8.4)),
    }  # T4 was due in 2024: not in the 2025 assessment


def test_reporting_detail_shows_lateness_returns_and_missing_rounds(portal):
    a = assess(portal, EVALUATOR, "P", 2025)
    got = {
        (u.unit, line.round): (line.state, line.days_late, line.returns, line.deduction)
        for u in a.units
        for line in u.rounds
    }
    assert got == {
        ("A", "2025Q3"): ("on_time", 0, 0, 0),
        ("A", "2025Q4"): ("on_time", 0, 1, 1.0),
        ("B", "2025Q3"): ("late", 3, 0, pytest.approx(0.6)),
        ("B", "2025Q4"): ("on_time", 0, 0, 0),
        ("C", "2025Q3"): ("on_time", 0, 0, 0),
        ("C", "2025Q4"): ("missing", None, 0, 2.5),
    }


def test_a_round_not_yet_due_costs_nothing(portal_home):
    portal = build_assessment_portal(portal_home)
    early = type(portal).open(portal_home, today="2026-01-10")  # before 2025Q4's due date
    c = assess(early, EVALUATOR, "P", 2025).unit("C")
    assert [line.state for line in c.rounds] == ["on_time", "not_due"]
    assert c.reporting_score == 10.0


def test_ties_share_a_rank(portal):
    result = add_bonus(portal, EVALUATOR, "P", 2025, "B", 2.81, "国家级平台获批")  # 89.25 + 2.81 = 92.06
    assert result.report.ok and result.bonus_id is not None
    a = assess(portal, EVALUATOR, "P", 2025)
    assert [(u.unit, u.total, u.rank) for u in a.units] == [("A", 92.06, 1), ("B", 92.06, 1), ("C", 64.1, 3)]


def test_a_plan_year_scheme_file_changes_the_scores(portal):
    # helpers scored by the lead's status: A's T3 by C's "behind": 30 × (1.12 + 0.3 × 0.4)/1.7 = 21.88;
    # B's T1 by A's "in progress": 30 × (0.3 × 0.8 + 1)/1.3 = 28.62; C unchanged (A's T1 status = C's)
    folder = portal.settings.home / "scoring"
    (folder / "P-2025.toml").write_text('[tasks]\nstatus_source = "lead"\n', encoding="utf-8")
    a = assess(portal, EVALUATOR, "P", 2025)
    assert {u.unit: u.task_score for u in a.units} == {"A": 21.88, "B": 28.62, "C": 15.6}
    assert [(u.unit, u.total, u.rank) for u in a.units] == [("B", 92.02, 1), ("A", 88.88, 2), ("C", 64.1, 3)]
    assert a.scheme.sources == ("默认方案", "scoring/P.toml", "scoring/P-2025.toml")
    assert assess(portal, EVALUATOR, "P", 2024).scheme.status_source == "own"


def test_an_invalid_scheme_scores_nothing_and_says_why(portal):
    (portal.settings.home / "scoring" / "P.toml").write_text("[points]\ntasks = 40\n", encoding="utf-8")
    a = assess(portal, EVALUATOR, "P", 2025)
    assert not a.ok and a.units == []
    assert a.report.codes() == ["scheme-points-sum"]


def test_unknown_plan_and_year_outside_the_plan_are_issues(portal):
    unknown = assess(portal, EVALUATOR, "NOPE", 2025)
    assert unknown.report.codes() == ["assess-plan-unknown"]
    assert unknown.report.issues[0].message == "规划“NOPE”不存在或不在您的管辖范围内，请核对规划代码。"
    assert unknown.report.issues[0].hint == "可用的规划代码：P。"
    outside = assess(portal, EVALUATOR, "P", 2027)
    assert outside.report.flatten(["code", "message"]) == [
        ["assess-year-outside-plan", "2027 年不在规划 P 的规划期 2024–2025 内。"]
    ]


def test_bonus_entries_are_checked_audited_and_withdrawable(portal):
    bad = add_bonus(portal, EVALUATOR, "P", 2025, "X", 0, "  ")
    assert bad.bonus_id is None
    assert bad.report.codes() == ["bonus-unit-not-assessed", "bonus-points-invalid", "bonus-reason-missing"]
    over = add_bonus(portal, EVALUATOR, "P", 2025, "C", 1, "再加一分")
    assert over.bonus_id is not None and over.report.codes() == ["bonus-over-cap"]
    assert over.report.issues[0].message == "单位 C 的加分合计 8 超过上限 5，计分时按 5 计。"
    items = list_bonus(portal, EVALUATOR, "P", 2025)
    assert items.select("unit", "points", "reason").rows() == [
        ("C", 3.0, "获省级科技进步奖"),
        ("C", 4.0, "承办全市科技创新现场会"),
        ("C", 1.0, "再加一分"),
    ]
    assert withdraw_bonus(portal, EVALUATOR, over.bonus_id).ok
    assert not withdraw_bonus(portal, EVALUATOR, over.bonus_id).ok  # already withdrawn
    assert list_bonus(portal, EVALUATOR, "P", 2025).height == 2
    with portal.warehouse.connect() as con:
        audit = con.sql(
            "SELECT actor, action, target FROM audit_log WHERE action LIKE 'assessment.%' ORDER BY id"
        ).fetchall()
        kept = con.sql(
            "SELECT withdrawn_by FROM assessment_bonus WHERE id = $id", params={"id": over.bonus_id}
        )
        assert kept.fetchall() == [("evaluator",)]
    assert audit == [("evaluator", "assessment.bonus.add", "P/2025/C")] * 3 + [
        ("evaluator", "assessment.bonus.withdraw", "P/2025/C")
    ]


def test_without_the_bonus_c_would_fail(portal_home):
    portal = build_assessment_portal(portal_home, bonuses=False)
    c = assess(portal, EVALUATOR, "P", 2025).unit("C")
    assert (c.bonus, c.total, c.grade) == (0.0, 59.1, "不合格")


def test_a_correction_awaiting_review_leaves_the_approved_facts_standing(portal_home):
    fx = assessment_fixture()
    approved = next(
        r
        for r in fx.rows["submissions"]
        if (r["unit"], r["round"], r["status"]) == ("B", "2025Q4", "approved")
    )
    approved["status"] = "superseded"
    fx.review(approved["id"], "approve", "", "2026-01-11 09:00")
    fx.submission(
        "B",
        "2025Q4",
        "validated",
        "2026-01-20 09:00",
        values={"I3": 2, "I4": 0},
        tasks={"T2": ("behind", 10)},
    )
    a = assess(build_assessment_portal(portal_home, fx), EVALUATOR, "P", 2025)
    assert _rows(a) == EXPECTED
    t2 = next(line for line in a.unit("B").tasks if line.item == "T2")
    assert (t2.scored_status, t2.round) == ("completed", "2025Q4")


def test_the_unit_detail_names_each_lines_submission_and_who_entered_a_bonus(portal):
    board = assessment_board(portal, EVALUATOR, "P", 2025)
    sources = score_sources(portal, EVALUATOR, board, "A")
    # A's indicators and tasks come from its approved 2025Q4 v2 (the v1 was returned)
    assert sources.select("round", "version").unique().rows() == [("2025Q4", 2)]
    detail = unit_detail(board, "A", sources)
    (sid,) = sources["id"].to_list()
    # the fixture's values were loaded without their cells: the submission and version alone
    assert set(detail.indicators["source"]) == {f"报送记录 {sid}（2025Q4 第 2 版）"}
    assert set(detail.tasks["source"]) <= {f"报送记录 {sid}（2025Q4 第 2 版）", "—"}
    # C's bonus items were entered by the login "evaluator": shown by the person's name
    with portal.warehouse.transaction() as con:
        accounts.insert(con, "evaluator", "王考评", "x", "evaluator", None, dt.datetime(2026, 1, 1), False)
    board = assessment_board(portal, EVALUATOR, "P", 2025)
    c = unit_detail(board, "C", score_sources(portal, EVALUATOR, board, "C"))
    assert "bonus_id" not in c.bonuses.columns and set(c.bonuses["entered_by"]) == {"王考评"}
    assert set(board.bonus["entered_by_name"]) == {"王考评"}
