-- Building blocks shared by the views (macros stored in the database file: warehouse.views.install_macros).

-- THE rule of when an upload reached the office (单位审核): every accepted upload of a unit without
-- a sign-off account at once, when uploaded; one that needed the unit's sign-off only once its
-- sign-off account confirmed it, when confirmed. `offered_at` is that reporting time, which
-- timeliness counts from. Uploads awaiting sign-off, sent back by the unit or rejected never
-- reached it (a superseded one did if it was signed off or needed no sign-off).
CREATE OR REPLACE MACRO offered_submissions() AS TABLE
SELECT s.*, coalesce(s.signed_off_at, s.uploaded_at) AS offered_at
FROM submissions s
WHERE s.status NOT IN ('rejected', 'awaiting_sign_off', 'sent_back')
  AND (NOT coalesce(s.needs_sign_off, false) OR s.signed_off_at IS NOT NULL);

-- A unit's current submission in a round: its latest upload that reached the office and is
-- neither superseded nor rejected (status validated, returned or approved). At most one row per
-- (unit, round). Ordered by upload: a newer upload supersedes an older one only once it reaches
-- the office, so the latest offered one is the newest upload among them.
-- current_submissions_of(unit_list): the same for the units listed only (NULL: every unit), so a
-- view that needs a few units' reports does not rank every submission of a province.
CREATE OR REPLACE MACRO current_submissions_of(unit_list) AS TABLE
SELECT * EXCLUDE (newest_first)
FROM (
    SELECT s.*,
           row_number() OVER (PARTITION BY s.unit, s.round ORDER BY s.uploaded_at DESC, s.id DESC)
               AS newest_first
    FROM offered_submissions() s
    WHERE s.status IN ('validated', 'returned', 'approved')
      AND (unit_list IS NULL OR list_contains(unit_list, s.unit))
)
WHERE newest_first = 1;

CREATE OR REPLACE MACRO current_submissions() AS TABLE
SELECT * FROM current_submissions_of(NULL);

-- A unit's standing approved submission in a round: its latest upload the office approved. A newer
-- upload supersedes it as the *current* submission at once, but it stays standing until that
-- newer upload is approved itself: a correction awaiting review, returned or rejected does not
-- take approved values away (README, “审核通过后再次上传”). A superseded upload
-- counts as once approved when its last whole-submission review decision was 'approve'.
-- approved_submissions_of(unit_list): the same for the units listed only (NULL: every unit), read
-- when the table approved_values is refreshed for the units whose approval state changed.
CREATE OR REPLACE MACRO approved_submissions_of(unit_list) AS TABLE
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
    WHERE (s.status = 'approved' OR (s.status = 'superseded' AND d.decision = 'approve'))
      AND (unit_list IS NULL OR list_contains(unit_list, s.unit))
)
WHERE newest_first = 1;

CREATE OR REPLACE MACRO approved_submissions() AS TABLE
SELECT * FROM approved_submissions_of(NULL);

-- THE definition of the rows of table approved_values (migration 0018) for the units listed (NULL:
-- every unit): every non-blank value of each unit's standing approved submission of each round,
-- with the round's rank and the rank of the unit's previous and next approved value of the same
-- indicator, and the cell it was read from (migration 0020). warehouse/approved.py keeps the table
-- equal to this on every change of approval state.
CREATE OR REPLACE MACRO approved_values_of(unit_list) AS TABLE
SELECT v.indicator, s.unit, s.round, r.year * 4 + r.quarter AS round_rank, r.year, r.quarter,
       s.id AS submission_id, s.uploaded_at, v.value,
       lag(r.year * 4 + r.quarter) OVER w AS prev_rank,
       lead(r.year * 4 + r.quarter) OVER w AS next_rank,
       v.cell
FROM approved_submissions_of(unit_list) s
JOIN rounds r ON r.code = s.round
JOIN indicator_values v ON v.submission_id = s.id
WHERE v.value IS NOT NULL
WINDOW w AS (PARTITION BY v.indicator, s.unit ORDER BY r.year * 4 + r.quarter);

-- THE definition of the rows of table approved_tasks (migration 0019) for the units listed (NULL:
-- every unit): every task row of each unit's standing approved submission of each round, blank or
-- not, with the round's rank and the rank of the unit's next approved row of the same task (in the
-- order round, upload time, id). warehouse/approved.py keeps the table equal to this.
CREATE OR REPLACE MACRO approved_tasks_of(unit_list) AS TABLE
SELECT p.task, s.unit, s.round, r.year * 4 + r.quarter AS round_rank, r.year, r.quarter,
       s.id AS submission_id, s.uploaded_at, p.status, p.percent, p.sheet_row,
       lead(r.year * 4 + r.quarter) OVER (
           PARTITION BY p.task, s.unit ORDER BY r.year * 4 + r.quarter, s.uploaded_at, s.id
       ) AS next_rank
FROM approved_submissions_of(unit_list) s
JOIN rounds r ON r.code = s.round
JOIN task_progress p ON p.submission_id = s.id;

-- Every value approved for an indicator from its owner of record (indicator_owners position 0),
-- from the owner's standing approved submission of each round (table approved_values), with the
-- round it belongs to; blank values are not values.
CREATE OR REPLACE MACRO approved_owner_values() AS TABLE
SELECT a.indicator, a.value, a.submission_id, a.uploaded_at, a.round, a.year, a.quarter, a.round_rank,
       a.prev_rank, a.next_rank
FROM approved_values a
SEMI JOIN indicator_owners o ON o.indicator = a.indicator AND o.unit = a.unit AND o.position = 0;

-- THE rule of a unit's standing in a round (概览, 数据上报, 完成情况, 催报名单, 通报 all read it):
-- one row per registered unit for the round `round_code` (no rows for an unknown round).
-- state      the current submission's status (current_submissions()), else 'missing':
--            missing 未报送 (never uploaded, or every upload rejected: rejected_attempts > 0 says so,
--            or sent back by the unit's sign-off account) /
--            awaiting_sign_off 待单位审核 (an accepted upload waits for the unit's sign-off and the
--            unit has nothing standing with the office, or only a returned submission) /
--            validated 已报送-待审 (awaiting review; also a correction uploaded after approval, whose
--            approved values stand meanwhile, see approved_submissions()) / returned 已退回 (owes a
--            resubmission) / approved 已通过 — schemas.enums.ReportState.
-- reported   state validated or approved: the only states that count as reported (rates, on time,
--            banners); missing, awaiting_sign_off and returned units are on the 催报名单.
-- reported_at  when the round was first reported: the earliest offered_at of an upload that
--            reached the office (a return and resubmission does not make an on-time report late),
--            when reported, else NULL.
-- submission_id, version, submitted_at  the current submission's, or the one awaiting sign-off.
-- due_date   the effective due date: the unit's extension for the round if granted, else the round's.
-- standings_in(round_codes): the same for a list of rounds at once, one row per registered unit and
-- round (the completion board's matrix and the assessment read every round of a range in one pass);
-- standings(round_code) is standings_in([round_code]).
CREATE OR REPLACE MACRO standings_in(round_codes) AS TABLE
WITH r AS (
    SELECT code, due_date FROM rounds WHERE list_contains(round_codes, code)
),
tries AS (
    SELECT unit, round, count(*) FILTER (WHERE status = 'rejected')::INTEGER AS rejected_attempts
    FROM submissions WHERE list_contains(round_codes, round) GROUP BY unit, round
),
offered AS (
    SELECT unit, round, min(offered_at) AS first_offered_at
    FROM offered_submissions() WHERE list_contains(round_codes, round) GROUP BY unit, round
),
pending AS (
    SELECT * EXCLUDE (newest_first) FROM (
        SELECT s.*, row_number() OVER (PARTITION BY s.unit, s.round ORDER BY s.uploaded_at DESC, s.id DESC)
                        AS newest_first
        FROM submissions s WHERE list_contains(round_codes, s.round) AND s.status = 'awaiting_sign_off'
    ) WHERE newest_first = 1
),
cur AS (
    SELECT * FROM current_submissions() WHERE list_contains(round_codes, round)
),
shown AS (
    SELECT u.code AS unit, r.code AS round,
           CASE WHEN p.id IS NOT NULL AND coalesce(cur.status, 'missing') IN ('missing', 'returned')
                THEN 'awaiting_sign_off' ELSE coalesce(cur.status, 'missing') END AS state,
           cur.id AS cur_id, cur.version AS cur_version, cur.uploaded_at AS cur_uploaded_at,
           p.id AS pending_id, p.version AS pending_version, p.uploaded_at AS pending_uploaded_at
    FROM units u
    CROSS JOIN r
    LEFT JOIN cur ON cur.unit = u.code AND cur.round = r.code
    LEFT JOIN pending p ON p.unit = u.code AND p.round = r.code
)
SELECT sh.unit, r.code AS round,
       sh.state,
       sh.state IN ('validated', 'approved') AS reported,
       CASE WHEN sh.state = 'awaiting_sign_off' THEN sh.pending_id ELSE sh.cur_id END AS submission_id,
       CASE WHEN sh.state = 'awaiting_sign_off' THEN sh.pending_version ELSE sh.cur_version END AS version,
       CASE WHEN sh.state = 'awaiting_sign_off' THEN sh.pending_uploaded_at ELSE sh.cur_uploaded_at END
           AS submitted_at,
       CASE WHEN sh.state IN ('validated', 'approved') THEN o.first_offered_at END AS reported_at,
       coalesce(t.rejected_attempts, 0) AS rejected_attempts,
       r.due_date AS round_due_date,
       coalesce(x.due_date, r.due_date) AS due_date,
       x.due_date IS NOT NULL AS extended
FROM shown sh
JOIN r ON r.code = sh.round
LEFT JOIN tries t ON t.unit = sh.unit AND t.round = sh.round
LEFT JOIN offered o ON o.unit = sh.unit AND o.round = sh.round
LEFT JOIN extensions x ON x.round = r.code AND x.unit = sh.unit;

CREATE OR REPLACE MACRO standings(round_code) AS TABLE
SELECT * FROM standings_in([round_code]);

-- THE rule of who owes a report in a round (完成情况's 应报 units, 数据上报's choice of units, who
-- may be granted an extension): active units that own at least one indicator (any owner position)
-- or lead/help at least one task of a plan whose period (start_year..end_year) covers the round's
-- year. One row per round and such unit, with how many indicators and tasks it reports on; duties
-- are counted per plan and unit once, then spread over the rounds the plan is live in (the completion
-- board asks for every round at once: the spread is one row per round, plan and unit, not two).
CREATE OR REPLACE MACRO owing_units_in(round_codes) AS TABLE
WITH r AS (
    SELECT code, year FROM rounds WHERE list_contains(round_codes, code)
),
live_plans AS (
    SELECT r.code AS round, p.code FROM plans p, r WHERE r.year BETWEEN p.start_year AND p.end_year
),
plan_duties AS (
    SELECT i.plan, o.unit, count(*) AS indicators, 0 AS tasks
    FROM indicator_owners o JOIN indicators i ON i.code = o.indicator
    WHERE i.plan IN (SELECT code FROM live_plans)
    GROUP BY i.plan, o.unit
    UNION ALL
    SELECT t.plan, tu.unit, 0, count(*)
    FROM task_units tu JOIN tasks t ON t.code = tu.task
    WHERE t.plan IN (SELECT code FROM live_plans)
    GROUP BY t.plan, tu.unit
),
unit_duties AS (
    SELECT d.plan, d.unit, sum(d.indicators) AS indicators, sum(d.tasks) AS tasks
    FROM plan_duties d JOIN units u ON u.code = d.unit
    WHERE u.active
    GROUP BY d.plan, d.unit
)
SELECT lp.round, d.unit, sum(d.indicators)::INTEGER AS indicator_count, sum(d.tasks)::INTEGER AS task_count
FROM unit_duties d JOIN live_plans lp ON lp.code = d.plan
GROUP BY lp.round, d.unit;

CREATE OR REPLACE MACRO owing_units(round_code) AS TABLE
SELECT unit, indicator_count, task_count FROM owing_units_in([round_code]);
