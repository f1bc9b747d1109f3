import io
import json

import openpyxl
import pytest

from portal.registry.workbook import (
    demo_registry_json,
    demo_registry_workbook,
    export_registry_json,
    export_registry_xlsx,
    import_registry,
)
from schemas.sheets import REGISTRY_INDICATORS, REGISTRY_TASKS, REGISTRY_UNITS, column_letter
from tests.conftest import run_cli


def _letter(spec, key):
    return column_letter(spec.index(key))


def _edit(data: bytes, edits: dict[tuple[str, str], object]) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(data))
    for (sheet, cell), value in edits.items():
        book[sheet][cell].value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _count(portal, table):
    with portal.warehouse.connect() as con:
        return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


def test_the_demo_registry_loads_every_plan_unit_task_and_indicator(empty_portal):
    result = import_registry(empty_portal, demo_registry_workbook())
    assert result.loaded, result.report.issues
    demo = demo_registry_json()
    assert result.counts["plans"] == len(demo["plans"]) == 5
    assert result.counts["tasks"] == len(demo["tasks"])
    assert result.counts["indicators"] == len(demo["indicators"])
    assert _count(empty_portal, "units") == len(demo["units"])


def test_bad_rows_are_reported_by_sheet_and_cell_and_nothing_is_loaded(empty_portal):
    tasks, indicators, units = REGISTRY_TASKS.name, REGISTRY_INDICATORS.name, REGISTRY_UNITS.name
    bad = _edit(
        demo_registry_workbook(),
        {
            (tasks, f"{_letter(REGISTRY_TASKS, 'lead_unit')}2"): "NO-SUCH-UNIT",
            (tasks, f"{_letter(REGISTRY_TASKS, 'lead_unit')}3"): None,
            (indicators, f"{_letter(REGISTRY_INDICATORS, 'code')}3"): "XY-K01",
            (indicators, f"{_letter(REGISTRY_INDICATORS, 'target_value')}4"): "六百家",
            (units, f"{_letter(REGISTRY_UNITS, 'parent')}3"): "GHOST",
        },
    )
    result = import_registry(empty_portal, bad)
    assert not result.loaded
    found = {(i.sheet, i.cell, i.code) for i in result.report.issues}
    assert (tasks, f"{_letter(REGISTRY_TASKS, 'lead_unit')}2", "unknown-reference") in found
    assert (tasks, f"{_letter(REGISTRY_TASKS, 'lead_unit')}3", "lead-unit-missing") in found
    assert (indicators, f"{_letter(REGISTRY_INDICATORS, 'code')}3", "duplicate-code") in found
    assert (indicators, f"{_letter(REGISTRY_INDICATORS, 'target_value')}4", "value-not-number") in found
    assert (units, f"{_letter(REGISTRY_UNITS, 'parent')}3", "unknown-reference") in found
    duplicates = {i.cell: i.message for i in result.report.issues if i.code == "duplicate-code"}
    assert duplicates == {
        "A2": "指标代码“XY-K01”重复出现(另见第 3 行)。",
        "A3": "指标代码“XY-K01”重复出现(另见第 2 行)。",
    }
    assert all(i.message and i.hint for i in result.report.issues)
    for table in ("plans", "units", "tasks", "indicators"):
        assert _count(empty_portal, table) == 0


def test_a_failed_import_leaves_the_previous_registry_untouched(demo_portal):
    before = export_registry_json(demo_portal)
    bad = _edit(export_registry_xlsx(demo_portal), {(REGISTRY_TASKS.name, "A2"): None})
    result = import_registry(demo_portal, bad)
    assert not result.loaded
    assert [i.code for i in result.report.errors] == ["required-missing"]
    assert export_registry_json(demo_portal) == before


def test_a_unit_tree_cycle_is_reported(empty_portal):
    demo = demo_registry_json()
    first, second = demo["units"][1]["code"], demo["units"][2]["code"]
    letter = _letter(REGISTRY_UNITS, "parent")
    bad = _edit(
        demo_registry_workbook(),
        {
            (REGISTRY_UNITS.name, f"{letter}2"): second,
            (REGISTRY_UNITS.name, f"{letter}3"): first,
        },
    )
    result = import_registry(empty_portal, bad)
    assert "unit-tree-cycle" in result.report.codes()
    assert _count(empty_portal, "units") == 0


def test_a_file_that_is_not_a_workbook_is_an_issue_not_a_traceback(empty_portal):
    result = import_registry(empty_portal, b"this is not a workbook")
    assert not result.loaded
    assert result.report.codes() == ["file-unreadable"]


def test_export_then_import_is_lossless(demo_portal, empty_portal):
    exported = export_registry_xlsx(demo_portal)
    assert import_registry(empty_portal, exported).loaded
    assert export_registry_json(empty_portal) == export_registry_json(demo_portal)


def test_json_export_has_the_documented_shape(demo_portal):
    data = export_registry_json(demo_portal)
    assert set(data) == {"plans", "units", "tasks", "indicators", "rounds"}
    task = next(t for t in data["tasks"] if t["code"] == "JZ-3.2.2")
    assert task["plan"] == "JZ" and task["lead_unit"] == "JZKF-JFJ"
    assert task["helper_units"] == ["JZKF-CZJ", "JZKF-SCJGJ", "JZKF-SWJ", "JZKF-ZSCJ", "JZKF-CXCY"]
    indicator = next(i for i in data["indicators"] if i["code"] == "JZ-K01")
    assert {
        k: indicator[k] for k in ("measure_unit", "kind", "direction", "target_value", "target_year")
    } == {
        "measure_unit": "家",
        "kind": "stock",
        "direction": ">=",
        "target_value": 200.0,
        "target_year": 2025,
    }
    assert indicator["owner_units"] == ["JZKF-JFJ"]
    assert data["rounds"][-1] == {"code": "2025Q3", "due_date": "2025-10-15", "state": "open"}
    units = {u["code"]: u for u in data["units"]}
    assert units["JZKF-JFJ"]["parent"] == "JZKF"


@pytest.mark.parametrize("fmt", ["json"])
def test_cli_export_json_prints_only_json(demo_portal, fmt):
    done = run_cli("registry", "export", "--format", fmt, home=demo_portal.settings.home)
    assert done.returncode == 0, done.stderr.decode()
    data = json.loads(done.stdout)
    assert len(data["plans"]) == 5


def test_cli_import_exits_1_on_errors_and_prints_where(tmp_path, demo_portal):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(_edit(export_registry_xlsx(demo_portal), {(REGISTRY_INDICATORS.name, "J2"): "abc"}))
    done = run_cli("registry", "import", str(bad), home=demo_portal.settings.home)
    assert done.returncode == 1
    err = done.stderr.decode()
    assert "工作表“指标” J2" in err and "value-not-number" in err and "未导入" in err


def test_cli_usage_errors_exit_2(demo_portal):
    assert run_cli("registry", "import", "/no/such/file.xlsx", home=demo_portal.settings.home).returncode == 2
    assert run_cli("registry", "export", home=demo_portal.settings.home).returncode == 2
    assert run_cli("no-such-command", home=demo_portal.settings.home).returncode == 2
