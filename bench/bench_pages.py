"""Sign-in and every page of each role in Chromium against a real `portal serve` (issue 20's targets:
sign-in under 1 s after pressing 登录, every page under 1 s warm).

    python bench/bench_pages.py [--runs 3] [--json out.json] [--home DIR]

The demo (`portal init --demo --no-fill`, or a copy of --home) with one account per role; each
role signs in once per run and opens each of its pages from the menu twice (cold, then warm),
the walk of tests/e2e/test_pages_in_browser.py. Prints p50 and max per page over the runs, with the
server's CPU seconds beside the wall time (the machine is shared: see bench/browser_walk.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
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

ROLES = {"bench_rep": "unit_reporter", "bench_office": "office_reviewer", "bench_eval": "evaluator"}
ROLES |= {"bench_admin": "admin"}
UNIT = "JZKF-CXCY"  # the demo reporter's unit


def add_accounts(home: Path, people: dict[str, tuple[str, str | None]]) -> None:
    """Accounts with the known bench passwords (hashed as production hashes them)."""
    from portal.accounts.auth import create_account
    from portal.core.context import Portal

    portal = Portal.open(home)
    with portal.warehouse.transaction() as con:
        for username, (role, unit) in people.items():
            create_account(portal, con, username, f"{username} 测试", role, unit, bw.password(username))


async def walk(url: str, runs: int) -> dict[str, list[float]]:
    from playwright.async_api import async_playwright

    from portal.ui.navigation import pages_for

    times: dict[str, list[float]] = {}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=bw.chromium_path(), args=bw.CHROMIUM_FLAGS)
        for _ in range(runs):
            for username, role in ROLES.items():
                context, page = await bw.new_user(browser, url)
                seen: list[float] = []
                times.setdefault(f"{role} 登录", []).append(await bw.sign_in(page, url, username, seen))
                times.setdefault(f"{role} 登录（页面时钟：点击到画出）", []).extend(seen)
                titles = [spec.title for spec in pages_for(role)]
                for visit in ("cold", "warm"):
                    for title in [*titles[1:], titles[0]]:
                        seconds = await bw.open_page(page, title)
                        times.setdefault(f"{role} {visit} {title}", []).append(seconds)
                await context.close()
        await browser.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, help="write the timings here")
    parser.add_argument("--home", type=Path, help="a demo home to copy (default: build one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        if args.home:
            shutil.copytree(args.home, home)
        else:
            bw.demo_home(home)
        people = {u: (r, UNIT if r == "unit_reporter" else None) for u, r in ROLES.items()}
        add_accounts(home, people)
        with bw.served(home, Path(tmp) / "serve.log") as (url, proc):
            cpu0, wall0 = bw.server_cpu_seconds(proc), time.monotonic()
            times = asyncio.run(walk(url, args.runs))
            cpu, wall = bw.server_cpu_seconds(proc) - cpu0, time.monotonic() - wall0
    print(f"# {bw.machine_note()}; {args.runs} runs; server CPU {cpu:.1f} s over {wall:.1f} s wall")
    print("| page | n | p50 | max | ≤ 1 s |")
    print("|---|---|---|---|---|")
    for name, values in times.items():
        p50, top = bw.percentile(values, 50), max(values)
        verdict = "yes" if p50 <= 1 else "no"
        print(f"| {name} | {len(values)} | {p50:.2f} s | {top:.2f} s | {verdict} |")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"machine": bw.machine_note(), "server_cpu_s": cpu, "wall_s": wall, "times": times},
                ensure_ascii=False,
                indent=1,
            ),
            "utf-8",
        )


if __name__ == "__main__":
    main()
