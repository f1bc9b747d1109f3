"""A real `portal serve` on 127.0.0.1 and Chromium pages that sign in, open pages and upload, timed.

Shared by bench_pages.py (one user per role, each page cold and warm) and bench_load.py (N users
at once). Async Playwright: one browser, one context per simulated user. Every request to an
address other than the server's is aborted, so nothing leaves the machine.

What a timing is: from the click (登录, a sidebar entry, 上传) to the page's main content drawn:
Streamlit's script run over (`data-test-script-state` = notRunning), no stale or skeleton element
left, and for a page its heading changed (so the old page still shown does not count as done).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"  # never anything else: the load is the machine's own
DEMO_TODAY = "2025-10-10"  # the demo's date: 2025Q3 open, due 2025-10-15
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

# The heading changed, the run is over, nothing is stale: the page the click asked for is drawn.
DRAWN = """(before) => {
  const h = document.querySelector("[data-testid='stMain'] h1");
  if (!h || h.innerText === before) return false;
  if (!document.querySelector("[data-test-script-state='notRunning']")) return false;
  return !document.querySelector("[data-testid='stSkeleton'], [data-stale='true']");
}"""
_IDLE = """() => !!document.querySelector("[data-test-script-state='notRunning']")
  && !document.querySelector("[data-testid='stSkeleton'], [data-stale='true']")"""


def password(username: str) -> str:
    return f"pw-{username}-123"


def demo_home(home: Path, log=print) -> Path:
    """`portal init --demo --no-fill` into `home` (a fixed secret key and the demo's date)."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "settings.toml").write_text(f'secret_key = "bench-secret"\ntoday = "{DEMO_TODAY}"\n', "utf-8")
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "portal", "init", "--demo", "--no-fill"],
        cwd=ROOT,
        env=_env(home),
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"portal init --demo failed:\n{done.stderr}")
    log(f"demo home built in {time.monotonic() - started:.1f} s: {home}")
    return home


def _env(home: Path) -> dict[str, str]:
    return os.environ | {"PORTAL_HOME": str(home), "PYTHONPATH": str(ROOT)}


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def served(home: Path, log_file: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """`portal serve` on a free loopback port; yields (url, process) once it answers its health check."""
    import urllib.request

    port = free_port()
    with log_file.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "portal", "serve", "--port", str(port)],
            cwd=ROOT,
            env=_env(home),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r,
            ):
                if r.read() == b"ok":
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"portal serve did not start:\n{log_file.read_text(errors='replace')}")
            time.sleep(0.3)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def chromium_path() -> str:
    found = shutil.which("chromium")
    if not found:
        raise SystemExit("chromium is not on PATH (Debian's chromium package)")
    return found


async def new_user(browser, url: str):
    """A browser context (its own cookies: one person) whose requests go only to `url`."""
    context = await browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    context.set_default_timeout(180_000)

    async def only_ours(route) -> None:
        target = route.request.url
        if target.startswith(url) or target.startswith(("data:", "blob:")):
            await route.continue_()
        else:
            await route.abort()

    await context.route("**/*", only_ours)
    return context, await context.new_page()


async def idle(page) -> None:
    await page.wait_for_function(_IDLE, polling="raf")


# The landing page drawn after 登录: the shell's 退出登录 is there (the sign-in page has the same
# heading) and the run has finished drawing; the page's own clock at that frame.
SIGNED_IN = """() => {
  if (![...document.querySelectorAll("button")].some(b => b.innerText.includes("退出登录"))) return false;
  if (!document.querySelector("[data-test-script-state='notRunning']")) return false;
  if (document.querySelector("[data-testid='stSkeleton'], [data-stale='true']")) return false;
  return performance.now();
}"""
_MARK_PRESS = """() => { window.__pressedAt = null;
  document.addEventListener("click", () => { window.__pressedAt ??= performance.now(); }, {capture: true, once: true}); }"""


async def sign_in(page, url: str, username: str, in_page: list[float] | None = None) -> float:
    """Open the site, fill the form, press 登录: seconds from the press to the landing page drawn,
    polled at every frame as `open_page` polls (the driver's own view, its round trips included).
    `in_page` gets the same span by the page's clock: from the click event to the frame where the
    landing page is drawn, what the person sees, without the driver's latency."""
    await page.goto(url)
    await page.get_by_label("用户名").wait_for()
    await idle(page)
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill(password(username))
    await page.evaluate(_MARK_PRESS)
    started = time.perf_counter()
    await page.get_by_role("button", name="登录").click()
    drawn = await page.wait_for_function(SIGNED_IN, polling="raf")
    seconds = time.perf_counter() - started
    if in_page is not None:
        pressed = await page.evaluate("window.__pressedAt")
        in_page.append((await drawn.json_value() - pressed) / 1000)
    return seconds


async def _heading(page) -> str:
    h = page.locator("[data-testid='stMain'] h1").first
    return await h.inner_text() if await h.count() else ""


async def open_page(page, title: str) -> float:
    """Click `title` in the sidebar: seconds until that page is drawn."""
    before = await _heading(page)
    started = time.perf_counter()
    await page.locator("[data-testid='stSidebarNav']").get_by_text(title, exact=True).click()
    await page.wait_for_function(DRAWN, arg=before, polling="raf")
    return time.perf_counter() - started


async def upload(page, path: Path) -> tuple[float, str]:
    """On 数据上报: choose the file, press 上传: (seconds from the press to the outcome drawn, its text)."""
    await page.locator("[data-testid='stFileUploader'] input[type='file']").first.set_input_files(str(path))
    await idle(page)
    button = page.get_by_role("button", name="上传", exact=True)
    await button.wait_for()
    started = time.perf_counter()
    await button.click()
    # The page reruns with the flashed outcome, which names the record: "…（报送记录 N）…".
    outcome = page.locator("[data-testid='stAlert']").filter(has_text="报送记录").first
    await outcome.wait_for()
    await idle(page)
    return time.perf_counter() - started, await outcome.inner_text()


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of `values`; NaN for none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def machine_note() -> str:
    load = os.getloadavg()
    return (
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
        f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (shared machine)"
    )


def server_cpu_seconds(proc: subprocess.Popen) -> float:
    """User + system CPU seconds the server process has used so far (from /proc, Linux)."""
    fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks
