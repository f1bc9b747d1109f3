-- 存在问题 the units reported in submissions the office has (报送-待审 or 已通过), one row per task
-- with a text that says something (not empty, not one of the given "none" texts, compared without
-- spaces and 。), with the 问题库 item already taken up from it, if any.
-- Parameters: round (or NULL for every round), twice; the "none" texts (a list).
SELECT s.id AS submission_id, s.unit, u.name AS unit_name, s.round, s.version, s.status,
       tp.task, t.title AS task_title, t.plan, tp.problems,
       (SELECT min(p.id) FROM problems p
        WHERE p.source_submission = s.id AND p.source_task = tp.task) AS problem_id
FROM task_progress tp
JOIN submissions s ON s.id = tp.submission_id
JOIN tasks t ON t.code = tp.task
LEFT JOIN units u ON u.code = s.unit
WHERE s.status IN ('validated', 'approved')
  AND (? IS NULL OR s.round = ?)
  AND trim(coalesce(tp.problems, '')) <> ''
  AND NOT list_contains(?, replace(replace(trim(tp.problems), ' ', ''), '。', ''))
ORDER BY s.round DESC, s.unit, tp.task
