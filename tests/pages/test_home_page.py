"""概览 page: a unit's own round and banner; the plans for office, evaluator and admin."""

import pytest
from apptest_support import BY_ROLE, signed_in, texts

from schemas.enums import Role


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_a_unit_sees_its_round_due_date_status_and_workload(site):
    at = signed_in("rep1")
    assert metrics(at) == {
        "调度轮次": "2025Q3",
        "轮次状态": "填报中",
        "截止日期": "2025-10-15",
        "剩余天数": "5",
        "本轮报送状态": "未报送",
        "负责指标": "3",
        "牵头任务": "0",
        "配合任务": "15",
    }
    assert not at.warning and not at.error


def test_a_unit_two_days_before_the_due_date_gets_a_warning_banner(site, monkeypatch):
    monkeypatch.setenv("PORTAL_TODAY", "2025-10-13")
    at = signed_in("rep1")
    assert texts(at.warning) == ["距 2025Q3 轮次截止还有 2 天（2025-10-15），请按时报送。"]


def test_a_unit_past_the_due_date_gets_an_error_banner(site, monkeypatch):
    monkeypatch.setenv("PORTAL_TODAY", "2025-10-18")
    at = signed_in("rep1")
    assert texts(at.error) == ["2025Q3 轮次已于 2025-10-15 截止，已逾期 3 天，请尽快报送。"]


@pytest.mark.parametrize("role", [Role.OFFICE_REVIEWER, Role.EVALUATOR, Role.ADMIN], ids=str)
def test_office_evaluator_and_admin_see_every_plan(site, role):
    at = signed_in(BY_ROLE[role])
    plans = at.dataframe[0].value
    assert list(plans.columns) == ["规划代码", "名称", "规划期", "任务数", "指标数", "单位数"]
    assert list(plans["规划代码"]) == ["XY", "XYKX", "JZ", "SY", "YY"]
    assert metrics(at)["调度轮次"] == "2025Q3"
    assert metrics(at)["本轮已报送单位"] == "0"
    assert not at.warning
