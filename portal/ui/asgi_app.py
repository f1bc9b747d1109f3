"""What `portal serve` runs: the Streamlit app (portal/ui/app.py) served by `st.App` (ASGI) with
one middleware in front of Streamlit's own, the two routes that set and clear the session
cookie (a Streamlit run talks over a websocket and cannot set a cookie itself), and the read-only
open-data API under /api/v1/ (portal/sharing/api.py, behind a token; docs/api.md).

The middleware adds the headers that keep the portal out of other sites' frames and stop
content sniffing and referrer leaks, and answers 404 for `/_stcore/metrics` (Streamlit serves its
session and cache metrics there to anyone, before sign-in). `streamlit run` finds `app` below
and serves it with uvicorn, with every setting from portal.ops.serve's command line; the app's
lifespan starts the background outbox sender once per serving process when outbox_send_seconds
is set (portal/ops/background_sender.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from streamlit.starlette import App

from portal.accounts.auth import COOKIE_NAME, issue_cookie
from portal.core.context import Portal
from portal.core.filestore import keep_files_private
from portal.ops import background_sender
from portal.sharing import api

SCRIPT = Path(__file__).with_name("app.py")

SECURITY_HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]
# Paths answered 404 whatever follows the base URL path.
BLOCKED = ("/_stcore/metrics",)
# Where the page hands its one-time code for the cookie, and asks for the cookie to be cleared.
SESSION_PATH = "/portal/session"
CLEAR_PATH = "/portal/session/clear"
# A one-time code is 32 characters; anything much longer is not one.
_MAX_CODE = 128


class SecurityHeaders:
    """Pure ASGI (no response buffering, websockets pass untouched)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"].rstrip("/").endswith(BLOCKED):
            await send({"type": "http.response.start", "status": 404, "headers": self._headers([])})
            await send({"type": "http.response.body", "body": b""})
            return

        async def with_headers(message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": self._headers(list(message.get("headers", [])))}
            await send(message)

        await self.app(scope, receive, with_headers)

    @staticmethod
    def _headers(headers: list) -> list:
        names = {name for name, _ in SECURITY_HEADERS}
        return [(k, v) for k, v in headers if k.lower() not in names] + SECURITY_HEADERS


def _same_origin(request: Request) -> bool:
    """Only our own pages may ask: a browser names the page's origin on every POST by fetch."""
    if request.headers.get("sec-fetch-site", "same-origin") != "same-origin":
        return False
    origin = request.headers.get("origin")
    return origin is None or origin == f"{request.url.scheme}://{request.url.netloc}"


def _cookie_flags(portal: Portal) -> dict:
    return {
        "path": "/",
        "httponly": True,
        "samesite": "strict",
        "secure": portal.settings.session_cookie_secure,
    }


async def session_cookie(request: Request) -> Response:
    """POST the one-time code a signed-in page was given (the body, never the address, which
    logs keep): 204 with the session cookie, or 403."""
    if not _same_origin(request):
        return Response(status_code=403)
    code = (await request.body())[:_MAX_CODE].decode("ascii", "replace")
    portal = Portal.open()
    cookie = await run_in_threadpool(issue_cookie, portal, code)  # the warehouse is blocking I/O
    if cookie is None:
        return Response(status_code=403)
    response = Response(status_code=204, headers={"cache-control": "no-store"})
    response.set_cookie(COOKIE_NAME, cookie.value, max_age=cookie.max_age, **_cookie_flags(portal))
    return response


def clear_cookie(request: Request) -> Response:
    """POST after a sign-out or a dead cookie: the browser forgets the cookie."""
    if not _same_origin(request):
        return Response(status_code=403)
    response = Response(status_code=204, headers={"cache-control": "no-store"})
    response.delete_cookie(COOKIE_NAME, **_cookie_flags(Portal.open()))
    return response


async def open_data(request: Request) -> Response:
    """GET /api/v1/ (the datasets) and /api/v1/<dataset>: portal.sharing.api answers, behind a token."""
    reply = await run_in_threadpool(  # the warehouse is blocking I/O
        api.answer,
        Portal.open(),
        request.headers.get("authorization"),
        request.path_params.get("dataset"),
        dict(request.query_params),
        request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    )
    return Response(reply.body, status_code=reply.status, media_type=reply.media_type, headers=reply.headers)


ROUTES = [
    Route(SESSION_PATH, session_cookie, methods=["POST"]),
    Route(CLEAR_PATH, clear_cookie, methods=["POST"]),
    Route(f"{api.PREFIX}/", open_data, methods=["GET"]),
    Route(f"{api.PREFIX}/{{dataset}}", open_data, methods=["GET"]),
]


@asynccontextmanager
async def lifespan(_app) -> AsyncIterator[None]:
    """While the server runs: the outbox sender, if the settings ask for one (PORTAL_HOME as served)."""
    sender = background_sender.start()
    try:
        yield None
    finally:
        if sender is not None:
            sender.stop()


keep_files_private()  # also when started without the CLI (streamlit run / uvicorn on this file)
app = App(str(SCRIPT), routes=ROUTES, middleware=[Middleware(SecurityHeaders)], lifespan=lifespan)
