"""KPI history: each quarter's approved value against the expected pace, hand-computed on kpi_fixture."""

import polars as pl
import pytest

from tests.warehouse.fixtures import kpi_fixture
from warehouse.views import kpi_history, kpi_progress

# Plan P runs 2024-2026; the fixture's rounds are 2024Q4 and 2025Q1..Q4. Seen from 2025Q3, so
# 2025Q4 (where U1 reported 999) is not part of the history. (round, actual, expected, pace):
STOCK_B = [
    # baseline 100 at 2024.0 → 200 at 2027.0; the co-owner U2's 500 in 2025Q3 is not the owner's
    ("2024Q4", 130.0, 100 + 100 * 1 / 3, "yellow"),
    ("2025Q1", None, 100 + 100 * 1.25 / 3, "red"),  # nothing approved in that quarter: a gap
    ("2025Q2", 140.0, 150.0, "yellow"),
    ("2025Q3", 150.0, 100 + 100 * 1.75 / 3, "yellow"),
]
FLOW = [
    # a flow is judged against its own year's target (2024: the plan target 100; 2025: 80) × q/4
    ("2024Q4", 90.0, 100.0, "yellow"),
    ("2025Q1", None, 20.0, "red"),
    ("2025Q2", 30.0, 40.0, "red"),
    ("2025Q3", None, 60.0, "red"),  # U3's 55 is validated, not approved
]
# No baseline: the line starts at the first approved value (200 at 2024Q4, plan time 2025.0).
STOCK_NB = [
    ("2024Q4", 200.0, 200.0, "green"),
    ("2025Q1", None, 212.5, "red"),
    ("2025Q2", None, 225.0, "red"),
    ("2025Q3", 240.0, 237.5, "green"),
]


@pytest.fixture
def kpi_wh(tmp_path):
    return kpi_fixture().warehouse(tmp_path)


def _history(frame: pl.DataFrame, indicator: str) -> list[tuple]:
    rows = frame.filter(pl.col("indicator") == indicator).select("round", "actual", "expected", "pace")
    return [(r, a, None if e is None else round(e, 9), p) for r, a, e, p in rows.iter_rows()]


def _rounded(rows):
    return [(r, a, round(e, 9), p) for r, a, e, p in rows]


@pytest.mark.parametrize(
    ("indicator", "expected"), [("STOCK_B", STOCK_B), ("FLOW", FLOW), ("STOCK_NB", STOCK_NB)]
)
def test_each_quarter_shows_the_value_approved_in_it_against_the_expected_pace(kpi_wh, indicator, expected):
    with kpi_wh.connect() as con:
        history = kpi_history(con, "2025Q3")
    assert _history(history, indicator) == _rounded(expected)


def test_the_last_quarter_lies_on_the_same_line_as_kpi_progress(kpi_wh):
    with kpi_wh.connect() as con:
        history = kpi_history(con, "2025Q3").filter(pl.col("round") == "2025Q3")
        progress = kpi_progress(con, "2025Q3")
    assert history["indicator"].to_list() == progress["indicator"].to_list()
    assert history["expected"].to_list() == progress["expected"].to_list()


def test_a_chosen_indicator_gets_only_its_own_quarters_and_later_rounds_are_left_out(kpi_wh):
    with kpi_wh.connect() as con:
        history = kpi_history(con, "2025Q2", ["CUM"])
    assert history.select("indicator", "round", "actual").rows() == [
        ("CUM", "2024Q4", None),
        ("CUM", "2025Q1", None),
        ("CUM", "2025Q2", None),
    ]
    assert history["reported"].to_list() == [False, False, False]


def test_a_rejected_upload_is_never_history(kpi_wh):
    with kpi_wh.connect() as con:
        history = kpi_history(con, "2025Q3", ["CUM"])
    # U2's rejected 2025Q3 upload said 0; the approved one 36 (60 × 1.75/3 = 35 expected).
    assert _history(history, "CUM")[-1] == ("2025Q3", 36.0, 35.0, "green")
