"""The benchmark data generator at a tiny scale, so it cannot rot between benchmark runs (no timings here)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from portal.reporting.submissions import files_in, ingest_many
from tests.actors import OFFICE

pytestmark = pytest.mark.slow  # generates a benchmark home through the real pipeline

ROOT = Path(__file__).resolve().parents[2]


def _generate_module():
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_generate", module)
    spec.loader.exec_module(module)
    return module


def test_generated_home_has_history_and_valid_workbooks_that_ingest_cleanly(tmp_path):
    gen_mod = _generate_module()
    scale = gen_mod.Scale(units=3, indicators_per_unit=5, tasks_per_unit=4, rounds=2)
    gen = gen_mod.generate(tmp_path / "small", scale, jobs=1, log=lambda _: None)

    assert gen.rounds == ["2025Q2", "2025Q3"]
    assert [p.name for p in gen.workbooks()] == ["U0000.xlsx", "U0001.xlsx", "U0002.xlsx"]
    portal = gen.portal()
    with portal.warehouse.connect() as con:
        history = con.sql("SELECT round, status, count(*) FROM submissions GROUP BY ALL").fetchall()
        values = con.sql("SELECT count(*) FROM indicator_values").fetchall()[0][0]
        progress = con.sql("SELECT count(*) FROM task_progress").fetchall()[0][0]
    assert history == [("2025Q2", "approved", 3)]
    assert values == 3 * 5
    assert progress == 3 * 4  # each unit leads 2 tasks and helps with 2

    results = ingest_many(portal, OFFICE, files_in(gen.round_dir), round_code=gen.last_round)
    assert [r.accepted for r in results] == [True, True, True]
    assert all(not r.report.issues for r in results)


def test_generation_is_resumed_not_redone_and_another_scale_is_refused(tmp_path):
    gen_mod = _generate_module()
    scale = gen_mod.Scale(units=2, indicators_per_unit=2, tasks_per_unit=2, rounds=2)
    first = gen_mod.generate(tmp_path / "g", scale, jobs=1, log=lambda _: None)
    stamp = first.workbooks()[0].stat().st_mtime_ns
    again = gen_mod.generate(tmp_path / "g", scale, jobs=1, log=lambda _: None)
    assert again.workbooks()[0].stat().st_mtime_ns == stamp
    with pytest.raises(SystemExit):
        gen_mod.generate(tmp_path / "g", gen_mod.Scale(units=5, rounds=2), jobs=1, log=lambda _: None)
