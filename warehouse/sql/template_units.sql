-- Units with how much they have to report: indicators they own, tasks they lead or help with.
-- $unit: one unit code, or NULL for every unit.
SELECT u.code, u.name, u.active,
       (SELECT count(*) FROM indicator_owners o WHERE o.unit = u.code) AS indicators,
       (SELECT count(*) FROM task_units t WHERE t.unit = u.code) AS tasks
FROM units u
WHERE $unit IS NULL OR u.code = $unit
ORDER BY u.rowid
