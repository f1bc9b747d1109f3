"""The sets rules give the same rows in Polars (single files, no GX import) as in Great Expectations."""

from __future__ import annotations

import math

import polars as pl
import pytest

import validators.gx as gx
from tests.validators.sample import SECRET, expect
from tests.validators.test_corpus import CASES, Case
from validators.pipeline import validate_many


def _frame(rows: list[dict]) -> pl.DataFrame:
    records = [{k: r.get(k) for k in gx._SCHEMA} | {"_id": i} for i, r in enumerate(rows)]
    return pl.DataFrame(records, schema=gx._SCHEMA, orient="row")


def _row(wb=0, sheet="indicator_values", key="K", **values) -> dict:
    return {"_wb": wb, "_sheet": sheet, "_row": 4, "key": key, "_membership": "ok"} | values


EDGES = _frame(
    [
        _row(key="K1", value=5.0, _floor=6.0, _cap=100.0),  # declined
        _row(key="K2", value=6.0, _floor=6.0, _cap=6.0),  # equal to both: fine
        _row(key="K3", value=math.nan, _floor=6.0, _cap=1.0),  # NaN is missing: ignored
        _row(key="K4", value=None, _floor=6.0, _cap=1.0),  # missing: ignored
        _row(key="K5", value=math.inf, _floor=math.nan, _cap=1e9),  # above the cap
        _row(key="K6", value=-math.inf, _floor=0.0),  # declined, no cap
        _row(key="K1", value=7.0),  # K1 twice in workbook 0
        _row(wb=1, key="K1", value=7.0),  # the same key in another workbook: not a duplicate
        _row(wb=0, sheet="task_progress", key="K1", percent=80.0, _completed_percent=80.0),
        _row(sheet="task_progress", key="T2", percent=100.0, _completed_percent=100.0),
        _row(sheet="task_progress", key="T3", _completed_percent=math.nan),
        _row(sheet="task_progress", key="T4", _completed_percent=120.0),
        {"_wb": 0, "_sheet": "task_progress", "_row": None, "key": "T9", "_membership": "missing"},
        _row(key="K7", _membership="not-owned"),
    ]
)


def test_polars_rules_flag_the_rows_gx_flags_on_edge_values():
    expected = gx.runner().run(EDGES)
    assert gx.run_polars(EDGES) == expected
    assert expected == {  # the frame exercises every rule
        "present-once": [0, 6],
        "expected-and-owned": [12, 13],
        "completed-is-100": [8, 11],
        "no-decline": [0, 5],
        "plausible": [4],
    }


def test_polars_rules_on_a_clean_frame_flag_nothing():
    clean = EDGES.filter(pl.col("_id").is_in([1, 9]))
    assert gx.runner().run(clean) == gx.run_polars(clean) == {}


def test_a_single_file_is_checked_without_great_expectations(good, monkeypatch):
    def no_gx():
        raise AssertionError("GX used for a single file")

    monkeypatch.setattr(gx, "runner", no_gx)
    assert validate_many([(good, expect())], secret=SECRET)[0].report.issues == []


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_corpus_case_gives_the_same_issues_with_either_engine(case: Case, template, monkeypatch):
    data = case.make(template)

    def report(min_workbooks: int) -> list:
        monkeypatch.setattr(gx, "GX_MIN_WORKBOOKS", min_workbooks)
        result = validate_many([(data, case.expectation)], case.limits, SECRET)[0]
        return result.report.flatten(["code", "sheet", "cell", "severity", "message"])

    assert report(99) == report(1)


def test_the_platforms_own_files_are_checked_in_this_process_without_great_expectations(good, monkeypatch):
    from templates_xlsx import isolation
    from validators.pipeline import own_files

    def refused(*_args, **_kwargs):
        raise AssertionError("GX or a reader process used for the platform's own files")

    expected = [r.report.issues for r in validate_many([(good, expect()), (good, expect())], secret=SECRET)]
    monkeypatch.setattr(gx, "runner", refused)
    monkeypatch.setattr(isolation, "read_upload", refused)
    with own_files():
        batch = validate_many([(good, expect()), (good, expect())], secret=SECRET)
    assert [r.report.issues for r in batch] == expected
    assert all(r.upload is not None and "sets" in r.stages_run for r in batch)
