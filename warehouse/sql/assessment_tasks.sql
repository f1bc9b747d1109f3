-- Every (assessed unit, task) of a plan in a year, with the unit's own latest approved status that
-- year and the lead's, so the scheme can score either. Tasks due before the year are done with.
-- Only each round's standing approved submission counts. Parameters: $plan, $year; table assessed_units(unit).
WITH assigned AS (
    SELECT tu.unit, t.code AS task, t.number, t.title, tu.role, t.weight, t.lead_unit, t.due_year,
           t.position,
           (SELECT count(*) FROM task_units h WHERE h.task = t.code AND h.role = 'helper') AS helpers
    FROM task_units tu
    JOIN tasks t ON t.code = tu.task
    JOIN assessed_units a ON a.unit = tu.unit
    WHERE t.plan = $plan AND (t.due_year IS NULL OR t.due_year >= $year)
),
reported AS (
    SELECT p.unit, p.task, p.status, p.percent, s.round
    FROM task_progress p
    JOIN approved_submissions() s ON s.id = p.submission_id  -- submissions.sql
    JOIN rounds r ON r.code = s.round
    WHERE r.year = $year
    QUALIFY row_number() OVER (
        PARTITION BY p.unit, p.task ORDER BY r.quarter DESC, s.uploaded_at DESC, s.id DESC) = 1
)
SELECT a.unit, a.task, a.number, a.title, a.role, a.weight, a.helpers, a.lead_unit, a.due_year,
       own.status, own.percent, own.round,
       lead.status AS lead_status, lead.percent AS lead_percent, lead.round AS lead_round
FROM assigned a
LEFT JOIN reported own ON own.unit = a.unit AND own.task = a.task
LEFT JOIN reported lead ON lead.unit = a.lead_unit AND lead.task = a.task
ORDER BY a.unit, a.position;
