-- Bonus items in force (not withdrawn) for a plan and year. Parameters: $plan, $year.
SELECT id, unit, points, reason, entered_by, entered_at
FROM assessment_bonus
WHERE plan = $plan AND year = $year AND withdrawn_at IS NULL
ORDER BY unit, entered_at, id;
