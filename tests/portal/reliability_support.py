"""Helpers of the reliability tests: whole-warehouse snapshots, private homes, filled workbooks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import duckdb

from portal.core.context import Portal
from portal.reporting.templates import build_unit_template, round_template_contexts
from tests.conftest import ROOT
from tests.xlsx_fill import fill_valid, template_rows

ROUND = "2025Q3"


def tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY table_name"
        ).fetchall()
    ]


def snapshot(home: Path, drop_times: bool = False) -> dict[str, list]:
    """Every row of every table (sorted) and every sequence, read as the platform reopens the warehouse.

    `drop_times` leaves out TIMESTAMP columns, to compare two runs made at different moments.
    """
    with Portal.open(home).warehouse.connect() as con:
        out: dict[str, list] = {}
        for table in tables(con):
            cols = con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = ? ORDER BY ordinal_position",
                [table],
            ).fetchall()
            keep = [c for c, t in cols if not (drop_times and t.startswith("TIMESTAMP"))]
            select = ", ".join(f'"{c}"' for c in keep)
            rows = con.execute(f'SELECT {select} FROM "{table}"').fetchall()
            out[table] = sorted(rows, key=repr)
        out["<sequences>"] = con.execute(
            "SELECT sequence_name, last_value FROM duckdb_sequences() ORDER BY sequence_name"
        ).fetchall()
    return out


def files_under(root: Path) -> dict[str, bytes]:
    """Relative path → bytes of every file below `root` (stored uploads)."""
    if not root.exists():
        return {}
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def copy_home(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, dirs_exist_ok=True)
    return target


@cache
def _units(home: Path) -> tuple[str, ...]:
    # Units with indicators and tasks: a tasks-only template is refused today (meta-missing; reported).
    return tuple(
        c.unit for c in round_template_contexts(Portal.open(home), ROUND) if c.indicators and c.tasks
    )


def report_units(home: Path, n: int) -> list[str]:
    """n units that have something to report in 2025Q3."""
    units = _units(home)
    assert len(units) >= n, units
    return list(units[:n])


@cache
def filled(home: Path, unit: str, variant: int = 0) -> bytes:
    """A valid filled workbook of `unit` for 2025Q3; another `variant` changes a narrative (another file)."""
    template = build_unit_template(Portal.open(home), unit, ROUND).data
    if not variant:
        return fill_valid(template)
    first_task = next(iter(template_rows(template)["task_progress"]))
    return fill_valid(template, tasks={first_task: {"narrative": f"按计划推进(第 {variant} 稿)。"}})


def cli(*args: str, home: Path, env: dict[str, str] | None = None, **kw) -> subprocess.CompletedProcess:
    """The real `portal` command in a subprocess (like tests.conftest.run_cli, with extra environment)."""
    full = os.environ | {"PORTAL_HOME": str(home)} | (env or {})
    return subprocess.run(
        [sys.executable, "-m", "portal", *args], cwd=ROOT, env=full, capture_output=True, timeout=300, **kw
    )


def popen(*args: str, home: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    full = os.environ | {"PORTAL_HOME": str(home)} | (env or {})
    return subprocess.Popen(
        [sys.executable, "-m", "portal", *args],
        cwd=ROOT,
        env=full,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
