-- How each assessed unit reported in each round of the year: the effective due date (the
-- office's extension, if any, else the round's), the first accepted upload (anything that passed
-- validation: a later return or supersede does not move it), days late, and how many of the
-- unit's submissions for that round the office returned.
-- Parameters: $year, $today; table assessed_units(unit).
WITH due AS (
    SELECT a.unit, r.code AS round, r.quarter, coalesce(e.due_date, r.due_date) AS due_date
    FROM assessed_units a
    CROSS JOIN rounds r
    LEFT JOIN extensions e ON e.round = r.code AND e.unit = a.unit
    WHERE r.year = $year
),
accepted AS (
    SELECT unit, round, min(uploaded_at) AS submitted_at
    FROM submissions
    WHERE status <> 'rejected'
    GROUP BY unit, round
),
returned AS (
    -- a submission counts once however many item comments it got; its status says so while it is
    -- current, its review row once a newer upload has superseded it
    SELECT s.unit, s.round, count(DISTINCT s.id) AS returns
    FROM submissions s
    WHERE s.status = 'returned'
       OR s.id IN (SELECT submission_id FROM reviews WHERE decision IN ('return', 'returned'))
    GROUP BY s.unit, s.round
)
SELECT d.unit, d.round, d.due_date, a.submitted_at,
       CASE WHEN a.submitted_at IS NOT NULL
            THEN greatest(0, date_diff('day', d.due_date, a.submitted_at::DATE)) END AS days_late,
       coalesce(x.returns, 0) AS returns,
       d.due_date < $today::DATE AS due_passed
FROM due d
LEFT JOIN accepted a ON a.unit = d.unit AND a.round = d.round
LEFT JOIN returned x ON x.unit = d.unit AND x.round = d.round
ORDER BY d.unit, d.quarter;
