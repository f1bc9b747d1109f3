"""CPU and wall time of one read-only API call (`portal.sharing.api.answer`), in a warm process, on a copy of
a portal home (the filled demo): token check, read, audit record. Median of --runs calls after a warm-up.

Usage: PYTHONPATH=. python bench/bench_api.py HOME [--runs 30] [--dataset indicator-values] [--round 2025Q2]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from portal.accounts.auth import Account
from portal.accounts.tokens import create_token
from portal.core.context import Portal
from portal.sharing import api
from schemas.enums import Role


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("home", type=Path)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--dataset", default="indicator-values")
    parser.add_argument("--round", default="2025Q2")
    parser.add_argument("--user", default="office_jzkf")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch) / "home"
        shutil.copytree(args.home, home)
        portal = Portal.open(home)
        token = create_token(portal, Account("cli", "运维", Role.ADMIN, None), args.user, "bench").token
        path = f"{api.PREFIX}/{args.dataset}"
        params = {"round": args.round}
        reply = api.answer(portal, f"Bearer {token}", args.dataset, params, path)  # warm-up
        assert reply.status == 200, reply.body
        cpu, wall = [], []
        for _ in range(args.runs):
            c0, w0 = time.process_time(), time.perf_counter()
            api.answer(portal, f"Bearer {token}", args.dataset, params, path)
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
    print(
        json.dumps(
            {
                "dataset": args.dataset,
                "rows": json.loads(reply.body)["total"],
                "runs": args.runs,
                "cpu_ms_median": round(statistics.median(cpu) * 1000, 1),
                "wall_ms_median": round(statistics.median(wall) * 1000, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
