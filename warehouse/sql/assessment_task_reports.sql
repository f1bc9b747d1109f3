-- Each unit's latest approved report of each task of plan $plan in $year, looked up in approved_tasks
-- (migration 0019): the row whose next approved row of the task is after the year, or none. Status
-- and percent as reported: a blank in the latest report stays blank (it is the one that counts).
-- Parameters: $plan (NULL: every plan), $year; $units (a list of unit codes, or NULL for all): those
-- units' reports only.
SELECT a.unit, a.task, a.status, a.percent, a.round, a.submission_id, a.sheet_row, a.quarter
FROM approved_tasks a
SEMI JOIN tasks t ON t.code = a.task AND ($plan::VARCHAR IS NULL OR t.plan = $plan::VARCHAR)
WHERE a.year = $year AND (a.next_rank IS NULL OR a.next_rank > $year * 4 + 4)
  AND ($units::VARCHAR[] IS NULL OR list_contains($units::VARCHAR[], a.unit));
