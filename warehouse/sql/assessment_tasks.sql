-- Every (assessed unit, task) of a plan in a year: the task, the unit's role, how many helpers it has
-- and what its 序时进度 (expected percent) is measured on: a straight line from 0 at the start of the
-- plan's first year to 100 at the end of the task's due year (the plan's last year when it has none).
-- Tasks due before the year are done with. warehouse/assessment.py:task_facts joins each row to the
-- unit's own and the lead's latest report of the year (assessment_task_reports.sql).
-- The assessed units (assessment_units.sql) among a plan's task units are exactly the active ones,
-- so the lookup reads `units` and starts before the assessed units are known (issue 23).
-- Parameters: $plan, $year.
WITH assigned AS (
    SELECT tu.unit, t.code AS task, t.number, t.title, tu.role, t.weight, t.lead_unit, t.position,
           p.start_year, coalesce(t.due_year, p.end_year) AS finish_year
    FROM task_units tu
    JOIN tasks t ON t.code = tu.task
    JOIN plans p ON p.code = t.plan
    SEMI JOIN units u ON u.code = tu.unit AND u.active
    WHERE t.plan = $plan AND (t.due_year IS NULL OR t.due_year >= $year)
),
-- helpers per task counted once (not a subquery per row)
helpers AS (
    SELECT task, count(*) AS helpers FROM task_units
    WHERE role = 'helper' AND task IN (SELECT task FROM assigned) GROUP BY task
)
SELECT a.unit, a.task AS item, a.number, a.title AS name, a.role, a.weight, coalesce(h.helpers, 0) AS helpers,
       a.lead_unit, a.start_year, a.finish_year, a.position
FROM assigned a
LEFT JOIN helpers h ON h.task = a.task;
