"""A real `portal serve` on a copy of the demo warehouse, driven by Debian's chromium through Playwright.

Set-up is paid once where it can be: the demo home with the e2e accounts is prepared once per
process and copied (never rebuilt); modules that only read share one server (`shared_server`),
modules that change data get their own (`server`); each role signs in through the form once per
server and later contexts reuse its cookie (`as_user`). Streamlit takes seconds to start and its
first page imports the stack. Every page visited is screenshotted into
test-artifacts/screenshots/ so a reviewer can look at what the test saw.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from portal.accounts.auth import create_account
from portal.core.context import Portal
from schemas.enums import Role
from tests.conftest import ROOT, require_tool
from tests.serving import free_port, wait_until_healthy

ARTIFACTS = Path(os.environ.get("PORTAL_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "screenshots"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
UNIT = "JZKF-CXCY"
# username: (role, unit); password f"pw-{username}-123"
PEOPLE = {
    "e2e_rep": (Role.UNIT_REPORTER, UNIT),
    "e2e_office": (Role.OFFICE_REVIEWER, None),
    "e2e_eval": (Role.EVALUATOR, None),
    "e2e_admin": (Role.ADMIN, None),
}


def password(username: str) -> str:
    return f"pw-{username}-123"


@dataclass
class Server:
    url: str
    home: Path
    log: Path
    # username -> the browser storage state (its session cookie) of a sign-in on this server
    signed_in: dict[str, dict] = field(default_factory=dict)

    def portal(self) -> Portal:
        return Portal.open(self.home)


@pytest.fixture(scope="session")
def _e2e_home(_demo_home, tmp_path_factory) -> Path:
    """The demo with the e2e accounts, made once per process; each server runs on a copy."""
    home = tmp_path_factory.mktemp("e2e-prepared")
    shutil.copytree(_demo_home, home, dirs_exist_ok=True)
    portal = Portal.open(home)
    with portal.warehouse.transaction() as con:
        for username, (role, unit) in PEOPLE.items():
            create_account(portal, con, username, f"{username} 测试", role, unit, password(username))
    return home


@contextlib.contextmanager
def _serving(prepared: Path, tmp_path_factory) -> Iterator[Server]:
    require_tool("chromium")
    home = tmp_path_factory.mktemp("e2e-home")
    shutil.copytree(prepared, home, dirs_exist_ok=True)
    port = free_port()
    log = home / "serve.log"
    env = os.environ | {"PORTAL_HOME": str(home)}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "portal", "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        if not wait_until_healthy(url, proc, 90):
            pytest.fail(f"portal serve did not start:\n{log.read_text(errors='replace')}")
        yield Server(url=url, home=home, log=log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def server(_e2e_home, tmp_path_factory) -> Iterator[Server]:
    """This module's own server on its own copy: for tests that change what others would read."""
    with _serving(_e2e_home, tmp_path_factory) as served:
        yield served


@pytest.fixture(scope="session")
def shared_server(_e2e_home, tmp_path_factory) -> Iterator[Server]:
    """One server for the modules that only read (or only add what no other test looks at)."""
    with _serving(_e2e_home, tmp_path_factory) as served:
        yield served


@pytest.fixture(scope="module")
def chromium():
    """One Chromium per module, not per process: Playwright's sync API keeps its event loop
    running between calls, and a later test of the same xdist worker that calls asyncio.run()
    would be refused ("cannot be called from a running event loop")."""
    from playwright.sync_api import sync_playwright

    executable = require_tool("chromium")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


class Offline:
    """Every request the browser makes to anywhere but our server is refused and remembered."""

    def __init__(self, server: Server):
        self.server = server
        self.outside: list[str] = []

    def context(self, chromium, storage_state: dict | None = None):
        context = chromium.new_context(
            viewport={"width": 1440, "height": 1000},
            locale="zh-CN",
            accept_downloads=True,
            storage_state=storage_state,
        )
        context.set_default_timeout(60_000)
        context.add_init_script(_COUNT_RUNS)
        context.route("**/*", self._route)
        return context

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(self.server.url) or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()


@pytest.fixture
def offline(server):
    guard = Offline(server)
    yield guard
    assert guard.outside == [], f"the app asked for outside addresses: {guard.outside}"


@pytest.fixture
def browser_page(chromium, offline):
    context = offline.context(chromium)
    page = context.new_page()
    yield page
    context.close()


# Streamlit marks its run state on the app's root: notRunning, rerunRequested (set by the browser
# the moment a widget asks for a run), running. Counting the moves away from notRunning tells
# settle() that a run happened even when it was over before settle() looked.
_COUNT_RUNS = """(() => {
  window.__e2eRuns = 0;
  window.__e2eSeen = 0;
  new MutationObserver((records) => {
    for (const r of records) if (r.oldValue === 'notRunning') window.__e2eRuns += 1;
  }).observe(document, {subtree: true, attributes: true, attributeOldValue: true,
                        attributeFilter: ['data-test-script-state']});
})()"""
# A run since the last settle(), or one going on (or the app not drawn yet).
_RAN = """() => window.__e2eRuns > window.__e2eSeen
  || !document.querySelector("[data-test-script-state='notRunning']")"""
# The run is over and nothing is stale or still a skeleton; `quiet` ms of that in a row (a page
# that calls st.rerun() is notRunning for an instant between its two runs).
_IDLE = """(quiet) => {
  const idle = !!document.querySelector("[data-test-script-state='notRunning']")
    && !document.querySelector("[data-testid='stSkeleton'], [data-stale='true']");
  const now = performance.now();
  if (!idle) { window.__e2eIdleSince = null; return false; }
  if (window.__e2eIdleSince == null) window.__e2eIdleSince = now;
  if (now - window.__e2eIdleSince < quiet) return false;
  window.__e2eSeen = window.__e2eRuns;
  return true;
}"""


def idle(page, quiet: int = 0, timeout: float = 60_000) -> None:
    """Wait until no run is going on and everything drawn is current (no new run is waited for)."""
    page.evaluate("() => { window.__e2eIdleSince = null; }")
    page.wait_for_function(_IDLE, arg=quiet, polling="raf", timeout=timeout)


def settle(page, timeout: float = 60_000) -> None:
    """Wait until Streamlit has started and finished the run an action caused, and drawn its tables."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    # The run may already be over (it is counted) or never needed (then 1.5 s is waited for it).
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(_RAN, polling="raf", timeout=1_500)
    idle(page, quiet=300, timeout=timeout)


def shot(page, name: str) -> Path:
    """Save a full-page screenshot as a test artefact once the app has stopped running."""
    idle(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _wait_for_cookie(context) -> None:
    for _ in range(100):
        if any(c["name"] == "portal_session" for c in context.cookies()):
            return
        time.sleep(0.05)
    raise AssertionError("signed in, but the session cookie was not set")


def sign_in(page, server: Server, username: str) -> None:
    """Sign in through the form (and remember the cookie for `as_user`)."""
    page.goto(server.url)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password(username))
    page.get_by_role("button", name="登录").click()
    page.get_by_role("button", name="退出登录").wait_for()
    idle(page)
    _wait_for_cookie(page.context)
    server.signed_in[username] = page.context.storage_state()


def as_user(chromium, offline, server: Server, username: str):
    """(context, page) signed in as `username` on the landing page: with the cookie of an earlier
    sign-in on this server when it still works (a sign-out ends all of an account's sessions),
    otherwise through the form. For tests that are not about signing in."""
    state = server.signed_in.get(username)
    context = offline.context(chromium, storage_state=state)
    page = context.new_page()
    if state is None:
        sign_in(page, server, username)
        return context, page
    page.goto(server.url)
    out, form = page.get_by_role("button", name="退出登录"), page.get_by_label("用户名")
    out.or_(form).first.wait_for()
    if form.is_visible():
        context.close()
        server.signed_in.pop(username, None)
        return as_user(chromium, offline, server, username)
    idle(page)
    return context, page


def heading(page) -> str:
    h = page.locator("[data-testid='stMain'] h1").first
    return h.inner_text() if h.count() else ""


# The heading changed, the run is over, nothing is stale: the page the click asked for is drawn
# (bench/browser_walk.py times pages by the same condition).
DRAWN = """(before) => {
  const h = document.querySelector("[data-testid='stMain'] h1");
  if (!h || h.innerText === before) return false;
  if (!document.querySelector("[data-test-script-state='notRunning']")) return false;
  if (document.querySelector("[data-testid='stSkeleton'], [data-stale='true']")) return false;
  window.__e2eSeen = window.__e2eRuns;
  return true;
}"""


def go(page, title: str, url_path: str | None = None) -> None:
    """Open a page from the sidebar navigation by its Chinese title (and wait for its address)."""
    here = page.url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
    before = heading(page)
    page.locator("[data-testid='stSidebarNav']").get_by_text(title, exact=True).click()
    if url_path:
        page.wait_for_url(f"**/{url_path}")
    if url_path and here != url_path:  # another page: drawn once its heading has changed
        page.wait_for_function(DRAWN, arg=before, polling="raf")
    else:
        settle(page)


_TIMINGS: dict[str, dict[str, float]] = {}
_RUN_STARTED = time.time()


def record_timing(file_name: str, name: str, seconds: float) -> None:
    """Add a timing to test-artifacts/screenshots/`file_name` (JSON; kept with what other modules
    of this run wrote there). Recorded, never asserted: the machine that runs the suite is shared."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / file_name
    timings = _TIMINGS.setdefault(file_name, {})
    # what another xdist worker of this run wrote (a file from an earlier run is replaced)
    if not timings and path.exists() and path.stat().st_mtime >= _RUN_STARTED - 60:
        with contextlib.suppress(ValueError):
            timings.update(json.loads(path.read_text("utf-8")))
    timings[name] = round(seconds, 3)
    path.write_text(json.dumps(timings, ensure_ascii=False, indent=1), "utf-8")
