"""`fill_template` (built with the inputs typed in, one pass) gives what `fill_workbook` gives for the
built template (openpyxl loading, typing and saving): the same cells and the same parsed upload."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from schemas.enums import TaskStatus
from templates_xlsx.builder import build_template_openpyxl
from templates_xlsx.fastbook import FastBook, Unsupported
from templates_xlsx.fill import fill_template, fill_workbook
from templates_xlsx.upload import read_upload
from tests.templates_xlsx.conftest import SECRET, sample_context

INDICATORS = {
    "JZ-K01": {"value": 130, "note": "=来源:统计局"},  # text that looks like a formula stays text
    "JZ-K02": 12.5,
    "JZ-K03": {"value": "约一千", "note": "  前后有空格  "},  # a wrong input is typed as given
    "JZ-K04": 1,
}
TASKS = {
    "JZ-3.1.1": {"status": TaskStatus.IN_PROGRESS, "percent": 60, "narrative": "已完成招标\n第二行"},
    "JZ-3.2.2": {"status": TaskStatus.COMPLETED, "percent": 120},
    "JZ-3.6.1": TaskStatus.NOT_STARTED,
}
ITEMS = {
    "enterprise": [
        {
            "indicator": "JZ-K01",
            "name": "甲科技有限公司",
            "credit_code": "91420000MA0000000X",
            "stage": "认定",
        },
        {"indicator": "JZ-K01", "name": "乙公司", "district": "荆州区", "note": "+备注"},
    ]
}


def _cells(data: bytes) -> dict:
    book = load_workbook(io.BytesIO(data))
    return {
        ws.title: [
            (c.coordinate, c.value, c.data_type, c.quotePrefix, c.protection.locked, repr(c.fill))
            for row in ws.iter_rows()
            for c in row
            if c.value is not None
        ]
        for ws in book.worksheets
    }


def _parsed(data: bytes) -> dict:
    parsed = read_upload(data)
    return {
        "meta": parsed.meta,
        "issues": [repr(i) for i in parsed.issues],
        **{key: sheet.frame.to_dicts() for key, sheet in parsed.sheets.items()},
    }


CASES = {
    "values and tasks": dict(indicators=INDICATORS, tasks=TASKS),
    "a list sheet": dict(indicators=INDICATORS, tasks=TASKS, lists=ITEMS),
    "nothing typed": {},
}


@pytest.mark.parametrize("fills", CASES.values(), ids=CASES.keys())
def test_filling_while_building_types_the_cells_openpyxl_types(fills):
    ctx = sample_context(lists={"enterprise": ["JZ-K01"]})
    one_pass = fill_template(ctx, SECRET, **fills)
    reference = fill_workbook(build_template_openpyxl(ctx, SECRET), **fills)
    assert _cells(one_pass) == _cells(reference)
    assert _parsed(one_pass) == _parsed(reference)


def test_a_row_the_template_does_not_have_is_refused_like_fill_workbook():
    ctx = sample_context()
    with pytest.raises(KeyError, match="JZ-K99"):
        fill_template(ctx, SECRET, indicators={"JZ-K99": 1})
    with pytest.raises(KeyError, match="JZ-K99"):
        fill_workbook(build_template_openpyxl(ctx, SECRET), indicators={"JZ-K99": 1})


def test_a_value_the_fast_writer_cannot_type_is_filled_by_openpyxl(monkeypatch):
    def refuse(self):
        raise Unsupported("test")

    monkeypatch.setattr(FastBook, "save_bytes", refuse)
    ctx = sample_context()
    data = fill_template(ctx, SECRET, indicators=INDICATORS)
    assert _parsed(data) == _parsed(
        fill_workbook(build_template_openpyxl(ctx, SECRET), indicators=INDICATORS)
    )
