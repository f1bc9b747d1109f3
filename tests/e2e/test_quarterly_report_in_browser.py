"""The quarter's round trip in a real browser: a unit downloads its template, fills it with openpyxl,
uploads it and sees it accepted; the office sees it on 完成情况 and approves it on 审核."""

import pytest

from schemas.enums import SubmissionStatus
from tests.e2e.conftest import UNIT, as_user, go, settle, shot
from tests.xlsx_fill import fill_valid

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _unit_name(server) -> str:
    with server.portal().warehouse.connect() as con:
        return con.execute("SELECT name FROM units WHERE code = ?", [UNIT]).fetchall()[0][0]


def _status(server) -> list[str]:
    with server.portal().warehouse.connect() as con:
        rows = con.execute(
            "SELECT status FROM submissions WHERE unit = ? AND round = '2025Q3' ORDER BY id", [UNIT]
        ).fetchall()
    return [r[0] for r in rows]


def _cut_metrics(page) -> list[str]:
    """The metrics whose value the page shows cut short (an ellipsis instead of its last words)."""
    return page.locator("[data-testid='stMetricValue']").evaluate_all(
        "els => els.filter(e => [e, ...e.querySelectorAll('*')].some(x => x.scrollWidth > x.clientWidth + 1))"
        ".map(e => e.innerText)"
    )


def test_a_unit_reports_and_the_office_sees_and_approves_it(server, chromium, offline, tmp_path):
    name = _unit_name(server)

    unit_ctx, page = as_user(chromium, offline, server, "e2e_rep")
    go(page, "数据上报", "report")
    assert "2025-10-15" in page.inner_text("[data-testid='stMain']")
    shot(page, "e2e-1-unit-report-page")

    with page.expect_download() as download:
        page.get_by_role("button", name="下载填报模板").click()
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)
    assert download.value.suggested_filename.endswith(".xlsx")

    filled = tmp_path / "filled.xlsx"
    filled.write_bytes(fill_valid(template.read_bytes()))
    page.locator("[data-testid='stFileUploader'] input[type='file']").first.set_input_files(str(filled))
    settle(page)
    page.get_by_role("button", name="上传", exact=True).click()
    try:
        page.get_by_text("已报送-待审").first.wait_for(timeout=180_000)  # the first upload imports GX
    finally:
        shot(page, "e2e-2-unit-uploaded")
    settle(page)
    for width in (
        1100,
        1280,
        1440,
    ):  # a narrow laptop, a laptop and the walk's own width: every figure read whole
        page.set_viewport_size({"width": width, "height": 1000})
        page.wait_for_timeout(300)
        assert not _cut_metrics(page), f"数据上报 at {width} px cuts a figure short: {_cut_metrics(page)}"
    assert _status(server) == [SubmissionStatus.VALIDATED.value]
    unit_ctx.close()

    office_ctx, page = as_user(chromium, offline, server, "e2e_office")
    go(page, "完成情况", "completion")
    main = page.locator("[data-testid='stMain']")
    main.locator(".portal-matrix table").first.wait_for()  # the units × rounds table
    main.get_by_text(name).first.wait_for()
    assert "已报送-待审" in main.inner_text()
    shot(page, "e2e-3-office-completion")

    go(page, "审核", "review")
    assert name in page.inner_text("[data-testid='stMain']")
    shot(page, "e2e-4-office-review")
    page.get_by_role("button", name="通过").click()
    settle(page)
    shot(page, "e2e-5-office-approved")
    assert _status(server) == [SubmissionStatus.APPROVED.value]

    go(page, "完成情况", "completion")
    assert "已通过" in page.inner_text("[data-testid='stMain']")
    shot(page, "e2e-6-office-completion-after")
    office_ctx.close()
