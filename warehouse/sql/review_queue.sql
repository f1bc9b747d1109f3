-- Submissions awaiting review (accepted, not yet approved or returned), oldest upload first. An
-- upload awaiting its unit's sign-off (单位审核) is not here yet: it is 'validated' once signed off,
-- and then carries who signed it off and when (signed_off_name: that account's display name).
-- Parameters: $round, $plan, $unit (each NULL = any). A unit belongs to a plan when it owns one of
-- the plan's indicators or takes part in one of its tasks.
SELECT s.id, s.unit, u.name AS unit_name, s.round, s.version, s.file_name, s.uploaded_by,
       s.uploaded_at, s.days_late, s.warning_count, s.signed_off_by, s.signed_off_at,
       coalesce(us.display_name, s.signed_off_by) AS signed_off_name,
       (SELECT count(*) FROM evidence e WHERE e.submission_id = s.id) AS evidence
FROM submissions s
JOIN units u ON u.code = s.unit
LEFT JOIN users us ON us.username = s.signed_off_by
WHERE s.status = 'validated'
  AND ($round IS NULL OR s.round = $round)
  AND ($unit IS NULL OR s.unit = $unit)
  AND ($plan IS NULL
       OR s.unit IN (SELECT o.unit FROM indicator_owners o JOIN indicators i ON i.code = o.indicator
                     WHERE i.plan = $plan)
       OR s.unit IN (SELECT tu.unit FROM task_units tu JOIN tasks t ON t.code = tu.task
                     WHERE t.plan = $plan))
ORDER BY s.uploaded_at, s.id
