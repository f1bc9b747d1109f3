-- How many of each unit's submissions per round of a year the office returned. A submission counts
-- once however many item comments it got: its status says so while it is current, its review row
-- once a newer upload has superseded it. Parameter: $year.
SELECT s.unit, s.round, count(DISTINCT s.id)::INTEGER AS returns
FROM submissions s
JOIN rounds r ON r.code = s.round
WHERE r.year = $year
  AND (s.status = 'returned'
       OR s.id IN (SELECT submission_id FROM reviews WHERE decision IN ('return', 'returned')))
GROUP BY s.unit, s.round;
