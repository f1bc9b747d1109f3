"""The province-scale paths of the views (issue 23) give exactly what the plain queries give.

Each fast path (one pass for many rounds or plans, values picked in one aggregate, labels put into
words once per distinct value) is compared on the filled demo (returned, rejected, late, awaiting
sign-off and corrected uploads) with the straightforward computation it replaced, written out here.
"""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from portal.monitoring import dashboards as d
from portal.monitoring.rollup import SHARED_TOPICS
from tests.actors import OFFICE
from warehouse import approved, rounds, views

# The latest (and first) approved owner value per indicator up to a quarter, as kpi_progress.sql
# defined it before it was made one pass: every approved value joined on both keys, then arg_max.
PLAIN_PICKS = """
WITH vals AS (
    SELECT v.indicator, v.value, s.id AS submission_id, s.uploaded_at, r.code AS round, r.year,
           r.quarter, r.year * 4 + r.quarter AS round_rank
    FROM indicator_values v
    JOIN approved_submissions() s ON s.id = v.submission_id
    JOIN indicator_owners o ON o.indicator = v.indicator AND o.unit = s.unit AND o.position = 0
    JOIN rounds r ON r.code = s.round
    WHERE v.value IS NOT NULL AND r.year * 4 + r.quarter <= $rank
),
actual AS (
    SELECT v.indicator,
           arg_max(v.value, (v.round_rank, v.uploaded_at, v.submission_id)) AS actual,
           arg_max(v.round, (v.round_rank, v.uploaded_at, v.submission_id)) AS actual_round,
           arg_max(v.submission_id, (v.round_rank, v.uploaded_at, v.submission_id)) AS actual_submission
    FROM vals v JOIN indicators i ON i.code = v.indicator
    WHERE (i.kind <> 'flow' OR v.year = $year) AND ($since_year IS NULL OR v.year >= $since_year)
    GROUP BY v.indicator
),
first_approved AS (
    SELECT indicator, arg_min(round, (round_rank, uploaded_at, submission_id)) AS first_round
    FROM vals GROUP BY indicator
)
SELECT i.code AS indicator, a.actual, a.actual_round, a.actual_submission, f.first_round
FROM indicators i
LEFT JOIN actual a ON a.indicator = i.code
LEFT JOIN first_approved f ON f.indicator = i.code
ORDER BY i.code
"""


def _plain_picks(con, year: int, quarter: int, since_year: int | None) -> pl.DataFrame:
    views.install_macros(con)
    params = {"rank": year * 4 + quarter, "year": year, "since_year": since_year}
    return con.sql(PLAIN_PICKS, params=params).pl()


def _picked(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        "indicator",
        "actual",
        "actual_round",
        "actual_submission",
        pl.when(pl.col("base_source") == "first_approved").then(pl.col("base_round")).alias("base_round"),
    ).sort("indicator")


def test_the_approved_values_table_equals_its_definition_after_the_demo_fill(filled_demo_portal):
    """The demo fill approves, returns, corrects after approval and leaves uploads awaiting review and
    sign-off: table approved_values (kept on each of those steps) equals approved_values_of()."""
    with filled_demo_portal.warehouse.connect() as con:
        table = approved.stored(con)
        assert table.height > 300  # every approved round of the demo, not a handful
        assert_frame_equal(table, approved.derived(con))


def test_kpi_progress_picks_the_same_values_as_the_plain_query_in_every_round(filled_demo_portal):
    with filled_demo_portal.warehouse.connect() as con:
        codes = rounds.codes(con)
        assert len(codes) >= 7
        checked = 0
        for code in codes:
            r = views.round_info(con, code)
            plain = _plain_picks(con, r.year, r.quarter, None)
            fast = _picked(views.kpi_progress(con, code))
            assert_frame_equal(fast.drop("base_round"), plain.drop("first_round"), check_dtypes=False)
            # a stock without a baseline starts from its first approved value: the same one
            firsts = fast.join(plain, on="indicator").filter(pl.col("base_round").is_not_null())
            assert firsts["base_round"].to_list() == firsts["first_round"].to_list()
            checked += fast["actual"].is_not_null().sum()
        assert checked > 100  # the demo has values to pick, not only nulls


# Tasks, one row per task, as task_progress.sql computed them in DuckDB over the registered long
# frame before views.per_task did it in Polars.
PLAIN_TASKS = """
WITH r AS (
    SELECT year FROM rounds WHERE code = $round
),
per_task AS (
    SELECT task, plan, number, title, due_year, weight, task_position,
           any_value(unit) FILTER (role = 'lead') AS lead_unit,
           any_value(unit_name) FILTER (role = 'lead') AS lead_name,
           any_value(status) FILTER (role = 'lead') AS lead_status,
           any_value(percent) FILTER (role = 'lead') AS lead_percent,
           any_value(submission_status) FILTER (role = 'lead') AS lead_submission_status,
           coalesce(
               list({'unit': unit, 'name': unit_name, 'status': status, 'percent': percent,
                     'submission_status': submission_status} ORDER BY position)
                   FILTER (role = 'helper'),
               []) AS helpers,
           count(*) FILTER (role = 'helper')::INTEGER AS helper_count,
           count(status) FILTER (role = 'helper')::INTEGER AS helpers_reported,
           bool_or(status = 'behind') FILTER (role = 'helper') AS helper_behind
    FROM task_progress_long
    GROUP BY ALL
),
flagged AS (
    SELECT t.*,
           coalesce(r.year > t.due_year, FALSE) AND coalesce(t.lead_status, '') <> 'completed' AS past_due,
           coalesce(t.lead_status = 'behind', FALSE) OR coalesce(t.helper_behind, FALSE) AS behind
    FROM per_task t CROSS JOIN r
)
SELECT task, plan, number, title, due_year, weight,
       lead_unit, lead_name, lead_status, lead_percent, lead_submission_status,
       helpers, helper_count, helpers_reported,
       past_due OR behind AS overdue,
       list_concat(CASE WHEN past_due THEN ['past_due'] ELSE [] END,
                   CASE WHEN behind THEN ['behind'] ELSE [] END) AS overdue_reasons
FROM flagged
ORDER BY task_position;
"""


def test_tasks_built_in_polars_equal_the_plain_query_in_every_round(filled_demo_portal):
    with filled_demo_portal.warehouse.connect() as con:
        seen = set()
        for code in rounds.codes(con):
            long = views.query(con, "task_progress_long", round=code)
            con.register("task_progress_long", long.to_arrow())
            try:
                plain = con.sql(PLAIN_TASKS, params={"round": code}).pl()
            finally:
                con.unregister("task_progress_long")
            fast = views.task_progress(con, code).tasks
            assert_frame_equal(fast, plain)
            seen |= {(o, h) for o, h in zip(fast["overdue"], fast["helper_count"], strict=True)}
            seen |= {("lead", s) for s in fast["lead_status"]}
    # overdue and not, without helpers and with several, unreported and behind leads are covered
    assert {(True, 0), (False, 0)} <= seen and any(h >= 2 for _, h in seen if isinstance(h, int))
    assert {("lead", None), ("lead", "behind"), ("lead", "completed")} <= seen


@pytest.mark.parametrize("year", [2024, 2025])
def test_year_end_completion_picks_the_same_values_as_the_plain_query(filled_demo_portal, year):
    with filled_demo_portal.warehouse.connect() as con:
        plain = _plain_picks(con, year, 4, year).drop("first_round")
        fast = _picked(views.indicator_year_completion(con, year)).drop("base_round")
    assert_frame_equal(fast, plain, check_dtypes=False)
    assert fast["actual"].is_not_null().sum() > 50


def test_completions_of_many_rounds_equal_each_round_on_its_own(filled_demo_portal):
    today = filled_demo_portal.settings.today()
    with filled_demo_portal.warehouse.connect() as con:
        codes = rounds.codes(con)
        together = views.completions(con, codes, today)
        states = set()
        for code in codes:
            alone = views.completion(con, code, today)
            assert_frame_equal(together[code].units, alone.units)
            assert (together[code].expected, together[code].reported) == (alone.expected, alone.reported)
            states |= set(alone.units["state"].to_list())
    assert {"approved", "returned", "missing", "validated"} <= states  # the demo's variety is covered


def _plain_cells(portal, round_code: str, plan: str | None) -> pl.DataFrame:
    """The completion board's cells as it built them before: one completion() per round."""
    today = portal.settings.today()
    with portal.warehouse.connect() as con:
        shown = [r for r in reversed(rounds.codes(con)) if r <= round_code]
        if plan is not None:
            start, end = con.execute(
                "SELECT start_year, end_year FROM plans WHERE code = ?", [plan]
            ).fetchone()
            shown = [r for r in shown if start <= int(r[:4]) <= end]
        on_duty = views.unit_plans(con).filter(pl.col("plan") == plan)["unit"] if plan else None
        frames = []
        for r in shown:
            units = views.completion(con, r, today).units
            if on_duty is not None:
                units = units.filter(pl.col("unit").is_in(on_duty.implode()))
            frames.append(
                units.select(
                    "unit", "name", "kind", pl.lit(r).alias("round"), "state", "reported", "days_late",
                    "days_left", "rejected_attempts",
                )
            )  # fmt: skip
    cells = pl.concat(frames)
    return cells.with_columns(
        text=pl.Series(
            [d.cell_text(*row) for row in cells.select("state", "days_late", "days_left", "rejected_attempts").rows()],
            dtype=pl.String,
        )
    )  # fmt: skip


@pytest.mark.parametrize("plan", [None, "XY", "JZ", "YY"])
def test_the_completion_board_built_in_one_pass_equals_one_round_at_a_time(filled_demo_portal, plan):
    board = d.completion_board(filled_demo_portal, OFFICE, "2025Q3", plan)
    plain = _plain_cells(filled_demo_portal, "2025Q3", plan)
    assert_frame_equal(board.cells.drop("registry_order", "late", "due_date", "extended"), plain)
    with filled_demo_portal.warehouse.connect() as con:
        focus = views.completion(con, "2025Q3", filled_demo_portal.settings.today()).units
    assert_frame_equal(board.units, focus.filter(pl.col("unit").is_in(plain["unit"].unique().implode())))


def test_the_roll_up_boards_of_many_plans_equal_each_plan_alone(filled_demo_portal):
    plans = ["XY", "XYKX", "SY", "JZ", "YY"]
    together = d.completion_boards(filled_demo_portal, OFFICE, "2025Q3", plans)
    kpis = d.kpi_boards(filled_demo_portal, OFFICE, "2025Q3", plans)
    for plan in plans:
        alone = d.completion_board(filled_demo_portal, OFFICE, "2025Q3", plan)
        assert_frame_equal(together[plan].cells, alone.cells)
        assert_frame_equal(together[plan].by_round, alone.by_round)
        kpi = d.kpi_board(filled_demo_portal, OFFICE, "2025Q3", plan)
        assert_frame_equal(kpis[plan].indicators, kpi.indicators)
        assert kpis[plan].counts == kpi.counts


def test_board_texts_put_into_words_once_per_value_equal_the_row_by_row_words(filled_demo_portal):
    tasks = d.task_board(filled_demo_portal, OFFICE, "2025Q3").tasks
    assert tasks["helpers"].list.len().max() >= 2  # tasks with several helpers are covered
    assert tasks["helpers_text"].to_list() == [
        d._helpers_text(list(h or [])) for h in tasks["helpers"].to_list()
    ]
    assert tasks["overdue_text"].to_list() == [
        d._overdue_text(list(r or [])) for r in tasks["overdue_reasons"].to_list()
    ]
    kpi = d.kpi_board(filled_demo_portal, OFFICE, "2025Q3").indicators
    assert kpi["ratio_text"].to_list() == [
        f"{r:.1%}" if r is not None else "" for r in kpi["ratio"].to_list()
    ]
    names = kpi["name"].to_list()
    for topic in SHARED_TOPICS:
        fast = kpi.select(topic.matching())["name"].to_list()
        assert fast == [topic.matches(n) for n in names]
    assert any(any(t.matches(n) for n in names) for t in SHARED_TOPICS)
