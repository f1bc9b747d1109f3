"""One simulated user speaking Streamlit's own protocol to a real `portal serve` (no browser).

What a browser tab does, message for message (Streamlit 1.67): GET /_stcore/health (the XSRF
cookie), open the websocket /_stcore/stream (subprotocols "streamlit" and the XSRF token), send
`BackMsg.rerun_script` with a ClientState (page, widget states) and read `ForwardMsg`s until the
run's `script_finished`. Widgets are found in the received deltas by label and answered with
their ids; a form is submitted with its inputs' values and the submit button's trigger. A file
goes in as the uploader does it: `file_urls_request` → `file_urls_response`, an HTTP PUT of the
file to `/_stcore/upload_file/<session>/<file_id>` (XSRF header), then the uploader's
FileUploaderState in the next rerun.

A step's time runs from the send to the final `script_finished` (a run that ends in st.rerun is
followed to the run after it). Each step checks what a person would see (the page's title, the
outcome message), so a wrong protocol fails loudly instead of passing fast. Only 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

HOST = "127.0.0.1"
XSRF_COOKIE = "_streamlit_xsrf"
FINISHED = ForwardMsg.ScriptFinishedStatus
TEXT_FIELDS = {"heading": "body", "markdown": "body", "alert": "body", "text": "body", "exception": "message"}


class StepFailed(Exception):
    """The server answered, but not with what a person would have seen."""


@dataclass
class Widget:
    kind: str  # the Element oneof: text_input, button, file_uploader, …
    id: str
    label: str


@dataclass
class Run:
    """What one run (or chain of runs ended by st.rerun) drew: widgets and visible texts."""

    elements: dict[tuple, object] = field(default_factory=dict)
    finished: asyncio.Future | None = None

    def texts(self) -> list[str]:
        out = []
        for el in self.elements.values():
            kind = el.WhichOneof("type")
            if kind in TEXT_FIELDS:
                out.append(getattr(getattr(el, kind), TEXT_FIELDS[kind]))
        return out

    def headings(self) -> list[str]:
        return [el.heading.body for el in self.elements.values() if el.WhichOneof("type") == "heading"]

    def alerts(self) -> list[str]:
        return [el.alert.body for el in self.elements.values() if el.WhichOneof("type") == "alert"]

    def html(self) -> list[str]:
        return [el.html.body for el in self.elements.values() if el.WhichOneof("type") == "html"]

    def widget(self, kind: str, label: str) -> Widget:
        for el in self.elements.values():
            if el.WhichOneof("type") == kind:
                proto = getattr(el, kind)
                if proto.label == label:
                    return Widget(kind, proto.id, proto.label)
        shown = self.headings()[:3] + self.alerts()[:2]
        raise StepFailed(f"no {kind} 「{label}」 on the page (it shows: {shown})")

    def exceptions(self) -> list[str]:
        return [el.exception.message for el in self.elements.values() if el.WhichOneof("type") == "exception"]


async def http(
    url: str, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b""
) -> tuple[int, dict[str, list[str]], bytes]:
    """A minimal HTTP/1.1 request on a fresh loopback connection: (status, headers, body)."""
    parts = urlsplit(url)
    if parts.hostname != HOST:
        raise ValueError(f"only {HOST}: {url}")
    reader, writer = await asyncio.open_connection(HOST, parts.port)
    try:
        head = {"Host": parts.netloc, "Connection": "close", "Content-Length": str(len(body))} | (
            headers or {}
        )
        lines = [f"{method} {path} HTTP/1.1", *(f"{k}: {v}" for k, v in head.items()), "", ""]
        writer.write("\r\n".join(lines).encode("latin-1") + body)
        await writer.drain()
        raw = await reader.read()
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()
    top, _, rest = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = top.decode("latin-1").split("\r\n")
    got: dict[str, list[str]] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        got.setdefault(name.strip().lower(), []).append(value.strip())
    return int(status_line.split()[1]), got, rest


def _cookie_value(headers: dict[str, list[str]], name: str) -> str | None:
    for value in headers.get("set-cookie", []):
        first = value.split(";", 1)[0]
        key, _, val = first.partition("=")
        if key.strip() == name:
            return val.strip().strip('"')
    return None


class User:
    """One browser tab's worth of protocol: connect, run pages, fill widgets, upload."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.cookies: dict[str, str] = {}
        self.session_id: str | None = None
        self.pages: dict[str, str] = {}  # url path → page_script_hash, from the Navigation message
        self.page_hash = ""
        self._ws = None
        self._reader: asyncio.Task | None = None
        self._run: Run | None = None
        self._file_urls: dict[str, asyncio.Future] = {}
        self._closed: BaseException | None = None
        self.login_form: Run | None = None  # the sign-in page as first drawn

    def _cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    async def connect(self) -> None:
        from websockets.asyncio.client import connect

        status, headers, _ = await http(self.url, "GET", "/_stcore/health")
        if status != 200:
            raise StepFailed(f"health check answered {status}")
        xsrf = _cookie_value(headers, XSRF_COOKIE)
        if xsrf:
            self.cookies[XSRF_COOKIE] = xsrf
        port = urlsplit(self.url).port
        self._ws = await connect(
            f"ws://{HOST}:{port}/_stcore/stream",
            subprotocols=["streamlit", *([xsrf] if xsrf else [])],
            origin=self.url,
            additional_headers={"Cookie": self._cookie_header()},
            max_size=None,
            open_timeout=60,
            ping_interval=None,  # the server's script runs can hold its loop; no client-side ping deaths
        )
        self._reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._ws.close(), 5)
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(BaseException):
                await self._reader

    async def _read(self) -> None:
        try:
            async for frame in self._ws:
                msg = ForwardMsg()
                msg.ParseFromString(frame)
                self._on(msg)
        except Exception as exc:  # the connection died: whoever waits is told
            self._closed = exc
        else:
            self._closed = ConnectionError("websocket closed by the server")
        run = self._run
        if run is not None and run.finished is not None and not run.finished.done():
            run.finished.set_exception(StepFailed(f"connection lost: {self._closed}"))

    def _on(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        run = self._run
        if kind == "new_session":  # sent at the start of every script run
            self.session_id = msg.new_session.initialize.session_id or self.session_id
            self.page_hash = msg.new_session.page_script_hash or self.page_hash
            if run is not None:
                run.elements.clear()  # a run after st.rerun redraws the page
        elif kind == "navigation":
            self.pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
            self.page_hash = msg.navigation.page_script_hash or self.page_hash
        elif kind == "delta" and run is not None:
            if msg.delta.WhichOneof("type") == "new_element":
                run.elements[tuple(msg.metadata.delta_path)] = msg.delta.new_element
        elif kind == "script_finished" and run is not None and run.finished is not None:
            status = msg.script_finished
            if status == FINISHED.FINISHED_EARLY_FOR_RERUN:
                return  # st.rerun: the next run is part of this step
            if not run.finished.done():
                if status == FINISHED.FINISHED_WITH_COMPILE_ERROR:
                    run.finished.set_exception(StepFailed("the page's script did not compile"))
                else:
                    run.finished.set_result(None)
        elif kind == "file_urls_response":
            waiting = self._file_urls.pop(msg.file_urls_response.response_id, None)
            if waiting is not None and not waiting.done():
                waiting.set_result(msg.file_urls_response)
        elif (
            kind == "page_not_found"
            and run is not None
            and run.finished is not None
            and not run.finished.done()
        ):
            run.finished.set_exception(StepFailed("page not found"))

    async def rerun(
        self, widgets: list[WidgetState] | None = None, page: str | None = None, page_name: str = ""
    ) -> tuple[Run, float]:
        """Send one rerun (on `page`, a url path, else the current page): the drawn run and the
        seconds from the send to its end."""
        if self._closed is not None:
            raise StepFailed(f"connection lost: {self._closed}")
        back = BackMsg()
        state = back.rerun_script
        state.query_string = ""
        state.page_name = page_name
        if page is not None:
            if page not in self.pages:
                raise StepFailed(f"no page {page!r} in the navigation ({sorted(self.pages)})")
            state.page_script_hash = self.pages[page]
        else:
            state.page_script_hash = self.page_hash
        state.context_info.timezone = "Asia/Shanghai"
        state.context_info.locale = "zh-CN"
        state.context_info.url = self.url + "/"
        for w in widgets or []:
            state.widget_states.widgets.append(w)
        run = Run(finished=asyncio.get_running_loop().create_future())
        self._run = run
        started = time.perf_counter()
        await self._ws.send(back.SerializeToString())
        await run.finished
        seconds = time.perf_counter() - started
        if run.exceptions():
            raise StepFailed(f"the page raised: {run.exceptions()[0][:200]}")
        return run, seconds

    async def upload_file(self, uploader: Widget, name: str, data: bytes) -> WidgetState:
        """What the file uploader does before the rerun: ask for URLs, PUT the file; the widget
        state that names it."""
        back = BackMsg()
        request_id = uuid.uuid4().hex
        back.file_urls_request.request_id = request_id
        back.file_urls_request.file_names.append(name)
        back.file_urls_request.session_id = self.session_id or ""
        waiting = asyncio.get_running_loop().create_future()
        self._file_urls[request_id] = waiting
        await self._ws.send(back.SerializeToString())
        response = await waiting
        if response.error_msg or not response.file_urls:
            raise StepFailed(f"no upload URL: {response.error_msg}")
        urls = response.file_urls[0]
        boundary = uuid.uuid4().hex
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n"
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        headers = {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Origin": self.url,
            "Cookie": self._cookie_header(),
        }
        if XSRF_COOKIE in self.cookies:
            headers["X-Xsrftoken"] = self.cookies[XSRF_COOKIE]
        status, _, said = await http(self.url, "PUT", urls.upload_url, headers, body)
        if status != 204:
            raise StepFailed(f"file PUT answered {status}: {said[:200]!r}")
        state = WidgetState(id=uploader.id)
        info = state.file_uploader_state_value.uploaded_file_info.add()
        info.name, info.size, info.file_id = name, len(data), urls.file_id
        info.file_urls.CopyFrom(urls)
        return state

    async def post_session_code(self, run: Run) -> int | None:
        """The signed-in page's cookie bridge: POST its one-time code as the browser's script does
        (the answer sets the portal's session cookie). None if the page had no code."""
        for body in run.html():
            found = re.search(r'fetch\("(/portal/session)", \{.*?body: "([^"]*)"', body)
            if found:
                status, headers, _ = await http(
                    self.url,
                    "POST",
                    found.group(1),
                    {"Origin": self.url, "Content-Type": "text/plain"},
                    found.group(2).encode(),
                )
                for name in [c.split("=", 1)[0] for c in headers.get("set-cookie", [])]:
                    value = _cookie_value(headers, name)
                    if value:
                        self.cookies[name] = value
                return status
        return None


def text_state(widget: Widget, value: str) -> WidgetState:
    return WidgetState(id=widget.id, string_value=value)


def trigger(widget: Widget) -> WidgetState:
    return WidgetState(id=widget.id, trigger_value=True)
