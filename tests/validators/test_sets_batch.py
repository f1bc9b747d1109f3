"""Sets and history: many workbooks in one Great Expectations run, each with its own report."""

from __future__ import annotations

import pytest

import validators.gx as gx
from schemas.issues import CATALOGUE
from tests.validators.sample import SECRET, expect, fill
from validators.expectation import IndicatorFacts
from validators.pipeline import validate_many
from validators.rows import PANDERA_CODES, ROW_RULES


@pytest.fixture
def gx_runs(monkeypatch):
    """How many times the GX validation ran (fast pass and detail pass count as one run)."""
    calls = []
    original = gx._Runner.run

    def counting(self, frame):
        calls.append(frame.height)
        return original(self, frame)

    monkeypatch.setattr(gx._Runner, "run", counting)
    return calls


def test_a_batch_is_checked_in_one_gx_run_and_issues_stay_with_their_workbook(template, gx_runs):
    good = fill(template)
    declined = fill(template, indicators={"T-K01": {"value": 900}})
    half_done = fill(template, tasks={"T-1.2": {"percent": 50}})
    results = validate_many(
        [(good, expect()), (declined, expect()), (half_done, expect()), (b"", expect())], secret=SECRET
    )
    assert len(gx_runs) == 1
    assert [r.report.flatten(["code", "cell"]) for r in results] == [
        [],
        [["stock-declined", "N4"]],
        [["completed-not-100", "H5"]],
        [["file-empty", None]],
    ]


def test_single_file_validation_runs_the_rules_once_in_polars_not_gx(good, gx_runs, monkeypatch):
    frames = []
    original = gx.run_polars
    monkeypatch.setattr(gx, "run_polars", lambda frame: frames.append(frame.height) or original(frame))
    validate_many([(good, expect())], secret=SECRET)
    assert gx_runs == [] and frames == [8]  # 5 indicator rows + 3 task rows


def test_nothing_readable_means_no_gx_run(gx_runs):
    validate_many([(b"", expect()), (b"not a workbook", expect())], secret=SECRET)
    assert gx_runs == []


def test_a_decline_is_a_warning_and_does_not_block(template):
    result = validate_many([(fill(template, indicators={"T-K03": {"value": 20}}), expect())], secret=SECRET)[
        0
    ]
    assert result.report.ok and result.report.codes() == ["stock-declined"]


def test_a_decline_where_lower_is_better_is_no_warning(template):
    facts = tuple(
        IndicatorFacts("T-K01", "stock", direction="<=", target=1100, previous=1000)
        if i.code == "T-K01"
        else i
        for i in expect().indicators
    )
    data = fill(template, indicators={"T-K01": {"value": 800}})
    assert validate_many([(data, expect(indicators=facts))], secret=SECRET)[0].report.issues == []


def test_implausibility_names_the_smaller_reference(template):
    issue = validate_many([(fill(template, indicators={"T-K03": {"value": 400}}), expect())], secret=SECRET)[
        0
    ].report.issues[0]
    assert issue.code == "value-implausible" and "上次审核值 30 的 10 倍" in issue.message


def test_every_translated_code_is_in_the_catalogue():
    codes = {code for _, code in PANDERA_CODES} | {r.code for r in ROW_RULES}
    codes |= {
        "indicator-duplicated",
        "task-duplicated",
        "indicator-missing",
        "task-missing",
        "unit-not-owner",
        "completed-not-100",
        "stock-declined",
        "ytd-flow-declined",
        "value-implausible",
    }
    assert codes <= set(CATALOGUE)
    assert {r.name for r in gx.SET_RULES} == {
        "present-once",
        "expected-and-owned",
        "completed-is-100",
        "no-decline",
        "plausible",
    }


def test_a_batch_is_checked_by_one_pandera_run_per_sheet(template, monkeypatch):
    import validators.rows as rows

    calls = []
    original = rows._failing_cells

    def counting(sheets, schema, frame):
        calls.append((sheets[0].spec.key, frame.height))
        return original(sheets, schema, frame)

    monkeypatch.setattr(rows, "_failing_cells", counting)
    bad = fill(template, tasks={"T-1.1": {"percent": 120}})
    results = validate_many([(fill(template), expect()), (bad, expect()), (bad, expect())], secret=SECRET)
    assert sorted(calls) == [("indicator_values", 15), ("task_progress", 9)]
    assert [r.report.flatten(["code", "cell"]) for r in results] == [
        [],
        [["value-above-max", "H4"]],
        [["value-above-max", "H4"]],
    ]
