"""Cold start, measured as child-process CPU time (robust on a shared machine) beside wall time.

    python bench/cold_imports.py [--runs 3] [--home PORTAL_HOME --file WORKBOOK [--before CHECKOUT]]

Compares `import great_expectations` with `validators.gx.import_gx()` (scipy.stats and altair
deferred), and times `portal validate FILE --json` as a whole process when a home and file are given.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _adopt_orphans() -> None:
    """Become the reaper of our descendants (Linux), so a worker the child leaves running (the
    reader worker of `portal validate`) is waited for here and its CPU time counted."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def _reap_orphans() -> None:
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def run(cmd: list[str], runs: int, env: dict | None = None) -> tuple[float, float]:
    """(median wall s, median CPU s of the child and every process it started) over `runs` fresh
    processes; wall time ends when the child exits, CPU time when its last descendant has."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        s = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, check=True)
        walls.append(time.perf_counter() - s)
        _reap_orphans()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--home", type=Path)
    parser.add_argument("--file", type=Path)
    parser.add_argument(
        "--before", type=Path, help="another checkout (e.g. main) to time the validate beside"
    )
    parser.add_argument("--only", help="comma-separated words: run only the cases whose label has one")
    args = parser.parse_args()
    _adopt_orphans()
    py = sys.executable
    cases = {
        "python -c pass": [py, "-c", "pass"],
        "import polars, pandas, pandera.polars, duckdb, fastexcel": [
            py, "-c", "import polars, pandas, pandera.polars, duckdb, fastexcel"],
        "import great_expectations": [py, "-c", "import great_expectations"],
        "validators.gx.import_gx() (scipy.stats, altair deferred)": [
            py, "-c", "from validators.gx import import_gx; import_gx()"],
        "import portal.cli": [py, "-c", "import portal.cli"],
    }  # fmt: skip
    env = os.environ | {"PYTHONPATH": str(ROOT)}  # this checkout, not the installed one
    if args.home and args.file:
        env |= {"PORTAL_HOME": str(args.home.resolve())}
        validate = [py, "-m", "portal", "validate", str(args.file.resolve()), "--json"]
        cases["portal validate FILE --json"] = validate
        if args.before:  # the same command on another checkout, in the same sitting
            # -P: the checkout on PYTHONPATH, not the working directory, supplies `portal`
            before = ["env", f"PYTHONPATH={args.before.resolve()}", py, "-P", *validate[1:]]
            cases[f"portal validate FILE --json ({args.before.name})"] = before
    print(f"| process (fresh, median of {args.runs}) | wall s | CPU s |")
    print("|---|---|---|")
    words = args.only.split(",") if args.only else None
    for label, cmd in cases.items():
        if words and not any(w in label for w in words):
            continue
        wall, cpu = run(cmd, args.runs, env)
        print(f"| `{label}` | {wall:.2f} | {cpu:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
