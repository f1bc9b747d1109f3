"""The province-scale paths of the views (issue 23) give exactly what the plain queries give.

Each fast path (one pass for many rounds or plans, values picked in one aggregate, labels put into
words once per distinct value) is compared on the filled demo (returned, rejected, late, awaiting
sign-off and corrected uploads) with the straightforward computation it replaced, written out here.
"""

from __future__ import annotations

import importlib.util
import math
import random
import struct
import sys
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from portal.core.context import Portal
from portal.monitoring import dashboards as d
from portal.monitoring.rollup import SHARED_COLUMNS, SHARED_TOPICS, _children_plans, rollup
from schemas.enums import Role
from tests.actors import OFFICE
from tests.conftest import account_in
from warehouse import approved, offices, rounds, views

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


def test_kpi_progress_of_some_columns_unsorted_is_the_whole_view_cut_down(filled_demo_portal):
    """The roll-up reads some columns of KPI progress without its sort: the same rows and values in
    every round; sorted by `position`, each plan's rows come in the whole view's order."""
    columns = ("plan", "indicator", "name", "kind", "actual", "actual_round", "expected", "ratio", "pace")
    with filled_demo_portal.warehouse.connect() as con:
        codes = rounds.codes(con)
        for code in codes:
            whole = views.kpi_progress(con, code)
            some = views.kpi_progress(con, code, columns)
            assert some.columns == [*columns, "position"] and some.height == whole.height > 70
            assert_frame_equal(
                some.drop("position").sort("indicator"), whole.select(columns).sort("indicator")
            )
            placed = some.sort("position", maintain_order=True).drop("position")
            for plan, rows in placed.partition_by("plan", as_dict=True, maintain_order=True).items():
                assert_frame_equal(rows, whole.select(columns).filter(pl.col("plan") == plan[0]))
        with pytest.raises(ValueError):
            views.kpi_progress(con, codes[-1], ("pace; DROP TABLE units",))


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


# ------------------------------------------------------------------ the roll-up and the KPI board texts


def _roll_up_as_the_boards_give_it(portal, office: str, round_code: str, r) -> None:
    """Every number of the roll-up `r` equals the plan's own completion and KPI board (each read
    alone), and each shared topic equals the topic matched plan by plan, as it was built before."""
    frames = {topic.code: [] for topic in SHARED_TOPICS}
    for row in r.plans.to_dicts():
        plan = row["plan"]
        board = d.completion_board(portal, OFFICE, round_code, plan)
        kpis = d.kpi_board(portal, OFFICE, round_code, plan)
        assert (row["expected"], row["reported"], row["late"], row["rate"]) == (
            board.expected,
            board.reported,
            board.late,
            board.rate,
        )
        assert row["indicators"] == kpis.indicators.height
        assert {p: row[p] for p in d.PACES} == kpis.counts
        mine = r.by_round.filter(pl.col("plan") == plan).select(
            "round", "expected", "reported", "late", "rate"
        )
        if board.by_round.height:
            assert_frame_equal(mine, board.by_round.select("round", "expected", "reported", "late", "rate"))
        else:
            assert mine.is_empty()
        for topic in SHARED_TOPICS:
            found = kpis.indicators.filter(topic.matching())
            if found.height:
                frames[topic.code].append(
                    found.with_columns(
                        topic=pl.lit(topic.code),
                        topic_label=pl.lit(topic.label),
                        city=pl.lit(row["city"]),
                        city_name=pl.lit(row["city_name"]),
                        plan_name=pl.lit(row["plan_name"]),
                    ).select(SHARED_COLUMNS)
                )
    expected = {code: pl.concat(f, how="vertical_relaxed") for code, f in frames.items() if f}
    assert [s.code for s in r.shared] == [t.code for t in SHARED_TOPICS if t.code in expected]
    for shared in r.shared:
        assert_frame_equal(shared.rows, expected[shared.code])


def test_the_roll_up_equals_each_plans_own_boards_in_every_round(filled_demo_portal):
    """The roll-up reads the counts in one pass (no matrices) and matches topics over every plan at
    once; each number and row is still the one the plan's own pages show, in every round."""
    with filled_demo_portal.warehouse.connect() as con:
        codes = rounds.codes(con)
    seen = 0
    for code in codes:
        for office in ("CJZY", "HB", "XSSS"):
            r = rollup(filled_demo_portal, OFFICE, office, code)
            _roll_up_as_the_boards_give_it(filled_demo_portal, office, code, r)
            seen += r.plans.height + sum(s.rows.height for s in r.shared)
    assert seen > 100  # plans and shared rows of every round were compared, not empty roll-ups


def test_completion_counts_equal_each_plans_board_for_a_scoped_office(filled_demo_portal):
    """An account below the root sees the counts of its own units only, as its boards do."""
    account = account_in(filled_demo_portal, "office_xsss", Role.OFFICE_REVIEWER, offices=["XSSS"])
    focus, by_round = d.completion_counts(filled_demo_portal, account, "2025Q3", ["XY", "XYKX", "SY"])
    assert focus["plan"].to_list() == ["XY", "XYKX", "SY"]
    for row in focus.to_dicts():
        board = d.completion_board(filled_demo_portal, account, "2025Q3", row["plan"])
        assert (row["expected"], row["reported"], row["late"], row["rate"]) == (
            board.expected,
            board.reported,
            board.late,
            board.rate,
        )
        assert_frame_equal(
            by_round.filter(pl.col("plan") == row["plan"]).drop("plan"),
            board.by_round.select("round", "expected", "reported", "late", "rate"),
        )


def test_percent_texts_equal_the_f_string_for_every_kind_of_value():
    """The KPI board's ratio texts are built in Polars; ties, negatives, −0.0, huge and non-finite
    values and tens of thousands of ordinary ones all read as f"{x:.1%}" does (null stays null)."""
    rng = random.Random(23)
    values = [None, 0.0, -0.0, 1.0, 0.5, 0.00125, 0.00135, 0.9995, 0.99949999, 1e-12, -1e-12, -0.5]
    values += [123.456789, 99999.99995, 1e8, 1e300, math.inf, -math.inf, math.nan, 5e-324]
    values += [k / 10000 + 0.00005 for k in range(20000)]  # on and next to the rounding ties
    values += [k / 1000 for k in range(5000)]
    values += [rng.random() * 3 for _ in range(50000)] + [rng.uniform(-2, 2) for _ in range(2000)]
    values += [struct.unpack("d", struct.pack("Q", rng.getrandbits(64)))[0] for _ in range(5000)]
    series = pl.Series("ratio", values, dtype=pl.Float64, strict=False)
    got = d.percent_texts(series)
    assert got.name == "ratio" and got.dtype == pl.String
    assert got.to_list() == [None if v is None else f"{v:.1%}" for v in series.to_list()]
    assert d.percent_texts(pl.Series([], dtype=pl.Float64)).to_list() == []


@pytest.mark.slow  # generates a small province through bench/generate.py (the benchmark's own world)
def test_the_roll_up_of_a_generated_province_equals_each_city_plans_boards(tmp_path):
    """The benchmark's layout at a small scale: ten city plans under one province office, every
    unit approved in every round; the roll-up equals the plans' own boards in each round."""
    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location(
        "bench_province_views", root / "bench" / "bench_province_views.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)  # puts bench/ on the path for its `generate`
    generate = sys.modules["generate"]
    scale = generate.Scale(units=20, indicators_per_unit=3, tasks_per_unit=2, rounds=3)
    gen = generate.generate(tmp_path / "g", scale, workbooks=False, log=lambda _: None)
    portal = Portal.open(bench.world(gen, tmp_path / "w", cities=True))
    for code in gen.rounds:
        r = rollup(portal, OFFICE, "PROV", code)
        assert r.plans.height == 10 and r.plans["expected"].min() > 0 and r.by_round.height > 0
        _roll_up_as_the_boards_give_it(portal, "PROV", code, r)


def test_the_plans_under_each_office_read_once_equal_one_query_per_office(demo_portal):
    """The roll-up places every office's plans from one read of the plans; each office's list is
    still plans_of_offices of that office and the offices below it, in registry order."""
    with demo_portal.warehouse.connect() as con:
        tree = {o["code"]: o for o in offices.office_tree(con)}
        compared = 0
        for code, office in tree.items():
            for plans in (None, frozenset({"XY", "JZ"})):
                found = _children_plans(con, tree, code, plans)
                assert [c["code"] for c, _ in found] == office["children"]
                for child, own in found:
                    every = offices.plans_of_offices(con, [child["code"]])
                    assert own == [p for p in every if plans is None or p in plans]
                    compared += len(own)
    assert compared >= 10
