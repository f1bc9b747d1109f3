-- The indicators each unit owns, with what the validators compare a new value against:
-- this year's target (else the plan target) and the unit's last approved values before the round
-- (any earlier round; and, for flows reported year-to-date, the latest earlier round of the same year).
-- Parameters: $round (e.g. 2025Q3), $year_start (e.g. 2025Q1), $year (2025), $unit (NULL = every unit).
-- The standing approved values are table approved_values (migration 0018, kept equal to
-- approved_values_of() in submissions.sql): a lookup, no macros to define on the connection.
WITH approved AS (
    SELECT a.unit, a.indicator, a.value, a.round
    FROM approved_values a
    WHERE a.round < $round
      AND ($unit IS NULL OR a.unit = $unit)
),
last_value AS (
    SELECT unit, indicator, arg_max(value, round) AS previous, max(round) AS previous_round
    FROM approved GROUP BY unit, indicator
),
year_value AS (
    SELECT unit, indicator, arg_max(value, round) AS year_previous, max(round) AS year_previous_round
    FROM approved WHERE round >= $year_start GROUP BY unit, indicator
)
SELECT o.unit, i.code, i.kind, i.direction, i.allow_negative,
       coalesce(y.target_value, i.target_value) AS target,
       l.previous, l.previous_round, yv.year_previous, yv.year_previous_round
FROM indicator_owners o
JOIN indicators i ON i.code = o.indicator
LEFT JOIN indicator_yearly_targets y ON y.indicator = i.code AND y.year = $year
LEFT JOIN last_value l ON l.unit = o.unit AND l.indicator = i.code
LEFT JOIN year_value yv ON yv.unit = o.unit AND yv.indicator = i.code
WHERE $unit IS NULL OR o.unit = $unit
ORDER BY o.unit, i.position
