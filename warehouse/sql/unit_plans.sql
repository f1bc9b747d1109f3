-- Which plans each unit has duties in: the plan filter of the completion board keeps the units with
-- duties in the chosen plan (unit_plans_of() in completion_rules.sql).
-- Parameter: $plans (NULL: every plan; else a list of plan codes to keep).
SELECT unit, plan FROM unit_plans_of($plans) ORDER BY unit, plan;
