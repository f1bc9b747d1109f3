"""The formula-safe .xlsx download of a shown table (the grid's own CSV export is off)."""

import io

import polars as pl
from openpyxl import load_workbook

from portal.core.documents import table_xlsx


def test_a_shown_table_downloads_with_formula_text_kept_as_text():
    frame = pl.DataFrame(
        {"单位名称": ["=cmd|' /C calc'!A0", "+1", "-2", "@SUM(A1)", "正常"], "版本": [1, 2, 3, 4, 5]}
    )
    ws = load_workbook(io.BytesIO(table_xlsx(frame, "待审核的报送"))).active
    cells = [ws.cell(row=r, column=1) for r in range(2, 7)]
    assert [c.value for c in cells] == frame["单位名称"].to_list()
    assert all(c.data_type == "s" for c in cells)
    assert [c.quotePrefix for c in cells] == [True, True, True, True, False]
    assert [ws.cell(row=r, column=2).value for r in range(2, 7)] == [1, 2, 3, 4, 5]
