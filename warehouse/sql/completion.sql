-- Completion of rounds: one row per round and unit expected to report in it. Parameters: $rounds (a
-- list of round codes: views.completion passes one, the completion board every round it shows),
-- $today, $due_soon_days.
--
-- expected    the units that owe the round (owing_units() in submissions.sql, the one rule).
-- state, reported, reported_at, rejected_attempts, due_date, extended: the unit's standing
--             (standings() in submissions.sql, the one rule every page and export reads).
-- days_late   days between the effective due date and reported_at, 0 when on time; NULL when not
--             reported (missing or returned).
-- days_left   effective due date - $today (negative once passed); due_soon: not reported and
--             days_left <= $due_soon_days.
WITH expected AS (
    SELECT o.round, u.code AS unit, u.name, u.kind, u.contact, u.phone, u.leader, u.rowid AS registry_order,
           o.indicator_count, o.task_count
    FROM units u JOIN owing_units_in($rounds) o ON o.unit = u.code
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
