"""Quarter arithmetic: one type reads, prints, orders and steps round codes."""

from __future__ import annotations

import datetime as dt

import pytest

from schemas.quarters import Quarter, RoundCodeError


@pytest.mark.parametrize(
    "code, end",
    [("2025Q4", dt.date(2025, 12, 31)), ("2024Q1", dt.date(2024, 3, 31)), ("2024Q2", dt.date(2024, 6, 30))],
)
def test_a_quarter_ends_on_its_last_day(code, end):
    assert Quarter.parse(code).end() == end


@pytest.mark.parametrize(
    "code, previous, following",
    [("2025Q1", "2024Q4", "2025Q2"), ("2025Q4", "2025Q3", "2026Q1"), ("2025Q2", "2025Q1", "2025Q3")],
)
def test_quarters_step_across_years(code, previous, following):
    q = Quarter.parse(code)
    assert (str(q.previous()), str(q.next())) == (previous, following)


@pytest.mark.parametrize(
    "today, reported",
    [(dt.date(2026, 1, 5), "2025Q4"), (dt.date(2025, 10, 10), "2025Q3"), (dt.date(2025, 3, 31), "2024Q4")],
)
def test_the_quarter_reported_on_a_day_is_the_one_that_ended_last(today, reported):
    assert str(Quarter.reported_on(today)) == reported


def test_quarters_order_and_run_through_a_span():
    span = Quarter.parse("2024Q3").through(Quarter.parse("2025Q2"))
    assert [str(q) for q in span] == ["2024Q3", "2024Q4", "2025Q1", "2025Q2"]
    assert Quarter.parse("2025Q2").through(Quarter.parse("2024Q3")) == []
    assert Quarter(2024, 4) < Quarter(2025, 1)


def test_a_due_date_is_so_many_days_after_the_quarter_ends():
    assert Quarter.parse("2025Q3").due(15) == dt.date(2025, 10, 15)


@pytest.mark.parametrize("code", ["2025Q5", "2025q3", "25Q3", "", "2025Q3 "])
def test_a_malformed_code_is_refused_in_chinese(code):
    with pytest.raises(RoundCodeError, match="轮次代码"):
        Quarter.parse(code)


@pytest.mark.parametrize(
    ("code", "label"),
    [("2025Q1", "2025年第一季度"), ("2025Q3", "2025年第三季度"), ("2026Q4", "2026年第四季度")],
)
def test_a_quarter_is_named_in_words_on_documents(code, label):
    assert Quarter.parse(code).label == label
