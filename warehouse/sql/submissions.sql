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

-- THE rule of a unit's standing in a round (概览, 数据上报, 完成情况, 催报名单, 通报 all read it):
-- one row per registered unit for the round `round_code` (no rows for an unknown round).
-- state      the current submission's status (current_submissions()), else 'missing':
--            missing 未报送 (never uploaded, or every upload rejected: rejected_attempts > 0 says so) /
--            validated 已报送-待审 (awaiting review; also a correction uploaded after approval, whose
--            approved values stand meanwhile, see approved_submissions()) / returned 已退回 (owes a
--            resubmission) / approved 已通过 — schemas.enums.ReportState.
-- reported   state validated or approved: the only states that count as reported (rates, on time,
--            banners); missing and returned units are on the 催报名单.
-- reported_at  the first accepted upload in the round when reported (a return and resubmission
--            does not make an on-time report late), else NULL.
-- due_date   the effective due date: the unit's extension for the round if granted, else the round's.
CREATE OR REPLACE TEMP MACRO standings(round_code) AS TABLE
WITH r AS (
    SELECT code, due_date FROM rounds WHERE code = round_code
),
tries AS (
    SELECT unit,
           count(*) FILTER (WHERE status = 'rejected')::INTEGER AS rejected_attempts,
           min(uploaded_at) FILTER (WHERE status <> 'rejected') AS first_accepted_at
    FROM submissions WHERE round = round_code GROUP BY unit
),
cur AS (
    SELECT * FROM current_submissions() WHERE round = round_code
)
SELECT u.code AS unit, r.code AS round,
       coalesce(cur.status, 'missing') AS state,
       coalesce(cur.status IN ('validated', 'approved'), false) AS reported,
       cur.id AS submission_id, cur.version, cur.uploaded_at AS submitted_at,
       CASE WHEN cur.status IN ('validated', 'approved') THEN t.first_accepted_at END AS reported_at,
       coalesce(t.rejected_attempts, 0) AS rejected_attempts,
       r.due_date AS round_due_date,
       coalesce(x.due_date, r.due_date) AS due_date,
       x.due_date IS NOT NULL AS extended
FROM units u
CROSS JOIN r
LEFT JOIN cur ON cur.unit = u.code
LEFT JOIN tries t ON t.unit = u.code
LEFT JOIN extensions x ON x.round = r.code AND x.unit = u.code;
