import io

import polars as pl
import pytest
from openpyxl import load_workbook

from portal.core.documents import table_xlsx
from portal.core.filenames import MAX_NAME, safe_name


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../x.xlsx", "x.xlsx"),
        ("C:\\Users\\a\\报表.xlsx", "报表.xlsx"),
        ("[点此查看](http://x)![](http://x/p.png).xlsx", "p.png).xlsx"),
        ("报表\u202egpj.exe", "报表gpj.exe"),  # an RTL override would show it as "exe.jpg"
        ("报\u200b表\x00.xlsx", "报表.xlsx"),
        ("ｒｅｐｏｒｔ．xlsx", "report.xlsx"),  # full-width letters folded by NFKC
        ('a<b>:"|?*.xlsx', "a_b______.xlsx"),
        ("\u200b\u200b", "未命名文件"),
        ("..", "未命名文件"),
        (None, "未命名文件"),
        ("  报\n表\t .xlsx ", "报表 .xlsx"),
    ],
)
def test_a_given_file_name_is_reduced_to_a_safe_base_name(given, kept):
    assert safe_name(given) == kept


def test_a_long_name_is_cut_keeping_its_extension():
    name = safe_name("很" * 5000 + ".xlsx")
    assert len(name) == MAX_NAME and name.endswith("很.xlsx")


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
