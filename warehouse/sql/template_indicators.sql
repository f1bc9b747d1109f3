-- The indicator rows of units' quarterly templates: one per indicator a unit owns, in plan order,
-- with the year's target and the unit's last approved value from an earlier round.
-- $round: the round reported (YYYYQn codes sort chronologically); $unit: one unit or NULL for all.
WITH approved AS (
    SELECT v.unit, v.indicator, v.value, v.round,
           row_number() OVER (
               PARTITION BY v.unit, v.indicator
               ORDER BY v.round DESC, s.uploaded_at DESC, s.id DESC
           ) AS latest
    FROM indicator_values v
    JOIN approved_submissions() s ON s.id = v.submission_id  -- submissions.sql
    WHERE v.round < $round
      AND v.value IS NOT NULL
      AND ($unit IS NULL OR v.unit = $unit)
)
SELECT o.unit,
       i.code AS indicator,
       p.name AS plan,
       p.code AS plan_code,
       i.name,
       i.measure_unit,
       i.kind,
       i.direction,
       i.baseline_value AS baseline,
       i.baseline_year,
       i.target_value AS target,
       i.target_year,
       coalesce(y.target_value,
                CASE WHEN i.target_year = CAST(left($round, 4) AS INTEGER) THEN i.target_value END)
           AS year_target,
       a.value AS last_value,
       a.round AS last_round,
       i.allow_negative
FROM indicator_owners o
JOIN indicators i ON i.code = o.indicator
JOIN plans p ON p.code = i.plan
LEFT JOIN indicator_yearly_targets y
       ON y.indicator = i.code AND y.year = CAST(left($round, 4) AS INTEGER)
LEFT JOIN approved a ON a.unit = o.unit AND a.indicator = i.code AND a.latest = 1
WHERE $unit IS NULL OR o.unit = $unit
ORDER BY o.unit, i.position
