"""The organisation tree queries (warehouse.offices) over a real DuckDB file loaded by the registry loader.

The tree mirrors the demo's shape:

    TOP ─┬─ HB ─┬─ CL ─┬─ A (plans PA1, PA2)
         │      │      ├─ B (plan PB)
         │      │      └─ C (no plan)
         │      └─ J ──── JD (plan PJ)
         └─ HN ──── Y (plan PY)
"""

import pytest

from warehouse.db import Warehouse
from warehouse.offices import (
    common_office,
    office_ancestors,
    office_of_plan,
    office_subtree,
    office_tree,
    offices_under,
    plans_of_offices,
    units_of_offices,
)
from warehouse.registry import replace_registry

TREE = [  # (code, parent, level)
    ("TOP", None, "region"),
    ("HB", "TOP", "province"),
    ("CL", "HB", "cluster"),
    ("A", "CL", "city"),
    ("B", "CL", "city"),
    ("C", "CL", "city"),
    ("J", "HB", "city"),
    ("JD", "J", "district"),
    ("HN", "TOP", "province"),
    ("Y", "HN", "city"),
]
PLANS = {"PA1": "A", "PA2": "A", "PB": "B", "PJ": "JD", "PY": "Y"}


def _registry() -> dict:
    offices = [
        {"code": c, "name": f"{c}办公室", "short_name": c, "parent": p, "level": lv} for c, p, lv in TREE
    ]
    plans = [
        {"code": code, "name": code, "start_year": 2023, "end_year": 2025, "office": office}
        for code, office in PLANS.items()
    ]
    units = [
        {"code": "A-1", "name": "甲一", "kind": "department", "org": "A"},
        {"code": "A-2", "name": "甲二", "kind": "department", "org": "A"},
        {"code": "B-1", "name": "乙一", "kind": "department", "org": "B"},
        {"code": "C-1", "name": "丙一", "kind": "department", "org": "C"},  # no plan, org only
        {"code": "JD-1", "name": "开发区一", "kind": "department", "org": "JD"},
        {"code": "Y-1", "name": "益一", "kind": "department", "org": "Y"},
        {"code": "LOOSE", "name": "无组织单位", "kind": "agency", "org": None},
    ]
    tasks = [
        {"code": "PA1-1", "plan": "PA1", "title": "任务", "lead_unit": "A-1", "helper_units": ["LOOSE"]},
        {"code": "PY-1", "plan": "PY", "title": "任务", "lead_unit": "Y-1", "helper_units": []},
    ]
    indicators = [
        {
            "code": "PB-K1",
            "plan": "PB",
            "name": "指标",
            "kind": "stock",
            "target_value": 1,
            "target_year": 2025,
            "owner_units": ["B-1", "JD-1"],  # a unit of another office owning one indicator
        }
    ]
    return {"offices": offices, "plans": plans, "units": units, "tasks": tasks, "indicators": indicators}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    wh = Warehouse(tmp_path_factory.mktemp("offices") / "w.duckdb")
    with wh.connect(create=True):  # only init creates a warehouse
        pass
    with wh.transaction() as c:
        replace_registry(c, _registry())
    return wh


@pytest.fixture
def con(warehouse):
    with warehouse.connect() as c:
        yield c


def test_the_tree_lists_each_office_before_the_offices_under_it_with_depth_and_children(con):
    tree = office_tree(con)
    assert [(o["code"], o["depth"]) for o in tree] == [
        ("TOP", 0),
        ("HB", 1),
        ("CL", 2),
        ("A", 3),
        ("B", 3),
        ("C", 3),
        ("J", 2),
        ("JD", 3),
        ("HN", 1),
        ("Y", 2),
    ]
    by_code = {o["code"]: o for o in tree}
    assert by_code["CL"]["children"] == ["A", "B", "C"]
    assert by_code["CL"]["name"] == "CL办公室" and by_code["CL"]["level"] == "cluster"
    assert by_code["JD"]["children"] == [] and by_code["JD"]["assumed"] is False


@pytest.mark.parametrize(
    ("office", "subtree"),
    [
        ("TOP", [c for c, _, _ in TREE]),
        ("CL", ["CL", "A", "B", "C"]),
        ("J", ["J", "JD"]),
        ("Y", ["Y"]),
        ("NOWHERE", []),
    ],
)
def test_a_subtree_is_the_office_and_every_office_under_it(con, office, subtree):
    assert office_subtree(con, office) == subtree


def test_several_subtrees_are_merged_without_repeats(con):
    assert offices_under(con, ["CL", "A", "Y"]) == ["CL", "A", "B", "C", "Y"]
    assert offices_under(con, []) == []


@pytest.mark.parametrize(
    ("office", "ancestors"),
    [("JD", ["J", "HB", "TOP"]), ("A", ["CL", "HB", "TOP"]), ("TOP", []), ("NOWHERE", [])],
)
def test_ancestors_run_from_the_parent_up_to_the_root(con, office, ancestors):
    assert office_ancestors(con, office) == ancestors


@pytest.mark.parametrize(
    ("offices", "plans"),
    [
        (["A"], ["PA1", "PA2"]),
        (["CL"], ["PA1", "PA2", "PB"]),
        (["C"], []),
        (["HB"], ["PA1", "PA2", "PB", "PJ"]),
        (["J", "Y"], ["PJ", "PY"]),
        (["TOP"], list(PLANS)),
    ],
)
def test_the_plans_of_offices_include_those_of_the_offices_under_them(con, offices, plans):
    assert plans_of_offices(con, offices) == plans


def test_the_units_of_an_office_are_its_plans_units_and_the_units_of_its_organisations(con):
    # PA1's task: lead A-1, helper LOOSE (no org); A-2 only by org.
    assert units_of_offices(con, ["A"]) == ["A-1", "A-2", "LOOSE"]
    # PB's indicator is owned by B-1 and by JD-1, a unit of another office.
    assert units_of_offices(con, ["B"]) == ["B-1", "JD-1"]
    # C runs no plan: its units are those of its organisation.
    assert units_of_offices(con, ["C"]) == ["C-1"]
    assert units_of_offices(con, ["CL"]) == ["A-1", "A-2", "B-1", "C-1", "JD-1", "LOOSE"]
    assert units_of_offices(con, ["HN"]) == ["Y-1"]
    assert units_of_offices(con, ["NOWHERE"]) == []


def test_the_office_of_a_plan(con):
    assert office_of_plan(con, "PJ") == "JD"
    assert office_of_plan(con, "NO-PLAN") is None


@pytest.mark.parametrize(
    ("plans", "office"),
    [
        (["PA1"], "A"),
        (["PA1", "PA2"], "A"),  # one office runs both: it issues the document itself
        (["PA1", "PB"], "CL"),
        (["PA1", "PJ"], "HB"),
        (["PB", "PJ", "PA2"], "HB"),
        (["PJ", "PY"], "TOP"),
        ([], None),
        (["PA1", "NO-PLAN"], None),
    ],
)
def test_the_common_office_of_plans_is_the_nearest_office_above_all_of_them(con, plans, office):
    assert common_office(con, plans) == office


def test_plans_in_separate_trees_have_no_common_office(tmp_path):
    registry = _registry()
    registry["offices"] = [o | {"parent": None} if o["code"] == "HN" else o for o in registry["offices"]]
    wh = Warehouse(tmp_path / "w.duckdb")
    with wh.connect(create=True):  # only init creates a warehouse
        pass
    with wh.transaction() as c:
        replace_registry(c, registry)
    with wh.connect() as c:
        assert common_office(c, ["PA1", "PY"]) is None
        assert common_office(c, ["PA1", "PB"]) == "CL"
