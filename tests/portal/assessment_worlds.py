"""The two data sets the assessment's stored expectations are taken on: the filled demo (returned,
rejected, late and corrected uploads, blank statuses) and a generated province slice (bench/generate.py,
seeded; with the deductions, vetoes and self-scores of bench/bench_province_views.py's world)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SLICE_UNITS = 60  # a city's worth of units over 8 rounds: every rule fires, in seconds
SLICE_ROUNDS = 8


def _bench_module(name: str):
    if str(ROOT / "bench") not in sys.path:
        sys.path.insert(0, str(ROOT / "bench"))
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return sys.modules[name]


def province_slice(into: Path) -> Path:
    """A generated home of SLICE_UNITS units under one province office, its last round approved too."""
    generate = _bench_module("generate")
    views = _bench_module("bench_province_views")
    gen = generate.generate(
        into / "gen", generate.Scale(SLICE_UNITS, rounds=SLICE_ROUNDS), workbooks=False, log=lambda _: None
    )
    return views.world(gen, into / "world", cities=False)


def plan_years(portal) -> list[tuple[str, int]]:
    with portal.warehouse.connect() as con:
        rows = con.execute("SELECT code, start_year, end_year FROM plans ORDER BY code").fetchall()
    return [(code, year) for code, start, end in rows for year in range(start, end + 1)]
