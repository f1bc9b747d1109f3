-- Building blocks shared by the views (temporary macros, defined on every connection that reads a view).

-- A unit's current submission in a round: its latest upload that is neither rejected nor
-- superseded (status validated, returned or approved). At most one row per (unit, round).
CREATE OR REPLACE TEMP MACRO current_submissions() AS TABLE
SELECT * EXCLUDE (newest_first)
FROM (
    SELECT s.*,
           row_number() OVER (PARTITION BY s.unit, s.round ORDER BY s.uploaded_at DESC, s.id DESC)
               AS newest_first
    FROM submissions s
    WHERE s.status IN ('validated', 'returned', 'approved')
)
WHERE newest_first = 1;

-- A unit's standing approved submission in a round: its latest upload the office approved. A newer
-- upload supersedes it as the *current* submission at once, but it stays standing until that
-- newer upload is approved itself: a correction awaiting review, returned or rejected does not
-- take approved values away (README, “审核通过后再次上传”). A superseded upload
-- counts as once approved when its last whole-submission review decision was 'approve'.
CREATE OR REPLACE TEMP MACRO approved_submissions() AS TABLE
WITH last_decision AS (
    SELECT submission_id, arg_max(decision, id) AS decision
    FROM reviews WHERE item_kind IS NULL AND decision IN ('approve', 'return')
    GROUP BY submission_id
)
SELECT * EXCLUDE (newest_first, decision)
FROM (
    SELECT s.*, d.decision,
           row_number() OVER (PARTITION BY s.unit, s.round ORDER BY s.uploaded_at DESC, s.id DESC)
               AS newest_first
    FROM submissions s
    LEFT JOIN last_decision d ON d.submission_id = s.id
    WHERE s.status = 'approved' OR (s.status = 'superseded' AND d.decision = 'approve')
)
WHERE newest_first = 1;

-- Every value approved for an indicator from its owner of record (indicator_owners position 0),
-- from the owner's standing approved submission of each round, with the round it belongs to;
-- blank values are not values.
CREATE OR REPLACE TEMP MACRO approved_owner_values() AS TABLE
SELECT v.indicator, v.value, s.id AS submission_id, s.uploaded_at,
       r.code AS round, r.year, r.quarter, r.year * 4 + r.quarter AS round_rank
FROM indicator_values v
JOIN approved_submissions() s ON s.id = v.submission_id
JOIN indicator_owners o ON o.indicator = v.indicator AND o.unit = s.unit AND o.position = 0
JOIN rounds r ON r.code = s.round
WHERE v.value IS NOT NULL;
