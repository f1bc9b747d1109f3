-- Which plans each unit has duties in (owns an indicator at any owner position, or leads or helps
-- a task): the plan filter of the completion board keeps the units with duties in the chosen plan.
-- Parameter: $plans (NULL: every plan; else a list of plan codes to keep).
SELECT DISTINCT o.unit, i.plan
FROM indicator_owners o JOIN indicators i ON i.code = o.indicator
WHERE $plans IS NULL OR list_contains($plans, i.plan)
UNION
SELECT DISTINCT tu.unit, t.plan
FROM task_units tu JOIN tasks t ON t.code = tu.task
WHERE $plans IS NULL OR list_contains($plans, t.plan)
ORDER BY unit, plan;
