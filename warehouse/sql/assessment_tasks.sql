-- Every (assessed unit, task) of a plan in a year, with the unit's own latest approved progress that
-- year and the lead's, so the scheme can score either; each with the submission and sheet row it
-- came from and the task's 序时进度 (expected percent) at that report's quarter: a straight line from
-- 0 at the start of the plan's first year to 100 at the end of the task's due year (the plan's last
-- year when it has none). Tasks due before the year are done with. Only each round's standing
-- approved submission counts. Parameters: $plan, $year; table assessed_units(unit).
WITH assigned AS (
    SELECT tu.unit, t.code AS task, t.number, t.title, tu.role, t.weight, t.lead_unit, t.position,
           p.start_year, coalesce(t.due_year, p.end_year) AS finish_year
    FROM task_units tu
    JOIN tasks t ON t.code = tu.task
    JOIN plans p ON p.code = t.plan
    SEMI JOIN assessed_units a ON a.unit = tu.unit
    WHERE t.plan = $plan AND (t.due_year IS NULL OR t.due_year >= $year)
),
-- helpers per task counted once (not a subquery per row)
helpers AS (
    SELECT task, count(*) AS helpers FROM task_units
    WHERE role = 'helper' AND task IN (SELECT task FROM assigned) GROUP BY task
),
-- the year's standing approved submissions, numbered in the order (quarter, upload time, id): the
-- latest row per (unit, task) is then an arg_max over one integer, one plain column at a time
-- (arg_max_null: a blank status or percent in the latest report stays blank, as it was reported),
-- not over a struct of every column (at province scale, 240,000 rows into 60,000 groups)
standing AS (
    SELECT s.id, s.round, r.quarter,
           row_number() OVER (ORDER BY r.quarter, s.uploaded_at, s.id) AS ord
    FROM approved_submissions() s JOIN rounds r ON r.code = s.round
    WHERE r.year = $year
),
reported AS (
    SELECT p.unit, p.task,
           arg_max_null(p.status, s.ord) AS status, arg_max_null(p.percent, s.ord) AS percent,
           arg_max(s.round, s.ord) AS round, arg_max(p.submission_id, s.ord) AS submission_id,
           arg_max_null(p.sheet_row, s.ord) AS sheet_row, arg_max(s.quarter, s.ord) AS quarter
    FROM task_progress p JOIN standing s ON s.id = p.submission_id
    GROUP BY p.unit, p.task
)
SELECT a.unit, a.task AS item, a.number, a.title AS name, a.role, a.weight, coalesce(h.helpers, 0) AS helpers,
       own.status, own.percent, own.round, own.submission_id, own.sheet_row,
       least(100.0, 100.0 * (($year - a.start_year) * 4 + own.quarter)
                    / greatest(1, (a.finish_year - a.start_year + 1) * 4)) AS expected_percent,
       lead.status AS lead_status, lead.percent AS lead_percent, lead.round AS lead_round,
       lead.submission_id AS lead_submission_id, lead.sheet_row AS lead_sheet_row,
       least(100.0, 100.0 * (($year - a.start_year) * 4 + lead.quarter)
                    / greatest(1, (a.finish_year - a.start_year + 1) * 4)) AS lead_expected_percent,
       a.position  -- the caller orders by (unit, position): cheaper in Polars than an ORDER BY here
FROM assigned a
LEFT JOIN helpers h ON h.task = a.task
LEFT JOIN reported own ON own.unit = a.unit AND own.task = a.task
LEFT JOIN reported lead ON lead.unit = a.lead_unit AND lead.task = a.task;
