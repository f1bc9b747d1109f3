-- Completion of a round: one row per unit expected to report in it. Parameters: $round, $today, $due_soon_days.
--
-- expected    active units that own at least one indicator (any owner position) or lead/help at
--             least one task of a plan whose period (start_year..end_year) covers the round's year.
-- state       of the unit's current submission (current_submissions(): latest not rejected, not
--             superseded): missing (未报送) / validated (已报送-待审) / returned (已退回) /
--             approved (已通过) — schemas.enums.ReportState. Rejected uploads alone leave the unit missing; they are counted
--             in rejected_attempts.
-- due_date    the effective due date: the unit's extension for the round if granted, else the round's.
-- days_late   days between the effective due date and the day the unit first reported validly
--             (its first upload in the round that was not rejected), 0 when on time; NULL when
--             missing. A return and resubmission does not make an on-time report late.
-- days_left   effective due date - $today (negative once passed); due_soon: missing and days_left <= $due_soon_days.
WITH r AS (
    SELECT code, year, due_date FROM rounds WHERE code = $round
),
live_plans AS (
    SELECT p.code FROM plans p, r WHERE r.year BETWEEN p.start_year AND p.end_year
),
duties AS (
    SELECT o.unit, count(*) AS indicators, 0 AS tasks
    FROM indicator_owners o JOIN indicators i ON i.code = o.indicator
    WHERE i.plan IN (SELECT code FROM live_plans)
    GROUP BY o.unit
    UNION ALL
    SELECT tu.unit, 0, count(*)
    FROM task_units tu JOIN tasks t ON t.code = tu.task
    WHERE t.plan IN (SELECT code FROM live_plans)
    GROUP BY tu.unit
),
expected AS (
    SELECT u.code AS unit, u.name, u.kind, u.contact, u.phone, u.rowid AS registry_order,
           sum(d.indicators)::INTEGER AS indicator_count, sum(d.tasks)::INTEGER AS task_count
    FROM units u JOIN duties d ON d.unit = u.code
    WHERE u.active
    GROUP BY ALL
),
round_subs AS (
    SELECT * FROM submissions WHERE round = $round
),
cur AS (
    SELECT * FROM current_submissions() WHERE round = $round
),
first_valid AS (
    SELECT unit, min(uploaded_at) AS reported_at FROM round_subs WHERE status <> 'rejected' GROUP BY unit
),
rejected AS (
    SELECT unit, count(*)::INTEGER AS attempts FROM round_subs WHERE status = 'rejected' GROUP BY unit
),
judged AS (
    SELECT e.*,
           coalesce(cur.status, 'missing') AS state,
           cur.id AS submission_id, cur.version, cur.uploaded_at AS submitted_at,
           CASE WHEN cur.id IS NOT NULL THEN f.reported_at END AS reported_at,
           coalesce(rj.attempts, 0) AS rejected_attempts,
           r.due_date AS round_due_date,
           coalesce(x.due_date, r.due_date) AS due_date,
           x.due_date IS NOT NULL AS extended
    FROM expected e
    CROSS JOIN r
    LEFT JOIN cur ON cur.unit = e.unit
    LEFT JOIN first_valid f ON f.unit = e.unit
    LEFT JOIN rejected rj ON rj.unit = e.unit
    LEFT JOIN extensions x ON x.round = r.code AND x.unit = e.unit
)
SELECT unit, name, kind, contact, phone, indicator_count, task_count,
       state, submission_id, version, submitted_at, reported_at, rejected_attempts,
       round_due_date, due_date, extended,
       CASE WHEN reported_at IS NOT NULL
            THEN greatest(0, date_diff('day', due_date, CAST(reported_at AS DATE)))::INTEGER END AS days_late,
       CASE WHEN reported_at IS NOT NULL THEN CAST(reported_at AS DATE) <= due_date END AS on_time,
       date_diff('day', $today::DATE, due_date)::INTEGER AS days_left,
       state = 'missing' AND date_diff('day', $today::DATE, due_date) <= $due_soon_days AS due_soon
FROM judged
ORDER BY registry_order;
