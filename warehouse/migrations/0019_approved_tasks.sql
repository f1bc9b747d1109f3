-- Every unit's standing approved task row (progress) of every task in every round, kept in step with
-- the approval state exactly as approved_values is (warehouse/approved.py: on review, supersede,
-- sign-off, restore, bulk load), so the annual assessment looks each unit's latest report of a task
-- in the year up instead of grouping every task row of the year (issue 23: at province scale 240,000
-- rows into 60,000). The one definition of its rows is approved_tasks_of() in
-- warehouse/sql/submissions.sql; the migration fills it from that (warehouse.db.migrate).
-- next_rank: round_rank of the same unit's next approved row of the task (NULL: none), so "the
-- latest row of year Y" is a filter: year = Y AND (next_rank IS NULL OR next_rank > Y * 4 + 4).
CREATE TABLE approved_tasks (
    task VARCHAR NOT NULL,
    unit VARCHAR NOT NULL,
    round VARCHAR NOT NULL,
    round_rank INTEGER NOT NULL,  -- year * 4 + quarter
    year INTEGER NOT NULL,
    quarter INTEGER NOT NULL,
    submission_id BIGINT NOT NULL,
    uploaded_at TIMESTAMP NOT NULL,
    status VARCHAR,  -- as reported: blank stays NULL (the latest report counts, blank or not)
    percent DOUBLE,
    sheet_row INTEGER,
    next_rank INTEGER
);
