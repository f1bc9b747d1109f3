"""List items (名单, migration 0015): stored with their submission in its transaction, and the
queries the validators and registers read (previous lists, other units' items, double counts)."""

import datetime as dt

import polars as pl

from schemas.enums import SubmissionStatus
from tests.warehouse.fixtures import Fixture
from warehouse import lists
from warehouse.submissions import LIST_ITEM_COLUMNS, NewSubmission, record_submission


def _warehouse(tmp_path):
    fx = Fixture().plan("P", 2024, 2026).unit("A").unit("B")
    fx.indicator("I1", "stock", 100, owners=["A", "B"])
    wh = fx.round("2025Q2").round("2025Q3").warehouse(tmp_path)
    with wh.transaction() as con:
        con.execute("UPDATE indicators SET backed_by = 'enterprise' WHERE code = 'I1'")
    return wh


def _new(unit: str, round_code: str, status=SubmissionStatus.VALIDATED) -> NewSubmission:
    at = dt.datetime(2025, 7 if round_code == "2025Q2" else 10, 1, 9)
    return NewSubmission(
        unit, round_code, f"h-{unit}-{round_code}-{status}", "u.xlsx", "t", at, status, 0, "1", 0, 0
    )


def _items(*keys: str) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "list_type": "enterprise",
                "indicator": "I1",
                "sheet_row": 4 + n,
                "item_key": k,
                "stage": "entered",
            }
            for n, k in enumerate(keys)
        ],
        schema=LIST_ITEM_COLUMNS,
    )


def test_items_are_stored_keyed_to_an_accepted_submission_and_not_for_a_rejected_one(tmp_path):
    wh = _warehouse(tmp_path)
    with wh.transaction() as con:
        kept, _ = record_submission(con, _new("A", "2025Q3"), None, None, None, lists=_items("K1", "K2"))
        record_submission(
            con, _new("B", "2025Q3", SubmissionStatus.REJECTED), None, None, None, lists=_items("K9")
        )
        rows = con.execute(
            "SELECT submission_id, unit, round, item_key FROM list_items ORDER BY item_key"
        ).fetchall()
    assert rows == [(kept, "A", "2025Q3", "K1"), (kept, "A", "2025Q3", "K2")]


def test_another_units_items_and_the_pairs_of_a_double_count(tmp_path):
    wh = _warehouse(tmp_path)
    with wh.transaction() as con:
        record_submission(con, _new("A", "2025Q3"), None, None, None, lists=_items("K1", "K2"))
        record_submission(con, _new("B", "2025Q3"), None, None, None, lists=_items("K2", "K3"))
        reported = lists.reported_keys(con, "2025Q3").sort("unit", "item_key").rows()
        pairs = lists.double_counts(con, "2025Q3").select("item_key", "unit", "other_unit").rows()
        only_b = lists.double_counts(con, "2025Q3", units=["B"]).height
        nobody = lists.double_counts(con, "2025Q3", units=[]).height
    assert reported == [("A", "I1", "K1"), ("A", "I1", "K2"), ("B", "I1", "K2"), ("B", "I1", "K3")]
    assert pairs == [("K2", "A", "B")]
    assert (only_b, nobody) == (1, 0)


def test_the_previous_list_is_the_latest_approved_one_of_an_earlier_round(tmp_path):
    wh = _warehouse(tmp_path)
    with wh.transaction() as con:
        approved, _ = record_submission(con, _new("A", "2025Q2"), None, None, None, lists=_items("K1", "K2"))
        con.execute("UPDATE submissions SET status = 'approved' WHERE id = ?", [approved])  # as a review does
        record_submission(con, _new("B", "2025Q2"), None, None, None, lists=_items("K5"))  # never approved
        previous = lists.previous_lists(con, "2025Q3").rows()
        standing = lists.standing_items(con, "enterprise").select("unit", "item_key").rows()
    assert previous == [("A", "I1", 2, "2025Q2")]
    assert standing == [("A", "K1"), ("A", "K2")]
