"""问题库 in a real browser (issue 18's acceptance): the office 交办 an item, the unit's clerk answers
it, the office 销号 it; every step is in the audit log."""

import pytest

from portal.reporting import problems as pb
from tests.actors import OFFICE
from tests.e2e.conftest import UNIT, as_user, go, settle, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(shared_server):
    """The process's shared server: the problem added here is one more item on 问题整改, which the
    other modules on it only check for errors and English words."""
    return shared_server


def _audited(server, pid: int) -> list[tuple[str, str]]:
    with server.portal().warehouse.connect() as con:
        return con.execute(
            "SELECT action, actor FROM audit_log WHERE action LIKE 'problem.%' AND target = ? ORDER BY id",
            [str(pid)],
        ).fetchall()


def test_a_problem_goes_assigned_answered_closed_in_the_browser(server, chromium, offline):
    pid = pb.add_by_hand(
        server.portal(), OFFICE, "JZ", UNIT, "孵化场地不足", "在孵企业无法扩大规模。", "2025年三季度问诊"
    ).problem_id

    office_ctx, page = as_user(chromium, offline, server, "e2e_office")
    go(page, "问题整改", "problems")
    main = page.locator("[data-testid='stMain']")
    main.get_by_role("button", name="交办", exact=True).click()
    settle(page)
    main.get_by_text("已将问题").first.wait_for()
    shot(page, "e2e-problems-1-office-assigned")
    office_ctx.close()

    clerk_ctx, page = as_user(chromium, offline, server, "e2e_rep")
    go(page, "问题整改", "problems")
    page.get_by_label("答复（整改情况）").fill("已协调新增孵化场地2000平方米。")
    settle(page)
    page.get_by_role("button", name="提交答复").click()
    settle(page)
    page.get_by_text("等待办公室销号").first.wait_for()
    shot(page, "e2e-problems-2-clerk-answered")
    clerk_ctx.close()

    office_ctx, page = as_user(chromium, offline, server, "e2e_office")
    go(page, "问题整改", "problems")
    page.get_by_label("销号意见或退回理由").fill("整改到位")
    settle(page)
    page.get_by_role("button", name="销号", exact=True).click()
    settle(page)
    page.get_by_text("已销号").first.wait_for()
    shot(page, "e2e-problems-3-office-closed")
    office_ctx.close()

    assert _audited(server, pid) == [
        ("problem.add", "office"),
        ("problem.assign", "e2e_office"),
        ("problem.answer", "e2e_rep"),
        ("problem.close", "e2e_office"),
    ]
