"""Pure scoring rules with numbers worked out by hand (no warehouse)."""

import dataclasses
import datetime as dt

import pytest

from portal.assessment.scheme import default_text, parse_layers
from portal.assessment.scoring import (
    IndicatorFact,
    RoundFact,
    TaskFact,
    competition_ranks,
    component_maxima,
    round2,
    score_indicators,
    score_reporting,
    score_tasks,
    score_unit,
    task_share,
)

SCHEME = parse_layers([("默认方案", default_text())]).scheme


def ind(code, weight, ratio):
    return IndicatorFact("U", code, code, "stock", "家", weight, 100.0, None, ratio, None, None)


def task(code, role, weight, helpers, status):
    return TaskFact("U", code, None, code, role, weight, helpers, status, None, None)


def test_rounding_is_half_up_like_by_hand():
    assert (round2(2.675), round2(0.125), round2(25.0588235), round2(-0.005)) == (2.68, 0.13, 25.06, -0.01)


def test_ties_share_a_rank_and_the_next_rank_is_skipped():
    assert competition_ranks([90.0, 85.5, 90.0, 70.0, 85.5]) == [1, 3, 1, 5, 3]
    assert competition_ranks([80.004, 80.001]) == [1, 1]  # equal once rounded to the shown 2 decimals


def test_indicator_ratios_are_capped_and_weighted():
    # W = 2 + 1 + 1 = 4: 60·2/4·0.5 = 15; 60·1/4·1.2 (1.5 capped) = 18; not reported = 0 → 33
    score, raw, lines = score_indicators([ind("A", 2, 0.5), ind("B", 1, 1.5), ind("C", 1, None)], 60, SCHEME)
    assert [line.points for line in lines] == [15.0, pytest.approx(18.0), 0.0]
    assert [line.counted_ratio for line in lines] == [0.5, 1.2, 0.0]
    assert score == raw == pytest.approx(33.0)
    assert lines[0].basis == "60 × 2/4 × 0.5 = 15.0000"
    assert lines[2].basis == "未报送,计 0 分"


def test_over_achievement_compensates_but_the_component_never_exceeds_its_points():
    # 60·1/2·1.2 + 60·1/2·1.0 = 66 → 60
    score, raw, _ = score_indicators([ind("A", 1, 1.3), ind("B", 1, 1.0)], 60, SCHEME)
    assert (score, raw) == (60, pytest.approx(66.0))


def test_a_negative_ratio_counts_as_zero():
    score, _, lines = score_indicators([ind("A", 1, -0.4)], 60, SCHEME)
    assert (score, lines[0].counted_ratio) == (0.0, 0.0)


@pytest.mark.parametrize(
    ("role", "helpers", "share"),
    [("lead", 2, 0.7), ("lead", 0, 1.0), ("helper", 2, 0.15), ("helper", 1, 0.3)],
)
def test_lead_and_helpers_share_a_task(role, helpers, share):
    assert task_share(role, helpers, SCHEME) == pytest.approx(share)


def test_tasks_are_scored_by_status_fraction_over_the_units_shares():
    # bases: T1 lead of 2 helpers 2·0.7 = 1.4; T2 helper of 3: 1·0.1 = 0.1; T3 sole lead: 1·1 = 1 → Σ 2.5
    # 30·(1.4·0.8 + 0.1·0 + 1·0.4)/2.5 = 30·1.52/2.5 = 18.24
    facts = [
        task("T1", "lead", 2, 2, "in_progress"),
        task("T2", "helper", 1, 3, None),
        task("T3", "lead", 1, 0, "behind"),
    ]
    score, lines = score_tasks(facts, 30, SCHEME)
    assert score == pytest.approx(18.24)
    assert [line.fraction for line in lines] == [0.8, 0.0, 0.4]
    assert lines[0].basis == "30 × 1.4/2.5 × 0.8 = 13.4400"


def test_the_scheme_can_score_helpers_by_the_leads_status():
    lead_scheme = dataclasses.replace(SCHEME, status_source="lead")
    fact = dataclasses.replace(task("T1", "helper", 1, 1, None), lead_status="completed")
    assert score_tasks([fact], 30, lead_scheme)[0] == 30
    assert score_tasks([fact], 30, SCHEME)[0] == 0


def _round(code, submitted, days_late, returns=0, due_passed=True):
    at = dt.datetime(2025, 1, 1) if submitted else None
    return RoundFact("U", code, dt.date(2025, 1, 15), at, days_late, returns, due_passed)


def test_reporting_deductions_never_take_the_score_below_zero():
    rounds = [
        _round("Q1", True, 0),  # on time
        _round("Q2", True, 4, returns=2),  # 4·0.2 + 2·1 = 2.8
        _round("Q3", False, None),  # missing 2.5
        _round("Q4", False, None, due_passed=False),  # not due yet: nothing
    ]
    score, deductions, lines = score_reporting(rounds, 10, SCHEME)
    assert [line.state for line in lines] == ["on_time", "late", "missing", "not_due"]
    assert [line.deduction for line in lines] == [0, pytest.approx(2.8), 2.5, 0]
    assert (score, deductions) == (pytest.approx(4.7), pytest.approx(5.3))
    assert lines[1].basis == "迟报 4 天 × 0.2 + 退回 2 次 × 1 = 2.8"
    many = [_round(f"R{i}", False, None) for i in range(6)]  # 6 × 2.5 = 15 > 10
    assert score_reporting(many, 10, SCHEME)[:2] == (0.0, 15.0)


def test_late_rounds_can_be_charged_per_round_instead_of_per_day():
    per_round = dataclasses.replace(SCHEME, per_late_day=0.0, per_late_round=1.5)
    assert score_reporting([_round("Q1", True, 9)], 10, per_round)[:2] == (8.5, 1.5)


def test_a_unit_without_indicators_has_their_points_moved_to_tasks():
    assert component_maxima(SCHEME, False, True) == {"indicators": 0, "tasks": 90, "reporting": 10}
    assert component_maxima(SCHEME, True, False) == {"indicators": 90, "tasks": 0, "reporting": 10}
    assert component_maxima(SCHEME, True, True) == {"indicators": 60, "tasks": 30, "reporting": 10}
    zero = dataclasses.replace(SCHEME, if_nothing_assigned="zero")
    assert component_maxima(zero, False, True)["tasks"] == 30


def test_the_full_mode_gives_an_empty_component_its_points():
    full = dataclasses.replace(SCHEME, if_nothing_assigned="full")
    unit = {"unit": "U", "name": "单位"}
    score = score_unit(unit, [], [task("T1", "lead", 1, 0, "completed")], [], [], full)
    assert (score.indicator_score, score.task_score, score.reporting_score, score.total) == (60, 30, 10, 100)
