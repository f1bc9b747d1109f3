"""The registry within an account's scope: an office exports only what it may read, imports only
changes to what it acts on, and manages only its own units; rounds belong to the platform."""

import json

import pytest

from portal.core.permissions import PermissionDenied, missing_unit
from portal.registry.admin import list_units_as, update_unit_as
from portal.registry.rounds import create_round, list_rounds
from portal.registry.workbook import export_registry_json, export_registry_xlsx, import_registry
from schemas.enums import Role
from schemas.registry import sheets_from_json
from schemas.sheets import REGISTRY_PLANS, REGISTRY_TASKS, REGISTRY_UNITS
from templates_xlsx.registry_book import write_registry
from tests.actors import ADMIN
from tests.conftest import account_in, cli


@pytest.fixture
def jzkf(demo_portal):
    return account_in(demo_portal, "office_jzkf", Role.OFFICE_REVIEWER, offices=["JZKF"])


def _workbook(registry: dict) -> bytes:
    return write_registry(sheets_from_json(registry))


def _stored(portal) -> dict:
    return export_registry_json(portal, ADMIN)


def test_the_json_export_as_an_evaluator_holds_its_plan_only(demo_portal):
    account_in(demo_portal, "eval_jzkf", Role.EVALUATOR, offices=["JZKF"])
    out = cli("registry", "export", "--format", "json", "--as", "eval_jzkf", home=demo_portal.settings.home)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert list(data) == list(_stored(demo_portal))  # the same keys, in the same order
    assert [p["code"] for p in data["plans"]] == ["JZ"]
    assert {t["plan"] for t in data["tasks"]} == {i["plan"] for i in data["indicators"]} == {"JZ"}
    units = {u["code"] for u in data["units"]}
    assert "JZKF-CXCY" in units and not any(u.startswith(("YY", "XY", "SY")) for u in units)
    assert [o["code"] for o in data["offices"]] == ["JZKF"]
    assert data["offices"][0]["parent"] is None  # the office above is not the account's to read
    assert data["rounds"] == _stored(demo_portal)["rounds"]


def test_an_upper_office_exports_the_offices_and_plans_below_it(demo_portal):
    cluster = account_in(demo_portal, "office_xsss", Role.OFFICE_REVIEWER, offices=["XSSS"])
    data = export_registry_json(demo_portal, cluster)
    assert [p["code"] for p in data["plans"]] == ["XY", "XYKX", "SY"]
    assert [(o["code"], o["parent"]) for o in data["offices"]][:2] == [("XSSS", None), ("XY", "XSSS")]
    assert export_registry_xlsx(demo_portal, cluster)[:2] == b"PK"


def test_the_whole_registry_unchanged_imports_for_a_scoped_office(demo_portal, jzkf):
    result = import_registry(demo_portal, jzkf, _workbook(_stored(demo_portal)))
    assert result.loaded, [i.message for i in result.report.issues]


def test_a_scoped_office_changes_its_own_plans_tasks(demo_portal, jzkf):
    registry = _stored(demo_portal)
    task = next(t for t in registry["tasks"] if t["plan"] == "JZ")
    task["title"] = "新的任务名称"
    result = import_registry(demo_portal, jzkf, _workbook(registry))
    assert result.loaded, [i.message for i in result.report.issues]
    assert (
        next(t for t in _stored(demo_portal)["tasks"] if t["code"] == task["code"])["title"] == "新的任务名称"
    )


def _refused(portal, account, registry) -> list:
    before = _stored(portal)
    result = import_registry(portal, account, _workbook(registry))
    assert not result.loaded
    assert _stored(portal) == before  # nothing written
    return result.report.errors


def test_a_change_to_another_offices_plan_is_refused_naming_the_sheet_and_row(demo_portal, jzkf):
    registry = _stored(demo_portal)
    row = next(i for i, p in enumerate(registry["plans"]) if p["code"] == "YY")
    registry["plans"][row]["name"] = "改名的规划"
    [issue] = _refused(demo_portal, jzkf, registry)
    excel_row = REGISTRY_PLANS.first_data_row + row
    assert issue.code == "registry-out-of-scope-change"
    assert issue.message.startswith(f"工作表“{REGISTRY_PLANS.name}”第 {excel_row} 行的规划“YY”")


def test_another_offices_task_added_or_left_out_is_refused(demo_portal, jzkf):
    registry = _stored(demo_portal)
    dropped = next(t for t in registry["tasks"] if t["plan"] == "YY")
    registry["tasks"].remove(dropped)
    registry["tasks"].append(dropped | {"code": "YY-NEW"})
    issues = _refused(demo_portal, jzkf, registry)
    assert [(i.code, i.value) for i in issues] == [
        ("registry-out-of-scope-add", "YY-NEW"),
        ("registry-out-of-scope-drop", dropped["code"]),
    ]
    assert f"工作表“{REGISTRY_TASKS.name}”中没有任务“{dropped['code']}”" in issues[1].message


def test_a_scoped_office_cannot_move_its_plan_unit_or_office_elsewhere(demo_portal, jzkf):
    registry = _stored(demo_portal)
    next(p for p in registry["plans"] if p["code"] == "JZ")["office"] = "YY"
    next(u for u in registry["units"] if u["code"] == "JZKF-CXCY")["org"] = "YY"
    next(o for o in registry["offices"] if o["code"] == "JZKF")["parent"] = None
    issues = _refused(demo_portal, jzkf, registry)
    assert sorted((i.sheet, i.value) for i in issues) == sorted(
        [(REGISTRY_PLANS.name, "JZ"), (REGISTRY_UNITS.name, "JZKF-CXCY"), ("办公室", "JZKF")]
    )


def test_its_own_partial_export_is_not_a_registry_it_may_import(demo_portal, jzkf):
    issues = _refused(demo_portal, jzkf, export_registry_json(demo_portal, jzkf))
    assert issues and {i.code for i in issues} <= {
        "registry-out-of-scope-drop",
        "registry-out-of-scope-change",
        "unit-delete-in-use",  # dropped units that demo accounts are bound to
    }


def test_the_command_line_import_as_a_scoped_office_is_refused_and_writes_nothing(
    demo_portal, jzkf, tmp_path
):
    registry = _stored(demo_portal)
    next(u for u in registry["units"] if u["code"] == "YY-KJJ")["contact"] = "张三"
    path = tmp_path / "registry.xlsx"
    path.write_bytes(_workbook(registry))
    before = _stored(demo_portal)
    out = cli("registry", "import", str(path), "--user", "office_jzkf", home=demo_portal.settings.home)
    assert out.returncode == 1 and "registry-out-of-scope-change" in out.stderr
    assert "第 " in out.stderr and "单位“YY-KJJ”" in out.stderr and "未导入任何数据" in out.stderr
    assert _stored(demo_portal) == before


def test_units_are_listed_and_changed_only_within_the_offices_act_scope(demo_portal, jzkf):
    codes = list_units_as(demo_portal, jzkf)["code"].to_list()
    assert "JZKF-CXCY" in codes and not any(c.startswith("YY") for c in codes)
    outside = update_unit_as(demo_portal, jzkf, "YY-KJJ", phone="1")
    missing = update_unit_as(demo_portal, jzkf, "NO-SUCH", phone="1")
    assert (outside.ok, outside.message) == (False, missing_unit("YY-KJJ"))
    assert missing.message == missing_unit("NO-SUCH")
    assert update_unit_as(demo_portal, jzkf, "JZKF-CXCY", phone="0716-1234567").ok
    upper = account_in(demo_portal, "office_jz", Role.OFFICE_REVIEWER, offices=["JZ"])
    assert not update_unit_as(demo_portal, upper, "JZKF-CXCY", phone="1").ok  # below it: read only
    assert "JZKF-CXCY" not in list_units_as(demo_portal, upper)["code"].to_list()


def test_rounds_are_managed_by_a_platform_account_only(demo_portal, jzkf):
    for call in (lambda: list_rounds(demo_portal, jzkf), lambda: create_round(demo_portal, jzkf, "2026Q1")):
        with pytest.raises(PermissionDenied) as refused:
            call()
        assert refused.value.message == "无权管理调度轮次：此操作作用于全平台，只有全平台范围的账号可以进行。"
