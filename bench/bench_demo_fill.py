"""Time `portal init --demo` end to end: the registry, then every quarter filled through the pipeline.

    python bench/bench_demo_fill.py [--runs 1]

Each run is the real command in a fresh process on a fresh PORTAL_HOME (cold: imports, GX
start-up and all), as `scripts/demo.sh` runs it the first time. Prints wall seconds and the
child's CPU seconds (user + system): on a shared machine the CPU figure is what an idle one
would take as wall time, since the fill runs on one core.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def one_run() -> tuple[float, float, str]:
    with tempfile.TemporaryDirectory() as home:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "portal", "init", "--demo"],
            cwd=ROOT,
            env=os.environ | {"PORTAL_HOME": home},
            capture_output=True,
            check=True,
        )
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        summary = next(line for line in done.stdout.decode().splitlines() if line.startswith("已填充"))
        return wall, cpu, summary


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    runs = [one_run() for _ in range(args.runs)]
    load = os.getloadavg()[0]
    print(f"{platform.python_version()}, {os.cpu_count()} cores, load average {load:.1f}")
    print("| runs | wall s (median) | CPU s (median) |")
    print("|---|---|---|")
    print(
        f"| {len(runs)} | {statistics.median(r[0] for r in runs):.1f} | {statistics.median(r[1] for r in runs):.1f} |"
    )
    print(runs[-1][2])


if __name__ == "__main__":
    main()
