"""The column-wise reader of list sheets (templates_xlsx.reader.read_list_sheet) gives exactly the
frame and issues of the general cell-by-cell reader, on generated lists with awkward values."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from schemas.credit_code import with_check
from schemas.sheets import LIST_SHEETS
from templates_xlsx.builder import build_template
from templates_xlsx.reader import Workbook, _plain_offset, read_list_sheet, read_sheet
from tests.validators.sample import SECRET, sample_context

LISTS = {"enterprise": ["T-K01", "T-K02"], "project": ["T-K03"]}
# Awkward values, cycled down the rows: full-width digits, numbers typed as text or as numbers in
# text columns, padding, no-value markers, dates as cells and as text, one unreadable date.
DATES = [dt.datetime(2024, 3, 1), "2024年3月1日", "2024/3/1", " 2024-03-01 ", "下月", None, "—"]
MONEY = ["1,200", "１２０", 350, "12万元", "约一千", " 88 ", None, "－", 1e16]
NAMES = ["（演示）企业", "  前后空格企业  ", "企业\n换行", 12345, "无"]


def _fill(rows: int, formula_at: int | None = None) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(build_template(sample_context(lists=LISTS), SECRET)))
    ent, proj = book["企业名单"], book["项目名单"]
    first = 4
    for n in range(rows):
        r = first + n
        if n % 7 == 3:
            continue  # a blank row inside the list
        if n % 11 == 5:
            ent.cell(r, 2, "   ")  # whitespace only: blank too
            continue
        code = with_check(f"91420600MA{n:07d}")
        ent.cell(r, 1, "T-K01" if n % 2 else " T-K02")
        ent.cell(r, 2, f"{NAMES[n % len(NAMES)]}{n}" if n % 5 != 3 else NAMES[3])
        ent.cell(
            r, 3, code.translate(str.maketrans("0123456789", "０１２３４５６７８９")) if n % 4 == 1 else code
        )
        ent.cell(r, 4, DATES[n % len(DATES)])
        ent.cell(r, 5, 2024 if n % 3 == 0 else f"GR{n}")
        ent.cell(r, 6, "郧阳区" if n % 2 else None)
        ent.cell(r, 7, ["入库", "培育", " 申报", "认定", "毕业"][n % 5])
        proj.cell(r, 1, "T-K03")
        proj.cell(r, 2, f"项目{n}")
        proj.cell(r, 3, f"XM-{n}" if n % 6 else n)
        proj.cell(r, 4, MONEY[n % len(MONEY)])
        proj.cell(r, 5, MONEY[(n + 2) % len(MONEY)])
        proj.cell(r, 6, MONEY[(n + 5) % len(MONEY)])
        proj.cell(r, 7, "主体施工")
    if formula_at is not None:
        ent.cell(first + formula_at, 2, "=A4&B4")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("rows", [0, 1, 60, 400])
def test_a_list_sheet_reads_the_same_column_wise_as_cell_by_cell(rows):
    book = Workbook(_fill(rows))
    for spec in LIST_SHEETS:
        if spec.name not in book.sheet_names:
            continue
        assert _plain_offset(book, spec.name) is not None  # the column-wise path is the one taken
        general, general_issues = read_sheet(book, spec)
        fast, fast_issues = read_list_sheet(book, spec)
        assert fast.frame.equals(general.frame), spec.name
        assert fast.letters == general.letters and fast.header_row == general.header_row
        assert [i.as_dict() for i in fast_issues] == [i.as_dict() for i in general_issues], spec.name
    if rows >= 60:  # the awkward values did raise issues, so the comparison compared something
        assert {i.code for i in read_list_sheet(book, LIST_SHEETS[0])[1]} & {"value-not-date", "text-trimmed"}


def test_a_list_sheet_with_a_formula_is_read_by_the_general_reader_and_the_formula_refused():
    book = Workbook(_fill(40, formula_at=2))
    spec = next(s for s in LIST_SHEETS if s.name == "企业名单")
    assert _plain_offset(book, spec.name) is None
    sheet, issues = read_list_sheet(book, spec)
    assert [(i.code, i.cell) for i in issues if i.code.startswith("formula")] == [
        ("formula-without-value", "B6")
    ]
    general, general_issues = read_sheet(book, spec)
    assert sheet.frame.equals(general.frame) and issues == general_issues
