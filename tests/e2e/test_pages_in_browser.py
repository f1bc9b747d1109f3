"""Every role signs in through a real browser and opens every page it is given, from the menu,
twice (cold, then warm): each page is drawn with its heading at its address, without an error box,
and, with every tab shown and every expander opened, no English word is visible except proper names
and codes (Streamlit has no locale; its own widget texts are replaced). One walk per role does all
of it; each role is its own class so xdist (--dist loadscope) can give the roles to different workers.

How long sign-in and each page take, from the click to the page drawn (bench/browser_walk.py's
condition), is written to test-artifacts/screenshots/walk-timings.json, and the office's to
session-timings.json (recorded, not asserted: the machine is shared; bench/bench_pages.py is where
the targets are measured)."""

import time

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from portal.core import labels as L
from portal.ui.navigation import pages_for
from tests.e2e.conftest import (
    DRAWN,
    PEOPLE,
    heading,
    idle,
    password,
    record_timing,
    settle,
    shot,
)
from tests.e2e.test_chinese_only_in_browser import english_words, visible_text

pytestmark = [pytest.mark.browser, pytest.mark.slow]
# The page's heading where it is not the menu title.
HEADINGS = {"home": L.APP_TITLE, "account": L.ACCOUNT_HEADING}


@pytest.fixture(scope="module")
def server(shared_server):
    """Nothing here changes data: the process's shared server."""
    return shared_server


def _sign_in_timed(page, server, username: str) -> None:
    page.goto(server.url)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password(username))
    started = time.monotonic()
    page.get_by_role("button", name="登录").click()
    page.get_by_role("button", name="退出登录").wait_for()
    idle(page)
    record_timing("walk-timings.json", f"sign-in {username}", time.monotonic() - started)


def _open(page, title: str) -> float:
    """Click `title` in the menu: seconds until that page is drawn."""
    before = heading(page)
    started = time.monotonic()
    page.locator("[data-testid='stSidebarNav']").get_by_text(title, exact=True).click()
    page.wait_for_function(DRAWN, arg=before, polling="raf")
    return time.monotonic() - started


def _click_until(page, target, shown: str, what: str, click_on=None, tries: int = 4) -> None:
    """Click `target` (or its part `click_on`) until it also matches the selector `shown` (a tab
    selected, an expander open): a click landing while Streamlit re-runs the page is lost, so one
    click and one wait are not enough."""
    done = target.and_(page.locator(shown))
    for _ in range(tries):
        if not done.count():
            (click_on or target).click()
        try:
            done.wait_for(timeout=15_000)
            return
        except PlaywrightTimeout:
            idle(page)
    raise AssertionError(f"{what} did not respond to {tries} clicks: {target.inner_text()[:80]!r}")


def _open_everything(page) -> str:
    """The page's visible text with each tab shown in turn and every expander opened."""
    texts = [visible_text(page)]
    tabs = page.locator("[data-testid='stMain'] [role='tab']")
    for i in range(max(tabs.count(), 1)):
        if tabs.count() > i and tabs.nth(i).is_visible():  # a tab inside a closed expander waits for it
            _click_until(page, tabs.nth(i), "[aria-selected='true']", "a tab")
            idle(page)
        expanders = page.locator("[data-testid='stMain'] [data-testid='stExpander'] details")
        opened = False
        for j in range(expanders.count()):
            if expanders.nth(j).is_visible() and expanders.nth(j).get_attribute("open") is None:
                expander = expanders.nth(j)
                _click_until(page, expander, "details[open]", "an expander", expander.locator("summary"))
                opened = True
        # an expander drawn only once opened (完成情况's 季度通报) reruns the page to draw it
        if opened:
            settle(page)
        else:
            idle(page)
        texts.append(visible_text(page))
    return "\n".join(texts)


def _walk(server, browser_page, username: str) -> None:
    page = browser_page
    role = PEOPLE[username][0]
    _sign_in_timed(page, server, username)
    specs = pages_for(role)
    links = page.locator("[data-testid='stSidebarNav'] a").all_inner_texts()
    assert [text.split()[-1] for text in links] == [p.title for p in specs]
    english = {}
    for visit in ("cold", "warm"):
        for spec in [*specs[1:], specs[0]]:  # sign-in lands on the first: it comes last
            seconds = _open(page, spec.title)
            record_timing("walk-timings.json", f"{username} {visit} {spec.title}", seconds)
            if username == "e2e_office":
                record_timing("session-timings.json", f"{visit} {spec.title}", seconds)
            assert page.locator("[data-testid='stException']").count() == 0, page.inner_text("body")
            assert heading(page) == HEADINGS.get(spec.url_path, spec.title), spec.title
            address = page.url.removeprefix(server.url).split("?")[0].strip("/")
            assert address in {spec.url_path, "" if spec is specs[0] else None}, (spec.title, page.url)
            if visit == "warm":
                continue
            shot(page, f"{role.value}-{spec.url_path}")
            words = english_words(_open_everything(page))
            if words:
                english[spec.title] = sorted(set(words))
            shot(page, f"chinese-{role.value}-{spec.url_path}")
    assert english == {}, "\n".join(f"{title}: {words}" for title, words in english.items())


class _EveryPageOfARole:
    username: str

    def test_opens_every_page_drawn_cold_and_warm_without_an_error_or_an_english_word(
        self, server, browser_page
    ):
        _walk(server, browser_page, self.username)


class TestTheClerk(_EveryPageOfARole):
    username = "e2e_rep"


class TestTheOffice(_EveryPageOfARole):
    """The office reviewer's pages include 数据上报 (the uploaders) and 系统管理's office tabs."""

    username = "e2e_office"


class TestTheEvaluator(_EveryPageOfARole):
    """The evaluator's 年度考核: the bonus form, the scheme uploader."""

    username = "e2e_eval"


class TestTheAdmin(_EveryPageOfARole):
    username = "e2e_admin"


def test_a_wrong_password_is_refused_in_chinese(server, browser_page):
    page = browser_page
    page.goto(server.url)
    page.get_by_label("用户名").fill("e2e_office")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    page.get_by_text("用户名或密码不正确", exact=False).wait_for()
    shot(page, "login-refused")
