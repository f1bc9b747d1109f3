"""A normal upload against one carrying a 5,000-row enterprise list (issues 18 and 23: a list sheet
of 5,000 rows within 2× a normal upload, and a single upload ≤ 150 ms warm).

    python bench/bench_list_upload.py [--repeat 15] [--stages] [--before CHECKOUT] [--rounds 2]

The long list fills the sheet to its last row, 5,000 (4,996 items). Times
`validators.pipeline.validate_upload` (file safety, sheet budget, reading, every check: the part
of a single upload that grows with the list) in a warm process, median wall and CPU per upload
(CPU: `time.process_time`, every thread of the process, Polars' included). The workbook is read in
this process (isolation off), so the CPU counted is the whole upload: in service the read runs in
the reader worker and adds the pickling of the parsed frames.

`--stages`: CPU per stage as well (mean per upload; wrappers around each stage, no profiler).
`--upload`: the whole upload as the office's 数据上报 takes it, `portal.reporting.submissions.ingest`
(validate and record: submission row, values, tasks, list items) on a copy of the demo warehouse
(`portal init --demo` without the fill): unit JZKF-JFJ's 2025Q3 workbook with a 5-row list against the
same workbook with a 4,996-row list, each upload a new version (a note differs), alternately, after
3 warm-up uploads of each; median wall and CPU.
`--before CHECKOUT`: the same measurement of another checkout (e.g. /work/main), each side in a
fresh process of its own code (`python -P`, the checkout first on the path), before and after
alternately `--rounds` times in this one run, so both see the same load.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KINDS = (("normal", 5), ("5,000-row list", 4_996))


def workbooks() -> dict[str, bytes]:
    from schemas.credit_code import with_check
    from templates_xlsx.builder import build_template
    from templates_xlsx.fill import fill_workbook
    from tests.validators.sample import SECRET, fill, sample_context

    template = build_template(sample_context(lists={"enterprise": ["T-K01"]}), SECRET)

    def firms(n: int) -> list[dict]:
        return [
            {
                "indicator": "T-K01",
                "name": f"（演示）企业{k}",
                "credit_code": with_check(f"91420600MA{k:07d}"),
                "recognised_on": "2024-03-01",
                "district": "樊城区",
                "stage": "培育",
            }
            for k in range(n)
        ]

    return {
        name: fill_workbook(
            fill(template, indicators={"T-K01": {"value": n}}), lists={"enterprise": firms(n)}
        )
        for name, n in KINDS
    }


def _stage_timers(acc: dict[str, float]) -> None:
    """Wrap each stage of an upload so its CPU time adds up in `acc`."""
    import validators.pipeline as pipeline
    from templates_xlsx import budget, reader, upload

    def wrap(owner, name: str, label: str) -> None:
        fn = getattr(owner, name)

        def timed(*args, **kwargs):
            started = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                acc[label] += time.process_time() - started

        setattr(owner, name, timed)

    wrap(pipeline, "check_file", "file safety")
    wrap(budget, "check_sizes", "sheet budget")
    wrap(reader.Workbook, "values", "calamine (every sheet)")
    wrap(upload, "read_sheet", "template sheets")
    wrap(reader, "_plain_offset", "list sheet: plain scan")
    wrap(upload, "read_list_sheet", "list sheet read (all of it)")
    wrap(pipeline, "check_structure", "structure")
    wrap(pipeline, "check_rows_batch", "rows (Pandera)")
    wrap(pipeline, "check_sets", "sets")
    wrap(pipeline, "check_lists", "check_lists")


def measure(repeat: int, stages: bool) -> dict:
    import dataclasses

    from templates_xlsx import isolation
    from tests.validators.sample import EXPECTATION, expect, run

    facts = expect(
        indicators=tuple(
            dataclasses.replace(f, kind="stock", backed_by="enterprise") if f.code == "T-K01" else f
            for f in EXPECTATION.indicators
        )
    )
    isolation.ISOLATE = False  # read in this process, so its CPU time is counted
    acc: dict[str, float] = collections.defaultdict(float)
    if stages:
        _stage_timers(acc)
    out = {}
    for name, data in workbooks().items():
        for _ in range(3):  # warm
            run(data, facts)
        acc.clear()
        walls, cpus = [], []
        for _ in range(repeat):
            c, s = time.process_time(), time.perf_counter()
            result = run(data, facts)
            walls.append(time.perf_counter() - s)
            cpus.append(time.process_time() - c)
        assert result.ok, result.report.codes()
        out[name] = {
            "wall_ms": statistics.median(walls) * 1000,
            "cpu_ms": statistics.median(cpus) * 1000,
            "stages_cpu_ms": {k: v / repeat * 1000 for k, v in acc.items()},
        }
    return out


def measure_upload(repeat: int) -> dict:
    """`ingest` of the normal and the long-list workbook, alternately, on a private demo warehouse."""
    import tempfile

    from portal.core.context import Portal
    from portal.ops.init import init_portal
    from portal.reporting.submissions import ingest
    from portal.reporting.templates import build_unit_template
    from schemas.credit_code import with_check
    from templates_xlsx.fill import fill_workbook
    from tests.actors import OFFICE
    from tests.xlsx_fill import fill_valid

    unit, round_code, indicator = "JZKF-JFJ", "2025Q3", "JZ-K01"
    with tempfile.TemporaryDirectory() as tmp:
        portal = Portal.open(Path(tmp))
        init_portal(portal, demo=True, fill=False)
        template = build_unit_template(portal, unit, round_code).data

        def workbook(n: int, version: int) -> bytes:
            firms = [
                {
                    "indicator": indicator,
                    "name": f"（演示）企业{k}",
                    "credit_code": with_check(f"91421000MA{k:07d}"),
                    "district": "荆州区",
                    "stage": "认定",
                }
                for k in range(n)
            ]
            values = {indicator: {"value": n, "note": f"第{version}稿"}, "JZ-K03": 0}  # K03: no list
            filled = fill_valid(template, indicators=values)
            return fill_workbook(filled, lists={"enterprise": firms})

        kinds = {name: [workbook(n, v) for v in range(repeat + 3)] for name, n in KINDS}
        walls: dict[str, list[float]] = {name: [] for name in kinds}
        cpus: dict[str, list[float]] = {name: [] for name in kinds}
        for i in range(repeat + 3):
            for name, files in kinds.items():
                c, s = time.process_time(), time.perf_counter()
                result = ingest(portal, OFFICE, files[i], f"{unit}.xlsx")
                wall, cpu = time.perf_counter() - s, time.process_time() - c
                assert result.accepted, result.report.codes()
                if i >= 3:
                    walls[name].append(wall)
                    cpus[name].append(cpu)
    return {
        name: {
            "wall_ms": statistics.median(walls[name]) * 1000,
            "cpu_ms": statistics.median(cpus[name]) * 1000,
            "stages_cpu_ms": {},
        }
        for name in kinds
    }


def _in_process_of(checkout: Path, repeat: int, stages: bool) -> dict:
    command = [sys.executable, "-P", str(Path(__file__).resolve()), "--worker", str(checkout)]
    command += ["--repeat", str(repeat)] + (["--stages"] if stages else [])
    env = dict(os.environ, PYTHONPATH=str(checkout))
    done = subprocess.run(command, env=env, cwd=checkout, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _show(label: str, found: dict) -> None:
    for name, m in found.items():
        print(f"{label:10} {name:16} wall median {m['wall_ms']:6.0f} ms  CPU median {m['cpu_ms']:6.0f} ms")
        for stage, ms in m["stages_cpu_ms"].items():
            print(f"{'':12}{stage:30} {ms:6.1f} ms CPU")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--stages", action="store_true")
    parser.add_argument("--before", type=Path)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--upload", action="store_true", help="the whole upload (validate and record)")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        sys.path.insert(0, str(args.worker))
        print(json.dumps(measure(args.repeat, args.stages)))
        return 0
    if args.before is None:
        sys.path.insert(0, str(ROOT))
        _show("this", measure_upload(args.repeat) if args.upload else measure(args.repeat, args.stages))
        return 0
    for n in range(args.rounds):
        print(f"-- round {n + 1}, load average {os.getloadavg()[0]:.1f}")
        _show("before", _in_process_of(args.before.resolve(), args.repeat, args.stages))
        _show("after", _in_process_of(ROOT, args.repeat, args.stages))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
