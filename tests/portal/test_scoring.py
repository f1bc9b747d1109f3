"""Scoring rules as frames, with numbers worked out by hand (no warehouse)."""

import dataclasses

import polars as pl
import pytest

from portal.assessment.scheme import Band, Rule, default_text, parse_layers
from portal.assessment.scoring import Facts, competition_ranks, round2, rule_fraction, score

SCHEME = parse_layers([("默认方案", default_text())]).scheme


def test_rounding_is_half_up_like_by_hand():
    assert (round2(2.675), round2(0.125), round2(25.0588235), round2(-0.005)) == (2.68, 0.13, 25.06, -0.01)


def test_ties_share_a_rank_and_the_next_rank_is_skipped():
    assert competition_ranks([90.0, 85.5, 90.0, 70.0, 85.5]) == [1, 3, 1, 5, 3]


@pytest.mark.parametrize(
    ("rule", "completions", "fractions"),
    [
        (Rule("linear", 0.6), [1.2, 0.6, 0.59, 0.0], [1.2, 0.6, 0.0, 0.0]),
        (
            Rule("bands", bands=(Band(1.0, 1.0), Band(0.8, 0.8), Band(0.6, 0.5))),
            [1.3, 1.0, 0.8, 12 / 15, 0.79, 0.6, 0.59],
            [1.0, 1.0, 0.8, 0.8, 0.5, 0.5, 0.0],
        ),
        (Rule("pass_fail"), [1.0, 0.999, 1.5], [1.0, 0.0, 1.0]),
    ],
    ids=["linear-with-floor", "bands", "pass-fail"],
)
def test_rules_turn_completion_into_a_fraction_of_the_points(rule, completions, fractions):
    got = pl.DataFrame({"c": completions}).select(rule_fraction(rule, pl.col("c"))).to_series()
    assert got.to_list() == pytest.approx(fractions)


def _facts(**kw):
    return Facts(units=pl.DataFrame({"unit": ["U"], "name": ["单位"], "kind": ["department"]}), **kw)


def test_tasks_on_schedule_score_full_marks_and_behind_by_the_ratio():
    # default: a task worth 10 × weight; lead of a task with helpers gets 0.7 of it.
    # T1 sole lead, 50% reported at 序时进度 50% → full 10; T2 lead with helpers (7 points), 30% of
    # 60% expected → completion 0.5, linear → 3.5; T3 helper of 2 (10 × 0.15 = 1.5), completed → 1.5
    tasks = [
        {
            "unit": "U",
            "item": "T1",
            "role": "lead",
            "weight": 1,
            "helpers": 0,
            "status": "in_progress",
            "percent": 50,
            "expected_percent": 50,
            "round": "2025Q2",
            "submission_id": 7,
            "sheet_row": 5,
        },
        {
            "unit": "U",
            "item": "T2",
            "role": "lead",
            "weight": 1,
            "helpers": 1,
            "status": "behind",
            "percent": 30,
            "expected_percent": 60,
            "round": "2025Q3",
            "submission_id": 8,
            "sheet_row": 6,
        },
        {
            "unit": "U",
            "item": "T3",
            "role": "helper",
            "weight": 1,
            "helpers": 2,
            "status": "completed",
            "percent": 100,
            "expected_percent": 25,
            "round": "2025Q1",
            "submission_id": 9,
            "sheet_row": None,
        },
    ]
    scored = score(_facts(tasks=tasks), SCHEME)
    lines = scored.lines.filter(pl.col("component") == "tasks")
    assert lines["points"].to_list() == pytest.approx([10, 7, 1.5])
    assert lines["completion"].to_list() == pytest.approx([1, 0.5, 1])
    assert lines["score"].to_list() == pytest.approx([10, 3.5, 1.5])
    assert lines["basis"][0].startswith(
        "报送记录 7（2025Q2）“任务进展”表 第 5 行：填报进度 50%，序时进度 50%"
    )
    assert lines["basis"][2].startswith("报送记录 9（2025Q1）“任务进展”表 任务 T3：")
    assert scored.units["tasks"].to_list() == [15.0]


def test_the_status_measure_still_scores_in_progress_at_its_fraction():
    status = dataclasses.replace(SCHEME, task_measure="status")
    tasks = [
        {
            "unit": "U",
            "item": "T1",
            "role": "lead",
            "weight": 1,
            "helpers": 0,
            "status": "in_progress",
            "percent": 90,
            "expected_percent": 50,
        }
    ]
    assert score(_facts(tasks=tasks), status).units["tasks"].to_list() == [8.0]


def test_an_unreported_indicator_counts_zero_and_says_so():
    ind = [{"unit": "U", "item": "I1", "weight": 1, "ratio": None}]
    line = score(_facts(indicators=ind), SCHEME).lines.row(0, named=True)
    assert (line["points"], line["score"], line["basis"]) == (
        10,
        0,
        "未报送（年内无审核通过的数据），计 0 分",
    )
