-- Each unit's latest approved report of each task of plan $plan in $year, looked up in approved_tasks
-- (migration 0019): the row whose next approved row of the task is after the year, or none. Status
-- and percent as reported: a blank in the latest report stays blank (it is the one that counts).
-- Parameters: $plan, $year.
SELECT a.unit, a.task, a.status, a.percent, a.round, a.submission_id, a.sheet_row, a.quarter
FROM approved_tasks a
SEMI JOIN tasks t ON t.code = a.task AND t.plan = $plan
WHERE a.year = $year AND (a.next_rank IS NULL OR a.next_rank > $year * 4 + 4);
