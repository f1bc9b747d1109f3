"""概览: a unit sees its own round, due date, banner and workload; the office sees the plans."""

import datetime as dt

import pytest

from portal.accounts.auth import Account
from portal.core.context import Portal
from portal.core.permissions import PermissionDenied
from portal.monitoring.overview import plans_overview, unit_overview
from portal.reporting.standing import Banner, due_banner
from schemas.enums import Role, RoundState

REPORTER = Account("rep1", "填报员", Role.UNIT_REPORTER, "JZKF-CXCY")
OFFICE = Account("office1", "办公室", Role.OFFICE_REVIEWER, None)
DUE = dt.date(2025, 10, 15)


@pytest.mark.parametrize(
    "today, banner",
    [
        (dt.date(2025, 10, 11), None),
        (dt.date(2025, 10, 12), Banner("warning", "距 2025Q3 轮次截止还有 3 天（2025-10-15），请按时报送。")),
        (dt.date(2025, 10, 14), Banner("warning", "距 2025Q3 轮次截止还有 1 天（2025-10-15），请按时报送。")),
        (dt.date(2025, 10, 15), Banner("warning", "2025Q3 轮次今天（2025-10-15）截止，请今天内完成报送。")),
        (
            dt.date(2025, 10, 17),
            Banner("error", "2025Q3 轮次已于 2025-10-15 截止，已逾期 2 天，请尽快报送。"),
        ),
    ],
)
def test_the_due_banner_appears_within_three_days_and_after_the_due_date(today, banner):
    assert due_banner("2025Q3", RoundState.OPEN, DUE, today, reported=False) == banner


def test_no_banner_once_reported_or_when_the_round_is_not_open():
    late = dt.date(2025, 10, 20)
    assert due_banner("2025Q3", RoundState.OPEN, DUE, late, reported=True) is None
    assert due_banner("2025Q3", RoundState.CLOSED, DUE, late, reported=False) is None


def test_a_unit_sees_its_open_round_due_date_and_what_it_owns(demo_portal):
    data = unit_overview(demo_portal, REPORTER, "JZKF-CXCY")
    assert (data.unit_name, data.round.code, data.due, data.days_left) == (
        "创新创业服务中心",
        "2025Q3",
        DUE,
        5,
    )
    assert (data.state, data.state_text, data.banner) == ("missing", "未报送", None)
    assert (data.indicators, data.tasks_lead, data.tasks_helper) == (3, 0, 15)


def test_a_unit_three_days_before_the_due_date_gets_the_warning(demo_portal):
    near = Portal.open(demo_portal.settings.home, today="2025-10-13")
    data = unit_overview(near, REPORTER, "JZKF-CXCY")
    assert data.banner.level == "warning" and data.days_left == 2


def test_a_reported_unit_gets_no_banner_and_sees_its_status(demo_portal):
    late = Portal.open(demo_portal.settings.home, today="2025-10-20")
    with late.warehouse.transaction() as con:
        con.execute(
            "INSERT INTO submissions (unit, round, version, file_hash, uploaded_by, uploaded_at, status) "
            "VALUES ('JZKF-CXCY', '2025Q3', 1, 'h1', 'rep1', now(), 'validated'), "
            "('JZKF-CXCY', '2025Q3', 2, 'h2', 'rep1', now(), 'rejected')"
        )
    data = unit_overview(late, REPORTER, "JZKF-CXCY")
    assert (data.state, data.state_text, data.banner) == ("validated", "已报送-待审", None)
    assert plans_overview(late, OFFICE).units_reported == 1


def test_a_reporter_cannot_ask_for_another_units_overview(demo_portal):
    with pytest.raises(PermissionDenied, match="只能访问本单位"):
        unit_overview(demo_portal, REPORTER, "JZKF-JFJ")
    with pytest.raises(PermissionDenied):
        plans_overview(demo_portal, REPORTER)


def test_the_office_sees_every_plan_with_its_counts(demo_portal):
    data = plans_overview(demo_portal, OFFICE)
    assert data.round.code == "2025Q3" and data.units_reported == 0
    assert data.plans["plan"].to_list() == ["XY", "XYKX", "JZ", "SY", "YY"]
    assert data.plans["tasks"].sum() == 104 and data.plans["indicators"].sum() == 78
