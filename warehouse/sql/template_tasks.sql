-- The task rows of units' quarterly templates: one per task a unit leads or helps with, in plan
-- order, with the lead's and helpers' names as the unit reads them.
-- $unit: one unit code, or NULL for every unit.
SELECT tu.unit,
       t.code AS task,
       p.name AS plan,
       p.code AS plan_code,
       t.title,
       coalesce(lead.name, t.lead_unit) AS lead_unit,
       (SELECT string_agg(coalesce(hu.name, h.unit), '、' ORDER BY h.position)
        FROM task_units h LEFT JOIN units hu ON hu.code = h.unit
        WHERE h.task = t.code AND h.role = 'helper') AS helper_units,
       tu.role
FROM task_units tu
JOIN tasks t ON t.code = tu.task
JOIN plans p ON p.code = t.plan
LEFT JOIN units lead ON lead.code = t.lead_unit
WHERE $unit IS NULL OR tu.unit = $unit
ORDER BY tu.unit, t.position
