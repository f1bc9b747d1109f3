"""The year-end completion (indicator_year_end.sql, issue 23) is kpi_progress.sql at quarter 4 of the
year with since_year = year and per_round off, written for that case alone: the same rows, columns,
values and order, for every year of the filled demo and the year after its last round; and one plan's
rows are that plan's rows of the whole, in kpi_progress's order."""

from __future__ import annotations

import polars as pl
from polars.testing import assert_frame_equal

from warehouse import views


def test_the_year_end_view_equals_kpi_progress_at_year_end_for_every_year(filled_demo_portal):
    with filled_demo_portal.warehouse.connect() as con:
        views.install_macros(con)
        years = [r[0] for r in con.execute("SELECT DISTINCT year FROM rounds ORDER BY year").fetchall()]
        plans = [r[0] for r in con.execute("SELECT code FROM plans ORDER BY code").fetchall()]
        reported = linked = 0
        for year in [*years, years[-1] + 1]:
            plain = views.query(con, "kpi_progress", year=year, quarter=4, since_year=year, per_round=False)
            fast = views.indicator_year_completion(con, year)
            # kpi_progress orders by position only, which repeats across plans: the whole in any order,
            # each plan (positions unique) in its order
            assert_frame_equal(fast, plain, check_row_order=False)
            reported += fast["reported"].sum()
            linked += fast["task_status"].is_not_null().sum()
            for plan in plans:
                assert_frame_equal(
                    views.indicator_year_completion(con, year, plan), plain.filter(pl.col("plan") == plan)
                )
    # real values, bases and linked tasks' words were compared, not empty years
    assert len(years) >= 2 and reported >= 150 and linked >= 100
