"""The open-data tables' queries (warehouse/sharing.py) against the plain definitions they replace."""

from __future__ import annotations

from polars.testing import assert_frame_equal

from portal.sharing.datasets import dataset, typed
from warehouse import sharing, views

# The API's indicator-values query before it read the approved_values table (migration 0018): every
# submission's approval standing rebuilt through approved_submissions() and joined with its values.
PLAIN_INDICATOR_VALUES = """
    SELECT s.round, r.year, r.quarter, i.plan, v.indicator, i.name AS indicator_name, i.measure_unit,
           v.unit, v.value, coalesce(o.unit = v.unit, FALSE) AS owner, s.id AS submission_id
    FROM approved_submissions() s
    JOIN rounds r ON r.code = s.round
    JOIN indicator_values v ON v.submission_id = s.id
    JOIN indicators i ON i.code = v.indicator
    LEFT JOIN indicator_owners o ON o.indicator = v.indicator AND o.position = 0
    WHERE s.round IN (SELECT unnest($rounds)) AND v.value IS NOT NULL
    ORDER BY r.year, r.quarter, i.plan, i.position, v.unit"""


def test_indicator_values_from_the_approved_table_equal_the_plain_query_in_every_round(filled_demo_portal):
    d = dataset("indicator-values")
    with filled_demo_portal.warehouse.connect() as con:
        rounds = [r[0] for r in con.execute("SELECT code FROM rounds ORDER BY year, quarter").fetchall()]
        views.install_macros(con)
        seen = 0
        for asked in [[r] for r in rounds] + [rounds]:
            plain = con.sql(PLAIN_INDICATOR_VALUES, params={"rounds": asked}).pl()
            table = sharing.indicator_values(con, asked)
            assert_frame_equal(typed(table, d), typed(plain, d))
            assert_frame_equal(table, plain, check_dtypes=False)
            seen += plain.height
    assert seen > 0 and plain.height == seen // 2  # every round's rows, then all rounds at once
    assert plain["owner"].any() and not plain["owner"].all()
