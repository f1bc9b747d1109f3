-- The tasks each unit leads or helps with, in the plan's order.
-- Parameters: $unit (NULL = every unit).
SELECT tu.unit, tu.task AS code, tu.role
FROM task_units tu
JOIN tasks t ON t.code = tu.task
WHERE $unit IS NULL OR tu.unit = $unit
ORDER BY tu.unit, t.position
