-- Completion of rounds: one row per round and unit expected to report in it. Parameters: $rounds (a
-- list of round codes: views.completion passes one, the completion board every round it shows),
-- $today, $due_soon_days.
--
-- expected    active units that own at least one indicator (any owner position) or lead/help at
--             least one task of a plan whose period (start_year..end_year) covers the round's year.
-- state, reported, reported_at, rejected_attempts, due_date, extended: the unit's standing
--             (standings() in submissions.sql, the one rule every page and export reads).
-- days_late   days between the effective due date and reported_at, 0 when on time; NULL when not
--             reported (missing or returned).
-- days_left   effective due date - $today (negative once passed); due_soon: not reported and
--             days_left <= $due_soon_days.
WITH r AS (
    SELECT code, year, due_date FROM rounds WHERE list_contains($rounds, code)
),
live_plans AS (
    SELECT r.code AS round, p.code FROM plans p, r WHERE r.year BETWEEN p.start_year AND p.end_year
),
-- counted per plan once, then per round through the plans live in it (not per round and row)
plan_duties AS (
    SELECT i.plan, o.unit, count(*) AS indicators, 0 AS tasks
    FROM indicator_owners o JOIN indicators i ON i.code = o.indicator
    WHERE i.plan IN (SELECT code FROM live_plans)
    GROUP BY i.plan, o.unit
    UNION ALL
    SELECT t.plan, tu.unit, 0, count(*)
    FROM task_units tu JOIN tasks t ON t.code = tu.task
    WHERE t.plan IN (SELECT code FROM live_plans)
    GROUP BY t.plan, tu.unit
),
duties AS (
    SELECT lp.round, d.unit, d.indicators, d.tasks
    FROM plan_duties d JOIN live_plans lp ON lp.code = d.plan
),
expected AS (
    SELECT d.round, u.code AS unit, u.name, u.kind, u.contact, u.phone, u.leader, u.rowid AS registry_order,
           sum(d.indicators)::INTEGER AS indicator_count, sum(d.tasks)::INTEGER AS task_count
    FROM units u JOIN duties d ON d.unit = u.code
    WHERE u.active
    GROUP BY ALL
),
judged AS (
    SELECT e.*, s.* EXCLUDE (unit, round)
    FROM expected e
    JOIN standings_in($rounds) s ON s.unit = e.unit AND s.round = e.round
)
SELECT round, unit, name, kind, contact, phone, leader, indicator_count, task_count,
       state, reported, submission_id, version, submitted_at, reported_at, rejected_attempts,
       round_due_date, due_date, extended,
       CASE WHEN reported_at IS NOT NULL
            THEN greatest(0, date_diff('day', due_date, CAST(reported_at AS DATE)))::INTEGER END AS days_late,
       CASE WHEN reported_at IS NOT NULL THEN CAST(reported_at AS DATE) <= due_date END AS on_time,
       date_diff('day', $today::DATE, due_date)::INTEGER AS days_left,
       NOT reported AND date_diff('day', $today::DATE, due_date) <= $due_soon_days AS due_soon
FROM judged
ORDER BY round, registry_order;
