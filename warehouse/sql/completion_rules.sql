-- The rows of 完成情况 and who has duties in which plan, as table macros, so the completion view
-- (completion.sql), the plan filter (unit_plans.sql) and the roll-up's counts (completion_counts.sql)
-- read one definition: the roll-up counts in the warehouse instead of fetching every unit of every
-- round (issue 23: 40,000 rows at province scale).
--
-- completion_rows(round_codes, today, due_soon_days): one row per round and unit expected to report
-- in it, the columns of completion.sql plus registry_order (the unit's place in the registry).
-- expected    the units that owe the round (owing_units_in() in submissions.sql, the one rule).
-- state, reported, reported_at, rejected_attempts, due_date, extended: the unit's standing
--             (standings_in() in submissions.sql, the one rule every page and export reads).
-- days_late   days between the effective due date and reported_at, 0 when on time; NULL when not
--             reported (missing or returned).
-- days_left   effective due date - today (negative once passed); due_soon: not reported and
--             days_left <= due_soon_days.
CREATE OR REPLACE MACRO completion_rows(round_codes, today, due_soon_days) AS TABLE
WITH expected AS (
    SELECT o.round, u.code AS unit, u.name, u.kind, u.contact, u.phone, u.leader, u.rowid AS registry_order,
           o.indicator_count, o.task_count
    FROM units u JOIN owing_units_in(round_codes) o ON o.unit = u.code
),
judged AS (
    SELECT e.*, s.* EXCLUDE (unit, round)
    FROM expected e
    JOIN standings_in(round_codes) s ON s.unit = e.unit AND s.round = e.round
)
SELECT round, unit, name, kind, contact, phone, leader, indicator_count, task_count,
       state, reported, submission_id, version, submitted_at, reported_at, rejected_attempts,
       round_due_date, due_date, extended,
       CASE WHEN reported_at IS NOT NULL
            THEN greatest(0, date_diff('day', due_date, CAST(reported_at AS DATE)))::INTEGER END AS days_late,
       CASE WHEN reported_at IS NOT NULL THEN CAST(reported_at AS DATE) <= due_date END AS on_time,
       date_diff('day', today::DATE, due_date)::INTEGER AS days_left,
       NOT reported AND date_diff('day', today::DATE, due_date) <= due_soon_days AS due_soon,
       registry_order
FROM judged;

-- unit_plans_of(plan_list): which plans each unit has duties in (owns an indicator at any owner
-- position, or leads or helps a task), one row per unit and plan; plan_list NULL: every plan.
CREATE OR REPLACE MACRO unit_plans_of(plan_list) AS TABLE
SELECT DISTINCT o.unit, i.plan
FROM indicator_owners o JOIN indicators i ON i.code = o.indicator
WHERE plan_list IS NULL OR list_contains(plan_list, i.plan)
UNION
SELECT DISTINCT tu.unit, t.plan
FROM task_units tu JOIN tasks t ON t.code = tu.task
WHERE plan_list IS NULL OR list_contains(plan_list, t.plan);
