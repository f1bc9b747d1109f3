"""单位审核 in a real browser: the clerk uploads, the upload waits as 待单位审核 (the office's queue
does not have it), the unit's sign-off account confirms it, and the office sees who signed off and
approves it."""

import pytest

from portal.accounts.auth import create_account
from schemas.enums import Role, SubmissionStatus
from tests.e2e.conftest import UNIT, as_user, go, password, settle, shot
from tests.xlsx_fill import fill_valid

pytestmark = [pytest.mark.browser, pytest.mark.slow]
LEADER = "e2e_leader"


def _status(server) -> list[str]:
    with server.portal().warehouse.connect() as con:
        rows = con.execute(
            "SELECT status FROM submissions WHERE unit = ? AND round = '2025Q3' ORDER BY id", [UNIT]
        ).fetchall()
    return [r[0] for r in rows]


@pytest.fixture(scope="module")
def with_leader(server):
    """This module's server, its demo unit given a sign-off account."""
    portal = server.portal()
    with portal.warehouse.transaction() as con:
        create_account(portal, con, LEADER, "王审核", Role.UNIT_LEADER, UNIT, password(LEADER))
    return server


def test_a_clerks_upload_waits_for_sign_off_then_the_office_approves_it(
    with_leader, chromium, offline, tmp_path
):
    server = with_leader
    clerk_ctx, page = as_user(chromium, offline, server, "e2e_rep")
    go(page, "数据上报", "report")
    with page.expect_download() as download:
        page.get_by_role("button", name="下载填报模板").click()
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)
    filled = tmp_path / "filled.xlsx"
    filled.write_bytes(fill_valid(template.read_bytes()))
    page.locator("[data-testid='stFileUploader'] input[type='file']").first.set_input_files(str(filled))
    settle(page)
    page.get_by_role("button", name="上传", exact=True).click()
    try:
        page.get_by_text("待单位审核").first.wait_for(timeout=180_000)  # the first upload imports GX
    finally:
        shot(page, "e2e-signoff-1-clerk-uploaded")
    settle(page)
    assert _status(server) == [SubmissionStatus.AWAITING_SIGN_OFF.value]
    clerk_ctx.close()

    leader_ctx, page = as_user(chromium, offline, server, LEADER)
    go(page, "单位审核", "signoff")
    shot(page, "e2e-signoff-2-leader-queue")
    page.get_by_label("审核意见（退回时必填）").fill("已核对")
    page.get_by_role("button", name="审核确认，报送办公室").click()
    settle(page)
    page.get_by_text("已审核确认").first.wait_for()
    shot(page, "e2e-signoff-3-leader-signed-off")
    assert _status(server) == [SubmissionStatus.VALIDATED.value]
    leader_ctx.close()

    office_ctx, page = as_user(chromium, offline, server, "e2e_office")
    go(page, "审核", "review")
    main = page.locator("[data-testid='stMain']")
    main.get_by_text("单位审核：王审核 于").first.wait_for()
    shot(page, "e2e-signoff-4-office-review")
    page.get_by_role("button", name="通过").click()
    settle(page)
    assert _status(server) == [SubmissionStatus.APPROVED.value]
    office_ctx.close()
