"""The deadline-day load client (bench/bench_load.py, protocol mode): real timings from a real
`portal serve`, and a failure is reported as one, never faked as fast or turned into a crash."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _bench_load():
    spec = importlib.util.spec_from_file_location("bench_load", ROOT / "bench" / "bench_load.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_load", module)
    spec.loader.exec_module(module)
    return module


def test_a_failed_or_hung_step_is_counted_and_the_level_still_ends():
    bl = _bench_load()
    rec = bl.Recorder()

    async def refused():
        raise RuntimeError("sign-in refused")

    async def hung():
        await asyncio.sleep(60)

    async def clerk(name, coro, timeout):
        with contextlib.suppress(bl.Stop):
            await bl.step(rec, name, "登录", coro, timeout)

    async def level():
        tasks = {
            asyncio.create_task(clerk("a", refused(), 5)): "a",
            asyncio.create_task(clerk("b", hung(), 0.05)): "b",
            asyncio.create_task(clerk("c", hung(), 30)): "c",  # outlives the level: cut off
        }
        await bl._bounded(tasks, rec, 0.3)

    asyncio.run(level())
    steps = bl.summary(rec)
    assert steps["登录"]["failed"] == 1
    assert steps["登录"]["timed_out"] == 2
    assert steps["登录"]["n"] == 0 and steps["登录"]["p95_s"] is None
    assert any("sign-in refused" in why for why in steps["登录"]["why"])
    assert bl.passes({"steps": steps})  # a timed-out step is slower than any bar


def test_p95_passes_the_bar_only_when_a_step_is_slower_than_it():
    bl = _bench_load()
    fast, slow = bl.Recorder(), bl.Recorder()
    for s in (0.2, 0.3, 0.4):
        fast.ok("上传", s)
        slow.ok("上传", s)
    slow.ok("上传", 2.5)
    assert not bl.passes({"steps": bl.summary(fast)})
    assert bl.passes({"steps": bl.summary(slow)})


@pytest.mark.slow  # starts a real `portal serve` and signs in with production password hashes
def test_protocol_clients_sign_in_open_pages_and_upload_against_a_real_server(_demo_home, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(_demo_home, home)
    (home / "settings.toml").write_text('secret_key = "bench-secret"\ntoday = "2025-10-10"\n', "utf-8")
    out = tmp_path / "load.json"
    done = subprocess.run(
        [sys.executable, "bench/bench_load.py", "--users", "2", "--seconds", "4", "--step-timeout", "90"]
        + ["--bad-password", "1", "--home", str(home), "--json", str(out)],
        cwd=ROOT,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text("utf-8"))
    level = report["levels"]["2"]
    steps = level["steps"]
    # the clerk with the wrong password: refused, said so, and went no further
    assert steps["登录"]["failed"] == 1
    assert "sign-in refused" in steps["登录"]["why"][0] and "用户名或密码不正确" in steps["登录"]["why"][0]
    # the other: signed in, opened 数据上报 (its title drawn), uploaded (the record's message drawn)
    assert steps["登录"]["n"] == 1 and steps["登录"]["p50_s"] > 0
    assert steps["页面 数据上报"]["n"] >= 1 and steps["页面 数据上报"]["failed"] == 0
    assert steps["上传"]["n"] == 1 and steps["上传"]["failed"] == 0 and steps["上传"]["p50_s"] > 0
    assert steps["打开网站"]["n"] == 2
    assert level["server_cpu_s"] > 0 and level["wall_s"] > 0
