"""Completion of a round: who is expected, in which state, late or not, and who must be reminded."""

import datetime as dt

import pytest

from tests.warehouse.fixtures import ROUND_TODAY, Fixture, round_fixture
from warehouse.views import completion


@pytest.fixture
def round_fx():
    return round_fixture()


@pytest.fixture
def round_wh(tmp_path, round_fx):
    return round_fx.warehouse(tmp_path)


def _units(c) -> dict[str, dict]:
    return {r["unit"]: r for r in c.units.to_dicts()}


def test_every_expected_unit_appears_once_with_its_state(round_wh):
    with round_wh.connect() as con:
        c = completion(con, "2025Q3", ROUND_TODAY)
    assert dict(zip(c.units["unit"], c.units["state"], strict=True)) == {
        "A": "approved",
        "B": "validated",
        "C": "validated",
        "D": "missing",
        "E": "missing",
        "F": "returned",
        "G": "validated",
    }


def test_inactive_units_units_without_duties_and_units_of_ended_plans_are_not_expected(round_wh):
    with round_wh.connect() as con:
        c = completion(con, "2025Q3", ROUND_TODAY)
    assert {"H", "I", "J"}.isdisjoint(c.units["unit"])


def test_reporting_rate_counts_each_expected_unit_once_and_not_a_returned_one(round_wh):
    with round_wh.connect() as con:
        c = completion(con, "2025Q3", ROUND_TODAY)
    assert (c.expected, c.reported) == (7, 4)  # F was returned: it owes a resubmission
    assert c.rate == pytest.approx(4 / 7)


def test_reporting_rate_never_exceeds_one_with_repeated_uploads_and_unexpected_reporters(tmp_path):
    fx = Fixture().plan("P", 2024, 2026).unit("A").unit("B", active=False).unit("C").unit("D")
    fx.indicator("KA", "stock", 1, owners=["A", "B"]).task("T", "C")
    fx.round("2025Q3")
    for status in ("superseded", "superseded", "validated", "rejected"):
        fx.submission("A", "2025Q3", status)
    fx.submission("B", "2025Q3", "approved")  # inactive
    fx.submission("C", "2025Q3", "returned")
    fx.submission("C", "2025Q3", "approved")  # an odd history: two current-looking uploads
    fx.submission("D", "2025Q3", "approved")  # nothing to report
    with fx.warehouse(tmp_path).connect() as con:
        c = completion(con, "2025Q3", ROUND_TODAY)
    assert (c.expected, c.reported, c.rate) == (2, 2, 1.0)
    assert c.units["unit"].to_list() == ["A", "C"]
    assert _units(c)["C"]["state"] == "approved"  # the latest one


def test_nobody_expected_gives_no_rate_instead_of_dividing_by_zero(tmp_path):
    fx = Fixture().plan("P", 2024, 2026).unit("A").round("2025Q3")
    with fx.warehouse(tmp_path).connect() as con:
        c = completion(con, "2025Q3", ROUND_TODAY)
    assert (c.expected, c.reported, c.rate) == (0, 0, None)
    assert c.by_kind.is_empty() and c.missing.is_empty()


def test_lateness_counts_days_after_the_effective_due_date(round_wh):
    with round_wh.connect() as con:
        units = _units(completion(con, "2025Q3", ROUND_TODAY))
    assert (units["A"]["days_late"], units["A"]["on_time"]) == (0, True)
    assert (units["B"]["days_late"], units["B"]["on_time"]) == (3, False)
    # C uploaded on 10-18 too, but has an extension to 10-20
    assert (units["C"]["due_date"], units["C"]["extended"]) == (dt.date(2025, 10, 20), True)
    assert (units["C"]["days_late"], units["C"]["on_time"]) == (0, True)
    assert units["D"]["days_late"] is None and units["D"]["on_time"] is None


def test_an_extension_changes_lateness(round_wh):
    with round_wh.transaction() as con:
        con.execute("DELETE FROM extensions WHERE unit = 'C'")
    with round_wh.connect() as con:
        c = _units(completion(con, "2025Q3", ROUND_TODAY))["C"]
    assert (c["due_date"], c["extended"], c["days_late"], c["on_time"]) == (
        dt.date(2025, 10, 15),
        False,
        3,
        False,
    )


def test_the_first_valid_report_decides_lateness_and_the_latest_one_is_current(round_wh, round_fx):
    with round_wh.connect() as con:
        g = _units(completion(con, "2025Q3", ROUND_TODAY))["G"]
    # v1 on 10-14 (superseded), v2 on 10-16: reported on time, the current submission is v2
    assert g["submission_id"] == round_fx.submission_ids[9]
    assert g["version"] == 2
    assert g["reported_at"] == dt.datetime(2025, 10, 14, 9, 0)
    assert (g["days_late"], g["on_time"]) == (0, True)


def test_rejected_uploads_alone_leave_a_unit_missing_with_its_attempts_counted(round_wh):
    with round_wh.connect() as con:
        units = _units(completion(con, "2025Q3", ROUND_TODAY))
    assert (units["D"]["state"], units["D"]["rejected_attempts"], units["D"]["submission_id"]) == (
        "missing",
        2,
        None,
    )
    # a rejected re-upload after an approved one changes nothing
    assert (units["A"]["state"], units["A"]["rejected_attempts"]) == ("approved", 1)


def test_missing_list_has_contacts_soonest_due_first_and_flags_those_due_within_three_days(round_wh):
    with round_wh.connect() as con:
        c = completion(con, "2025Q3", ROUND_TODAY)
    rows = c.missing.select("unit", "state", "contact", "phone", "due_date", "days_left", "due_soon").rows()
    assert rows == [
        ("D", "missing", "李四", "0710-0004", dt.date(2025, 10, 15), 2, True),
        ("F", "returned", "吴六", "0710-0006", dt.date(2025, 10, 15), 2, True),  # owes a resubmission
        ("E", "missing", "周五", "0710-0005", dt.date(2025, 10, 30), 17, False),
    ]
    assert c.due_soon["unit"].to_list() == ["D", "F"]


def test_a_passed_due_date_stays_on_the_due_soon_list(round_wh):
    with round_wh.connect() as con:
        c = completion(con, "2025Q3", dt.date(2025, 10, 28))
    assert c.missing.select("unit", "days_left", "due_soon").rows() == [
        ("D", -13, True),
        ("F", -13, True),
        ("E", 2, True),
    ]


def test_counts_by_unit_kind_add_up_to_the_totals(round_wh):
    with round_wh.connect() as con:
        c = completion(con, "2025Q3", ROUND_TODAY)
    rows = c.by_kind.select(
        "kind", "expected", "reported", "missing", "validated", "returned", "approved"
    ).rows()
    assert rows == [
        ("department", 3, 3, 0, 2, 0, 1),
        ("park", 2, 1, 1, 1, 0, 0),
        ("town", 2, 0, 1, 0, 1, 0),  # E missing, F returned: neither has reported
    ]
    assert c.by_kind["expected"].sum() == c.expected and c.by_kind["reported"].sum() == c.reported
    assert c.by_kind["rate"].to_list() == [1.0, 0.5, 0.0]


def test_a_round_of_a_year_outside_every_plan_expects_nobody(round_wh):
    with round_wh.transaction() as con:
        con.execute("INSERT INTO rounds VALUES ('2027Q1', 2027, 1, DATE '2027-04-15', 'open')")
    with round_wh.connect() as con:
        c = completion(con, "2027Q1", ROUND_TODAY)
    assert c.expected == 0
