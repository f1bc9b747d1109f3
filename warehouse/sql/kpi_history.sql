-- KPI history: for each indicator of the registered frame `kpi_lines` and each round of its plan's
-- period up to and including round $round, what the owner of record reported in that round against
-- the expected pace at the end of that quarter. Parameter: $round.
--
-- kpi_lines   one row per indicator with the line KPI progress judges it by at $round (indicator,
--             line_order, plan, kind, direction, base_value, base_time, target_value, target_year):
--             warehouse.views.kpi_history passes kpi_progress's own rows, so the history's expected
--             values lie on the same line as the monitoring table's.
-- actual      the value of the latest approved submission of that round from the owner of record
--             (approved_owner_values); NULL when nothing was approved in that round (no carry-over:
--             a gap in the chart is a quarter without approved data).
-- expected, ratio, pace: the macros of pace.sql at that round's year and quarter (flows against
--             that year's own target, year to date).
WITH cutoff AS (
    SELECT year * 4 + quarter AS rank FROM rounds WHERE code = $round
),
quarters AS (
    SELECT l.*, r.code AS round, r.year, r.quarter, r.year * 4 + r.quarter AS round_rank,
           coalesce(y.target_value, l.target_value) AS yearly_target
    FROM kpi_lines l
    JOIN plans p ON p.code = l.plan
    JOIN rounds r ON r.year BETWEEN p.start_year AND p.end_year
    CROSS JOIN cutoff
    LEFT JOIN indicator_yearly_targets y ON y.indicator = l.indicator AND y.year = r.year
    WHERE r.year * 4 + r.quarter <= cutoff.rank
),
reported AS (
    SELECT v.indicator, v.round, v.value, v.submission_id
    FROM approved_owner_values() v
    QUALIFY row_number() OVER (
        PARTITION BY v.indicator, v.round ORDER BY v.uploaded_at DESC, v.submission_id DESC) = 1
),
expected AS (
    SELECT q.*, a.value AS actual, a.submission_id AS actual_submission,
           kpi_expected(q.kind, q.base_value, q.base_time, q.target_value, q.target_year,
                        q.yearly_target, q.year, q.quarter) AS expected
    FROM quarters q
    LEFT JOIN reported a ON a.indicator = q.indicator AND a.round = q.round
),
ratios AS (
    SELECT e.*, kpi_ratio(e.direction, e.actual, e.expected) AS ratio FROM expected e
)
SELECT indicator, round, year, quarter, actual, actual_submission, actual IS NOT NULL AS reported,
       expected, ratio, kpi_pace(ratio) AS pace
FROM ratios
ORDER BY line_order, round_rank;
