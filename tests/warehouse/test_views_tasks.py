"""Task progress in a round: the lead's report beside the helpers', and overdue tasks."""

import pytest

from tests.warehouse.fixtures import round_fixture
from warehouse.views import UnknownRound, task_progress


@pytest.fixture
def round_wh(tmp_path):
    return round_fixture().warehouse(tmp_path)


def _tasks(tp) -> dict[str, dict]:
    return {r["task"]: r for r in tp.tasks.to_dicts()}


def test_lead_and_helpers_are_side_by_side_in_one_row_per_task(round_wh):
    with round_wh.connect() as con:
        t1 = _tasks(task_progress(con, "2025Q3"))["T1"]
    assert (t1["lead_unit"], t1["lead_status"], t1["lead_percent"], t1["lead_submission_status"]) == (
        "B",
        "in_progress",
        60.0,
        "validated",
    )
    assert t1["helpers"] == [
        {
            "unit": "C",
            "name": "单位C",
            "status": "completed",
            "percent": 100.0,
            "submission_status": "validated",
        },
        {
            "unit": "A",
            "name": "单位A",
            "status": "in_progress",
            "percent": 50.0,
            "submission_status": "approved",
        },
    ]
    assert (t1["helper_count"], t1["helpers_reported"]) == (2, 2)


def test_long_form_has_one_row_per_task_and_responsible_unit_lead_first(round_wh):
    with round_wh.connect() as con:
        long = task_progress(con, "2025Q3").long
    assert long.select("task", "unit", "role", "status").rows() == [
        ("T1", "B", "lead", "in_progress"),
        ("T1", "C", "helper", "completed"),
        ("T1", "A", "helper", "in_progress"),
        ("T2", "B", "lead", "in_progress"),
        ("T3", "A", "lead", "in_progress"),
        ("T3", "C", "helper", "behind"),
        ("T4", "G", "lead", "completed"),
        ("T5", "D", "lead", None),
        ("T5", "E", "helper", None),
    ]


def test_only_the_current_submission_counts_and_tasks_of_ended_plans_are_left_out(round_wh):
    with round_wh.connect() as con:
        tasks = _tasks(task_progress(con, "2025Q3"))
    assert tasks["T4"]["lead_status"] == "completed"  # v1's 滞后 was superseded
    assert "TQ" not in tasks
    assert tasks["T5"]["helpers"] == [
        {"unit": "E", "name": "单位E", "status": None, "percent": None, "submission_status": None}
    ]


def test_overdue_tasks_are_past_due_and_not_completed_or_reported_behind(round_wh):
    with round_wh.connect() as con:
        tp = task_progress(con, "2025Q3")
    assert tp.overdue.select("task", "overdue_reasons").rows() == [
        ("T2", ["past_due"]),  # due 2024, lead says 推进中
        ("T3", ["behind"]),  # a helper says 滞后
        ("T5", ["past_due"]),  # due 2024, the lead has not reported
    ]
    assert _tasks(tp)["T1"]["overdue_reasons"] == []


def test_a_round_without_reports_shows_every_task_unreported(round_wh):
    with round_wh.connect() as con:
        tp = task_progress(con, "2025Q2")
    assert tp.long["status"].null_count() == tp.long.height == 9
    assert tp.overdue["task"].to_list() == ["T2", "T5"]


def test_an_unknown_round_is_refused(round_wh):
    with round_wh.connect() as con, pytest.raises(UnknownRound):
        task_progress(con, "2099Q1")
