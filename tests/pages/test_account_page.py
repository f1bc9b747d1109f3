"""我的账号 page: changing one's own password; a one-time password confines the account until changed."""

import pytest
from apptest_support import audit, open_app, page, sign_in, signed_in, texts

from portal.accounts.auth import reset_password
from portal.accounts.auth import sign_in as service_sign_in
from portal.core import labels as L


def change(at, old: str, new: str, confirm: str | None = None):
    at.text_input(key="acct_old").input(old)
    at.text_input(key="acct_new").input(new)
    at.text_input(key="acct_confirm").input(new if confirm is None else confirm)
    return at.button(key="acct_submit").click().run()


def test_a_person_changes_their_password_and_stays_signed_in(site):
    at = page(signed_in("eval1"), "account.py")
    at = change(at, "pw-eval1-123", "a-better-secret")
    assert not at.exception, at.exception
    assert texts(at.success) == ["密码已修改。"]
    assert "portal_session" in at.session_state
    assert service_sign_in(site, "eval1", "a-better-secret").ok
    assert audit(site, "auth.password_change") == [("eval1", "eval1", None)]


def test_a_mistyped_confirmation_is_refused_and_nothing_changes(site):
    at = page(signed_in("eval1"), "account.py")
    at = change(at, "pw-eval1-123", "a-better-secret", "a-better-secreT")
    assert texts(at.error) == ["两次输入的新密码不一致。"]
    assert service_sign_in(site, "eval1", "pw-eval1-123").ok


def test_after_a_reset_only_the_account_page_is_reachable_until_the_password_is_changed(site):
    boss = service_sign_in(site, "boss", "pw-boss-123").session.account
    one_time = reset_password(site, boss, "rep1").password
    at = sign_in(open_app(), "rep1", one_time)
    assert texts(at.title) == [L.ACCOUNT_HEADING]
    assert texts(at.warning) == [L.MUST_CHANGE]
    with pytest.raises(ValueError):
        at.switch_page("../../pages/home.py")
    at = change(at, one_time, "my-own-secret")
    assert texts(at.success) == ["密码已修改。"]
    at = page(at, "home.py")
    assert not at.exception and texts(at.title) == [L.APP_TITLE]
