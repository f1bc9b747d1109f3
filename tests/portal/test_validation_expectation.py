"""The Expectation the portal builds from the warehouse: owned items, round state, approved history."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from portal.reporting.templates import build_unit_template
from portal.reporting.validation import ExpectationBook, validate_file
from tests.xlsx_fill import fill_valid
from warehouse import approved

UNIT = "XY-KJJ"


def _approve(portal, rows: list[tuple[str, str, float]], status: str = "approved") -> None:
    """Submissions of UNIT with one value each: (round, indicator, value); loaded through Arrow."""
    rounds = sorted({r for r, _, _ in rows})
    subs = pl.DataFrame(
        {
            "id": [1000 + i for i in range(len(rounds))],
            "unit": UNIT,
            "round": rounds,
            "version": 1,
            "file_hash": [f"h{i}" for i in range(len(rounds))],
            "uploaded_by": "test",
            "uploaded_at": dt.datetime(2025, 1, 1),
            "status": status,
        }
    )
    ids = dict(zip(rounds, subs["id"], strict=True))
    values = pl.DataFrame(
        {
            "submission_id": [ids[r] for r, _, _ in rows],
            "indicator": [i for _, i, _ in rows],
            "unit": UNIT,
            "round": [r for r, _, _ in rows],
            "value": [v for _, _, v in rows],
        }
    )
    with portal.warehouse.transaction() as con:
        con.register("subs", subs.to_arrow())
        con.execute(f"INSERT INTO submissions ({', '.join(subs.columns)}) SELECT * FROM subs")
        con.register("vals", values.to_arrow())
        con.execute(f"INSERT INTO indicator_values ({', '.join(values.columns)}) SELECT * FROM vals")
        approved.refresh(con, [UNIT])  # a bulk load keeps approved_values, which expectations read


def test_owned_indicators_and_tasks_come_from_the_registry(demo_portal):
    e = ExpectationBook(demo_portal).get(UNIT, "2025Q3")
    assert e.unit_known and e.round_state == "open" and e.unit_name
    assert [i.code for i in e.indicators][:3] == ["XY-K01", "XY-K02", "XY-K03"]
    k01 = e.indicator("XY-K01")
    assert k01.kind == "rate" and k01.allow_negative and k01.target == 14
    assert {t.role for t in e.tasks} <= {"lead", "helper"} and len(e.tasks) > 0


def test_previous_values_are_the_last_approved_before_the_round(demo_portal):
    _approve(
        demo_portal,
        [
            ("2024Q4", "XY-K02", 500.0),
            ("2025Q2", "XY-K02", 550.0),
            ("2024Q4", "XY-K06", 95.0),  # a flow: last year's total is not this year's running total
            ("2025Q1", "XY-K06", 20.0),
            ("2025Q2", "XY-K06", 45.0),
            ("2025Q3", "XY-K02", 9999.0),  # the round itself is not history
        ],
    )
    e = ExpectationBook(demo_portal).get(UNIT, "2025Q3")
    k02, k06 = e.indicator("XY-K02"), e.indicator("XY-K06")
    assert (k02.previous, k02.previous_round) == (550.0, "2025Q2")
    assert (k06.previous, k06.year_previous, k06.year_previous_round) == (45.0, 45.0, "2025Q2")
    assert k06.target == 100  # this year's target
    q1 = ExpectationBook(demo_portal).get(UNIT, "2025Q1").indicator("XY-K06")
    assert (q1.previous, q1.previous_round, q1.year_previous) == (95.0, "2024Q4", None)


def test_values_not_approved_are_no_history(demo_portal):
    _approve(demo_portal, [("2025Q2", "XY-K02", 550.0)], status="returned")
    assert ExpectationBook(demo_portal).get(UNIT, "2025Q3").indicator("XY-K02").previous is None


@pytest.mark.parametrize(
    ("unit", "round_code", "state", "known"),
    [(UNIT, "2025Q2", "closed", True), (UNIT, "2031Q1", None, True), ("NOPE", "2025Q3", "open", False)],
)
def test_round_state_and_unknown_units(demo_portal, unit, round_code, state, known):
    e = ExpectationBook(demo_portal).get(unit, round_code)
    assert (e.round_state, e.unit_known) == (state, known)


def test_a_decline_from_the_last_approved_value_is_a_warning_at_its_cell(demo_portal):
    _approve(demo_portal, [("2025Q2", "XY-K02", 550.0)])
    template = build_unit_template(demo_portal, UNIT, "2025Q3").data
    data = fill_valid(template, indicators={"XY-K02": {"value": 500, "note": "口径调整"}})
    report = validate_file(demo_portal, data).report
    assert report.ok
    assert report.flatten(["code", "sheet", "cell"]) == [["stock-declined", "指标填报", "N5"]]
    assert "550（2025Q2）" in report.issues[0].message
