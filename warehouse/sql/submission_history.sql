-- Every upload of a unit (all rounds, or one), newest first, with its latest review decision.
-- Parameters: $unit, $round (NULL = every round).
WITH decisions AS (
    SELECT submission_id, arg_max(decision, id) AS decision, arg_max(comment, id) AS review_comment,
           arg_max(reviewer, id) AS reviewer, max(reviewed_at) AS reviewed_at
    FROM reviews WHERE item_kind IS NULL GROUP BY submission_id
),
items AS (
    SELECT submission_id, count(*) AS item_comments FROM reviews WHERE item_kind IS NOT NULL
    GROUP BY submission_id
)
SELECT s.id, s.unit, s.round, s.version, s.file_name, s.uploaded_by, s.uploaded_at, s.status,
       s.days_late, s.error_count, s.warning_count, s.superseded_by,
       d.decision, d.review_comment, d.reviewer, d.reviewed_at,
       coalesce(i.item_comments, 0) AS item_comments,
       (SELECT count(*) FROM evidence e WHERE e.submission_id = s.id) AS evidence
FROM submissions s
LEFT JOIN decisions d ON d.submission_id = s.id
LEFT JOIN items i ON i.submission_id = s.id
WHERE s.unit = $unit AND ($round IS NULL OR s.round = $round)
ORDER BY s.round DESC, s.uploaded_at DESC, s.id DESC
