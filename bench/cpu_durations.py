"""CPU time beside wall time per test file, for timing the test suite on a shared machine (issue 23).

A pytest plugin: `python -m pytest -p bench.cpu_durations -n 0 tests/portal/test_x.py` (with
`PYTHONPATH=.` from the checkout's root). For each test it takes `getrusage` of the pytest process
and of its reaped children (a `portal` subprocess, LibreOffice, a venv build) over setup, call and
teardown, and at the end prints each file's CPU and wall seconds, most CPU first, and the
`CPU_DURATIONS_TOP` (15) tests with most CPU. With `CPU_DURATIONS_JSON=PATH` it also writes
`{"files": {file: {"cpu": s, "wall": s, "tests": n}}, "tests": {nodeid: cpu s}, "detail": {nodeid:
{"worker", "start", "end", "cpu", "child", "setup", "call", "teardown"}}}` there (`start`/`end`: epoch
seconds; `child`: the reaped children's part of `cpu`; the phases: CPU seconds of each).

Under xdist (the suite's own settings) each worker writes its own numbers to PATH with the worker's
name before the suffix (`run.gw0.json`, `run.gw1.json`); `python bench/cpu_durations.py run.gw*.json`
then sums them per file and shows each worker's busy time and when it finished (does one worker idle
at the end?). A child's CPU is counted when it is reaped: a server a session fixture started lands on
the test whose teardown stops it.

On a loaded machine wall time is mostly waiting for a core; the CPU column is the one to compare
between two checkouts run alternately in the same minutes.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

import pytest

_FILES: dict[str, dict[str, float]] = {}
_TESTS: dict[str, float] = {}
_DETAIL: dict[str, dict] = {}
_PHASES: dict[str, float] = {}


def _cpu() -> tuple[float, float]:
    """(this process and its reaped children, the children alone), CPU seconds."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    child = children.ru_utime + children.ru_stime
    return own.ru_utime + own.ru_stime + child, child


def _phase(name: str):
    @pytest.hookimpl(hookwrapper=True)
    def wrapper(item):
        before = _cpu()[0]
        yield
        _PHASES[name] = _cpu()[0] - before

    return wrapper


pytest_runtest_setup = _phase("setup")
pytest_runtest_call = _phase("call")
pytest_runtest_teardown = _phase("teardown")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    _PHASES.clear()
    (cpu, child), wall, start = _cpu(), time.perf_counter(), time.time()
    yield
    entry = _FILES.setdefault(item.nodeid.split("::", 1)[0], {"cpu": 0.0, "wall": 0.0, "tests": 0})
    after, child_after = _cpu()
    used = after - cpu
    _TESTS[item.nodeid] = used
    _DETAIL[item.nodeid] = {
        "worker": os.environ.get("PYTEST_XDIST_WORKER", "main"),
        "start": start,
        "end": time.time(),
        "cpu": used,
        "child": child_after - child,
        **{name: _PHASES.get(name, 0.0) for name in ("setup", "call", "teardown")},
    }
    entry["cpu"] += used
    entry["wall"] += time.perf_counter() - wall
    entry["tests"] += 1


def _json_path() -> Path | None:
    path = os.environ.get("CPU_DURATIONS_JSON")
    if not path:
        return None
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:  # each worker its own file: the controller runs no test
        path = Path(path)
        return path.with_name(f"{path.stem}.{worker}{path.suffix or '.json'}")
    return Path(path)


def pytest_sessionfinish(session):
    path = _json_path()
    if path and _FILES:
        with open(path, "w", encoding="utf-8") as out:
            json.dump({"files": _FILES, "tests": _TESTS, "detail": _DETAIL}, out, indent=1, sort_keys=True)


def pytest_terminal_summary(terminalreporter):
    if not _FILES:
        return
    terminalreporter.section("CPU and wall seconds per file (setup + call + teardown)")
    for name, entry in sorted(_FILES.items(), key=lambda kv: -kv[1]["cpu"]):
        terminalreporter.write_line(
            f"{entry['cpu']:9.2f} cpu {entry['wall']:9.2f} wall {int(entry['tests']):5d} tests  {name}"
        )
    top = int(os.environ.get("CPU_DURATIONS_TOP", "15"))
    terminalreporter.write_line(
        f"the {top} tests with most CPU (setup included: a shared fixture lands on its first user)"
    )
    for nodeid, used in sorted(_TESTS.items(), key=lambda kv: -kv[1])[:top]:
        terminalreporter.write_line(f"{used:9.2f} cpu  {nodeid}")
    total_cpu = sum(e["cpu"] for e in _FILES.values())
    total_wall = sum(e["wall"] for e in _FILES.values())
    terminalreporter.write_line(f"{total_cpu:9.2f} cpu {total_wall:9.2f} wall  total")


def summarise(paths: list[str], top: int = 40) -> None:
    """Per-worker busy time and finish, then per file (most wall first) across the workers' JSON files."""
    detail = {}
    for path in paths:
        detail |= json.loads(Path(path).read_text(encoding="utf-8"))["detail"]
    if not detail:
        return
    t0 = min(d["start"] for d in detail.values())
    workers: dict[str, list[dict]] = {}
    for d in detail.values():
        workers.setdefault(d["worker"], []).append(d)
    print("worker  tests   busy s    cpu s  child s  first  last end (s from the first test)")
    for name, ds in sorted(workers.items()):
        busy = sum(d["end"] - d["start"] for d in ds)
        print(
            f"{name:6s} {len(ds):6d} {busy:8.0f} {sum(d['cpu'] for d in ds):8.0f} "
            f"{sum(d['child'] for d in ds):8.0f} {min(d['start'] for d in ds) - t0:6.0f} "
            f"{max(d['end'] for d in ds) - t0:9.0f}"
        )
    files: dict[str, dict] = {}
    for nodeid, d in detail.items():
        f = files.setdefault(
            nodeid.split("::", 1)[0], {"wall": 0.0, "cpu": 0.0, "child": 0.0, "setup": 0.0, "n": 0}
        )
        f["wall"] += d["end"] - d["start"]
        f["cpu"] += d["cpu"]
        f["child"] += d["child"]
        f["setup"] += d["setup"]
        f["n"] += 1
        f["worker"] = d["worker"]
    print(f"\n{'wall s':>8} {'cpu s':>8} {'child s':>8} {'setup':>8} {'tests':>5} worker file")
    for name, f in sorted(files.items(), key=lambda kv: -kv[1]["wall"])[:top]:
        print(
            f"{f['wall']:8.1f} {f['cpu']:8.1f} {f['child']:8.1f} {f['setup']:8.1f} {f['n']:5d} "
            f"{f['worker']:6s} {name}"
        )
    print(
        f"{sum(f['wall'] for f in files.values()):8.1f} {sum(f['cpu'] for f in files.values()):8.1f} "
        f"{sum(f['child'] for f in files.values()):8.1f} {sum(f['setup'] for f in files.values()):8.1f} "
        f"{len(detail):5d}        total"
    )


if __name__ == "__main__":
    summarise(sys.argv[1:])
