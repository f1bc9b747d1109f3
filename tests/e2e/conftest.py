"""A real `portal serve` on a copy of the demo warehouse, driven by Debian's chromium through Playwright.

One server per module (Streamlit takes seconds to start); every page visited is screenshotted into
test-artifacts/screenshots/ so a reviewer can look at what the test saw.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
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

    def portal(self) -> Portal:
        return Portal.open(self.home)


@pytest.fixture(scope="module")
def server(_demo_home, tmp_path_factory) -> Iterator[Server]:
    require_tool("chromium")
    home = tmp_path_factory.mktemp("e2e-home")
    shutil.copytree(_demo_home, home, dirs_exist_ok=True)
    portal = Portal.open(home)
    with portal.warehouse.transaction() as con:
        for username, (role, unit) in PEOPLE.items():
            create_account(portal, con, username, f"{username} 测试", role, unit, password(username))
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
def chromium():
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

    def context(self, chromium):
        context = chromium.new_context(
            viewport={"width": 1440, "height": 1000}, locale="zh-CN", accept_downloads=True
        )
        context.set_default_timeout(60_000)
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


def shot(page, name: str) -> Path:
    """Save a full-page screenshot as a test artefact once the app has stopped running."""
    settle(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def settle(page, timeout: float = 60_000) -> None:
    """Wait until Streamlit has started and finished the run an action caused, and drawn its tables."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    # The run may already be over (or never needed) by the time we look.
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_selector("[data-test-script-state='running']", timeout=1_500)
    page.wait_for_selector("[data-test-script-state='notRunning']", timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector(\"[data-testid='stSkeleton'], [data-stale='true']\")", timeout=timeout
    )
    page.wait_for_timeout(200)


def sign_in(page, server: Server, username: str) -> None:
    page.goto(server.url)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password(username))
    page.get_by_role("button", name="登录").click()
    page.get_by_role("button", name="退出登录").wait_for()
    settle(page)


def go(page, title: str, url_path: str | None = None) -> None:
    """Open a page from the sidebar navigation by its Chinese title (and wait for its address)."""
    page.locator("[data-testid='stSidebarNav']").get_by_text(title, exact=True).click()
    if url_path:
        page.wait_for_url(f"**/{url_path}")
    settle(page)
