"""Tables approved_values and approved_tasks stay equal to their definitions (approved_values_of(),
approved_tasks_of()) after every path that changes which submission stands approved: review (approve,
return after approval), a re-upload that supersedes, a sign-off, a bulk load and the migrations that
add them."""

from __future__ import annotations

import datetime as dt

import polars as pl
from polars.testing import assert_frame_equal

from schemas.enums import SubmissionStatus
from tests.warehouse.fixtures import Fixture
from warehouse import approved, views
from warehouse.db import Warehouse
from warehouse.submissions import NewSubmission, record_review, record_sign_off, record_submission

AT = dt.datetime(2025, 10, 12, 9)


def _world(tmp_path):
    """A owns I1 (and co-owns I2), B owns I2; A approved in 2025Q1 and Q2, B approved in Q2."""
    fx = Fixture().plan("P", 2024, 2026).unit("A").unit("B")
    fx.indicator("I1", "stock", 100, owners=["A"]).indicator("I2", "stock", 50, owners=["B", "A"])
    fx.task("T1", lead="A", helpers=("B",))
    for code in ("2025Q1", "2025Q2", "2025Q3"):
        fx.round(code)
    fx.submission("A", "2025Q1", values={"I1": 10, "I2": 1}, tasks={"T1": ("in_progress", 20)})
    fx.submission("A", "2025Q2", values={"I1": 20, "I2": None}, tasks={"T1": ("in_progress", 40)})
    fx.submission("B", "2025Q2", values={"I2": 5}, tasks={"T1": ("behind", 10)})
    return fx.warehouse(tmp_path)


def _reopened_on_each_connect(wh: Warehouse) -> Warehouse:
    """The same file with the instance closed when idle (linger=0): these tests take a migration
    back in band and need the next connect to open the file, which is when migrations run."""
    return Warehouse(wh.path, linger=0)


def _upload(con, unit: str, round_code: str, value: float, status=SubmissionStatus.VALIDATED) -> int:
    sub = NewSubmission(unit, round_code, f"h-{unit}-{value}", "u.xlsx", "clerk", AT, status, 0, "1", 0, 0)
    frame = pl.DataFrame({"indicator": ["I1" if unit == "A" else "I2"], "value": [value]})
    return record_submission(con, sub, frame.with_columns(note=None, cell=pl.lit("E5")), None, None)[0]


def _same(con) -> pl.DataFrame:
    """Both tables equal their plain definitions; returns approved_values."""
    tasks = approved.stored(con, "approved_tasks")
    assert tasks.height  # the world's task rows are there to compare
    assert_frame_equal(tasks, approved.derived(con, "approved_tasks"))
    table = approved.stored(con)
    assert_frame_equal(table, approved.derived(con))
    return table


def _latest(table: pl.DataFrame, unit: str, indicator: str) -> tuple[str, float]:
    row = table.filter((pl.col("unit") == unit) & (pl.col("indicator") == indicator)).sort("round_rank")
    return row["round"][-1], row["value"][-1]


def test_a_bulk_load_fills_the_table_with_links_to_the_previous_and_next_value(tmp_path):
    with _world(tmp_path).connect() as con:
        table = _same(con)
        a1 = table.filter((pl.col("unit") == "A") & (pl.col("indicator") == "I1")).sort("round_rank")
        assert a1["round"].to_list() == ["2025Q1", "2025Q2"]
        assert a1["prev_rank"].to_list() == [None, 2025 * 4 + 1]
        assert a1["next_rank"].to_list() == [2025 * 4 + 2, None]
        # a blank value is not a value: A's I2 stands only in 2025Q1
        assert table.filter((pl.col("unit") == "A") & (pl.col("indicator") == "I2"))["round"].to_list() == [
            "2025Q1"
        ]


def test_approving_a_new_upload_adds_its_values_and_returning_it_takes_them_away(tmp_path):
    wh = _world(tmp_path)
    with wh.transaction() as con:
        new = _upload(con, "A", "2025Q3", 30)
        assert _latest(_same(con), "A", "I1") == ("2025Q2", 20)  # awaiting review: not approved yet
        record_review(con, new, SubmissionStatus.APPROVED, "approve", "", [], "office", AT)
        assert _latest(_same(con), "A", "I1") == ("2025Q3", 30)
        record_review(con, new, SubmissionStatus.RETURNED, "return", "请核实", [], "office", AT)
        assert _latest(_same(con), "A", "I1") == ("2025Q2", 20)


def test_a_correction_after_approval_leaves_the_approved_values_until_it_is_approved(tmp_path):
    wh = _world(tmp_path)
    with wh.transaction() as con:
        first = _upload(con, "A", "2025Q3", 30)
        record_review(con, first, SubmissionStatus.APPROVED, "approve", "", [], "office", AT)
        correction = _upload(con, "A", "2025Q3", 31)  # supersedes the approved one
        assert _latest(_same(con), "A", "I1") == ("2025Q3", 30)
        record_review(con, correction, SubmissionStatus.APPROVED, "approve", "", [], "office", AT)
        assert _latest(_same(con), "A", "I1") == ("2025Q3", 31)


def test_superseding_a_bulk_loaded_approval_without_a_review_takes_its_values_away(tmp_path):
    wh = _world(tmp_path)
    with wh.transaction() as con:
        _upload(con, "B", "2025Q2", 6)  # B's 2025Q2 was loaded approved with no review row
        table = _same(con)
        assert table.filter(pl.col("unit") == "B").is_empty()


def test_a_sign_off_that_supersedes_an_approved_upload_keeps_the_table_right(tmp_path):
    wh = _world(tmp_path)
    with wh.transaction() as con:
        first = _upload(con, "A", "2025Q3", 30)
        record_review(con, first, SubmissionStatus.APPROVED, "approve", "", [], "office", AT)
        waiting = _upload(con, "A", "2025Q3", 32, SubmissionStatus.AWAITING_SIGN_OFF)
        record_sign_off(con, {"id": waiting, "unit": "A", "round": "2025Q3"}, "leader", AT, "", 0)
        assert _latest(_same(con), "A", "I1") == ("2025Q3", 30)


def test_kpi_progress_reads_the_table(tmp_path):
    """The views look values up in approved_values: a row written there is what KPI progress shows."""
    with _world(tmp_path).connect() as con:
        con.execute(
            "UPDATE approved_values SET value = 99 WHERE unit = 'A' AND indicator = 'I1' AND round = '2025Q2'"
        )
        row = views.kpi_progress(con, "2025Q2").filter(pl.col("indicator") == "I1").row(0, named=True)
    assert (row["actual"], row["actual_round"]) == (99, "2025Q2")


def test_the_migration_fills_the_table_from_the_submissions_already_there(tmp_path):
    wh = _reopened_on_each_connect(_world(tmp_path))
    with wh.connect() as con:
        expected = approved.stored(con)
        assert expected.height
        con.execute("DROP TABLE approved_values")
        con.execute("DELETE FROM schema_version WHERE version IN (18, 20)")  # 0020 adds the cell to it
    with wh.connect() as con:  # migrates: 0018 and 0020 are missing again
        assert_frame_equal(approved.stored(con), expected)


def test_the_migration_adds_each_values_cell_to_the_table(tmp_path):
    """Migration 0020: a warehouse of 0019 gets the cell each approved value was read from."""
    wh = _reopened_on_each_connect(_world(tmp_path))
    with wh.connect() as con:
        con.execute("UPDATE indicator_values SET cell = 'D' || (5 + rowid)")  # as a template's cells
        expected = approved.stored(con).drop("cell")
        cells = con.sql(
            "SELECT submission_id, indicator, cell FROM indicator_values WHERE value IS NOT NULL"
        ).pl()
        con.execute("ALTER TABLE approved_values DROP COLUMN cell")
        con.execute("DELETE FROM schema_version WHERE version = 20")
    with wh.connect() as con:  # migrates: 0020 is missing again
        stored = approved.stored(con)
        assert_frame_equal(stored.drop("cell"), expected)
        assert_frame_equal(stored, approved.derived(con))
    assert stored.height and stored["cell"].null_count() == 0
    assert_frame_equal(
        stored.select("submission_id", "indicator", "cell").sort("submission_id", "indicator"),
        cells.join(
            stored.select("submission_id", "indicator"), on=["submission_id", "indicator"], how="semi"
        ).sort("submission_id", "indicator"),
    )


def test_the_task_table_links_each_row_to_the_next_approved_row_of_the_task(tmp_path):
    """ "The latest row of a year" is a filter on next_rank; a new approval moves it, a return moves it back."""
    wh = _world(tmp_path)
    with wh.transaction() as con:
        _same(con)
        rows = approved.stored(con, "approved_tasks").filter(pl.col("unit") == "A")
        assert rows.select("round", "status", "percent", "next_rank").rows() == [
            ("2025Q1", "in_progress", 20.0, 2025 * 4 + 2),
            ("2025Q2", "in_progress", 40.0, None),
        ]
        new = _upload(con, "A", "2025Q3", 30)
        record_review(con, new, SubmissionStatus.APPROVED, "approve", "", [], "office", AT)
        _same(con)  # the new upload carries no task row: A's 2025Q2 row stays the latest
        assert approved.stored(con, "approved_tasks").filter(pl.col("unit") == "A")["next_rank"][-1] is None


def test_the_migration_fills_the_task_table_from_the_submissions_already_there(tmp_path):
    wh = _reopened_on_each_connect(_world(tmp_path))
    with wh.connect() as con:
        expected = approved.stored(con, "approved_tasks")
        assert expected.height == 3
        con.execute("DROP TABLE approved_tasks")
        con.execute("DELETE FROM schema_version WHERE version = 19")
    with wh.connect() as con:  # migrates: 0019 is missing again
        assert_frame_equal(approved.stored(con, "approved_tasks"), expected)


def test_reviews_in_a_deferred_run_leave_the_table_until_the_units_collected_are_refreshed_once(tmp_path):
    wh = _world(tmp_path)
    with wh.transaction() as con:
        before = approved.stored(con)
        with approved.deferred() as touched:
            a = _upload(con, "A", "2025Q3", 30)
            b = _upload(con, "B", "2025Q3", 7)
            record_review(con, a, SubmissionStatus.APPROVED, "approve", "", [], "office", AT)
            record_review(con, b, SubmissionStatus.APPROVED, "approve", "", [], "office", AT)
            assert_frame_equal(approved.stored(con), before)  # nothing recomputed yet
        assert touched == {"A", "B"}
        approved.refresh(con, touched)  # outside the run: at once
        table = _same(con)
        assert _latest(table, "A", "I1") == ("2025Q3", 30) and _latest(table, "B", "I2") == ("2025Q3", 7)


def _placed(con, table: str = "approved_values") -> pl.DataFrame:
    """The table's rows with their place on disk (rowid), in that order."""
    return con.sql(f"SELECT rowid AS place, * FROM {table} ORDER BY rowid").pl()


def test_a_refresh_rewrites_only_the_rows_that_changed(tmp_path):
    """An approval adds its round's rows after the rest and re-links the unit's previous row where it
    lies; every other row is untouched, and a refresh with nothing changed changes nothing."""
    wh = _world(tmp_path)
    with wh.transaction() as con:
        before = _placed(con)
        approved.refresh(con, ["A", "B"])
        assert_frame_equal(_placed(con), before)
        new = _upload(con, "A", "2025Q3", 30)
        record_review(con, new, SubmissionStatus.APPROVED, "approve", "", [], "office", AT)
        after = _placed(con)
        _same(con)
    key = ["unit", "indicator", "round"]
    kept = before.join(after, on=key, how="inner", suffix="_after")
    assert (kept["place"] == kept["place_after"]).all()  # nothing moved
    changed = kept.filter(pl.col("next_rank").ne_missing(pl.col("next_rank_after"))).select(key).rows()
    assert changed == [("A", "I1", "2025Q2")]  # its next_rank now points at 2025Q3
    others = pl.struct(key) != {"unit": "A", "indicator": "I1", "round": "2025Q2"}
    assert_frame_equal(after.join(before.filter(others), on=key, how="semi"), before.filter(others))
    new_rows = after.join(before, on=key, how="anti")
    assert new_rows.select(key).rows() == [("A", "I1", "2025Q3")]
    assert new_rows["place"][0] > before["place"].max()


def test_approvals_made_round_after_round_keep_the_tables_in_round_order(tmp_path):
    """A year's rows lie together on disk (DuckDB skips the row groups of other years)."""
    fx = Fixture().plan("P", 2024, 2026).unit("A").unit("B")
    fx.indicator("I1", "stock", 100, owners=["A"]).indicator("I2", "stock", 50, owners=["B"])
    fx.task("T1", lead="A", helpers=("B",))
    for code in ("2025Q1", "2025Q2", "2025Q3", "2025Q4"):
        fx.round(code)
    fx.submission("A", "2025Q1", values={"I1": 10}, tasks={"T1": ("in_progress", 20)})
    fx.submission("B", "2025Q1", values={"I2": 1}, tasks={"T1": ("in_progress", 10)})
    with fx.warehouse(tmp_path).transaction() as con:
        for code, value in (("2025Q2", 20), ("2025Q3", 30), ("2025Q4", 40)):
            for unit in ("A", "B"):
                new = _upload(con, unit, code, value)
                con.execute(
                    "INSERT INTO task_progress (submission_id, task, unit, round, role, status, percent) "
                    "VALUES (?, 'T1', ?, ?, ?, 'in_progress', ?)",
                    [new, unit, code, "lead" if unit == "A" else "helper", value],
                )
                record_review(con, new, SubmissionStatus.APPROVED, "approve", "", [], "office", AT)
        _same(con)
        for table in approved.TABLES:
            ranks = _placed(con, table)["round_rank"]
            assert ranks.len() > 4 and ranks.is_sorted(), table


def test_the_migration_puts_both_tables_in_round_order(tmp_path):
    """Migration 0021: tables left in unit order by the old refresh come back whole, in round order."""
    wh = _reopened_on_each_connect(_world(tmp_path))
    with wh.connect() as con:
        expected = {table: approved.stored(con, table) for table in approved.TABLES}
        for table in approved.TABLES:
            con.execute(f"CREATE TEMP TABLE t AS SELECT * FROM {table} ORDER BY unit DESC, round_rank DESC")
            con.execute(f"DELETE FROM {table}")
            con.execute(f"INSERT INTO {table} SELECT * FROM t")
            con.execute("DROP TABLE t")
            assert not _placed(con, table)["round_rank"].is_sorted()
        con.execute("DELETE FROM schema_version WHERE version = 21")
    with wh.connect() as con:  # migrates: 0021 is missing again
        for table in approved.TABLES:
            assert_frame_equal(approved.stored(con, table), expected[table])
            assert _placed(con, table)["round_rank"].is_sorted(), table
