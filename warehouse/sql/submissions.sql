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

-- Every value approved for an indicator from its owner of record (indicator_owners position 0),
-- with the round it belongs to; blank values are not values.
CREATE OR REPLACE TEMP MACRO approved_owner_values() AS TABLE
SELECT v.indicator, v.value, s.id AS submission_id, s.uploaded_at,
       r.code AS round, r.year, r.quarter, r.year * 4 + r.quarter AS round_rank
FROM indicator_values v
JOIN submissions s ON s.id = v.submission_id AND s.status = 'approved'
JOIN indicator_owners o ON o.indicator = v.indicator AND o.unit = s.unit AND o.position = 0
JOIN rounds r ON r.code = s.round
WHERE v.value IS NOT NULL;
