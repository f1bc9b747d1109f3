"""What `portal serve` runs: the Streamlit app (portal/ui/app.py) served by `st.App` (ASGI) with
one middleware in front of Streamlit's own.

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

from starlette.middleware import Middleware
from streamlit.starlette import App

from portal.core.filestore import keep_files_private
from portal.ops import background_sender

SCRIPT = Path(__file__).with_name("app.py")

SECURITY_HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]
# Paths answered 404 whatever follows the base URL path.
BLOCKED = ("/_stcore/metrics",)


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
app = App(str(SCRIPT), middleware=[Middleware(SecurityHeaders)], lifespan=lifespan)
