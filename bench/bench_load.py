"""Deadline-day load (issue 23): N unit clerks at once against one real `portal serve` on 127.0.0.1.

    python bench/bench_load.py --users 10,25,50 --seconds 60 [--client protocol|browser]
        [--step-timeout 60] [--bad-password K] [--profile DIR] [--json out.json] [--home DIR]

Each simulated clerk (each a different unit that owes 2025Q3, its own account) signs in, opens
数据上报, uploads its unit's filled template, then keeps opening its pages from the menu until
--seconds have passed since the level started. Levels run one after another on the same server,
after one warm-up upload (the first upload of a server imports Great Expectations).

Clients: `protocol` (default) speaks Streamlit's websocket protocol itself (bench/st_protocol.py:
no browser, so the clients take little of the CPU the server needs); `browser` drives Chromium
contexts through Playwright (what a person's browser costs, on the same machine).

Bounded: every step has --step-timeout; a level is cut off --seconds + 2 × --step-timeout after its
start. A step that fails or times out is counted under its name and the clerk stops; the run always
ends with its report (a table, and JSON with --json): p50/p95/max per page and per upload for each
N, failures and timeouts, the server's CPU seconds per wall second (1.0 = one core: the Streamlit
server is one Python process, its script runs share one GIL) and the busiest server threads, and
the smallest N whose p95 passes 2 s. --bad-password K makes the first K clerks type a wrong
password (their sign-in must be reported failed: the client cannot fake success). --profile DIR
samples the server with py-spy during each level when py-spy is on PATH.

Nothing but 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "bench"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import browser_walk as bw  # noqa: E402
from bench_pages import add_accounts  # noqa: E402

ROUND = "2025Q3"
TARGET_P95 = 2.0  # seconds: issue 23's bar for a page under deadline-day load
OPEN = "打开网站"
SIGN_IN = "登录"
CHOOSE = "选择文件"
UPLOAD = "上传"
CUT_OFF = "（未完成即截止）"
ERROR_SAMPLES = 5  # messages kept per step name


@dataclass
class Recorder:
    """Each step's seconds, failures and timeouts, by step name; never raises."""

    times: dict[str, list[float]] = field(default_factory=dict)
    failed: Counter = field(default_factory=Counter)
    timed_out: Counter = field(default_factory=Counter)
    samples: dict[str, list[str]] = field(default_factory=dict)
    current: dict[str, str] = field(default_factory=dict)  # clerk → the step it is in
    # With one clerk only: the server's CPU seconds per step (what a step costs, whatever the load)
    server_cpu: Callable[[], float] | None = None
    cpu: dict[str, list[float]] = field(default_factory=dict)

    def ok(self, name: str, seconds: float) -> None:
        self.times.setdefault(name, []).append(seconds)

    def fail(self, name: str, why: str, timeout: bool = False) -> None:
        (self.timed_out if timeout else self.failed)[name] += 1
        kept = self.samples.setdefault(name, [])
        if len(kept) < ERROR_SAMPLES:
            kept.append(why[:300])


class Stop(Exception):
    """A clerk's step failed (already recorded): this clerk goes no further."""


async def step(rec: Recorder, who: str, name: str, coro, timeout: float):
    """Run one timed step: its result, or Stop after recording the failure or timeout."""
    rec.current[who] = name
    cpu0 = rec.server_cpu() if rec.server_cpu else 0.0
    try:
        result = await asyncio.wait_for(coro, timeout)
        if rec.server_cpu:
            rec.cpu.setdefault(name, []).append(rec.server_cpu() - cpu0)
    except TimeoutError:
        rec.fail(name, f"{who}: no answer within {timeout:g} s", timeout=True)
        raise Stop from None
    except Exception as exc:  # noqa: BLE001 — every failure is counted, none ends the run
        rec.fail(name, f"{who}: {type(exc).__name__}: {exc}")
        raise Stop from None
    finally:
        rec.current.pop(who, None)
    return result


def page_name(title: str) -> str:
    return f"页面 {title}"


def owing_units(home: Path, count: int) -> list[str]:
    from portal.core.context import Portal
    from warehouse.views import owing_units as owing

    with Portal.open(home).warehouse.connect() as con:
        units = sorted(owing(con, ROUND))
    if len(units) < count:
        raise SystemExit(f"only {len(units)} units owe {ROUND}: --users at most that")
    return units[:count]


def filled_templates(
    home: Path, units: list[str], out: Path, levels: list[int]
) -> dict[tuple[str, int], Path]:
    """Each unit's template filled as a clerk would, one file per level (a different note, so a
    later level's upload is a new version, not a duplicate)."""
    from portal.core.context import Portal
    from portal.reporting import workflow as wf
    from tests.actors import OFFICE
    from tests.xlsx_fill import fill_valid, template_rows

    portal = Portal.open(home)
    files = {}
    for unit in units:
        template = wf.download_template(portal, OFFICE, unit, ROUND).data
        first = next(iter(template_rows(template)["indicator_values"]), None)
        for level in [0, *levels]:
            data = fill_valid(template, indicators={first: {"note": f"负载测试 {level}"}} if first else None)
            path = out / f"{unit}-{level}.xlsx"
            path.write_bytes(data)
            files[(unit, level)] = path
    return files


# --- protocol clients ------------------------------------------------------------------------


def _expected_heading(url_path: str, title: str) -> str:
    from portal.core import labels as L

    return {"": L.APP_TITLE, "home": L.APP_TITLE, "account": L.ACCOUNT_HEADING}.get(url_path, title)


async def _sign_in(user, username: str, password: str):
    import st_protocol as sp

    from portal.core import labels as L

    form = user.login_form
    run, seconds = await user.rerun(
        [
            sp.text_state(form.widget("text_input", L.USERNAME), username),
            sp.text_state(form.widget("text_input", L.PASSWORD), password),
            sp.trigger(form.widget("button", L.SIGN_IN)),
        ]
    )
    try:
        run.widget("button", L.SIGN_OUT)  # only a signed-in page has it (the headings are alike)
    except sp.StepFailed:
        raise sp.StepFailed(f"sign-in refused: {run.alerts() or run.headings()}") from None
    return run, seconds


async def _open_app(user):
    from portal.core import labels as L

    await user.connect()
    run, seconds = await user.rerun(page_name="")
    run.widget("button", L.SIGN_IN)  # the sign-in form is what a visitor sees
    user.login_form = run
    return seconds


async def _open_page(user, url_path: str, title: str):
    import st_protocol as sp

    from portal.core import labels as L

    run, seconds = await user.rerun(page=url_path)
    wanted = _expected_heading(url_path, title)
    if wanted not in run.headings():
        raise sp.StepFailed(f"{title}: heading {wanted!r} not drawn ({run.headings()[:3]})")
    run.widget("button", L.SIGN_OUT)
    return run, seconds


async def _upload(user, page_run, path: Path):
    """Choose the file (URLs, PUT, rerun) then press 上传: (choose seconds, upload seconds)."""
    import st_protocol as sp

    from portal.core import labels as L

    started = time.perf_counter()
    chosen = await user.upload_file(
        page_run.widget("file_uploader", L.REPORT_FILE), path.name, path.read_bytes()
    )
    run, _ = await user.rerun([chosen])
    choose = time.perf_counter() - started
    button = run.widget("button", L.REPORT_UPLOAD)
    run, seconds = await user.rerun([chosen, sp.trigger(button)])
    said = " ".join(run.alerts())
    if "报送记录" not in said or L.REPORT_DONE_BAD in said:
        raise sp.StepFailed(f"upload not accepted: {said[:200] or run.headings()}")
    return choose, seconds


async def protocol_clerk(
    url: str, username: str, password: str, upload_file: Path, until: float, rec: Recorder, timeout: float
) -> None:
    import st_protocol as sp

    from portal.ui.navigation import pages_for

    await asyncio.sleep(random.uniform(0, 2))  # people do not press at the same millisecond
    user = sp.User(url)
    try:
        rec.ok(OPEN, await step(rec, username, OPEN, _open_app(user), timeout))
        run, seconds = await step(rec, username, SIGN_IN, _sign_in(user, username, password), timeout)
        rec.ok(SIGN_IN, seconds)
        await step(rec, username, "会话 cookie", user.post_session_code(run), timeout)
        report = page_name("数据上报")
        page_run, seconds = await step(rec, username, report, _open_page(user, "report", "数据上报"), timeout)
        rec.ok(report, seconds)
        choose, seconds = await step(rec, username, UPLOAD, _upload(user, page_run, upload_file), timeout)
        rec.ok(CHOOSE, choose)
        rec.ok(UPLOAD, seconds)
        specs = pages_for("unit_reporter")
        i = 1
        while time.monotonic() < until:
            spec = specs[i % len(specs)]
            name = page_name(spec.title)
            path = "" if i % len(specs) == 0 else spec.url_path  # the landing page's address is the root
            _, seconds = await step(rec, username, name, _open_page(user, path, spec.title), timeout)
            rec.ok(name, seconds)
            i += 1
    except Stop:
        pass
    finally:
        await user.close()


async def protocol_level(
    url: str, users: list[str], files: dict, n: int, seconds: float, timeout: float, bad: int
) -> Recorder:
    rec = Recorder()
    if n == 1 and SERVER_PID:  # one clerk: each step's CPU on the server is its own
        rec.server_cpu = lambda: server_cpu_seconds(SERVER_PID)
    until = time.monotonic() + seconds
    tasks = {
        asyncio.create_task(
            protocol_clerk(
                url,
                f"load_{u}",
                bw.password(f"load_{u}") + ("-wrong" if i < bad else ""),
                files[(u, n)],
                until,
                rec,
                timeout,
            )
        ): f"load_{u}"
        for i, u in enumerate(users[:n])
    }
    await _bounded(tasks, rec, seconds + 2 * timeout)
    return rec


async def _bounded(tasks: dict, rec: Recorder, limit: float) -> None:
    """Wait for the clerks at most `limit` seconds; whoever is still in a step then is counted."""
    _, pending = await asyncio.wait(tasks, timeout=limit)
    for task in pending:
        who = tasks[task]
        rec.fail(rec.current.get(who, CUT_OFF), f"{who}: cut off after {limit:g} s", timeout=True)
        task.cancel()
    for task in pending:
        with contextlib.suppress(BaseException):
            await task


# --- browser clients (Playwright, Chromium) ----------------------------------------------------


async def browser_clerk(
    browser, url: str, username: str, upload_file: Path, until: float, rec, timeout
) -> None:
    from portal.ui.navigation import pages_for

    await asyncio.sleep(random.uniform(0, 2))
    context, page = await bw.new_user(browser, url)
    context.set_default_timeout(timeout * 1000)
    try:
        rec.ok(SIGN_IN, await step(rec, username, SIGN_IN, bw.sign_in(page, url, username), timeout))
        report = page_name("数据上报")
        rec.ok(report, await step(rec, username, report, bw.open_page(page, "数据上报"), timeout))
        seconds, said = await step(rec, username, UPLOAD, bw.upload(page, upload_file), timeout)
        if "报送记录" not in said or "未通过" in said:
            rec.fail(UPLOAD, f"{username}: upload not accepted: {said}")
            return
        rec.ok(UPLOAD, seconds)
        titles = [spec.title for spec in pages_for("unit_reporter")]
        i = 0
        while time.monotonic() < until:
            title = titles[i % len(titles)]
            if title != "数据上报" or i:
                name = page_name(title)
                rec.ok(name, await step(rec, username, name, bw.open_page(page, title), timeout))
            i += 1
    except Stop:
        pass
    finally:
        with contextlib.suppress(Exception):
            await context.close()


async def browser_level(
    url: str, users: list[str], files: dict, n: int, seconds: float, timeout: float, _bad
):
    from playwright.async_api import async_playwright

    rec = Recorder()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=bw.chromium_path(), args=bw.CHROMIUM_FLAGS)
        until = time.monotonic() + seconds
        tasks = {
            asyncio.create_task(
                browser_clerk(browser, url, f"load_{u}", files[(u, n)], until, rec, timeout)
            ): (f"load_{u}")
            for u in users[:n]
        }
        await _bounded(tasks, rec, seconds + 2 * timeout)
        with contextlib.suppress(Exception):
            await browser.close()
    return rec


# --- the server: CPU, threads, profile --------------------------------------------------------


def _thread_cpu(pid: int) -> dict[int, tuple[str, float]]:
    """tid → (name, CPU seconds so far) for every live thread of `pid` (from /proc, Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    out = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError, ValueError):
            rest = task.joinpath("stat").read_text().split(" (", 1)[1]
            parts = rest.rsplit(") ", 1)[1].split()
            tid = int(task.name)
            # Python 3.11 names no OS thread ("python" for all): the one told apart is the main one
            name = MAIN_THREAD if tid == pid else OTHER_THREADS
            out[tid] = (name, (int(parts[11]) + int(parts[12])) / ticks)
    return out


MAIN_THREAD = "主线程（事件循环：websocket、HTTP）"
OTHER_THREADS = "其他线程（脚本运行、读取器、仓库）"


class ThreadSampler(threading.Thread):
    """The server's CPU, main thread against the others, sampled every 0.2 s: Streamlit starts a
    thread per script run, so a thread that ends between two samples loses at most its last 0.2 s
    (said as the rest: total CPU minus the sampled threads)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.stop = pid, threading.Event()
        self.seen: dict[int, tuple[str, float]] = _thread_cpu(pid)
        self.used: Counter = Counter()
        self.peak_threads = len(self.seen)

    def run(self) -> None:
        while not self.stop.wait(0.2):
            with contextlib.suppress(OSError):
                self.sample()

    def sample(self) -> None:
        now = _thread_cpu(self.pid)
        self.peak_threads = max(self.peak_threads, len(now))
        for tid, (name, cpu) in now.items():
            self.used[name] += cpu - self.seen.get(tid, (name, 0.0))[1]
        self.seen = now

    def finish(self, total: float) -> dict[str, float]:
        self.stop.set()
        self.join()
        with contextlib.suppress(OSError):
            self.sample()
        named = dict(self.used.most_common(8))
        named["（已结束的线程，余量）"] = max(0.0, total - sum(self.used.values()))
        return {k: round(v, 2) for k, v in named.items()}


SERVER_PID: int | None = None  # set by main() once the server runs


def server_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


PROFILE_RATE = 20  # samples a second, non-blocking: the server is not paused to be sampled


@contextlib.contextmanager
def profiled(pid: int, out: Path | None, name: str):
    """py-spy sampling the server while the block runs, twice: `<name>-gil.txt` only the thread
    holding the GIL (its samples over rate × seconds: how busy the GIL was; the stacks: with what),
    `<name>-all.txt` every thread, idle ones too (who waits for the warehouse lock).
    bench/profile_summary.py reads them."""
    spy = shutil.which("py-spy")
    if out is None or spy is None:
        yield None
        return
    out.mkdir(parents=True, exist_ok=True)
    common = [
        spy,
        "record",
        "--pid",
        str(pid),
        "--format",
        "raw",
        "--rate",
        str(PROFILE_RATE),
        "--nonblocking",
    ]
    spies = [
        subprocess.Popen(
            [*common, *flags, "-o", str(out / f"{name}-{kind}.txt")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        for kind, flags in (("gil", ["--gil"]), ("all", ["--idle"]))
    ]
    try:
        yield out
    finally:
        for proc in spies:
            proc.send_signal(2)  # SIGINT: py-spy writes its file and exits
        for proc in spies:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()


# --- report ------------------------------------------------------------------------------------


def summary(rec: Recorder) -> dict[str, dict]:
    names = sorted(set(rec.times) | set(rec.failed) | set(rec.timed_out))
    out = {}
    for name in names:
        values = rec.times.get(name, [])
        out[name] = {
            "n": len(values),
            "p50_s": bw.percentile(values, 50) if values else None,
            "p95_s": bw.percentile(values, 95) if values else None,
            "max_s": max(values) if values else None,
            "failed": rec.failed.get(name, 0),
            "timed_out": rec.timed_out.get(name, 0),
            "why": rec.samples.get(name, []),
        }
        if rec.cpu.get(name):
            out[name]["server_cpu_p50_s"] = bw.percentile(rec.cpu[name], 50)
    return out


def passes(level: dict) -> bool:
    """True when this level's p95 passes the bar: any step's p95 over it, or any step that failed
    or timed out (a timed-out step took longer than any bar)."""
    steps = level["steps"].values()
    return any((s["p95_s"] or 0) > TARGET_P95 or s["timed_out"] for s in steps)


def table(levels: dict[int, dict]) -> list[str]:
    def fmt(x):
        return "–" if x is None else f"{x:.2f} s"

    lines = ["| N | step | n | p50 | p95 | max | failed | timed out |", "|---|---|---|---|---|---|---|---|"]
    for n, level in levels.items():
        for name, s in level["steps"].items():
            lines.append(
                f"| {n} | {name} | {s['n']} | {fmt(s['p50_s'])} | {fmt(s['p95_s'])} | {fmt(s['max_s'])} "
                f"| {s['failed']} | {s['timed_out']} |"
                + (f" server CPU {s['server_cpu_p50_s']:.2f} s |" if "server_cpu_p50_s" in s else "")
            )
        cpu, wall = level["server_cpu_s"], level["wall_s"]
        busiest = ", ".join(f"{k} {v:.1f} s" for k, v in list(level["server_threads_cpu_s"].items())[:4])
        lines.append(
            f"| {n} | (server CPU / wall) | | {cpu:.1f} s / {wall:.1f} s = {cpu / wall:.2f} cores | | "
            f"| client CPU {level['client_cpu_s']:.1f} s | {busiest} |"
        )
    return lines


def main() -> None:
    global SERVER_PID
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", default="10,25,50", help="comma-separated N, one level each")
    parser.add_argument("--seconds", type=float, default=60, help="how long each level keeps opening pages")
    parser.add_argument("--client", choices=["protocol", "browser"], default="protocol")
    parser.add_argument("--step-timeout", type=float, default=60, help="seconds one step may take")
    parser.add_argument(
        "--bad-password", type=int, default=0, help="the first K clerks type a wrong password"
    )
    parser.add_argument("--profile", type=Path, help="py-spy samples of the server per level into DIR")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--home", type=Path, help="a demo home to copy (default: build one)")
    args = parser.parse_args()
    levels = [int(n) for n in args.users.split(",")]
    run_level = protocol_level if args.client == "protocol" else browser_level
    results: dict[int, dict] = {}
    started = bw.machine_note()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        if args.home:
            shutil.copytree(args.home, home)
        else:
            bw.demo_home(home)
        units = owing_units(home, max(levels))
        add_accounts(home, {f"load_{u}": ("unit_reporter", u) for u in units})
        files = filled_templates(home, units, Path(tmp), levels)
        with bw.served(home, Path(tmp) / "serve.log") as (url, proc):
            SERVER_PID = proc.pid
            warm = asyncio.run(run_level(url, units, {(units[0], 1): files[(units[0], 0)]}, 1, 0, 180, 0))
            said = warm.times.get(UPLOAD) or warm.samples
            print(f"# warm-up upload: {said}", flush=True)
            for n in levels:
                cpu0, wall0, mine0 = bw.server_cpu_seconds(proc), time.monotonic(), time.process_time()
                sampler = ThreadSampler(proc.pid)
                sampler.start()
                with profiled(proc.pid, args.profile, f"{args.client}-{n}"):
                    rec = asyncio.run(
                        run_level(url, units, files, n, args.seconds, args.step_timeout, args.bad_password)
                    )
                cpu = bw.server_cpu_seconds(proc) - cpu0
                results[n] = {
                    "steps": summary(rec),
                    "server_cpu_s": cpu,
                    "wall_s": time.monotonic() - wall0,
                    "client_cpu_s": time.process_time() - mine0,
                    "server_threads_cpu_s": sampler.finish(cpu),
                    "server_peak_threads": sampler.peak_threads,
                }
                print("\n".join(table({n: results[n]})[2:]), flush=True)
    over = [n for n in levels if passes(results[n])]
    report = {
        "machine": started,
        "machine_after": bw.machine_note(),
        "client": args.client,
        "seconds": args.seconds,
        "step_timeout_s": args.step_timeout,
        "levels": results,
        "p95_passes_2s_at": over[0] if over else None,
    }
    print(f"# {started} → {report['machine_after']}; --client {args.client} --seconds {args.seconds:g}")
    print("\n".join(table(results)))
    print(f"p95 passes {TARGET_P95:g} s at N = {over[0] if over else f'> {max(levels)} (not reached)'}")
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), "utf-8")


if __name__ == "__main__":
    main()
