"""A sheet's extent is checked against its budget before any reader allocates for it."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from schemas.sheets import INDICATOR_SHEET, REGISTRY_SHEETS, TASK_SHEET
from templates_xlsx import budget
from templates_xlsx.reader import SheetTooLarge, Workbook
from templates_xlsx.registry_book import read_registry, write_registry
from templates_xlsx.upload import read_upload
from tests.validators import hostile
from tests.xlsx_fill import fill_valid, patch_sheet_xml

IND, TASK = INDICATOR_SHEET.name, TASK_SHEET.name


def _far(data: bytes, sheet: str, budget_: budget.Budget | None = None) -> str | None:
    book = zipfile.ZipFile(io.BytesIO(data))
    part = Workbook(data, check_sizes=False).sheet_part(sheet)
    return budget.far_cell(book, part, budget_ or budget.BUDGETS[sheet])


def test_a_filled_template_fits_its_budgets(template):
    data = fill_valid(template)
    assert all(_far(data, name) is None for name in (IND, TASK, "填报说明", "_meta"))


def test_the_last_column_of_the_margin_fits_and_the_next_does_not(template):
    assert budget.BUDGETS[IND] == budget.Budget(5_000, len(INDICATOR_SHEET.columns) + budget.COLUMN_MARGIN)
    assert _far(hostile.with_cells(IND, ["AO4"])(template), IND) is None
    assert _far(hostile.with_cells(IND, ["AP4"])(template), IND) == "AP4"


@pytest.mark.parametrize("chunk", [7, 64, 1000])
def test_cells_split_across_chunks_are_still_found(template, monkeypatch, chunk):
    data = hostile.with_cells(TASK, ["I5001"])(template)
    monkeypatch.setattr(budget, "CHUNK", chunk)
    assert _far(data, TASK, budget.Budget(5_000, 40)) == "I5001"
    assert _far(data, TASK, budget.Budget(5_001, 40)) is None


def test_cells_without_references_are_placed_by_position_and_prefixes_are_ignored(template):
    """Some generators omit r="…" and prefix the namespace (<x:row>, <x:c>)."""
    row = "".join("<x:c><x:v>1</x:v></x:c>" for _ in range(30))

    def rewrite(xml: str) -> str:
        return xml.replace("</sheetData>", f"<x:row>{row}</x:row></sheetData>")

    data = patch_sheet_xml(template, IND, rewrite)
    assert _far(data, IND, budget.Budget(5_000, 30)) is None
    assert _far(data, IND, budget.Budget(5_000, 29)) == "AD8"  # row 8: after the template's last row, 7
    assert _far(data, IND, budget.Budget(7, 40)) == "A8"


def test_a_lying_dimension_alone_is_reported_at_its_far_corner(template):
    data = patch_sheet_xml(
        template, IND, lambda xml: re.sub(r"<dimension [^>]*>", '<dimension ref="B2:ZZ9000"/>', xml)
    )
    assert _far(data, IND) == "ZZ9000"


def test_an_unfinished_tag_longer_than_any_cell_is_refused(template, monkeypatch):
    monkeypatch.setattr(budget, "CHUNK", 1024)
    data = patch_sheet_xml(
        template, IND, lambda xml: xml.replace("<sheetData>", "<sheetData><c " + "a" * 70_000 + "/>")
    )
    assert _far(data, IND) is not None


def test_two_hundred_thousand_real_rows_are_refused_at_the_first_cell_beyond_the_budget(template):
    """Refused on the sheet XML, before any parse (its speed is a bench line, not a unit-test timer)."""
    data = hostile.with_rows(fill_valid(template), Workbook(template, False).sheet_part(IND), 9, 200_000)
    assert len(data) > 1_000_000
    parsed = read_upload(data)
    assert [(i.code, i.sheet, i.cell) for i in parsed.issues] == [("sheet-too-large", IND, "O5001")]
    assert not parsed.readable


def test_the_workbook_never_reaches_calamine_beyond_the_budget(template, monkeypatch):
    import fastexcel

    def refuse(data):
        raise AssertionError("calamine was called")

    monkeypatch.setattr(fastexcel, "read_excel", refuse)
    with pytest.raises(SheetTooLarge) as raised:
        Workbook(hostile.with_cells(IND, ["XFD1048576"])(template))
    assert [(i.sheet, i.cell) for i in raised.value.issues] == [(IND, "XFD1048576")]


def test_a_registry_sheet_beyond_its_budget_is_an_issue_not_a_parse():
    data = write_registry({})
    name = REGISTRY_SHEETS[2].name
    sheets, issues = read_registry(hostile.with_cells(name, ["A200001"])(data))
    assert [(i.code, i.sheet, i.cell) for i in issues] == [("sheet-too-large", name, "A200001")]
    assert set(sheets) == {s.key for s in REGISTRY_SHEETS} and all(
        s.frame.height == 0 for s in sheets.values()
    )


def _sheet_zip(cells: list[str]) -> zipfile.ZipFile:
    rows = "".join(
        f'<row r="{n}"><c r="A{n}"><v>1</v></c><c r="C{n}"><v>2</v></c></row>' for n in range(4, 4_999)
    )
    extra = "".join(f'<row r="9"><c r="{ref}"><v>3</v></c></row>' for ref in cells)
    xml = f'<worksheet><dimension ref="A1:H4999"/><cols><col min="1" max="2"/></cols><sheetData>{rows}{extra}</sheetData></worksheet>'
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("xl/worksheets/sheet1.xml", xml)
    return zipfile.ZipFile(out)


@pytest.mark.parametrize(
    "ref", [None, "A5000", "A5001", "AH5000", "AI4", "Z4999", "B09999", "A0", "a6000", "A50000", "AA1"]
)
def test_the_one_pass_chunk_check_places_edge_cells_as_the_tag_by_tag_loop(monkeypatch, ref):
    """The one-search check of whole chunks (references near or beyond the budget's edge, leading
    zeros, lower case) answers exactly as stepping every tag: a list sheet of 5,000 rows is
    checked without a Python step per cell (issue 18)."""
    sheet = _sheet_zip([ref] if ref else [])
    limit = budget.Budget(5_000, 34)
    fast = budget.far_cell(sheet, "xl/worksheets/sheet1.xml", limit)
    monkeypatch.setattr(budget, "_explicit_chunk", lambda segment, b: None)
    assert fast == budget.far_cell(sheet, "xl/worksheets/sheet1.xml", limit)
    assert fast == {
        "A5001": "A5001",
        "AI4": "AI4",
        "B09999": "B9999",
        "a6000": "A6000",
        "A50000": "A50000",
    }.get(ref)
