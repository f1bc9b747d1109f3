-- The units assessed in a plan: every active unit that owns one of its indicators (as owner of
-- record, position 0, like KPI progress) or leads or helps with one of its tasks.
-- Parameters: $plan.
WITH assigned AS (
    SELECT o.unit
    FROM indicator_owners o JOIN indicators i ON i.code = o.indicator
    WHERE i.plan = $plan AND o.position = 0
    UNION
    SELECT tu.unit
    FROM task_units tu JOIN tasks t ON t.code = tu.task
    WHERE t.plan = $plan
)
SELECT u.code AS unit, u.name, u.kind, u.rowid AS position
FROM units u JOIN assigned a ON a.unit = u.code
WHERE u.active
ORDER BY u.rowid;
