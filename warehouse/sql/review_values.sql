-- A submission's indicator values beside the same unit's approved value of the previous quarter.
-- Parameters: $submission, $previous (the previous round's code).
WITH previous AS (
    SELECT v.indicator, v.value
    FROM indicator_values v
    JOIN approved_submissions() s ON s.id = v.submission_id  -- submissions.sql
    WHERE s.round = $previous AND s.unit = (SELECT unit FROM submissions WHERE id = $submission)
)
SELECT v.indicator, i.name AS indicator_name, i.measure_unit, v.value AS reported, p.value AS previous_value,
       v.value - p.value AS change, v.note, v.cell
FROM indicator_values v
JOIN indicators i ON i.code = v.indicator
LEFT JOIN previous p ON p.indicator = v.indicator
WHERE v.submission_id = $submission
ORDER BY i.position, v.indicator
