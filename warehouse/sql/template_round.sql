-- The round a template is for, and the units' extended due dates in it.
-- $round: round code such as 2025Q3.
SELECT r.code, r.year, r.quarter, r.due_date, r.state,
       coalesce((SELECT list({'unit': e.unit, 'due_date': e.due_date}) FROM extensions e
                 WHERE e.round = r.code), []) AS extensions
FROM rounds r
WHERE r.code = $round
