"""Sessions, addresses and tabs in a real browser: a deep link survives sign-in and a reload, a
second tab shares the sign-in, a sign-out in one tab ends the other at its next action, an address
the account has no page for is said in Chinese, and a tab stays chosen after its action.

How long sign-in and reloads take is measured here too and written to
test-artifacts/screenshots/session-timings.json, beside the office's pages cold and warm from the
walk of tests/e2e/test_pages_in_browser.py (bounds are not asserted: the machine that runs the suite
is shared; docs/sessions.md gives the figures measured).

Nothing here changes what another module reads (a sign-out ends only sessions of these accounts,
a backup adds a file): the process's shared server."""

import time

import pytest

from portal.core import labels as L
from tests.e2e.conftest import password, record_timing, settle, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
OFFICE, ADMIN, CLERK = "e2e_office", "e2e_admin", "e2e_rep"
SIGN_OUT = "退出登录"


@pytest.fixture(scope="module")
def server(shared_server):
    return shared_server


def _timed(name: str, action) -> None:
    started = time.monotonic()
    action()
    record_timing("session-timings.json", name, time.monotonic() - started)


def _fill_sign_in(page, username: str) -> None:
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password(username))

    def press() -> None:
        page.get_by_role("button", name="登录").click()
        page.get_by_role("button", name=SIGN_OUT).wait_for()
        settle(page)

    _timed(f"sign-in {username}", press)


def _cookie(context) -> dict | None:
    return next((c for c in context.cookies() if c["name"] == "portal_session"), None)


def _wait_for_cookie(page, present: bool) -> dict | None:
    for _ in range(50):
        found = _cookie(page.context)
        if (found is not None) == present:
            return found
        page.wait_for_timeout(100)
    raise AssertionError(f"the session cookie is {'missing' if present else 'still there'}")


def _heading(page) -> str:
    return page.locator("[data-testid='stMain'] h1").first.inner_text()


def _no_english_not_found(page) -> None:
    body = page.inner_text("body")
    assert "Page not found" not in body and "main page" not in body, body


def test_a_deep_link_survives_sign_in_and_reload_and_a_sign_out_ends_every_tab(server, chromium, offline):
    context = offline.context(chromium)
    page = context.new_page()
    page.goto(f"{server.url}/completion")  # a bookmark, not signed in
    settle(page)
    _no_english_not_found(page)
    assert page.url == f"{server.url}/completion"
    page.get_by_label("用户名").wait_for()
    shot(page, "session-deep-link-asks-to-sign-in")

    _fill_sign_in(page, OFFICE)
    assert page.url == f"{server.url}/completion" and _heading(page) == L.PAGE_COMPLETION
    cookie = _wait_for_cookie(page, present=True)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["expires"] > time.time()
    shot(page, "session-deep-link-after-sign-in")

    _timed("reload 完成情况", lambda: (page.reload(), settle(page)))
    assert page.url == f"{server.url}/completion" and _heading(page) == L.PAGE_COMPLETION
    assert page.get_by_role("button", name=SIGN_OUT).is_visible()
    _no_english_not_found(page)
    shot(page, "session-reload-keeps-page-and-sign-in")

    second = context.new_page()
    second.goto(f"{server.url}/monitoring")
    settle(second)
    assert _heading(second) == L.PAGE_MONITORING and second.get_by_role("button", name=SIGN_OUT).is_visible()
    shot(second, "session-second-tab-signed-in")

    page.get_by_role("button", name=SIGN_OUT).click()
    settle(page)
    page.get_by_text(L.SIGNED_OUT, exact=True).wait_for()
    _wait_for_cookie(page, present=False)

    second.locator("[data-testid='stSidebarNav']").get_by_text(L.PAGE_HOME, exact=True).click()
    settle(second)
    second.get_by_text(L.SIGNED_OUT_ELSEWHERE, exact=True).wait_for()
    assert second.get_by_role("button", name=SIGN_OUT).count() == 0
    assert second.get_by_label("用户名").is_visible()
    shot(second, "session-other-tab-signed-out")
    second.reload()
    settle(second)
    assert second.get_by_label("用户名").is_visible()  # the cookie is gone: a reload does not sign in again
    context.close()


def test_an_address_the_account_has_no_page_for_is_said_in_chinese(server, chromium, offline):
    context = offline.context(chromium)
    page = context.new_page()
    page.goto(f"{server.url}/admin")
    settle(page)
    _fill_sign_in(page, CLERK)  # a clerk has no 系统管理
    _no_english_not_found(page)
    main = page.locator("[data-testid='stMain']").inner_text()
    assert L.PAGE_NOT_FOR_ROLE.format(role="单位填报员", title=L.PAGE_ADMIN) in main
    shot(page, "session-page-not-for-role")
    page.goto(f"{server.url}/no-such-page")
    settle(page)
    _no_english_not_found(page)
    assert L.PAGE_UNKNOWN.format(path="no-such-page") in page.locator("[data-testid='stMain']").inner_text()
    page.get_by_role("link", name=L.PAGE_GO_LANDING.format(title=L.PAGE_HOME)).click()
    settle(page)
    assert _heading(page) == L.APP_TITLE  # 概览
    shot(page, "session-unknown-address")
    context.close()


def test_the_backup_tab_stays_chosen_with_its_message_after_backing_up(server, chromium, offline):
    context = offline.context(chromium)
    page = context.new_page()
    page.goto(f"{server.url}/admin")
    settle(page)
    _fill_sign_in(page, ADMIN)
    backup_tab = page.get_by_role("tab", name=L.TAB_BACKUP)
    backup_tab.click()
    settle(page)
    page.get_by_role("button", name=L.BACKUP_CREATE).click()
    settle(page)
    assert backup_tab.get_attribute("aria-selected") == "true"
    assert page.get_by_text(L.BACKUP_CREATED, exact=False).first.is_visible()
    shot(page, "session-backup-tab-kept")
    page.reload()  # the tab is in the address: a reload or a bookmark opens it again
    settle(page)
    assert page.get_by_role("tab", name=L.TAB_BACKUP).get_attribute("aria-selected") == "true"
    context.close()
