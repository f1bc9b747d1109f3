"""Recording submissions: id and version from one statement, fact rows held for a chunk's flush."""

import datetime as dt

import polars as pl

from schemas.enums import SubmissionStatus
from tests.warehouse.fixtures import Fixture
from warehouse.submissions import NewSubmission, PendingRows, record_submission


def _warehouse(tmp_path):
    fx = Fixture().plan("P", 2024, 2026).unit("A").unit("B")
    fx.indicator("I1", "stock", 100, owners=["A"]).indicator("I2", "stock", 50, owners=["B"])
    return fx.round("2025Q3").warehouse(tmp_path)


def _new(unit: str, status=SubmissionStatus.VALIDATED) -> NewSubmission:
    return NewSubmission(
        unit, "2025Q3", f"hash-{unit}", "u.xlsx", "test", dt.datetime(2025, 10, 1, 9), status, 0, "1", 0, 1
    )


def _values(indicator: str, value: float) -> pl.DataFrame:
    return pl.DataFrame({"indicator": [indicator], "value": [value], "note": [None], "cell": ["E5"]})


def _issues() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "code": ["blank-note"],
            "severity": ["warning"],
            "sheet": ["指标"],
            "cell": ["F5"],
            "message": ["备注为空"],
        }
    )


def test_versions_count_up_per_unit_and_round_and_the_newer_supersedes(tmp_path):
    wh = _warehouse(tmp_path)
    with wh.transaction() as con:
        first = record_submission(con, _new("A"), _values("I1", 60), None, None)
        second = record_submission(con, _new("A"), _values("I1", 70), None, None)
        other = record_submission(con, _new("B"), _values("I2", 20), None, None)
        statuses = dict(con.execute("SELECT id, status FROM submissions").fetchall())
    assert [first[1], second[1], other[1]] == [1, 2, 1]
    assert statuses == {first[0]: "superseded", second[0]: "validated", other[0]: "validated"}


def test_fact_rows_wait_for_the_flush_and_then_land_keyed_to_each_submission(tmp_path):
    wh = _warehouse(tmp_path)
    facts = PendingRows()
    with wh.transaction() as con:
        a, _ = record_submission(con, _new("A"), _values("I1", 60), None, _issues(), facts)
        b, _ = record_submission(con, _new("B"), _values("I2", 20), None, _issues(), facts)
        assert con.execute("SELECT count(*) FROM indicator_values").fetchall() == [(0,)]
        facts.flush(con)
    with wh.connect() as con:
        values = con.execute(
            "SELECT submission_id, unit, round, indicator, value FROM indicator_values ORDER BY unit"
        ).fetchall()
        issues = con.execute("SELECT submission_id, seq, code FROM validation_issues ORDER BY 1").fetchall()
    assert values == [(a, "A", "2025Q3", "I1", 60.0), (b, "B", "2025Q3", "I2", 20.0)]
    assert issues == [(a, 1, "blank-note"), (b, 1, "blank-note")]
    assert all(not frames for frames in facts.frames.values())


def test_a_rejected_upload_keeps_its_issues_and_no_facts(tmp_path):
    wh = _warehouse(tmp_path)
    with wh.transaction() as con:
        sid, version = record_submission(
            con, _new("A", SubmissionStatus.REJECTED), _values("I1", 60), None, _issues()
        )
        facts = con.execute("SELECT count(*) FROM indicator_values").fetchall()
        issues = con.execute("SELECT submission_id FROM validation_issues").fetchall()
    assert (version, facts, issues) == (1, [(0,)], [(sid,)])


def test_stored_files_are_added_once_per_hash_and_never_twice_across_flushes(tmp_path):
    wh = _warehouse(tmp_path)
    at = dt.datetime(2025, 10, 1, 9)
    with wh.transaction() as con:
        pending = PendingRows()
        pending.add_file("h1", 10, "uploads/h1.xlsx", at)
        pending.add_file("h1", 10, "uploads/h1-again.xlsx", at)  # the same file for a second unit
        pending.add_file("h2", 20, "uploads/h2.xlsx", at)
        pending.flush(con)
        pending.add_file("h2", 20, "uploads/h2-later.xlsx", at)
        pending.flush(con)
        stored = con.execute("SELECT file_hash, stored_path FROM stored_files ORDER BY 1").fetchall()
    assert stored == [("h1", "uploads/h1.xlsx"), ("h2", "uploads/h2.xlsx")]


def test_audit_lines_keep_their_order_and_fields(tmp_path):
    wh = _warehouse(tmp_path)
    at = dt.datetime(2025, 10, 1, 9, 30)
    with wh.transaction() as con:
        pending = PendingRows()
        pending.add_audit(at, "office", "submission.upload", "7", "unit=A")
        pending.add_audit(at, "office", "submission.upload", "8", None)
        pending.flush(con)
        lines = con.execute(
            "SELECT logged_at, actor, action, target, detail FROM audit_log ORDER BY id"
        ).fetchall()
    assert lines == [
        (at, "office", "submission.upload", "7", "unit=A"),
        (at, "office", "submission.upload", "8", None),
    ]
