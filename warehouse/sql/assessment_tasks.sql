-- Every (assessed unit, task) of a plan in a year, with the unit's own latest approved progress that
-- year and the lead's, so the scheme can score either; each with the submission and sheet row it
-- came from and the task's 序时进度 (expected percent) at that report's quarter: a straight line from
-- 0 at the start of the plan's first year to 100 at the end of the task's due year (the plan's last
-- year when it has none). Tasks due before the year are done with. Only each round's standing
-- approved submission counts. Parameters: $plan, $year; table assessed_units(unit).
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
-- the latest row per (unit, task) by arg_max over (quarter, upload time, id), not a row_number()
-- window: a province year is 240,000 rows and the window was most of the query
reported AS (
    SELECT unit, task, latest.*
    FROM (
        SELECT p.unit, p.task,
               arg_max({'status': p.status, 'percent': p.percent, 'round': s.round,
                        'submission_id': p.submission_id, 'sheet_row': p.sheet_row, 'year': r.year,
                        'quarter': r.quarter},
                       (r.quarter, s.uploaded_at, s.id)) AS latest
        FROM approved_submissions() s  -- submissions.sql
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
ORDER BY a.unit, a.position;
