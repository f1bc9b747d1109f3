-- Task progress in a round, one row per task: the lead's status and percent beside a list of the
-- helpers' (unit, name, status, percent, submission_status), and whether the task is overdue.
-- Reads `task_progress_long` (the frame of task_progress_long.sql for the same round). Parameter: $round.
--
-- overdue     the due year has passed (round year > due_year) and the lead has not reported
--             已完成 (completed), or the lead or any helper reports 滞后 (behind).
-- overdue_reasons  'past_due' and/or 'behind'.
WITH r AS (
    SELECT year FROM rounds WHERE code = $round
),
per_task AS (
    SELECT task, plan, number, title, due_year, weight, task_position,
           any_value(unit) FILTER (role = 'lead') AS lead_unit,
           any_value(unit_name) FILTER (role = 'lead') AS lead_name,
           any_value(status) FILTER (role = 'lead') AS lead_status,
           any_value(percent) FILTER (role = 'lead') AS lead_percent,
           any_value(submission_status) FILTER (role = 'lead') AS lead_submission_status,
           coalesce(
               list({'unit': unit, 'name': unit_name, 'status': status, 'percent': percent,
                     'submission_status': submission_status} ORDER BY position)
                   FILTER (role = 'helper'),
               []) AS helpers,
           count(*) FILTER (role = 'helper')::INTEGER AS helper_count,
           count(status) FILTER (role = 'helper')::INTEGER AS helpers_reported,
           bool_or(status = 'behind') FILTER (role = 'helper') AS helper_behind
    FROM task_progress_long
    GROUP BY ALL
),
flagged AS (
    SELECT t.*,
           coalesce(r.year > t.due_year, FALSE) AND coalesce(t.lead_status, '') <> 'completed' AS past_due,
           coalesce(t.lead_status = 'behind', FALSE) OR coalesce(t.helper_behind, FALSE) AS behind
    FROM per_task t CROSS JOIN r
)
SELECT task, plan, number, title, due_year, weight,
       lead_unit, lead_name, lead_status, lead_percent, lead_submission_status,
       helpers, helper_count, helpers_reported,
       past_due OR behind AS overdue,
       list_concat(CASE WHEN past_due THEN ['past_due'] ELSE [] END,
                   CASE WHEN behind THEN ['behind'] ELSE [] END) AS overdue_reasons
FROM flagged
ORDER BY task_position;
