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
-- Latest and first value per indicator in one pass over the approved values up to the cutoff, as
-- max/min of `ord` (approved_standing(): the order by round, upload time, id) with arg_max/arg_min of
-- the value: integer keys, no windows, no structs per row (at province scale, 800,000 values, the
-- scan and its aggregate are most of the view). The winner's round comes from its submission.
-- any: any year from since_year on; year: within the cutoff's year (flows).
picked AS (
    SELECT v.indicator,
           max(v.ord) FILTER (cutoff.since_year IS NULL OR v.year >= cutoff.since_year) AS any_ord,
           arg_max(v.value, v.ord) FILTER (cutoff.since_year IS NULL OR v.year >= cutoff.since_year)
               AS any_value,
           max(v.ord) FILTER (v.year = cutoff.year AND (cutoff.since_year IS NULL OR v.year >= cutoff.since_year))
               AS year_ord,
           arg_max(v.value, v.ord)
               FILTER (v.year = cutoff.year AND (cutoff.since_year IS NULL OR v.year >= cutoff.since_year))
               AS year_value,
           min(v.ord) AS first_ord,
           arg_min(v.value, v.ord) AS first_value
    FROM approved_owner_values() v, cutoff
    WHERE v.round_rank <= cutoff.rank
    GROUP BY v.indicator
),
standing AS (
    SELECT ord, id AS submission_id, round, year, quarter, round_rank FROM approved_standing()
),
actual AS (
    SELECT c.indicator, c.value, s.round, s.submission_id, s.year, s.quarter, s.round_rank
    FROM (
        SELECT p.indicator,
               CASE WHEN i.kind = 'flow' THEN p.year_ord ELSE p.any_ord END AS ord,
               CASE WHEN i.kind = 'flow' THEN p.year_value ELSE p.any_value END AS value
        FROM picked p JOIN ind i ON i.code = p.indicator
    ) c
    JOIN standing s ON s.ord = c.ord
),
first_approved AS (
    SELECT p.indicator, p.first_value AS value, s.round, s.year, s.quarter
    FROM picked p JOIN standing s ON s.ord = p.first_ord
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
task_reports AS (
    SELECT tp.task, tp.unit, tp.status, c.round, r.year * 4 + r.quarter AS round_rank, c.uploaded_at
    FROM task_progress tp
    JOIN current_submissions() c ON c.id = tp.submission_id
    JOIN rounds r ON r.code = c.round, cutoff
    WHERE r.year * 4 + r.quarter <= cutoff.rank AND tp.status IS NOT NULL
      AND tp.task IN (SELECT task FROM ind WHERE task IS NOT NULL)  -- only linked tasks are read
),
task_reporter AS (
    SELECT i.code AS indicator, i.task,
           CASE WHEN tu.unit IS NOT NULL THEN i.owner ELSE t.lead_unit END AS unit
    FROM ind i
    JOIN tasks t ON t.code = i.task
    LEFT JOIN task_units tu ON tu.task = i.task AND tu.unit = i.owner
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
)
SELECT code AS indicator, plan, name, measure_unit, kind, direction, weight, owner, owner_name,
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
ORDER BY position;
