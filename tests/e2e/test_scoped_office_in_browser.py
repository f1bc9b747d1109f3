"""An office reviewer of 荆州经开区 in a real browser: its pages and their pickers show nothing of
益阳, while its own plan is there. (Tables are drawn on a canvas: their rows are checked by the
use-case tests; here the words on the page and every picker's options.)"""

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from portal.accounts.auth import create_account
from schemas.enums import Role
from tests.e2e.conftest import go, password, shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]
REVIEWER = "e2e_office_jzkf"
FOREIGN = ("益阳", "YY-")  # 益阳's names and unit codes


@pytest.fixture(scope="module")
def server(shared_server):
    """The process's shared server: the account added here is used by no other test."""
    return shared_server


@pytest.fixture(scope="module")
def scoped(server):
    portal = server.portal()
    with portal.warehouse.transaction() as con:
        create_account(
            portal,
            con,
            REVIEWER,
            "荆州经开区审核员",
            Role.OFFICE_REVIEWER,
            None,
            password(REVIEWER),
            offices=["JZKF"],
            platform=False,
        )
    return server


def _main_text(page) -> str:
    return page.locator("[data-testid='stMain']").inner_text()


def _options(page) -> list[str]:
    """The texts of every visible selectbox's options on the page (each opened, read, closed)."""
    texts = []
    boxes = page.locator("[data-testid='stMain'] [data-testid='stSelectbox']")
    for i in range(boxes.count()):
        if not boxes.nth(i).is_visible():  # in a closed expander or another tab
            continue
        boxes.nth(i).click()
        listbox = page.locator("[role='listbox']")
        try:
            listbox.wait_for(timeout=5_000)
        except PlaywrightTimeout:  # a disabled picker (one choice) opens no list; its value is on the page
            continue
        texts.append(listbox.inner_text())
        page.keyboard.press("Escape")
    return texts


def test_jingzhous_reviewer_sees_nothing_of_yiyang_in_the_browser(scoped, chromium, offline):
    ctx = offline.context(chromium)
    page = ctx.new_page()
    sign_in(page, scoped, REVIEWER)  # lands on 概览
    shown = _main_text(page)
    assert not [w for w in FOREIGN if w in shown], shown[:500]
    for title, path in (
        ("审核", "review"),
        ("完成情况", "completion"),
        ("指标监测", "monitoring"),
        ("年度考核", "assessment"),
    ):
        go(page, title, path)
        shown = _main_text(page) + "\n".join(_options(page))
        shot(page, f"e2e-scope-{path}")
        assert not [w for w in FOREIGN if w in shown], (title, shown[:500])
    assert "荆州" in shown  # its own plan is offered on 年度考核
    ctx.close()
