"""Deadline-day load (issue 23): N unit clerks at once against one real `portal serve` on 127.0.0.1.

    python bench/bench_load.py --users 10,25,50 --seconds 60 [--json out.json] [--home DIR]

Each simulated clerk is a Chromium context (its own cookies) of one browser: it signs in, opens
数据上报, uploads its unit's filled template (each clerk a different unit that owes 2025Q3), then
keeps opening its pages from the menu until --seconds have passed since the level started. Levels
run one after another on the same server, after one warm-up upload (the first upload of a server
imports Great Expectations). Prints p50/p95 per page and per upload for each N, the smallest N
whose p95 passes 2 s, and the server's CPU seconds per wall second (1.0 = one core busy: the
Streamlit server is one Python process, so its script runs share one GIL).

Nothing but 127.0.0.1 is contacted: the server binds to it and every browser request elsewhere is
aborted. The browser runs on the same (shared) machine as the server: its CPU is taken from the
server's, so the numbers are upper bounds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "bench"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import browser_walk as bw  # noqa: E402
from bench_pages import add_accounts  # noqa: E402

ROUND = "2025Q3"
TARGET_P95 = 2.0  # seconds: issue 23's bar for a page under deadline-day load
UPLOAD = "上传"
SIGN_IN = "登录"


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


async def clerk(browser, url: str, username: str, upload_file: Path, until: float, times: dict) -> None:
    from portal.ui.navigation import pages_for

    await asyncio.sleep(random.uniform(0, 2))  # people do not press at the same millisecond
    context, page = await bw.new_user(browser, url)
    try:
        times.setdefault(SIGN_IN, []).append(await bw.sign_in(page, url, username))
        times.setdefault(bw_title("数据上报"), []).append(await bw.open_page(page, "数据上报"))
        seconds, said = await bw.upload(page, upload_file)
        if "报送记录" not in said or "未通过" in said:
            raise RuntimeError(f"{username}: upload not accepted: {said}")
        times.setdefault(UPLOAD, []).append(seconds)
        titles = [spec.title for spec in pages_for("unit_reporter")]
        i = 0
        while time.monotonic() < until:
            title = titles[i % len(titles)]
            if title != "数据上报" or i:
                times.setdefault(bw_title(title), []).append(await bw.open_page(page, title))
            i += 1
    finally:
        await context.close()


def bw_title(title: str) -> str:
    return f"页面 {title}"


async def level(url: str, users: list[str], files: dict, n: int, seconds: float) -> dict[str, list[float]]:
    from playwright.async_api import async_playwright

    times: dict[str, list[float]] = {}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=bw.chromium_path(), args=bw.CHROMIUM_FLAGS)
        until = time.monotonic() + seconds
        chosen = users[:n]
        await asyncio.gather(*(clerk(browser, url, f"load_{u}", files[(u, n)], until, times) for u in chosen))
        await browser.close()
    return times


def summarise(n: int, times: dict[str, list[float]], cpu: float, wall: float) -> list[str]:
    lines = []
    for name, values in sorted(times.items()):
        p50, p95 = bw.percentile(values, 50), bw.percentile(values, 95)
        lines.append(f"| {n} | {name} | {len(values)} | {p50:.2f} s | {p95:.2f} s | {max(values):.2f} s |")
    lines.append(f"| {n} | (server CPU / wall) | | {cpu:.1f} s / {wall:.1f} s = {cpu / wall:.2f} cores | | |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", default="10,25,50", help="comma-separated N, one level each")
    parser.add_argument("--seconds", type=float, default=60, help="how long each level keeps opening pages")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--home", type=Path, help="a demo home to copy (default: build one)")
    args = parser.parse_args()
    levels = [int(n) for n in args.users.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        if args.home:
            shutil.copytree(args.home, home)
        else:
            bw.demo_home(home)
        units = owing_units(home, max(levels))
        add_accounts(home, {f"load_{u}": ("unit_reporter", u) for u in units})
        files = filled_templates(home, units, Path(tmp), levels)
        results, lines = {}, []
        with bw.served(home, Path(tmp) / "serve.log") as (url, proc):
            warm = asyncio.run(level(url, units, {(units[0], 1): files[(units[0], 0)]}, 1, 0))
            print(f"# warm-up upload: {warm[UPLOAD][0]:.2f} s", flush=True)
            for n in levels:
                cpu0, wall0 = bw.server_cpu_seconds(proc), time.monotonic()
                times = asyncio.run(level(url, units, files, n, args.seconds))
                cpu, wall = bw.server_cpu_seconds(proc) - cpu0, time.monotonic() - wall0
                results[n] = {"times": times, "server_cpu_s": cpu, "wall_s": wall}
                lines += summarise(n, times, cpu, wall)
                print("\n".join(summarise(n, times, cpu, wall)), flush=True)
    over = [
        n for n in levels if max(bw.percentile(v, 95) for k, v in results[n]["times"].items()) > TARGET_P95
    ]
    print(f"# {bw.machine_note()}; --seconds {args.seconds:g}")
    print("| N | what | n | p50 | p95 | max |")
    print("|---|---|---|---|---|---|")
    print("\n".join(lines))
    print(f"p95 passes {TARGET_P95:g} s at N = {over[0] if over else f'> {max(levels)} (not reached)'}")
    if args.json:
        args.json.write_text(
            json.dumps({"machine": bw.machine_note(), "levels": results}, ensure_ascii=False, indent=1),
            "utf-8",
        )


if __name__ == "__main__":
    main()
