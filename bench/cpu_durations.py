"""CPU time beside wall time per test file, for timing the test suite on a shared machine (issue 23).

A pytest plugin: `python -m pytest -p bench.cpu_durations -n 0 tests/portal/test_x.py` (with
`PYTHONPATH=.` from the checkout's root). For each test it takes `getrusage` of the pytest process
and of its reaped children (a `portal` subprocess, LibreOffice, a venv build) over setup, call and
teardown, and at the end prints each file's CPU and wall seconds, most CPU first, and the
`CPU_DURATIONS_TOP` (15) tests with most CPU. With `CPU_DURATIONS_JSON=PATH` it also writes
`{"files": {file: {"cpu": s, "wall": s, "tests": n}}, "tests": {nodeid: cpu s}}` there (a worker's
own numbers under xdist: run with `-n 0` to measure).

On a loaded machine wall time is mostly waiting for a core; the CPU column is the one to compare
between two checkouts run alternately in the same minutes.
"""

from __future__ import annotations

import json
import os
import resource
import time

import pytest

_FILES: dict[str, dict[str, float]] = {}
_TESTS: dict[str, float] = {}


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    cpu, wall = _cpu(), time.perf_counter()
    yield
    entry = _FILES.setdefault(item.nodeid.split("::", 1)[0], {"cpu": 0.0, "wall": 0.0, "tests": 0})
    used = _cpu() - cpu
    _TESTS[item.nodeid] = used
    entry["cpu"] += used
    entry["wall"] += time.perf_counter() - wall
    entry["tests"] += 1


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
    path = os.environ.get("CPU_DURATIONS_JSON")
    if path:
        with open(path, "w", encoding="utf-8") as out:
            json.dump({"files": _FILES, "tests": _TESTS}, out, indent=1, sort_keys=True)
