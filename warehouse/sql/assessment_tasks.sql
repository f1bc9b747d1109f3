-- Every (unit, task) of a plan in a year: the task, the unit's role, how many helpers it has
-- and what its 序时进度 (expected percent) is measured on: a straight line from 0 at the start of the
-- plan's first year to 100 at the end of the task's due year (the plan's last year when it has none).
-- Tasks due before the year are done with. warehouse/assessment.py:task_facts_of joins each row to
-- the unit's own and the lead's latest report of the year (assessment_task_reports.sql).
-- Every unit's rows, active or not: the stored facts (warehouse/assessment_facts.py) keep them all
-- and the assessment reads the active units' (the assessed ones), so a unit's activation moves nothing.
-- Parameters: $plan (NULL: every plan), $year; $units (a list of unit codes, or NULL for all): only
-- the rows of those units and of the tasks they lead (whose lead columns their reports fill), for a
-- refresh (issue 16).
WITH assigned AS (
    SELECT t.plan, tu.unit, t.code AS task, t.number, t.title, tu.role, t.weight, t.lead_unit, t.position,
           p.start_year, coalesce(t.due_year, p.end_year) AS finish_year
    FROM task_units tu
    JOIN tasks t ON t.code = tu.task
    JOIN plans p ON p.code = t.plan
    WHERE ($plan::VARCHAR IS NULL OR t.plan = $plan::VARCHAR) AND (t.due_year IS NULL OR t.due_year >= $year)
      AND ($units::VARCHAR[] IS NULL OR list_contains($units::VARCHAR[], tu.unit)
           OR list_contains($units::VARCHAR[], t.lead_unit))
),
-- helpers per task counted once (not a subquery per row)
helpers AS (
    SELECT task, count(*) AS helpers FROM task_units
    WHERE role = 'helper' AND task IN (SELECT task FROM assigned) GROUP BY task
)
SELECT a.plan, a.unit, a.task AS item, a.number, a.title AS name, a.role, a.weight, coalesce(h.helpers, 0) AS helpers,
       a.lead_unit, a.start_year, a.finish_year, a.position
FROM assigned a
LEFT JOIN helpers h ON h.task = a.task;
