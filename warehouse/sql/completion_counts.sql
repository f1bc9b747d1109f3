-- The counts of the completion boards of several plans, without their rows (the roll-up, 下级汇总):
-- one row per plan and round with units on duty in the plan (unit_plans_of) that owe the round
-- (completion_rows, both in completion_rules.sql). Parameters: $rounds, $today, $due_soon_days,
-- $plans (a list), $units (the units the reader may see; NULL: every unit).
-- expected  units that owe the round; reported  of them reported (validated or approved);
-- late      of them reported after the effective due date (days_late > 0).
SELECT d.plan, c.round,
       count(*)::BIGINT AS expected,
       count(*) FILTER (WHERE c.reported)::BIGINT AS reported,
       count(*) FILTER (WHERE coalesce(c.days_late, 0) > 0)::BIGINT AS late
FROM completion_rows($rounds, $today, $due_soon_days) c
JOIN unit_plans_of($plans) d ON d.unit = c.unit
WHERE $units IS NULL OR list_contains($units, c.unit)
GROUP BY d.plan, c.round;
