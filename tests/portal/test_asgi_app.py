"""The two cookie routes of `portal serve` (portal/ui/asgi_app.py), called as Starlette calls them."""

import asyncio
from http.cookies import SimpleCookie

import pytest
from starlette.requests import Request

from portal.accounts.auth import COOKIE_NAME, resume, sign_in
from portal.ui.asgi_app import CLEAR_PATH, SESSION_PATH, clear_cookie, session_cookie
from schemas.enums import Role

HOST = "127.0.0.1:8501"


@pytest.fixture
def portal(demo_portal, make_account):
    make_account(demo_portal, "rep1", Role.UNIT_REPORTER, "JZKF-CXCY", "rep1-password")
    return demo_portal


def _post(endpoint, path: str, body: bytes = b"", origin: str | None = f"http://{HOST}", site="same-origin"):
    headers = [(b"host", HOST.encode())]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    if site is not None:
        headers.append((b"sec-fetch-site", site.encode()))
    scope = {
        "type": "http",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "query_string": b"",
        "headers": headers,
        "server": ("127.0.0.1", 8501),
    }

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def call():
        response = endpoint(Request(scope, receive))
        return await response if asyncio.iscoroutine(response) else response

    return asyncio.run(call())


def _set_cookie(response) -> tuple[str, SimpleCookie]:
    header = response.headers["set-cookie"]
    return header, SimpleCookie(header)


def test_the_one_time_code_is_answered_with_an_httponly_strict_cookie_that_resumes(portal):
    code = sign_in(portal, "rep1", "rep1-password").session.handoff
    response = _post(session_cookie, SESSION_PATH, code.encode())
    assert response.status_code == 204
    header, cookie = _set_cookie(response)
    assert "httponly" in header.lower() and "samesite=strict" in header.lower()
    assert "secure" not in header.lower()  # plain http: a Secure cookie would never come back
    assert 12 * 3600 - 60 < int(cookie[COOKIE_NAME]["max-age"]) <= 12 * 3600  # the session's lifetime
    assert cookie[COOKIE_NAME]["path"] == "/"
    assert resume(portal, cookie[COOKIE_NAME].value).account.username == "rep1"
    assert _post(session_cookie, SESSION_PATH, code.encode()).status_code == 403  # once only


def test_the_secure_flag_follows_the_setting(portal):
    (portal.settings.home / "settings.toml").write_text(
        'secret_key = "test-secret"\nsession_cookie_secure = true\n', encoding="utf-8"
    )
    code = sign_in(portal, "rep1", "rep1-password").session.handoff
    header, _ = _set_cookie(_post(session_cookie, SESSION_PATH, code.encode()))
    assert "secure" in header.lower()


@pytest.mark.parametrize(
    "origin, site",
    [("http://evil.example", "cross-site"), ("http://evil.example", None), (None, "cross-site")],
)
def test_another_site_cannot_take_a_cookie(portal, origin, site):
    code = sign_in(portal, "rep1", "rep1-password").session.handoff
    response = _post(session_cookie, SESSION_PATH, code.encode(), origin=origin, site=site)
    assert response.status_code == 403 and "set-cookie" not in response.headers
    assert _post(session_cookie, SESSION_PATH, code.encode()).status_code == 204  # the code was not spent


def test_a_wrong_code_gets_no_cookie(portal):
    response = _post(session_cookie, SESSION_PATH, b"made-up-code")
    assert response.status_code == 403 and "set-cookie" not in response.headers


def test_clearing_drops_the_cookie(portal):
    response = _post(clear_cookie, CLEAR_PATH)
    assert response.status_code == 204
    header, cookie = _set_cookie(response)
    assert cookie[COOKIE_NAME].value == "" and "max-age=0" in header.lower()
