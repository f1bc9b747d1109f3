"""The filled demo (`portal init --demo`): past quarters reported through the real pipeline, 2025Q3 half done."""

from __future__ import annotations

import polars as pl
import pytest

from portal.accounts.auth import acting_account as acting
from portal.core.context import Portal
from portal.ops.init import init_portal
from portal.reporting.review import compare
from portal.reporting.submissions import ingest
from portal.reporting.templates import build_unit_template
from schemas.enums import IndicatorKind, ReportState
from tests.actors import OFFICE
from tests.conftest import run_cli
from tests.xlsx_fill import fill_valid
from warehouse.views import completion, kpi_progress

PAST = ["2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1", "2025Q2"]


def _sql(portal: Portal, q: str, params=None) -> pl.DataFrame:
    with portal.warehouse.connect() as con:
        return con.sql(q, params=params).pl()


def _counts(portal: Portal) -> dict[str, int]:
    tables = ("submissions", "indicator_values", "task_progress", "reviews", "extensions", "audit_log")
    with portal.warehouse.connect() as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in tables}


@pytest.mark.slow
def test_past_rounds_have_approved_reports_from_most_expected_units(filled_demo_portal):
    today = filled_demo_portal.settings.today()
    with filled_demo_portal.warehouse.connect() as con:
        for code in PAST:
            done = completion(con, code, today)
            approved = done.units.filter(pl.col("state") == ReportState.APPROVED).height
            assert done.expected >= 50
            assert approved >= 0.9 * done.expected, code
            assert done.units.filter(pl.col("state").is_in(["validated", "returned"])).height == 0


@pytest.mark.slow
def test_the_current_round_is_partly_reported_with_every_completion_state(filled_demo_portal):
    with filled_demo_portal.warehouse.connect() as con:
        done = completion(con, "2025Q3", filled_demo_portal.settings.today())
    states = done.units.get_column("state").value_counts()
    counts = dict(zip(states["state"], states["count"], strict=True))
    assert set(counts) == {s.value for s in ReportState}
    assert counts["returned"] == 1
    assert counts["missing"] > done.expected / 3  # many not yet reported, due in five days
    assert done.units.filter(pl.col("extended")).height == 1
    assert done.units.filter(pl.col("rejected_attempts") > 0).height == 1


@pytest.mark.slow
def test_the_kpi_view_shows_green_yellow_and_red_indicators(filled_demo_portal):
    """2025Q2 (reported and reviewed) has every pace; in the open 2025Q3 only indicators with an
    approved value of that round are judged, the rest are 本期未报 (never 滞后 for a stale value)."""
    with filled_demo_portal.warehouse.connect() as con:
        paces = kpi_progress(con, "2025Q2").get_column("pace").value_counts()
        counts = dict(zip(paces["pace"], paces["count"], strict=True))
        assert set(counts) - {"unreported"} == {"green", "yellow", "red"}
        assert counts["green"] > counts["yellow"] > 0 and counts["red"] > 0
        q3 = kpi_progress(con, "2025Q3")
        judged = q3.filter(q3["pace"] != "unreported")
        assert judged.height > 0 and judged["current"].all()
        assert q3.filter(q3["pace"] == "unreported").height > 0


@pytest.mark.slow
def test_returned_reports_were_corrected_as_version_2_and_approved(filled_demo_portal):
    pairs = _sql(
        filled_demo_portal,
        """SELECT v1.id AS v1, v2.id AS v2, v1.round FROM submissions v1
           JOIN submissions v2 ON v2.unit = v1.unit AND v2.round = v1.round AND v2.version = 2
           JOIN reviews r ON r.submission_id = v1.id AND r.decision = 'return'
           WHERE v1.version = 1 AND v2.status = 'approved'""",
    )
    assert pairs.height >= 2
    first = pairs.row(0, named=True)
    changes = compare(filled_demo_portal, first["v1"], first["v2"])
    assert any(c.field == "note" for c in changes)  # the returned item's note answers the comment
    items = _sql(
        filled_demo_portal,
        "SELECT count(*) AS n FROM reviews WHERE submission_id = ? AND item_kind = 'indicator'",
        [first["v1"]],
    )
    assert items["n"][0] == 1


@pytest.mark.slow
def test_some_reports_came_in_late(filled_demo_portal):
    late = _sql(
        filled_demo_portal,
        "SELECT s.round, s.days_late, s.uploaded_at, r.due_date FROM submissions s "
        "JOIN rounds r ON r.code = s.round WHERE s.days_late > 0",
    )
    assert late.height >= 5
    assert late.filter(pl.col("uploaded_at").dt.date() <= pl.col("due_date")).is_empty()
    assert late.get_column("round").n_unique() >= 3


@pytest.mark.slow
def test_every_upload_went_through_the_pipeline_with_its_file_and_review_trail(filled_demo_portal):
    subs = _sql(filled_demo_portal, "SELECT * FROM submissions")
    files = _sql(filled_demo_portal, "SELECT count(*) AS n FROM stored_files")["n"][0]
    assert files == subs.get_column("file_hash").n_unique()
    for path in _sql(filled_demo_portal, "SELECT stored_path FROM stored_files")["stored_path"][:5]:
        assert (filled_demo_portal.settings.home / path).is_file()
    reviewed = _sql(
        filled_demo_portal,
        "SELECT count(*) AS n FROM submissions s WHERE status IN ('approved', 'returned') "
        "AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.submission_id = s.id AND r.reviewer = 'office')",
    )
    assert reviewed["n"][0] == 0
    uploads = _sql(
        filled_demo_portal, "SELECT count(*) AS n FROM audit_log WHERE action = 'submission.upload'"
    )
    assert uploads["n"][0] == subs.height


@pytest.mark.slow
def test_levels_never_fall_and_year_to_date_flows_never_fall_within_a_year(filled_demo_portal):
    values = _sql(
        filled_demo_portal,
        """SELECT v.unit, v.indicator, i.kind, r.year, r.quarter, v.value
           FROM indicator_values v JOIN submissions s ON s.id = v.submission_id AND s.status = 'approved'
           JOIN indicators i ON i.code = v.indicator JOIN rounds r ON r.code = v.round
           ORDER BY v.unit, v.indicator, r.year, r.quarter""",
    )
    levels = values.filter(pl.col("kind").is_in([IndicatorKind.STOCK, IndicatorKind.CUMULATIVE]))
    assert levels.height > 100
    falls = levels.filter(pl.col("value") < pl.col("value").shift(1).over(["unit", "indicator"]))
    assert falls.is_empty(), falls
    flows = values.filter(pl.col("kind") == IndicatorKind.FLOW)
    assert flows.height > 20
    ytd_falls = flows.filter(pl.col("value") < pl.col("value").shift(1).over(["unit", "indicator", "year"]))
    assert ytd_falls.is_empty(), ytd_falls
    q1_below_q4 = flows.filter(
        (pl.col("quarter") == 1) & (pl.col("value") < pl.col("value").shift(1).over(["unit", "indicator"]))
    )
    assert q1_below_q4.height > 0  # a new year starts from zero again
    milestones = values.filter(pl.col("kind") == IndicatorKind.MILESTONE).get_column("value")
    assert set(milestones.to_list()) <= {0.0, 1.0}


@pytest.mark.slow
def test_task_progress_is_plausible_chinese_text_and_percent_never_falls(filled_demo_portal):
    progress = _sql(
        filled_demo_portal,
        """SELECT t.unit, t.task, r.year, r.quarter, t.status, t.percent, t.narrative
           FROM task_progress t JOIN submissions s ON s.id = t.submission_id AND s.status = 'approved'
           JOIN rounds r ON r.code = t.round ORDER BY t.unit, t.task, r.year, r.quarter""",
    )
    assert set(progress.get_column("status").unique().to_list()) == {
        "not_started",
        "in_progress",
        "completed",
        "behind",
    }
    assert progress.filter(pl.col("percent") < pl.col("percent").shift(1).over(["unit", "task"])).is_empty()
    assert progress.filter((pl.col("status") == "completed") & (pl.col("percent") != 100)).is_empty()
    started = progress.filter(pl.col("status") != "not_started")
    assert started.filter(pl.col("narrative").is_null()).is_empty()
    assert started.get_column("narrative").str.contains("本季度|全部任务").all()


@pytest.mark.slow
def test_a_correction_after_approval_leaves_the_kpi_on_the_approved_values_until_reviewed(filled_demo_portal):
    pending = _sql(
        filled_demo_portal,
        """SELECT v2.id AS v2, v1.id AS v1 FROM submissions v2
           JOIN submissions v1 ON v1.superseded_by = v2.id
           JOIN reviews r ON r.submission_id = v1.id AND r.decision = 'approve'
           WHERE v2.round = '2025Q3' AND v2.status = 'validated'""",
    )
    assert pending.height == 1
    v1 = pending["v1"][0]
    with filled_demo_portal.warehouse.connect() as con:
        kpi = kpi_progress(con, "2025Q3")
    assert v1 in kpi.get_column("actual_submission").to_list()


def test_a_unit_owning_no_indicators_can_report(demo_portal):
    built = build_unit_template(demo_portal, "XY-KX", "2025Q3")
    assert built.indicators == 0 and built.tasks > 0
    result = ingest(demo_portal, OFFICE, fill_valid(built.data), built.filename)
    assert result.accepted, result.report.issues


@pytest.mark.slow
def test_running_init_again_on_the_filled_demo_adds_nothing(filled_demo_portal):
    before = _counts(filled_demo_portal)
    _, result = init_portal(filled_demo_portal, demo=True)
    assert result.fill is not None and result.fill.skipped
    done = run_cli("init", "--demo", home=filled_demo_portal.settings.home)
    assert done.returncode == 0, done.stderr.decode()
    assert "未重复填充" in done.stdout.decode()
    assert _counts(Portal.open(filled_demo_portal.settings.home)) == before


@pytest.mark.slow
def test_the_demo_lists_count_what_was_reported_with_one_double_count_and_one_wrong_check_digit(
    filled_demo_portal,
):
    mismatched = _sql(
        filled_demo_portal,
        """
        SELECT v.submission_id, v.indicator, v.value, count(l.item_key) AS items
        FROM indicator_values v
        JOIN indicators i ON i.code = v.indicator AND i.backed_by IS NOT NULL
        LEFT JOIN list_items l ON l.submission_id = v.submission_id AND l.indicator = v.indicator
        GROUP BY ALL HAVING v.value <> count(l.item_key)
        """,
    )
    assert mismatched.is_empty()  # every list-backed value is the count of its list's rows
    assert _sql(filled_demo_portal, "SELECT count(*) AS n FROM list_items")["n"][0] > 1000
    doubles = _sql(
        filled_demo_portal,
        "SELECT DISTINCT indicator, item_key FROM list_items GROUP BY round, indicator, item_key "
        "HAVING count(DISTINCT unit) > 1",
    )
    assert doubles.rows() == [("JZ-K21", "JZKF-XZJD-JZ-K21-001")]
    wrong = _sql(
        filled_demo_portal,
        "SELECT s.unit, s.round, s.status FROM validation_issues i JOIN submissions s ON s.id = i.submission_id "
        "WHERE i.code = 'credit-code-check-digit'",
    )
    assert wrong.rows() == [("JZKF-JFJ", "2024Q1", "rejected")]
    names = _sql(filled_demo_portal, "SELECT DISTINCT name FROM list_items")["name"].to_list()
    assert all(name.startswith("（演示）") for name in names)


def test_the_demo_has_problems_taken_up_assigned_answered_and_closed_by_its_own_accounts(filled_demo_portal):
    from portal.reporting import problems as pb

    items = {r["problem_id"]: r for r in pb.list_problems(filled_demo_portal, OFFICE).iter_rows(named=True)}
    assert len(items) == 3
    jz = [r for r in items.values() if r["plan"] == "JZ"]
    late = next(r for r in jz if r["state"] == "assigned")
    done = next(r for r in jz if r["state"] == "resolved")
    inquiry = next(r for r in items.values() if r["plan"] == "XY")
    # both JZ items come from 存在问题 reported in 2025Q2; the late one is past its due date today
    assert all(r["source_label"].startswith("2025Q2 报送记录") for r in (late, done))
    assert late["overdue"] and late["feedback_due"] < filled_demo_portal.settings.today()
    assert not done["overdue"] and done["last_answer"]
    assert (inquiry["state"], inquiry["unit"], inquiry["overdue"]) == ("assigned", "XY-KJJ", False)
    assert "问诊" in inquiry["source_label"]

    def steps(pid):
        return [
            (r["step_label"], r["actor"])
            for r in pb.trail(filled_demo_portal, OFFICE, pid).iter_rows(named=True)
        ]

    clerk = {"JZKF-CXCY": "reporter", "JZKF-SCJGJ": "reporter_jzkf_scjgj"}[done["assignee"]]
    assert steps(done["problem_id"]) == [
        ("立项", "office_jzkf"),
        ("交办", "office_jzkf"),
        ("答复", clerk),
        ("销号", "office_jzkf"),
    ]
    assert steps(late["problem_id"]) == [("立项", "office_jzkf"), ("交办", "office_jzkf")]
    assert steps(inquiry["problem_id"]) == [("立项", "office_xy"), ("交办", "office_xy")]
    audited = _sql(
        filled_demo_portal,
        "SELECT action, count(*) AS n FROM audit_log WHERE action LIKE 'problem.%' GROUP BY action",
    )
    assert dict(audited.rows()) == {
        "problem.add": 3,
        "problem.assign": 3,
        "problem.answer": 1,
        "problem.close": 1,
    }
    # the unit's clerk sees only what was assigned to it; the JZ office nothing of XY's
    assert set(
        pb.list_problems(filled_demo_portal, acting(filled_demo_portal, "reporter_xy_kjj"))["problem_id"]
    ) == {inquiry["problem_id"]}
    assert inquiry["problem_id"] not in set(
        pb.list_problems(filled_demo_portal, acting(filled_demo_portal, "office_jzkf"))["problem_id"]
    )
