-- The year-end completion of every indicator (of plan $plan, or of every plan when NULL) in $year:
-- exactly kpi_progress.sql with quarter 4, since_year = $year and per_round FALSE, written for that
-- case alone (issue 23: ≤ 200 ms at province scale; tests/warehouse/test_indicator_year_end.py
-- compares the two on every year of the filled demo). What the special case allows:
-- - the actual is the owner's latest approved value *within* $year (since_year = $year), so only
--   that year's rows of approved_values are read for it, plus each chain's first row for the base;
-- - at quarter 4 without per_round, expected = value_expected = year_target and ratio = year_ratio:
--   kpi_expected and kpi_ratio are expanded once each, not three and two times (planning the
--   macros was a quarter of the query's time);
-- - rows come back with `position` and unordered: the caller sorts (cheaper in Polars);
-- - and with `actual_cell`, the cell the actual was read from (approved_values.cell, migration 0020):
--   the assessment names it on each indicator line (views.indicator_year_completion drops it);
-- - the task's status is looked up last, over the finished rows (CTE year_end), so a caller that
--   needs no status ends the query on year_end instead of with_status (views.year_end_text).
-- - $owners (a list of unit codes, or NULL for all): only the indicators those units own, read from
--   their values alone: the stored assessment facts refresh the units an approval touched (issue 16).
-- Column meanings: kpi_progress.sql.
WITH ind AS (
    SELECT i.*, $year::INTEGER AS year, 4 AS quarter, p.base_year AS plan_base_year,
           p.start_year AS plan_start_year, o.unit AS owner, u.name AS owner_name,
           coalesce(y.target_value, i.target_value) AS yearly_target
    FROM indicators i
    JOIN plans p ON p.code = i.plan
    LEFT JOIN indicator_owners o ON o.indicator = i.code AND o.position = 0
    LEFT JOIN units u ON u.code = o.unit
    LEFT JOIN indicator_yearly_targets y ON y.indicator = i.code AND y.year = $year::INTEGER
    WHERE ($plan::VARCHAR IS NULL OR i.plan = $plan::VARCHAR)
      AND ($owners::VARCHAR[] IS NULL OR list_contains($owners::VARCHAR[], o.unit))
),
-- the owner's latest value of the year (the next one after the year, or none) and the owner's first
-- value ever (the base of a stock without a registered baseline); the owner of record looked up in
-- indicator_owners directly (a semi join on the materialized ind cost ~20 % of the query's CPU)
actual AS (
    SELECT a.indicator, a.value, a.round, a.submission_id, a.cell, a.round_rank
    FROM approved_values a
    SEMI JOIN indicator_owners o ON o.indicator = a.indicator AND o.unit = a.unit AND o.position = 0
    WHERE a.year = $year::INTEGER AND (a.next_rank IS NULL OR a.next_rank > $year::INTEGER * 4 + 4)
      AND ($owners::VARCHAR[] IS NULL OR list_contains($owners::VARCHAR[], a.unit))
),
first_approved AS (
    SELECT a.indicator, a.value, a.round, a.year, a.quarter
    FROM approved_values a
    SEMI JOIN indicator_owners o ON o.indicator = a.indicator AND o.unit = a.unit AND o.position = 0
    WHERE a.prev_rank IS NULL AND a.round_rank <= $year::INTEGER * 4 + 4
      AND ($owners::VARCHAR[] IS NULL OR list_contains($owners::VARCHAR[], a.unit))
),
based AS (
    SELECT i.*,
           CASE WHEN i.kind NOT IN ('stock', 'cumulative') THEN NULL
                WHEN i.baseline_value IS NOT NULL THEN 'registry'
                WHEN i.kind = 'cumulative' THEN 'plan_start'
                WHEN f.value IS NOT NULL THEN 'first_approved'
           END AS base_source,
           CASE base_source
                WHEN 'registry' THEN i.baseline_value
                WHEN 'plan_start' THEN 0.0
                WHEN 'first_approved' THEN f.value
           END AS base_value,
           CASE base_source
                WHEN 'registry' THEN coalesce(i.baseline_year, i.plan_base_year, i.plan_start_year - 1) + 1.0
                WHEN 'plan_start' THEN coalesce(i.plan_base_year, i.plan_start_year - 1) + 1.0
                WHEN 'first_approved' THEN kpi_time(f.year, f.quarter)
           END AS base_time,
           CASE WHEN base_source = 'first_approved' THEN f.round END AS base_round
    FROM ind i LEFT JOIN first_approved f ON f.indicator = i.code
),
placed AS (
    SELECT b.*, a.value AS actual, a.round AS actual_round, a.submission_id AS actual_submission,
           a.cell AS actual_cell,
           a.round_rank IS NOT DISTINCT FROM $year::INTEGER * 4 + 4 AS current
    FROM based b LEFT JOIN actual a ON a.indicator = b.code
),
expected AS (
    SELECT b.*,
           kpi_expected(b.kind, b.base_value, b.base_time, b.target_value, b.target_year,
                        b.yearly_target, b.year, b.quarter) AS expected
    FROM placed b
),
ratios AS (
    SELECT e.*, kpi_ratio(e.direction, e.actual, e.expected) AS ratio FROM expected e
),
judged AS (
    SELECT r.*, kpi_pace(r.ratio) AS pace FROM ratios r
),
-- the year-end row of each indicator before its task's status is looked up: the annual assessment
-- ends the query on it (warehouse.views.year_end_text) and reads no task status (issue 23: looking the
-- status up is a third of the query's planning and, where indicators belong to tasks, a scan of the
-- task reports); the statement below adds the status for the year-end view
year_end AS (
    SELECT code AS indicator, plan, name, measure_unit, kind, direction, weight, owner, owner_name,
           baseline_value, baseline_year, target_value, target_year,
           base_source, base_value, base_time, base_round,
           actual, actual_round, actual_submission, actual IS NOT NULL AS reported, current,
           expected, expected AS value_expected, ratio, pace, expected AS year_target, ratio AS year_ratio,
           task, position, actual_cell
    FROM judged
),
task_reporter AS (
    SELECT y.indicator, y.task,
           CASE WHEN tu.unit IS NOT NULL THEN y.owner ELSE t.lead_unit END AS unit
    FROM year_end y
    JOIN tasks t ON t.code = y.task
    LEFT JOIN task_units tu ON tu.task = y.task AND tu.unit = y.owner
),
-- only the (task, unit) pairs some indicator reads (none: nothing is scanned past the empty join)
task_reports AS (
    SELECT tp.task, tp.unit, tp.status, c.round, r.year * 4 + r.quarter AS round_rank, c.uploaded_at
    FROM task_progress tp
    SEMI JOIN task_reporter w ON w.task = tp.task AND w.unit = tp.unit
    JOIN current_submissions_of(coalesce((SELECT list(DISTINCT unit) FROM task_reporter), []))
        c ON c.id = tp.submission_id
    JOIN rounds r ON r.code = c.round
    WHERE r.year * 4 + r.quarter <= $year::INTEGER * 4 + 4 AND tp.status IS NOT NULL
),
task_status AS (
    SELECT w.indicator, tr.status, tr.unit, tr.round
    FROM task_reporter w JOIN task_reports tr ON tr.task = w.task AND tr.unit = w.unit
    QUALIFY row_number() OVER (PARTITION BY w.indicator ORDER BY tr.round_rank DESC, tr.uploaded_at DESC) = 1
),
with_status AS (
    SELECT y.* EXCLUDE (position, actual_cell),
           ts.status AS task_status, ts.unit AS task_status_unit, ts.round AS task_status_round,
           CASE WHEN ts.status IS NULL OR y.pace = 'unreported' THEN NULL
                WHEN ts.status = 'completed' AND y.pace <> 'green' THEN TRUE
                WHEN ts.status = 'in_progress' AND y.pace = 'red' THEN TRUE
                WHEN ts.status = 'behind' AND y.pace = 'green' THEN TRUE
                ELSE FALSE
           END AS status_disagrees,
           y.position, y.actual_cell
    FROM year_end y
    LEFT JOIN task_status ts ON ts.indicator = y.indicator
)
SELECT * FROM with_status;
