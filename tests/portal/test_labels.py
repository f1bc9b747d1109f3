"""Page labels: service frames shown with Chinese headers, dates as text and no "None"."""

import datetime as dt

import polars as pl
import pytest

from portal.core import labels as L


def test_headed_renames_formats_dates_and_blanks_missing_text():
    frame = pl.DataFrame(
        {
            "code": ["2025Q3"],
            "due_date": [dt.date(2025, 10, 15)],
            "locked_until": [dt.datetime(2025, 10, 10, 12, 15, 30)],
            "unit": [None],
            "extra": [1],
        },
        schema_overrides={"unit": pl.String},
    )
    shown = L.headed(frame, ["code", "due_date", "locked_until", "unit"])
    assert shown.columns == ["代码", "截止日期", "锁定至", "单位代码"]
    assert shown.row(0) == ("2025Q3", "2025-10-15", "2025-10-10 12:15", "")


def test_a_number_column_with_gaps_is_shown_as_text_with_blanks_and_a_full_one_stays_numeric():
    frame = pl.DataFrame(
        {"reported": [1200.0, 3.5], "previous_value": [1000.0, None], "days_late": [None, 3]},
        schema_overrides={"days_late": pl.Int32},
    )
    shown = L.headed(frame, ["reported", "previous_value", "days_late"])
    assert shown.schema.dtypes() == [pl.Float64, pl.String, pl.String]
    assert shown.rows() == [(1200.0, "1,000", ""), (3.5, "", "3")]


@pytest.mark.parametrize(
    ("size", "text"),
    [(0, "0 KB"), (300, "1 KB"), (831_488, "812 KB"), (5_138_022, "4.9 MB"), (20 << 20, "20.0 MB")],
)
def test_a_file_size_is_shown_in_kb_or_mb_of_1024(size, text):
    assert L.size_text(size) == text


def test_every_header_is_chinese():
    for english, chinese in L.COLUMNS.items():
        assert english.isascii() and not chinese.isascii(), english


@pytest.mark.parametrize(
    ("value", "text"), [(None, ""), (1200.0, "1,200"), (14.5, "14.5"), (0.125, "0.12"), (3.0, "3")]
)
def test_numbers_are_shown_as_people_write_them(value, text):
    assert L.number_text(value) == text
