"""The printing helpers catch what they are meant to: a table whose last columns print on a page
of their own is a cut table."""

import pytest
from openpyxl import Workbook

from tests.portal.printing import assert_no_cut_columns, to_pdf

pytestmark = [pytest.mark.slow, pytest.mark.libreoffice]

HEADERS = [f"第{i}列表头" for i in range(1, 13)]


def _table(path, fit: bool) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for r in range(5):
        ws.append([f"内容{r}{c}" for c in range(12)])
    for letter in "ABCDEFGHIJKL":
        ws.column_dimensions[letter].width = 24  # 12 × 24 characters: wider than an A4 page
    if fit:
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    wb.save(path)


def test_a_table_whose_columns_spill_onto_another_page_is_caught(tmp_path):
    (tmp_path / "spill").mkdir()
    (tmp_path / "fit").mkdir()
    _table(tmp_path / "spill" / "宽表.xlsx", fit=False)
    _table(tmp_path / "fit" / "宽表.xlsx", fit=True)
    with pytest.raises(AssertionError, match="没有一页完整印出表头"):
        assert_no_cut_columns(to_pdf(tmp_path / "spill" / "宽表.xlsx"), HEADERS)
    assert_no_cut_columns(to_pdf(tmp_path / "fit" / "宽表.xlsx"), HEADERS)
