-- Each assessed unit in each round of $year, as the completion view judges it (completion.sql: the
-- units that owe the round, owing_units_in(), and their standing, standings_in(), the one rules):
-- effective due date, first valid report, days late, with how many of its submissions the office
-- returned and whether the due date is before $today. Only what is scored,
-- in one query (issue 23: the completion rows' every column, then a filter and a join in Polars, cost
-- more at province scale; the rounds come as a bound list: as a subquery each use of it inside the
-- macros is planned again). Parameters: $year, $rounds (the year's round codes), $today; table
-- assessed_units(unit).
-- returned: how many of each unit's submissions per round of the year the office returned. A
-- submission counts once however many item comments it got: its status says so while it is current,
-- its review row once a newer upload has superseded it.
WITH returned AS (
    SELECT s.unit, s.round, count(DISTINCT s.id)::INTEGER AS returns
    FROM submissions s
    JOIN rounds r ON r.code = s.round
    WHERE r.year = $year
      AND (s.status = 'returned'
           OR s.id IN (SELECT submission_id FROM reviews WHERE decision IN ('return', 'returned')))
    GROUP BY s.unit, s.round
)
SELECT o.unit, o.round, s.due_date, s.reported_at AS submitted_at,
       CASE WHEN s.reported_at IS NOT NULL
            THEN greatest(0, date_diff('day', s.due_date, CAST(s.reported_at AS DATE)))::INTEGER END AS days_late,
       coalesce(ret.returns, 0)::INTEGER AS returns,
       s.due_date < $today::DATE AS due_passed
FROM owing_units_in($rounds) o
JOIN standings_in($rounds) s ON s.unit = o.unit AND s.round = o.round
LEFT JOIN returned ret ON ret.unit = o.unit AND ret.round = o.round
WHERE o.unit IN (SELECT unit FROM assessed_units)
ORDER BY o.unit, o.round;
