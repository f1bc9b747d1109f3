"""A workbook that crashes the reader costs that one file: the batch and the caller go on."""

from __future__ import annotations

import os

import pytest

from templates_xlsx import isolation
from tests.validators import hostile
from tests.validators.sample import EXPECTATION, SECRET, fill, run
from validators.pipeline import validate_many, validate_upload

IND = "指标填报"


def _flat(result):
    return sorted(result.report.flatten(["code", "sheet", "cell"]), key=str)


def test_a_workbook_that_aborts_the_reader_costs_only_that_file_in_a_batch(template, good):
    """One cell at XFD1048576 with the budget check off: calamine asks for ~512 GiB and aborts."""
    crashing = hostile.with_cells(IND, ["XFD1048576"])(good)
    warned = fill(template, indicators={"T-K01": {"value": "１０５０"}})
    items = [(good, EXPECTATION), (crashing, EXPECTATION), (warned, EXPECTATION)]
    results = validate_many(items, None, SECRET, isolate=True, check_sizes=False)
    assert _flat(results[1]) == [["file-reader-crashed", None, None]]
    assert results[1].upload is None and "信号 6" in results[1].report.issues[0].message
    assert results[0].report.issues == [] and results[0].upload is not None
    assert _flat(results[2]) == [["number-full-width", IND, "N4"]]
    assert results[2].stages_run == ["file", "read", "structure", "rows", "sets"]
    # the caller is alive, and the next batch is read by a fresh worker
    assert os.getpid() and run(good).report.issues == []


def test_with_the_budget_check_on_the_same_file_is_refused_at_its_far_cell(good):
    crashing = hostile.with_cells(IND, ["XFD1048576"])(good)
    result = validate_upload(crashing, EXPECTATION, None, SECRET)
    assert _flat(result) == [["sheet-too-large", IND, "XFD1048576"]] and result.upload is None


@pytest.mark.parametrize("isolate", [True, False])
def test_isolated_and_in_process_validation_agree(template, isolate):
    data = fill(template, indicators={"T-K01": {"value": "1e999"}}, tasks={"T-1.1": {"percent": 120}})
    result = validate_upload(data, EXPECTATION, None, SECRET, isolate=isolate)
    assert _flat(result) == [["value-above-max", "任务进展", "H4"], ["value-not-finite", IND, "N4"]]


def test_isolation_off_never_starts_a_worker(good, monkeypatch):
    def refuse():
        raise AssertionError("a worker was used")

    monkeypatch.setattr(isolation, "pool", refuse)
    assert validate_upload(good, EXPECTATION, None, SECRET, isolate=False).report.issues == []
    monkeypatch.setattr(isolation, "ISOLATE", False)
    assert run(good).report.issues == []


def test_a_large_batch_is_read_by_parallel_workers_and_a_crash_still_costs_one_file(
    template, good, monkeypatch
):
    monkeypatch.setattr(isolation, "PARALLEL_MIN_FILES", 4)
    started = []
    original = isolation.ReaderPool.__post_init__

    def counting(self):
        started.append(self.size)
        original(self)

    monkeypatch.setattr(isolation.ReaderPool, "__post_init__", counting)
    crashing = hostile.with_cells(IND, ["XFD1048576"])(good)
    warned = fill(template, indicators={"T-K01": {"value": "１０５０"}})
    declined = fill(template, indicators={"T-K01": {"value": 900}})
    batch = [good, crashing, warned, b"", declined, good]
    results = validate_many([(d, EXPECTATION) for d in batch], None, SECRET, isolate=True, check_sizes=False)
    assert started == [isolation.BATCH_WORKERS] and isolation.BATCH_WORKERS >= 2
    assert [_flat(r) for r in results] == [
        [],
        [["file-reader-crashed", None, None]],
        [["number-full-width", IND, "N4"]],
        [["file-empty", None, None]],
        [["stock-declined", IND, "N4"]],
        [],
    ]
