"""The registry workbook passes the same gate as an upload: file safety, sheet budgets, isolated parse."""

from __future__ import annotations

import pytest

from schemas.sheets import REGISTRY_UNITS
from templates_xlsx.registry_book import write_registry
from tests.validators import hostile
from validators.registry import check_registry, read_registry_file, to_records

UNITS = REGISTRY_UNITS.name
REGISTRY = {
    "offices": [{"code": "O1", "name": "测试市科技创新领导小组办公室", "level": "city"}],
    "plans": [
        {
            "code": "P1",
            "name": "测试市科技创新三年行动方案",
            "start_year": 2023,
            "end_year": 2025,
            "office": "O1",
        }
    ],
    "units": [{"code": "U1", "name": "测试市科技局", "kind": "department", "active": True}],
}


@pytest.fixture(scope="module")
def registry_book() -> bytes:
    return write_registry(REGISTRY)


@pytest.mark.parametrize("isolate", [True, False])
def test_a_clean_registry_workbook_reads_back(registry_book, isolate):
    sheets, issues = read_registry_file(registry_book, isolate=isolate)
    assert issues == [] and check_registry(sheets) == []
    assert [r["code"] for r in to_records(sheets)["units"]] == ["U1"]


@pytest.mark.parametrize(
    ("make", "code", "sheet", "cell"),
    [
        (hostile.with_macro, "file-macro-enabled", None, None),
        (hostile.bomb_by_ratio, "file-zip-bomb", None, None),
        (lambda d: hostile.with_doctype(d, "xl/workbook.xml", hostile.XXE), "file-xml-entity", None, None),
        (hostile.with_dde_external_link, "file-external-link", None, None),
        (hostile.with_duplicate_entry, "file-zip-duplicate", None, None),
        (hostile.encrypted, "file-encrypted", None, None),
        (hostile.truncated, "file-unreadable", None, None),
        (hostile.with_cells(UNITS, ["XFD1048576"]), "sheet-too-large", UNITS, "XFD1048576"),
        (hostile.with_cells(UNITS, ["A200002"]), "sheet-too-large", UNITS, "A200002"),
    ],
    ids=[
        "macro",
        "zip-bomb",
        "xxe",
        "dde-link",
        "duplicate-entry",
        "encrypted",
        "truncated",
        "far-cell",
        "rows",
    ],
)
def test_a_hostile_registry_workbook_is_refused_with_its_issue(registry_book, make, code, sheet, cell):
    sheets, issues = read_registry_file(make(registry_book))
    assert [(i.code, i.sheet, i.cell) for i in issues] == [(code, sheet, cell)]
    assert all(s.frame.height == 0 for s in sheets.values())


def test_a_registry_workbook_that_crashes_the_reader_is_an_issue(registry_book):
    from templates_xlsx import isolation

    far = hostile.with_cells(UNITS, ["XFD1048576"])(registry_book)
    sheets, issues = isolation.read_registry(far, check_sizes=False)  # calamine aborts in the worker
    assert [i.code for i in issues] == ["file-reader-crashed"]
    assert all(s.frame.height == 0 for s in sheets.values())
