"""A real LibreOffice round trip: a filled template saved by LibreOffice reads back the same."""

from __future__ import annotations

import pytest

from schemas.enums import TaskStatus
from templates_xlsx.signature import verify_meta
from templates_xlsx.upload import read_upload
from tests.conftest import require_tool
from tests.templates_xlsx.conftest import SECRET
from tests.xlsx_fill import fill_template, save_with_libreoffice

pytestmark = [pytest.mark.libreoffice, pytest.mark.slow]

INDICATORS = {
    "JZ-K01": {"value": 101, "note": "市统计局\n第三季度快报"},
    "JZ-K02": {"value": -2.5, "note": "口径:同比"},
    "JZ-K03": {"value": "=1000+200"},  # LibreOffice computes and caches 1200; still refused
    "JZ-K04": {"value": 0},
}
TASKS = {
    "JZ-3.1.1": {
        "status": TaskStatus.IN_PROGRESS,
        "percent": 60,
        "narrative": "新认定 12 家",
        "next_steps": "继续",
    },
    "JZ-3.2.2": {"status": TaskStatus.COMPLETED, "percent": 100, "narrative": "已完成"},
    "JZ-3.6.1": {"status": TaskStatus.NOT_STARTED, "percent": 0},
}


@pytest.fixture(scope="module")
def roundtrip(tmp_path_factory):
    from templates_xlsx.builder import build_template
    from tests.templates_xlsx.conftest import sample_context

    soffice = require_tool("soffice")
    template = build_template(sample_context(), SECRET)
    filled = fill_template(template, indicators=INDICATORS, tasks=TASKS)
    saved = save_with_libreoffice(filled, tmp_path_factory.mktemp("lo"), soffice)
    return read_upload(filled), read_upload(saved)


def _rows(parsed, key):
    return parsed.sheets[key].frame.drop("_row").to_dicts()


def test_libreoffice_keeps_every_key_and_value(roundtrip):
    before, after = roundtrip
    assert after.meta == before.meta
    assert verify_meta(after.meta, SECRET)
    ind_after = {r["indicator"]: r for r in _rows(after, "indicator_values")}
    assert list(ind_after) == ["JZ-K01", "JZ-K02", "JZ-K03", "JZ-K04"]
    assert {k: (r["value"], r["note"]) for k, r in ind_after.items()} == {
        "JZ-K01": (101, "市统计局\n第三季度快报"),
        "JZ-K02": (-2.5, "口径:同比"),
        "JZ-K03": (None, None),  # a formula's cached result is not read (formula-not-allowed)
        "JZ-K04": (0, None),
    }
    assert _rows(after, "task_progress") == _rows(before, "task_progress")
    assert [r["status"] for r in _rows(after, "task_progress")] == ["推进中", "已完成", "未启动"]


def test_a_formula_is_refused_whether_or_not_libreoffice_cached_its_result(roundtrip):
    before, after = roundtrip
    assert [[i.sheet, i.cell, i.code] for i in before.issues] == [["指标填报", "N6", "formula-without-value"]]
    assert [[i.sheet, i.cell, i.code, i.value] for i in after.issues] == [
        ["指标填报", "N6", "formula-not-allowed", "=1000+200"]
    ]


def test_libreoffice_keeps_the_pre_filled_cells_and_their_positions(roundtrip):
    before, after = roundtrip
    for key in ("indicator_values", "task_progress"):
        assert after.sheets[key].letters == before.sheets[key].letters
        assert after.sheets[key].frame["_row"].to_list() == before.sheets[key].frame["_row"].to_list()
    prefilled = ["indicator", "name", "kind", "baseline", "target", "last_value", "last_round"]
    assert [{k: r[k] for k in prefilled} for r in _rows(after, "indicator_values")] == [
        {k: r[k] for k in prefilled} for r in _rows(before, "indicator_values")
    ]


def test_libreoffice_keeps_the_meta_sheet_hidden(roundtrip):
    _, after = roundtrip
    # LibreOffice has no "very hidden": it saves the sheet as hidden, which the validator accepts.
    assert after.meta_state in ("hidden", "veryHidden")
