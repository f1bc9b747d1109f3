"""The assessment's stored facts (migration 0022, warehouse/assessment_facts.py) stay equal to their
definitions (indicator_facts_of, task_facts_of) after every write that moves them: an approval and a
return (a unit's own rows and the rows of the tasks it leads), a registry import, a bulk load and the
migration; the assessment reads them for the active units only, so a unit's activation needs no write.
tests/portal/test_authorization_walk.py checks them after every action of the walk."""

from __future__ import annotations

import datetime as dt

import polars as pl
from polars.testing import assert_frame_equal

from schemas.enums import SubmissionStatus
from tests.warehouse.fixtures import Fixture
from tests.warehouse.test_approved import _reopened_on_each_connect, _world
from warehouse import assessment as data
from warehouse import assessment_facts as facts
from warehouse.registry import read_registry, replace_registry, update_unit
from warehouse.submissions import NewSubmission, record_review, record_submission

AT = dt.datetime(2025, 10, 12, 9)


def same_as_defined(con, after: str = "") -> dict[str, pl.DataFrame]:
    """Both tables equal their definitions (and hold rows to compare); the tables. `after`: what was
    just done, named in the failure (the authorization walks check after each case)."""
    tables = {}
    for table in facts.TABLES:
        stored = facts.stored(con, table)
        assert stored.height, table
        try:
            assert_frame_equal(stored, facts.derived(con, table))
        except AssertionError as differ:
            raise AssertionError(f"{table} after {after or 'the writes above'}: {differ}") from None
        tables[table] = stored
    return tables


def _report(con, unit: str, round_code: str, value: float, status: str, percent: float) -> int:
    """An upload by `unit` of its indicator and its row of T1 (led by A, B helps)."""
    sub = NewSubmission(unit, round_code, f"h-{unit}-{value}", "u.xlsx", "clerk", AT, SubmissionStatus.VALIDATED, 0, "1", 0, 0)  # fmt: skip
    values = pl.DataFrame({"indicator": ["I1" if unit == "A" else "I2"], "value": [value]})
    progress = pl.DataFrame(
        {
            "task": ["T1"],
            "role": ["lead" if unit == "A" else "helper"],
            "status": [status],
            "percent": [percent],
        }
    )
    return record_submission(con, sub, values.with_columns(note=None, cell=pl.lit("E5")), progress, None)[0]


def _row(table: pl.DataFrame, **match) -> dict:
    found = table.filter(*[pl.col(k) == v for k, v in match.items()])
    assert found.height == 1, match
    return found.to_dicts()[0]


def test_an_approval_refreshes_the_unit_s_indicators_and_the_helpers_of_the_tasks_it_leads(tmp_path):
    wh = _world(tmp_path)
    with wh.transaction() as con:
        before = same_as_defined(con)
        assert _row(before[facts.TASKS], year=2025, unit="B", item="T1")["lead_percent"] == 40.0
        new = _report(con, "A", "2025Q3", 35, "completed", 100)
        record_review(con, new, SubmissionStatus.APPROVED, "approve", "", [], "office", AT)
        after = same_as_defined(con)
    indicator = _row(after[facts.INDICATORS], year=2025, item="I1")
    assert (indicator["actual"], indicator["round"], indicator["cell"]) == (35.0, "2025Q3", "E5")
    helper = _row(after[facts.TASKS], year=2025, unit="B", item="T1")  # B's row reads its lead's report
    assert (helper["lead_status"], helper["lead_percent"], helper["lead_round"]) == (
        "completed",
        100.0,
        "2025Q3",
    )
    assert (helper["status"], helper["percent"]) == ("behind", 10.0)  # B's own report is unchanged
    # the years before are judged on what was approved within them
    assert _row(after[facts.INDICATORS], year=2024, item="I1") == _row(
        before[facts.INDICATORS], year=2024, item="I1"
    )


def test_a_late_approval_of_last_year_s_round_moves_that_year_and_the_base_of_the_years_after(tmp_path):
    """Only the years from the earliest approved row that changed are recomputed: here 2024 (its
    latest value) and 2025 (I1 has no registered baseline: its base is the first value ever approved,
    now 2024Q4's), while 2025's own latest value stays 2025Q2's."""
    fx = Fixture().plan("P", 2024, 2026).unit("A").unit("B")
    fx.indicator("I1", "stock", 100, owners=["A"]).task("T1", lead="A", helpers=("B",))
    for code in ("2024Q4", "2025Q1", "2025Q2"):
        fx.round(code)
    fx.submission("A", "2025Q1", values={"I1": 10}, tasks={"T1": ("in_progress", 20)})
    fx.submission("A", "2025Q2", values={"I1": 20}, tasks={"T1": ("in_progress", 40)})
    wh = fx.warehouse(tmp_path)
    with wh.transaction() as con:
        before = same_as_defined(con)[facts.INDICATORS]
        late = _report(con, "A", "2024Q4", 4, "in_progress", 10)
        record_review(con, late, SubmissionStatus.APPROVED, "approve", "", [], "office", AT)
        after = same_as_defined(con)[facts.INDICATORS]
    assert _row(before, year=2024, item="I1")["actual"] is None
    assert (_row(after, year=2024, item="I1")["actual"], _row(after, year=2024, item="I1")["round"]) == (
        4.0,
        "2024Q4",
    )
    assert _row(after, year=2025, item="I1")["actual"] == 20.0
    assert _row(after, year=2025, item="I1")["target"] != _row(before, year=2025, item="I1")["target"]


def test_a_return_after_approval_moves_the_facts_back(tmp_path):
    wh = _world(tmp_path)
    with wh.transaction() as con:
        before = same_as_defined(con)
        new = _report(con, "A", "2025Q3", 35, "completed", 100)
        record_review(con, new, SubmissionStatus.APPROVED, "approve", "", [], "office", AT)
        assert _row(same_as_defined(con)[facts.INDICATORS], year=2025, item="I1")["actual"] == 35.0
        record_review(con, new, SubmissionStatus.RETURNED, "return", "数据有误", [], "office", AT)
        after = same_as_defined(con)
    for table, key in (
        (facts.INDICATORS, ["plan", "year", "item"]),
        (facts.TASKS, ["plan", "year", "unit", "item"]),
    ):
        assert_frame_equal(after[table].sort(key), before[table].sort(key))


def test_a_registry_import_rebuilds_the_facts_for_the_new_owners_and_tasks(tmp_path):
    wh = _world(tmp_path)
    with wh.transaction() as con:
        registry = read_registry(con)
        for row in registry["indicators"]:
            if row["code"] == "I1":
                row["owner_units"] = ["B"]  # I1 moves to B, who has reported no I1
        registry["tasks"] = []
        registry["task_units"] = []
        replace_registry(con, registry)
        moved = facts.stored(con, facts.INDICATORS)
        assert_frame_equal(moved, facts.derived(con, facts.INDICATORS))
        assert facts.stored(con, facts.TASKS).height == 0  # no task left: no task facts
        assert (
            _row(moved, year=2025, item="I1")["unit"] == "B"
            and _row(moved, year=2025, item="I1")["actual"] is None
        )


def test_the_assessment_reads_the_active_units_facts_in_order_as_the_definition_gives_them(tmp_path):
    """The read equals the definition for the active units, column types included; a unit switched
    off leaves the assessment at once, and comes back when switched on, with no refresh."""
    wh = _world(tmp_path)

    with wh.transaction() as con:
        for year in (2024, 2025, 2026):
            for kind, lookup in (("indicators", data.indicator_facts), ("tasks", data.task_facts)):
                assert_frame_equal(lookup(con, "P", year), data.computed_facts(con, kind, "P", year))
        assert set(data.task_facts(con, "P", 2025)["unit"]) == {"A", "B"}
        update_unit(con, "B", {"active": False})
        assert set(data.task_facts(con, "P", 2025)["unit"]) == {"A"}
        assert set(data.indicator_facts(con, "P", 2025)["unit"]) == {"A"}
        assert_frame_equal(data.task_facts(con, "P", 2025), data.computed_facts(con, "tasks", "P", 2025))
        update_unit(con, "B", {"active": True})
        assert set(data.indicator_facts(con, "P", 2025)["unit"]) == {"A", "B"}


def test_the_migration_fills_the_facts_from_the_data_already_there(tmp_path):
    wh = _reopened_on_each_connect(_world(tmp_path))
    with wh.connect() as con:
        expected = {table: facts.stored(con, table) for table in facts.TABLES}
        assert all(frame.height for frame in expected.values())
        for table in facts.TABLES:
            con.execute(f"DROP TABLE {table}")
        con.execute("DELETE FROM schema_version WHERE version = 22")
    with wh.connect() as con:  # migrates: 0022 is missing again
        for table in facts.TABLES:
            assert_frame_equal(facts.stored(con, table), expected[table])
