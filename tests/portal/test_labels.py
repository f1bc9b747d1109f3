"""Page labels: service frames shown with Chinese headers, dates as text and no "None"."""

import datetime as dt

import polars as pl

from portal import labels as L


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


def test_every_header_is_chinese():
    for english, chinese in L.COLUMNS.items():
        assert english.isascii() and not chinese.isascii(), english
