-- A submission's task progress beside the same unit's approved progress of the previous quarter.
-- Parameters: $submission, $previous (the previous round's code).
WITH previous AS (
    SELECT p.task, p.status, p.percent
    FROM task_progress p
    JOIN approved_submissions() s ON s.id = p.submission_id  -- submissions.sql
    WHERE s.round = $previous AND s.unit = (SELECT unit FROM submissions WHERE id = $submission)
)
SELECT p.task, t.title AS task_title, p.role, p.status, p.percent, q.status AS previous_status,
       q.percent AS previous_percent, p.narrative, p.problems, p.next_steps
FROM task_progress p
JOIN tasks t ON t.code = p.task
LEFT JOIN previous q ON q.task = p.task
WHERE p.submission_id = $submission
ORDER BY t.position, p.task
