-- Task progress in a round, long form: one row per task and responsible unit (lead first, then
-- helpers in the plan's order), with what that unit reported in its current submission of the
-- round (NULL when it has not reported the task). Tasks of plans whose period covers the round's
-- year. Parameter: $round.
-- number            the task's number as the plan writes it (e.g. 3.2.1), for documents.
-- expected_percent  序时进度 of the task: the share of time elapsed at the end of the round from
--                   the start of the plan's period to the end of the task's due year (0..100).
-- submission_status the current submission's status: only 'approved' text is quoted in documents.
WITH r AS (
    SELECT code, year, quarter FROM rounds WHERE code = $round
),
cur AS (
    SELECT * FROM current_submissions() WHERE round = $round
)
SELECT t.code AS task, t.plan, t.number, t.title, t.due_year, t.weight,
       100.0 * least(1.0, greatest(0.0, (r.year + r.quarter / 4.0 - p.start_year)
           / (coalesce(t.due_year, p.end_year) + 1 - p.start_year))) AS expected_percent,
       tu.unit, u.name AS unit_name, tu.role, tu.position,
       tp.status, tp.percent, tp.narrative, tp.problems, tp.next_steps,
       cur.id AS submission_id, cur.status AS submission_status,
       t.position AS task_position
FROM tasks t
JOIN plans p ON p.code = t.plan
CROSS JOIN r
JOIN task_units tu ON tu.task = t.code
LEFT JOIN units u ON u.code = tu.unit
LEFT JOIN cur ON cur.unit = tu.unit
LEFT JOIN task_progress tp ON tp.submission_id = cur.id AND tp.task = t.code
WHERE r.year BETWEEN p.start_year AND p.end_year
ORDER BY t.position, tu.position;
