"""概览, 数据上报, 完成情况, 催报名单 and 通报 tell one story about a unit's round, whatever happened to
its uploads: never uploaded, rejected only, returned, awaiting review, approved, corrected after approval."""

from __future__ import annotations

import pytest

from portal.accounts.auth import Account
from portal.monitoring.bulletin import MISSING, bulletin
from portal.monitoring.dashboards import completion_board, missing_frame
from portal.monitoring.overview import unit_overview
from portal.reporting import workflow as wf
from portal.reporting.templates import build_unit_template
from schemas.enums import Role
from tests.xlsx_fill import fill_valid, template_rows

UNIT, ROUND = "JZKF-CXCY", "2025Q3"
REPORTER = Account("rep1", "填报员", Role.UNIT_REPORTER, UNIT)
OFFICE = Account("office1", "办公室", Role.OFFICE_REVIEWER, None)


def _upload(portal, good: bool = True, value: float = 100) -> wf.UploadResult:
    template = build_unit_template(portal, UNIT, ROUND).data
    indicator = next(iter(template_rows(template)["indicator_values"]))
    data = fill_valid(template, indicators={indicator: value if good else "很多"})
    result = wf.upload(portal, REPORTER, UNIT, ROUND, "填报.xlsx", data)
    assert result.accepted == good, result.report
    return result


def _review(portal, submission_id: int, decision: str) -> None:
    assert wf.review_submission(portal, OFFICE, submission_id, decision, "请核实").ok


def _never(portal):
    pass


def _rejected_only(portal):
    _upload(portal, good=False)


def _returned(portal):
    _review(portal, _upload(portal).submission_id, wf.RETURN)


def _awaiting_review(portal):
    _upload(portal)
    _upload(portal, good=False)  # a later failed upload does not take the accepted one away


def _approved(portal):
    _review(portal, _upload(portal).submission_id, wf.APPROVE)


def _corrected_after_approval(portal):
    _approved(portal)
    # another value: the same bytes again (a template built within the same second) would be
    # recognised as the file already recorded, not a correction
    _upload(portal, value=101)


# situation → (words every page shows, reported, on the 催报名单)
CASES = {
    "never uploaded": (_never, "未报送", False, True),
    "rejected only": (_rejected_only, "未报送（上传未通过校验）", False, True),
    "returned": (_returned, "已退回", False, True),
    "awaiting review": (_awaiting_review, "已报送-待审", True, False),
    "approved": (_approved, "已通过", True, False),
    "corrected after approval": (_corrected_after_approval, "已报送-待审", True, False),
}


@pytest.mark.parametrize("situation", list(CASES))
def test_every_page_and_export_reports_the_same_state_for_the_unit(demo_portal, situation):
    make, words, reported, reminded = CASES[situation]
    make(demo_portal)

    overview = unit_overview(demo_portal, REPORTER, UNIT)  # 概览
    report = wf.report_round(demo_portal, REPORTER, UNIT, ROUND)  # 数据上报
    board = completion_board(demo_portal, OFFICE, ROUND)  # 完成情况
    cell = board.matrix()[0].filter(unit=UNIT)[ROUND].item()
    reminders = missing_frame(board).filter(unit=UNIT)  # 催报名单
    issued = bulletin(demo_portal, ROUND).reporting.filter(unit=UNIT).row(0, named=True)  # 通报

    assert overview.state_text == report.state_text == cell == issued["state_text"] == words
    assert overview.state == report.state == issued["state"]
    assert (overview.banner is None) == (report.banner is None)  # neither warns yet (due in 5 days)
    assert reminders["state_text"].to_list() == ([words] if reminded else [])
    assert (UNIT in board.units.filter("reported")["unit"]) == reported
    assert (issued["timing"] == MISSING) == (not reported)
