"""The province-scale path of the annual assessment (issue 23) gives exactly what the plain one gives.

The fast path: one connection for the stage and every fact; the task facts looked up in approved_tasks
and joined to the assignments in Polars (not a struct arg_max over the year's task rows); the score lines put in
the units' order by one integer key; each unit's lines sliced when asked for. The plain path,
written out here, is the task query as it was (a struct arg_max, ORDER BY in SQL) and the lines
joined to the units' positions and sorted on three keys. Compared on the filled demo (returned,
rejected, late, corrected uploads; blank statuses) for every plan and every year of it.
"""

from __future__ import annotations

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from portal.assessment.assess import assess, gather
from portal.assessment.scoring import (
    COMPONENTS,
    Facts,
    _maxima,
    bonus_lines,
    deduction_lines,
    indicator_lines,
    indicator_texts,
    qualitative_lines,
    round_lines,
    score,
    task_lines,
    task_texts,
)
from tests.actors import EVALUATOR
from warehouse import approved, views
from warehouse import assessment as data

# warehouse/sql/assessment_tasks.sql before it was made cheaper at province scale (session 6)
PLAIN_TASKS = """
WITH assigned AS (
    SELECT tu.unit, t.code AS task, t.number, t.title, tu.role, t.weight, t.lead_unit, t.due_year,
           t.position, p.start_year,
           coalesce(t.due_year, p.end_year) AS finish_year,
           (SELECT count(*) FROM task_units h WHERE h.task = t.code AND h.role = 'helper') AS helpers
    FROM task_units tu
    JOIN tasks t ON t.code = tu.task
    JOIN plans p ON p.code = t.plan
    JOIN assessed_units a ON a.unit = tu.unit
    WHERE t.plan = $plan AND (t.due_year IS NULL OR t.due_year >= $year)
),
reported AS (
    SELECT unit, task, latest.*
    FROM (
        SELECT p.unit, p.task,
               arg_max({'status': p.status, 'percent': p.percent, 'round': s.round,
                        'submission_id': p.submission_id, 'sheet_row': p.sheet_row, 'year': r.year,
                        'quarter': r.quarter},
                       (r.quarter, s.uploaded_at, s.id)) AS latest
        FROM approved_submissions() s
        JOIN rounds r ON r.code = s.round
        JOIN task_progress p ON p.submission_id = s.id
        WHERE r.year = $year
        GROUP BY p.unit, p.task
    )
)
SELECT a.unit, a.task AS item, a.number, a.title AS name, a.role, a.weight, a.helpers,
       own.status, own.percent, own.round, own.submission_id, own.sheet_row,
       least(100.0, 100.0 * ((own.year - a.start_year) * 4 + own.quarter)
                    / greatest(1, (a.finish_year - a.start_year + 1) * 4)) AS expected_percent,
       lead.status AS lead_status, lead.percent AS lead_percent, lead.round AS lead_round,
       lead.submission_id AS lead_submission_id, lead.sheet_row AS lead_sheet_row,
       least(100.0, 100.0 * ((lead.year - a.start_year) * 4 + lead.quarter)
                    / greatest(1, (a.finish_year - a.start_year + 1) * 4)) AS lead_expected_percent
FROM assigned a
LEFT JOIN reported own ON own.unit = a.unit AND own.task = a.task
LEFT JOIN reported lead ON lead.unit = a.lead_unit AND lead.task = a.task
ORDER BY a.unit, a.position
"""

UNIT_COLUMNS = ["unit", "indicators", "tasks", "reporting", "qualitative", "bonus", "deducted", "total"]
UNIT_COLUMNS += ["rank", "grade", "vetoed", "note", "self_score", "group"]


def _plain_lines(facts: Facts, scheme) -> pl.DataFrame:
    """The lines as score() put them together before: joined to the units' positions, sorted on
    (position, component, order within the unit's part)."""
    maxima = _maxima(scheme, facts)
    parts = [
        indicator_texts(indicator_lines(facts, scheme, maxima), scheme),
        task_texts(task_lines(facts, scheme, maxima), scheme),
        round_lines(facts, scheme),
        qualitative_lines(facts, scheme),
        bonus_lines(facts, scheme),
        deduction_lines(facts, scheme),
    ]
    order = {c: i for i, c in enumerate(COMPONENTS)}
    position = facts.units.select("unit", position=pl.int_range(pl.len()))
    return (
        pl.concat(
            [p.with_columns(seq=pl.int_range(pl.len()).over("unit")) for p in parts], how="diagonal_relaxed"
        )
        .join(position, on="unit", how="inner")
        .with_columns(component_order=pl.col("component").replace_strict(order, return_dtype=pl.Int64))
        .sort("position", "component_order", "seq")
        .drop("seq", "component_order")
        .with_columns(
            basis=pl.when(pl.col("where").is_not_null())
            .then(pl.format("{} → {}", pl.col("where"), pl.col("working")))
            .otherwise(pl.col("working"))
        )
    )


def _plan_years(portal) -> list[tuple[str, int]]:
    with portal.warehouse.connect() as con:
        rows = con.execute("SELECT code, start_year, end_year FROM plans ORDER BY code").fetchall()
    return [(code, year) for code, start, end in rows for year in range(start, end + 1)]


def _blank_a_latest_task_report(portal) -> tuple[int, str]:
    """The newest approved task row with a status left blank (status and percent), as a unit may
    report it: the unit's latest report counts, blank, not an earlier one that had a status."""
    with portal.warehouse.transaction() as con:
        views.install_macros(con)
        *row, unit = con.execute(
            "SELECT p.submission_id, p.task, s.unit FROM task_progress p "
            "JOIN approved_submissions() s ON s.id = p.submission_id JOIN rounds r ON r.code = s.round "
            "WHERE p.status IS NOT NULL AND r.quarter > 1 ORDER BY r.year DESC, r.quarter DESC, s.id DESC LIMIT 1"
        ).fetchone()
        con.execute(
            "UPDATE task_progress SET status = NULL, percent = NULL WHERE submission_id = ? AND task = ?", row
        )
        approved.refresh(con, [unit])  # as an upload would: the derived tables follow the rows
    return tuple(row)


def test_the_fast_assessment_equals_the_plain_path_for_every_plan_and_year(filled_demo_portal):
    portal = filled_demo_portal
    today = portal.settings.today()
    blanked = _blank_a_latest_task_report(portal)
    checked = {"plans": set(), "lines": 0, "task_lines_reported": 0, "units": 0}
    for plan, year in _plan_years(portal):
        fast = assess(portal, EVALUATOR, plan, year)
        assert fast.ok, (plan, year, [i.message for i in fast.report.issues])
        with portal.warehouse.connect() as con:
            facts = gather(portal, con, plan, year, today)
            views.install_macros(con)
            plain_tasks = con.sql(PLAIN_TASKS, params={"plan": plan, "year": year}).pl()
        assert_frame_equal(facts.tasks, Facts(units=facts.units, tasks=plain_tasks).tasks)
        facts.tasks = Facts(units=facts.units, tasks=plain_tasks).tasks
        plain = score(facts, fast.scheme)  # the units' part of score() reads only the lines' sums
        # every line, in the same order, with every column (numbers, sources, basis text)
        lines = _plain_lines(facts, fast.scheme)
        assert_frame_equal(fast.lines.select(lines.columns), lines, check_dtypes=False)
        # every unit's total, rank and grade (and the words beside them)
        assert_frame_equal(
            _units(fast),
            plain.units.select(UNIT_COLUMNS).with_columns(pl.col("note").fill_null("")),
            check_dtypes=False,
        )
        # each unit's own lines are its slice of the whole
        for u in fast.units:
            assert_frame_equal(u.lines, fast.lines.filter(pl.col("unit") == u.unit))
        blank = facts.tasks.filter(
            (pl.col("submission_id") == blanked[0])
            & (pl.col("item") == blanked[1])
            & pl.col("status").is_null()
        )
        checked["blank"] = checked.get("blank", 0) + blank.height
        checked["plans"].add(plan)
        checked["lines"] += lines.height
        checked["units"] += len(fast.units)
        checked["task_lines_reported"] += lines.filter(
            (pl.col("component") == "tasks") & pl.col("scored_status").is_not_null()
        ).height
    # the demo has every plan, real lines and reported tasks to compare, not empty frames
    assert checked["plans"] == {"XY", "XYKX", "SY", "JZ", "YY"}
    assert checked["blank"] >= 1  # the blank latest report was the one scored
    assert checked["lines"] > 1000 and checked["task_lines_reported"] > 50 and checked["units"] > 50


def _units(a) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "unit": u.unit,
                "indicators": u.indicator_score,
                "tasks": u.task_score,
                "reporting": u.reporting_score,
                "qualitative": u.qualitative,
                "bonus": u.bonus,
                "deducted": u.deducted,
                "total": u.total,
                "rank": u.rank,
                "grade": u.grade,
                "vetoed": u.vetoed,
                "note": u.note,
                "self_score": u.self_score,
                "group": u.group,
            }
            for u in a.units
        ]
    )


def _plain_indicator_facts(con, plan: str, year: int, units: pl.DataFrame) -> pl.DataFrame:
    """The indicator facts as gathered before session 9: the whole year-end view, weight > 0, the
    cells looked up in indicator_values and joined in Polars."""
    frame = views.indicator_year_completion(con, year, plan).filter(pl.col("weight") > 0)
    cells = con.sql(
        "SELECT v.submission_id AS actual_submission, v.indicator, v.cell FROM indicator_values v "
        "JOIN indicators i ON i.code = v.indicator WHERE i.plan = $plan",
        params={"plan": plan},
    ).pl()
    return (
        frame.join(units.select(pl.col("unit").alias("owner")), on="owner", how="semi")
        .join(cells, on=["actual_submission", "indicator"], how="left")
        .select(
            pl.col("owner").alias("unit"),
            pl.col("indicator").alias("item"),
            "name",
            "kind",
            "measure_unit",
            "weight",
            pl.col("expected").alias("target"),
            "actual",
            "ratio",
            "pace",
            pl.col("actual_round").alias("round"),
            pl.col("actual_submission").alias("submission_id"),
            "cell",
            pl.col("target_value").alias("plan_target"),
        )
    )


def _plain_reporting_facts(con, year: int, today) -> pl.DataFrame:
    """The reporting facts as gathered before session 9: completion.sql's every column for the
    year's rounds, filtered to the assessed units and joined to the returns in Polars."""
    units = con.sql("SELECT unit FROM assessed_units").pl()["unit"]
    codes = [
        r[0]
        for r in con.execute("SELECT code FROM rounds WHERE year = ? ORDER BY quarter", [year]).fetchall()
    ]
    returns = con.sql(
        "SELECT s.unit, s.round, count(DISTINCT s.id)::INTEGER AS returns FROM submissions s "
        "JOIN rounds r ON r.code = s.round WHERE r.year = $year AND (s.status = 'returned' OR s.id IN "
        "(SELECT submission_id FROM reviews WHERE decision IN ('return', 'returned'))) GROUP BY s.unit, s.round",
        params={"year": year},
    ).pl()
    schema = {"unit": pl.Utf8, "round": pl.Utf8, "due_date": pl.Date, "reported_at": pl.Datetime("us")}
    if codes:
        facts = views.completion_units(con, codes, today).filter(pl.col("unit").is_in(units.implode()))
    else:
        facts = pl.DataFrame(schema={**schema, "days_late": pl.Int32})
    return (
        facts.select("unit", "round", "due_date", "reported_at", "days_late")
        .join(returns, on=["unit", "round"], how="left")
        .with_columns(pl.col("returns").fill_null(0), (pl.col("due_date") < today).alias("due_passed"))
        .rename({"reported_at": "submitted_at"})
        .sort("unit", "round")
    )


def test_the_indicator_and_reporting_facts_equal_the_plain_queries_for_every_plan_and_year(
    filled_demo_portal,
):
    """Session 9 (issue 23): the indicator facts come from one query over the year-end view with the
    cell stored beside each approved value (migration 0020), the reporting facts from one query over
    the completion rules: the same rows, values and order as the plain path, on every plan and year of
    the filled demo (returned, late, missing, corrected uploads) and the year after its last round."""
    portal = filled_demo_portal
    today = portal.settings.today()
    seen = {"cells": 0, "late": 0, "returns": 0, "missing": 0, "years": set()}
    for plan, year in _plan_years(portal):
        with portal.warehouse.connect() as con:
            units = data.assessed_units(con, plan)  # registers the table the queries read
            indicators = data.indicator_facts(con, plan, year)
            rounds = data.reporting_facts(con, year, today)
            assert_frame_equal(indicators, _plain_indicator_facts(con, plan, year, units))
            assert_frame_equal(rounds, _plain_reporting_facts(con, year, today))
        seen["cells"] += indicators["cell"].is_not_null().sum()
        seen["late"] += (rounds["days_late"] > 0).sum()
        seen["returns"] += (rounds["returns"] > 0).sum()
        seen["missing"] += rounds["submitted_at"].is_null().sum()
        seen["years"].add(year)
    # real cells, late reports, returns and missing reports were compared, and years without rounds
    assert seen["cells"] > 100 and seen["late"] and seen["returns"] and seen["missing"]
    assert len(seen["years"]) >= 4


FACT_FRAMES = ("units", "indicators", "tasks", "rounds", "bonus", "deductions", "vetoes", "qualitative")
FACT_FRAMES += ("self_scores",)


def _sequential_facts(con, plan: str, year: int, today) -> Facts:
    """The facts as gather() read them before session 12: one lookup after another on `con`."""
    units = data.assessed_units(con, plan)
    return Facts(
        units=units,
        indicators=data.indicator_facts(con, plan, year),
        tasks=data.task_facts(con, plan, year),
        rounds=data.reporting_facts(con, year, today),
        bonus=data.bonus_items(con, plan, year).with_columns(item=pl.col("id").cast(pl.Utf8)),
        **{kind: data.entries(con, kind, plan, year) for kind in data.ENTRY_TABLES},
    )


def test_the_facts_gathered_side_by_side_equal_the_facts_read_one_after_another(
    filled_demo_portal, monkeypatch
):
    """Session 12 (issue 23): gather() runs the task and indicator lookups each on a cursor of its
    own, beside the rounds and entries read on the caller's: the same frames (rows, values, order) as one
    lookup after another, on every plan and year of the filled demo; inside a transaction it reads on
    the transaction's cursor. Every cursor it made is closed when it returns."""
    portal = filled_demo_portal
    today = portal.settings.today()
    made = []
    monkeypatch.setattr(data, "cursor_of", lambda con: made.append(views.cursor_of(con)) or made[-1])
    compared = {"tasks": 0, "indicators": 0, "rounds": 0}
    plan_years = _plan_years(portal)
    for plan, year in plan_years:
        with portal.warehouse.connect() as con:
            beside = gather(portal, con, plan, year, today)
            one_by_one = _sequential_facts(con, plan, year, today)
        for name in FACT_FRAMES:
            assert_frame_equal(getattr(beside, name), getattr(one_by_one, name))
        for name in compared:
            compared[name] += getattr(beside, name).height
        if beside.rounds.height and beside.tasks.height and beside.indicators.height:
            busiest = plan, year, one_by_one
    assert len(made) == 2 * len(plan_years)
    plan, year, one_by_one = busiest
    with portal.warehouse.transaction() as con:
        in_transaction = gather(portal, con, plan, year, today)
    assert len(made) == 2 * len(plan_years)  # no other cursor: it would not see the transaction's writes
    for name in FACT_FRAMES:
        assert_frame_equal(getattr(in_transaction, name), getattr(one_by_one, name))
    for cur in made:
        with pytest.raises(duckdb.ConnectionException):
            cur.execute("SELECT 1")
    assert all(n > 100 for n in compared.values()), compared


def test_a_lookup_that_fails_beside_the_caller_raises_and_its_cursor_is_closed(
    filled_demo_portal, monkeypatch
):
    portal = filled_demo_portal
    made = []
    monkeypatch.setattr(data, "cursor_of", lambda con: made.append(views.cursor_of(con)) or made[-1])

    def broken(cur, plan):
        cur.sql("SELECT * FROM no_such_table").fetchall()

    with portal.warehouse.connect() as con:
        with pytest.raises(duckdb.CatalogException):
            with data.side_by_side(con) as run:
                failing = run(broken, "x")
                counted = run(lambda cur: cur.sql("SELECT count(*) FROM units").fetchall()[0][0])
            failing.result()
        assert counted.result() == con.sql("SELECT count(*) FROM units").fetchall()[0][0]
        assert con.sql("SELECT 1").fetchall() == [(1,)]  # the caller's cursor is untouched
    assert len(made) == 2
    for cur in made:
        with pytest.raises(duckdb.ConnectionException):
            cur.execute("SELECT 1")
