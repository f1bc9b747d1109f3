-- 问题库: every item with its current state, assignee and due date (those of its last event), the
-- latest answer, and whether it is overdue on the given day (due date passed, not 销号).
-- Parameters, in order: one item's id, or NULL for every item (four times); today (DATE).
WITH last AS (
    SELECT * FROM problem_events WHERE (? IS NULL OR problem_id = ?)
    QUALIFY row_number() OVER (PARTITION BY problem_id ORDER BY id DESC) = 1
),
answers AS (
    SELECT problem_id, text AS last_answer, happened_at AS answered_at, evidence_name AS last_evidence,
           id AS answer_event
    FROM problem_events WHERE step = 'answer' AND (? IS NULL OR problem_id = ?)
    QUALIFY row_number() OVER (PARTITION BY problem_id ORDER BY id DESC) = 1
)
SELECT p.id AS problem_id, p.plan, p.unit, u.name AS unit_name, p.title, p.text,
       p.source_submission, p.source_task, t.title AS task_title, p.source_round, p.source_note,
       p.created_by, p.created_at,
       l.state, l.step AS last_step, l.assignee, a.name AS assignee_name, l.due_date, l.happened_at AS updated_at,
       l.text AS last_text, l.actor AS last_actor,
       ans.last_answer, ans.answered_at, ans.last_evidence, ans.answer_event,
       (l.due_date IS NOT NULL AND l.due_date < ? AND l.state <> 'resolved') AS overdue
FROM problems p
JOIN last l ON l.problem_id = p.id
LEFT JOIN answers ans ON ans.problem_id = p.id
LEFT JOIN units u ON u.code = p.unit
LEFT JOIN units a ON a.code = l.assignee
LEFT JOIN tasks t ON t.code = p.source_task
ORDER BY p.id
