"""Every role signs in through a real browser and opens every page it is given; none shows an error."""

import pytest

from portal.ui.navigation import pages_for
from tests.e2e.conftest import PEOPLE, go, shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("username", list(PEOPLE))
def test_each_role_opens_every_page_it_is_given_without_an_error(server, browser_page, username):
    page = browser_page
    role = PEOPLE[username][0]
    sign_in(page, server, username)
    links = page.locator("[data-testid='stSidebarNav'] a").all_inner_texts()
    assert [text.split()[-1] for text in links] == [p.title for p in pages_for(role)]
    for i, spec in enumerate(pages_for(role)):
        go(page, spec.title, spec.url_path if i else None)
        assert page.locator("[data-testid='stException']").count() == 0, page.inner_text("body")
        assert page.url.removeprefix(server.url).strip("/") in {spec.url_path, "" if i == 0 else None}
        shot(page, f"{role.value}-{spec.url_path}")


def test_a_wrong_password_is_refused_in_chinese(server, browser_page):
    page = browser_page
    page.goto(server.url)
    page.get_by_label("用户名").fill("e2e_office")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    page.get_by_text("用户名或密码不正确", exact=False).wait_for()
    shot(page, "login-refused")
