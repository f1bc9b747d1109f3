-- KPI progress as at the end of quarter $quarter of $year: one row per indicator.
-- Parameters: $year, $quarter, $since_year (NULL, or only values reported from that year on:
-- the year-end completion passes the year itself), $per_round (TRUE for a quarterly round's view:
-- pace by kpi_round_pace; FALSE for the year-end completion: pace by kpi_pace against the year).
--
-- actual      the owner of record's latest approved value up to and including that quarter
--             (flows only within $year: they are year to date).
-- base        the line's starting point for stock/cumulative: the registry baseline (value at the
--             end of baseline_year, or of the plan's base year when the year is missing); a
--             cumulative without baseline starts from 0 at the end of the plan's base year; a stock
--             without baseline starts from its first approved value at the end of that round.
-- current     the actual belongs to this very round (actual_round is the round of $year/$quarter).
-- expected    the expected value (序时进度) at the end of $year/$quarter: macros of pace.sql.
-- value_expected  the expected value at the end of the round the actual belongs to when $per_round
--             (like is compared with like), else `expected`.
-- ratio       actual against value_expected; pace: kpi_round_pace(current, ratio) when $per_round
--             ('unreported' without a value for the round), else kpi_pace(ratio).
-- year_target, year_ratio: macros of pace.sql.
-- task_status the latest self-reported status of the indicator's linked task (indicators.task),
--             as the owner reported it if the owner is on the task, else as the lead did, from
--             current (not rejected, not superseded) submissions up to that quarter.
WITH cutoff AS (
    SELECT $year::INTEGER AS year, $quarter::INTEGER AS quarter,
           $year::INTEGER * 4 + $quarter::INTEGER AS rank, $since_year::INTEGER AS since_year,
           $per_round::BOOLEAN AS per_round
),
ind AS (
    SELECT i.*, cutoff.year, cutoff.quarter, p.base_year AS plan_base_year, p.start_year AS plan_start_year,
           o.unit AS owner, u.name AS owner_name,
           coalesce(y.target_value, i.target_value) AS yearly_target
    FROM indicators i
    JOIN plans p ON p.code = i.plan
    CROSS JOIN cutoff
    LEFT JOIN indicator_owners o ON o.indicator = i.code AND o.position = 0
    LEFT JOIN units u ON u.code = o.unit
    LEFT JOIN indicator_yearly_targets y ON y.indicator = i.code AND y.year = cutoff.year
),
-- The owner's latest and first approved value up to the cutoff, looked up in approved_values
-- (migration 0018): a row is the latest when the owner's next approved value of the indicator is
-- after the cutoff (next_rank), the first when there is none before it (prev_rank); one value per
-- round, so no aggregate over every value (at province scale, 800,000 of them). The cutoff is
-- written out from the parameters (not read from `cutoff`) so DuckDB filters inside the scan.
chain AS (
    SELECT a.indicator, a.value, a.round, a.submission_id, a.year, a.quarter, a.round_rank,
           a.next_rank IS NULL OR a.next_rank > $year::INTEGER * 4 + $quarter::INTEGER AS is_latest,
           a.prev_rank IS NULL AS is_first
    FROM approved_values a
    SEMI JOIN ind i ON i.code = a.indicator AND i.owner = a.unit
    WHERE a.round_rank <= $year::INTEGER * 4 + $quarter::INTEGER
      AND (a.prev_rank IS NULL OR a.next_rank IS NULL OR a.next_rank > $year::INTEGER * 4 + $quarter::INTEGER)
),
-- The latest value from since_year on (any year without it), within the cutoff's year for flows:
-- the latest value up to the cutoff when it falls in those years, else none.
actual AS (
    SELECT c.indicator, c.value, c.round, c.submission_id, c.year, c.quarter, c.round_rank
    FROM chain c JOIN ind i ON i.code = c.indicator, cutoff
    WHERE c.is_latest
      AND (cutoff.since_year IS NULL OR c.year >= cutoff.since_year)
      AND (i.kind <> 'flow' OR c.year = cutoff.year)
),
first_approved AS (
    SELECT indicator, value, round, year, quarter FROM chain WHERE is_first
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
task_reporter AS (
    SELECT i.code AS indicator, i.task,
           CASE WHEN tu.unit IS NOT NULL THEN i.owner ELSE t.lead_unit END AS unit
    FROM ind i
    JOIN tasks t ON t.code = i.task
    LEFT JOIN task_units tu ON tu.task = i.task AND tu.unit = i.owner
),
-- the reports of linked tasks, from the current submissions of the units whose word is read only
task_reports AS (
    SELECT tp.task, tp.unit, tp.status, c.round, r.year * 4 + r.quarter AS round_rank, c.uploaded_at
    FROM task_progress tp
    JOIN current_submissions_of(coalesce((SELECT list(DISTINCT unit) FROM task_reporter), []))
        c ON c.id = tp.submission_id
    JOIN rounds r ON r.code = c.round, cutoff
    WHERE r.year * 4 + r.quarter <= cutoff.rank AND tp.status IS NOT NULL
      AND tp.task IN (SELECT task FROM task_reporter)  -- only linked tasks are read
),
task_status AS (
    SELECT w.indicator, tr.status, tr.unit, tr.round
    FROM task_reporter w JOIN task_reports tr ON tr.task = w.task AND tr.unit = w.unit
    QUALIFY row_number() OVER (PARTITION BY w.indicator ORDER BY tr.round_rank DESC, tr.uploaded_at DESC) = 1
),
-- Computed in steps so each macro sees plain columns (a macro argument that is itself a macro
-- call is expanded at every use, which multiplies the planning cost).
placed AS (
    SELECT b.*, a.value AS actual, a.round AS actual_round, a.submission_id AS actual_submission,
           a.round_rank IS NOT DISTINCT FROM cutoff.rank AS current,
           CASE WHEN cutoff.per_round AND a.year IS NOT NULL THEN a.year ELSE b.year END AS judge_year,
           CASE WHEN cutoff.per_round AND a.year IS NOT NULL THEN a.quarter ELSE b.quarter END AS judge_quarter,
           cutoff.per_round
    FROM based b CROSS JOIN cutoff
    LEFT JOIN actual a ON a.indicator = b.code
),
expected AS (
    SELECT b.*,
           kpi_expected(b.kind, b.base_value, b.base_time, b.target_value, b.target_year,
                        b.yearly_target, b.year, b.quarter) AS expected,
           kpi_expected(b.kind, b.base_value, b.base_time, b.target_value, b.target_year,
                        b.yearly_target, b.judge_year, b.judge_quarter) AS value_expected,
           kpi_expected(b.kind, b.base_value, b.base_time, b.target_value, b.target_year,
                        b.yearly_target, b.year, 4) AS year_target,
           ts.status AS task_status, ts.unit AS task_status_unit, ts.round AS task_status_round
    FROM placed b
    LEFT JOIN task_status ts ON ts.indicator = b.code
),
ratios AS (
    SELECT e.*,
           kpi_ratio(e.direction, e.actual, e.value_expected) AS ratio,
           kpi_ratio(e.direction, e.actual, e.year_target) AS year_ratio
    FROM expected e
),
judged AS (
    SELECT r.*, CASE WHEN r.per_round THEN kpi_round_pace(r.current, r.ratio) ELSE kpi_pace(r.ratio) END AS pace
    FROM ratios r
),
-- The view's rows with `position` (registry order), to sort by. warehouse.views.kpi_progress
-- replaces the last statement, byte for byte, when a caller asks for some columns unsorted.
kpi_rows AS (
SELECT position, code AS indicator, plan, name, measure_unit, kind, direction, weight, owner, owner_name,
       baseline_value, baseline_year, target_value, target_year,
       base_source, base_value, base_time, base_round,
       actual, actual_round, actual_submission, actual IS NOT NULL AS reported, current,
       expected, value_expected, ratio, pace, year_target, year_ratio,
       task, task_status, task_status_unit, task_status_round,
       CASE WHEN task_status IS NULL OR pace = 'unreported' THEN NULL
            WHEN task_status = 'completed' AND pace <> 'green' THEN TRUE
            WHEN task_status = 'in_progress' AND pace = 'red' THEN TRUE
            WHEN task_status = 'behind' AND pace = 'green' THEN TRUE
            ELSE FALSE
       END AS status_disagrees
FROM judged
)
SELECT * EXCLUDE (position) FROM kpi_rows ORDER BY position;
