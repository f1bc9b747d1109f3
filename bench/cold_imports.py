"""Cold start, measured as child-process CPU time (robust on a shared machine) beside wall time.

    python bench/cold_imports.py [--runs 3] [--home PORTAL_HOME --file WORKBOOK]

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


def run(cmd: list[str], runs: int, env: dict | None = None) -> tuple[float, float]:
    """(median wall s, median CPU s of the child) over `runs` fresh processes."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        s = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, check=True)
        walls.append(time.perf_counter() - s)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--home", type=Path)
    parser.add_argument("--file", type=Path)
    args = parser.parse_args()
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
    env = None
    if args.home and args.file:
        env = os.environ | {"PORTAL_HOME": str(args.home)}
        cases["portal validate FILE --json"] = [py, "-m", "portal", "validate", str(args.file), "--json"]
    print(f"| process (fresh, median of {args.runs}) | wall s | CPU s |")
    print("|---|---|---|")
    for label, cmd in cases.items():
        wall, cpu = run(cmd, args.runs, env)
        print(f"| `{label}` | {wall:.2f} | {cpu:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
