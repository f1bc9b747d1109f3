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
from schemas.enums import Role, RoundState, UnitKind
from schemas.sheets import (
    REGISTRY_INDICATORS,
    REGISTRY_OFFICES,
    REGISTRY_PLANS,
    REGISTRY_ROUNDS,
    REGISTRY_TASKS,
    REGISTRY_UNITS,
    column_letter,
)
from tests.actors import ADMIN, OFFICE
from tests.conftest import cli, run_cli


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
    result = import_registry(empty_portal, OFFICE, demo_registry_workbook())
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
    result = import_registry(empty_portal, OFFICE, bad)
    assert not result.loaded
    found = {(i.sheet, i.cell, i.code) for i in result.report.issues}
    assert (tasks, f"{_letter(REGISTRY_TASKS, 'lead_unit')}2", "unknown-reference") in found
    assert (tasks, f"{_letter(REGISTRY_TASKS, 'lead_unit')}3", "lead-unit-missing") in found
    assert (indicators, f"{_letter(REGISTRY_INDICATORS, 'code')}3", "duplicate-code") in found
    assert (indicators, f"{_letter(REGISTRY_INDICATORS, 'target_value')}4", "value-not-number") in found
    assert (units, f"{_letter(REGISTRY_UNITS, 'parent')}3", "unknown-reference") in found
    duplicates = {i.cell: i.message for i in result.report.issues if i.code == "duplicate-code"}
    assert duplicates == {
        "A2": "指标代码“XY-K01”重复出现（另见第 3 行）。",
        "A3": "指标代码“XY-K01”重复出现（另见第 2 行）。",
    }
    assert all(i.message and i.hint for i in result.report.issues)
    for table in ("plans", "units", "tasks", "indicators"):
        assert _count(empty_portal, table) == 0


def test_a_failed_import_leaves_the_previous_registry_untouched(demo_portal):
    before = export_registry_json(demo_portal, ADMIN)
    bad = _edit(export_registry_xlsx(demo_portal, ADMIN), {(REGISTRY_TASKS.name, "A2"): None})
    result = import_registry(demo_portal, OFFICE, bad)
    assert not result.loaded
    assert [i.code for i in result.report.errors] == ["required-missing"]
    assert export_registry_json(demo_portal, ADMIN) == before


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
    result = import_registry(empty_portal, OFFICE, bad)
    assert "unit-tree-cycle" in result.report.codes()
    assert _count(empty_portal, "units") == 0


def _office_row(data: bytes, code: str) -> int:
    ws = openpyxl.load_workbook(io.BytesIO(data))[REGISTRY_OFFICES.name]
    return next(c.row for c in ws["A"] if c.value == code)


def test_unknown_offices_are_reported_at_their_cells_and_nothing_is_loaded(empty_portal):
    data = demo_registry_workbook()
    plan_office = f"{_letter(REGISTRY_PLANS, 'office')}4"
    unit_org = f"{_letter(REGISTRY_UNITS, 'org')}5"
    parent = f"{_letter(REGISTRY_OFFICES, 'parent')}{_office_row(data, 'SY')}"
    bad = _edit(
        data,
        {
            (REGISTRY_PLANS.name, plan_office): "NO-OFFICE",
            (REGISTRY_UNITS.name, unit_org): "GHOST-ORG",
            (REGISTRY_OFFICES.name, parent): "NO-PARENT",
        },
    )
    result = import_registry(empty_portal, OFFICE, bad)
    assert _located(result) == {
        (REGISTRY_PLANS.name, plan_office, "unknown-reference"),
        (REGISTRY_UNITS.name, unit_org, "unknown-reference"),
        (REGISTRY_OFFICES.name, parent, "unknown-reference"),
    }
    messages = {i.cell: i.message for i in result.report.errors}
    assert messages[plan_office] == "所属办公室“NO-OFFICE”在“办公室”表中不存在。"
    assert messages[unit_org] == "所属组织“GHOST-ORG”在“办公室”表中不存在。"
    for table in ("offices", "plans", "units"):
        assert _count(empty_portal, table) == 0


def test_a_plan_without_an_office_is_a_located_error(empty_portal):
    cell = f"{_letter(REGISTRY_PLANS, 'office')}3"
    result = import_registry(
        empty_portal, OFFICE, _edit(demo_registry_workbook(), {(REGISTRY_PLANS.name, cell): None})
    )
    assert _located(result) == {(REGISTRY_PLANS.name, cell, "plan-office-missing")}
    issue = result.report.errors[0]
    assert issue.message == "规划 XYKX 没有所属办公室。" and "所属办公室" in issue.hint
    assert _count(empty_portal, "plans") == 0


def test_an_office_tree_cycle_is_reported_at_the_parent_cells(empty_portal):
    data = demo_registry_workbook()
    letter = _letter(REGISTRY_OFFICES, "parent")
    top, province = _office_row(data, "CJZY"), _office_row(data, "HB")
    result = import_registry(
        empty_portal, OFFICE, _edit(data, {(REGISTRY_OFFICES.name, f"{letter}{top}"): "HB"})
    )
    cycles = {(i.sheet, i.cell) for i in result.report.errors if i.code == "office-tree-cycle"}
    assert {
        (REGISTRY_OFFICES.name, f"{letter}{top}"),
        (REGISTRY_OFFICES.name, f"{letter}{province}"),
    } <= cycles
    assert result.report.codes() == ["office-tree-cycle"] * len(cycles)
    assert _count(empty_portal, "offices") == 0


def test_an_office_level_is_read_from_its_chinese_label(empty_portal):
    data = demo_registry_workbook()
    ws = openpyxl.load_workbook(io.BytesIO(data))[REGISTRY_OFFICES.name]
    level = f"{_letter(REGISTRY_OFFICES, 'level')}{_office_row(data, 'JZKF')}"
    assert ws[level].value == "区县（开发区）"
    assert import_registry(empty_portal, OFFICE, data).loaded
    office = next(o for o in export_registry_json(empty_portal, ADMIN)["offices"] if o["code"] == "JZKF")
    assert office["level"] == "district"


def test_a_file_that_is_not_a_workbook_is_an_issue_not_a_traceback(empty_portal):
    result = import_registry(empty_portal, OFFICE, b"this is not a workbook")
    assert not result.loaded
    assert result.report.codes() == ["file-not-xlsx"]  # refused by the same file-safety stage as an upload


def test_export_then_import_is_lossless(demo_portal, empty_portal):
    exported = export_registry_xlsx(demo_portal, ADMIN)
    assert import_registry(empty_portal, OFFICE, exported).loaded
    assert export_registry_json(empty_portal, ADMIN) == export_registry_json(demo_portal, ADMIN)


def test_json_export_has_the_documented_shape(demo_portal):
    data = export_registry_json(demo_portal, ADMIN)
    assert set(data) == {"offices", "plans", "units", "tasks", "indicators", "rounds"}
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
    assert units["JZKF-JFJ"]["org"] == "JZKF"
    plans = {p["code"]: p for p in data["plans"]}
    assert plans["JZ"]["office"] == "JZKF" and plans["JZ"]["issuer"] == "荆州经开区管委会"
    offices = {o["code"]: o for o in data["offices"]}
    assert offices["JZKF"] == {
        "code": "JZKF",
        "name": "荆州经开区创新创业服务中心",
        "short_name": "荆州经开区",
        "parent": "JZ",
        "level": "district",
        "contact": "区级联络员(演示)",
        "phone": "0716-5550208",
        "seal_text": "荆州经开区创新创业服务中心",
        "doc_prefix": None,
        "recipients": "各责任单位",
        "assumed": False,
        "webhook": "http://127.0.0.1:8765/robot/send?access_token=demo",
    }
    assert units["JZKF-JFJ"]["emails"] == "jzkf-jfj@example.org" and units["JZKF-JFJ"]["webhook"] is None


@pytest.mark.parametrize("fmt", ["json"])
def test_cli_export_json_prints_only_json(demo_portal, fmt):
    done = run_cli("registry", "export", "--format", fmt, home=demo_portal.settings.home)
    assert done.returncode == 0, done.stderr.decode()
    data = json.loads(done.stdout)
    assert len(data["plans"]) == 5
    assert {p["code"]: p["office"] for p in data["plans"]} == {
        "XY": "XY",
        "XYKX": "XY",
        "JZ": "JZKF",
        "SY": "SY",
        "YY": "YY",
    }
    assert {"code", "name", "short_name", "parent", "level", "contact", "phone", "seal_text"} <= set(
        data["offices"][0]
    )
    assert all(u["org"] for u in data["units"])


def test_cli_import_exits_1_on_errors_and_prints_where(tmp_path, demo_portal):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(
        _edit(export_registry_xlsx(demo_portal, ADMIN), {(REGISTRY_INDICATORS.name, "J2"): "abc"})
    )
    done = run_cli("registry", "import", str(bad), "--user", "office", home=demo_portal.settings.home)
    assert done.returncode == 1
    err = done.stderr.decode()
    assert "工作表“指标” J2" in err and "value-not-number" in err and "未导入" in err


def test_cli_usage_errors_exit_2(demo_portal):
    assert cli("registry", "import", "/no/such/file.xlsx", home=demo_portal.settings.home).returncode == 2
    assert cli("registry", "export", home=demo_portal.settings.home).returncode == 2
    assert cli("no-such-command", home=demo_portal.settings.home).returncode == 2


# ----------------------------------------------------------------------------- hostile registry workbooks


def _exported(portal, tmp_path) -> bytes:
    """The registry workbook as the office gets it: `portal registry export`."""
    out = tmp_path / "registry.xlsx"
    done = cli("registry", "export", "-o", str(out), home=portal.settings.home)
    assert done.returncode == 0, done.stderr
    return out.read_bytes()


def _rows_of(data: bytes, sheet: str) -> int:
    return openpyxl.load_workbook(io.BytesIO(data))[sheet].max_row


def _without_row(data: bytes, sheet: str, code: str) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book[sheet]
    row = next(c.row for c in ws["A"] if c.value == code)
    ws.delete_rows(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell_of(data: bytes, sheet: str, code: str, key) -> str:
    ws = openpyxl.load_workbook(io.BytesIO(data))[sheet]
    row = next(c.row for c in ws["A"] if c.value == code)
    return f"{_letter(key[0], key[1])}{row}"


def _located(result) -> set[tuple]:
    return {(i.sheet, i.cell, i.code) for i in result.report.errors}


@pytest.mark.parametrize(
    "variant",
    ["jzkf-jfj", "ＪＺＫＦ-ＪＦＪ", "JZKF-JFJ\u200b", "\u00a0JZKF-JFJ"],
    ids=["case", "full-width", "zero-width", "no-break-space"],
)
def test_a_unit_code_that_only_looks_different_is_a_located_error_and_nothing_changes(
    demo_portal, tmp_path, variant
):
    before = export_registry_json(demo_portal, ADMIN)
    data = _exported(demo_portal, tmp_path)
    row = _rows_of(data, REGISTRY_UNITS.name) + 1
    edited = _edit(data, {(REGISTRY_UNITS.name, f"A{row}"): variant, (REGISTRY_UNITS.name, f"B{row}"): "重复单位",
                          (REGISTRY_UNITS.name, f"C{row}"): "部门"})  # fmt: skip
    result = import_registry(demo_portal, OFFICE, edited)
    assert not result.loaded
    first = _cell_of(data, REGISTRY_UNITS.name, "JZKF-JFJ", (REGISTRY_UNITS, "code"))
    confusable = [i for i in result.report.errors if i.code in ("code-confusable", "duplicate-code")]
    assert (REGISTRY_UNITS.name, f"A{row}") in {(i.sheet, i.cell) for i in confusable}
    if variant.strip() != "JZKF-JFJ":  # a no-break space is trimmed by the reader: a plain duplicate
        issue = next(i for i in confusable if i.cell == f"A{row}")
        assert issue.code == "code-confusable" and f"第 {first[1:]} 行的“JZKF-JFJ”" in issue.message
    assert export_registry_json(demo_portal, ADMIN) == before


def test_a_control_character_in_a_unit_name_is_a_located_error(demo_portal, tmp_path):
    before = export_registry_json(demo_portal, ADMIN)
    data = _exported(demo_portal, tmp_path)
    cell = _cell_of(data, REGISTRY_UNITS.name, "JZKF-JFJ", (REGISTRY_UNITS, "name"))
    # openpyxl writes the escape Excel uses for a control character; readers turn it back into U+0001.
    edited = _edit(data, {(REGISTRY_UNITS.name, cell): "经发局_x0001_"})
    result = import_registry(demo_portal, OFFICE, edited)
    assert _located(result) == {(REGISTRY_UNITS.name, cell, "text-control-character")}
    assert "U+0001" in result.report.errors[0].message
    assert export_registry_json(demo_portal, ADMIN) == before


def test_an_rtl_override_in_a_task_title_is_a_located_error(demo_portal, tmp_path):
    data = _exported(demo_portal, tmp_path)
    cell = _cell_of(data, REGISTRY_TASKS.name, "JZ-3.2.2", (REGISTRY_TASKS, "title"))
    result = import_registry(
        demo_portal, OFFICE, _edit(data, {(REGISTRY_TASKS.name, cell): "任务\u202e名称"})
    )
    assert _located(result) == {(REGISTRY_TASKS.name, cell, "text-control-character")}


def test_a_reference_with_invisible_characters_is_stored_clean(demo_portal, tmp_path):
    data = _exported(demo_portal, tmp_path)
    cell = _cell_of(data, REGISTRY_TASKS.name, "JZ-3.2.2", (REGISTRY_TASKS, "lead_unit"))
    result = import_registry(
        demo_portal, OFFICE, _edit(data, {(REGISTRY_TASKS.name, cell): "\u200bJZKF-JFJ\u00a0"})
    )
    assert result.loaded, result.report.errors
    task = next(t for t in export_registry_json(demo_portal, ADMIN)["tasks"] if t["code"] == "JZ-3.2.2")
    assert task["lead_unit"] == "JZKF-JFJ"


def _new_unit_in_use(portal, tmp_path, accounts: int, submissions: int) -> str:
    """A unit no task or indicator names, added by import, then given accounts or submissions."""
    code, data = "JZKF-XINJIAN", _exported(portal, tmp_path)
    row = _rows_of(data, REGISTRY_UNITS.name) + 1
    added = _edit(data, {(REGISTRY_UNITS.name, f"A{row}"): code, (REGISTRY_UNITS.name, f"B{row}"): "新建单位",
                         (REGISTRY_UNITS.name, f"C{row}"): UnitKind.DEPARTMENT.label})  # fmt: skip
    assert import_registry(portal, OFFICE, added).loaded
    with portal.warehouse.transaction() as con:
        for n in range(accounts):
            con.execute(
                "INSERT INTO users (username, display_name, password_hash, role, unit, created_at) "
                "VALUES (?, '新单位填报员', 'x', ?, ?, now())",
                [f"new{n}", str(Role.UNIT_REPORTER), code],
            )
        for n in range(submissions):
            con.execute(
                "INSERT INTO submissions (unit, round, version, file_hash, uploaded_by, uploaded_at, status) "
                "VALUES (?, '2025Q3', ?, 'x', 'new0', now(), 'validated')",
                [code, n + 1],
            )
    return code


@pytest.mark.parametrize(("accounts", "submissions"), [(1, 0), (0, 2), (1, 1)])
def test_dropping_a_unit_that_has_accounts_or_submissions_is_refused_suggesting_to_deactivate_it(
    demo_portal, tmp_path, accounts, submissions
):
    unit = _new_unit_in_use(demo_portal, tmp_path, accounts, submissions)
    before = export_registry_json(demo_portal, ADMIN)
    result = import_registry(
        demo_portal, OFFICE, _without_row(_exported(demo_portal, tmp_path), REGISTRY_UNITS.name, unit)
    )
    assert not result.loaded
    assert [(i.code, i.sheet, i.value) for i in result.report.errors] == [
        ("unit-delete-in-use", REGISTRY_UNITS.name, unit)
    ]
    issue = result.report.errors[0]
    assert f"有 {submissions} 份报送记录、{accounts} 个账号" in issue.message and "是否启用" in issue.hint
    assert export_registry_json(demo_portal, ADMIN) == before


def test_dropping_a_unit_nothing_belongs_to_is_taken(demo_portal, tmp_path):
    unit = _new_unit_in_use(demo_portal, tmp_path, accounts=0, submissions=0)
    result = import_registry(
        demo_portal, OFFICE, _without_row(_exported(demo_portal, tmp_path), REGISTRY_UNITS.name, unit)
    )
    assert result.loaded, result.report.errors
    assert unit not in {u["code"] for u in export_registry_json(demo_portal, ADMIN)["units"]}


def test_deactivating_a_unit_in_use_through_the_workbook_is_taken(demo_portal, tmp_path):
    data = _exported(demo_portal, tmp_path)
    cell = _cell_of(data, REGISTRY_UNITS.name, "JZKF-CXCY", (REGISTRY_UNITS, "active"))
    result = import_registry(demo_portal, OFFICE, _edit(data, {(REGISTRY_UNITS.name, cell): "否"}))
    assert result.loaded, result.report.errors
    units = {u["code"]: u for u in export_registry_json(demo_portal, ADMIN)["units"]}
    assert units["JZKF-CXCY"]["active"] is False


@pytest.mark.parametrize(("column", "value"), [("state", RoundState.OPEN.label), ("due_date", "2099-01-01")])
def test_an_import_never_changes_a_locked_round(demo_portal, tmp_path, column, value):
    with demo_portal.warehouse.transaction() as con:
        code = con.execute("SELECT code FROM rounds ORDER BY year, quarter LIMIT 1").fetchall()[0][0]
        con.execute("UPDATE rounds SET state = 'locked' WHERE code = ?", [code])
    before = export_registry_json(demo_portal, ADMIN)
    data = _exported(demo_portal, tmp_path)
    cell = _cell_of(data, REGISTRY_ROUNDS.name, code, (REGISTRY_ROUNDS, column))
    result = import_registry(demo_portal, OFFICE, _edit(data, {(REGISTRY_ROUNDS.name, cell): value}))
    assert not result.loaded
    assert [(i.code, i.sheet, i.value) for i in result.report.errors] == [
        ("round-locked-change", REGISTRY_ROUNDS.name, code)
    ]
    assert "已锁定" in result.report.errors[0].message
    assert export_registry_json(demo_portal, ADMIN) == before
