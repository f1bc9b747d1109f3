-- Every unit's standing approved value of every indicator in every round, kept in step with the
-- approval state (warehouse/approved.py: on review, supersede, sign-off, restore) so the KPI views
-- look the latest value up instead of scanning every stored value (issue 23). The one definition of
-- its rows is approved_values_of() in warehouse/sql/submissions.sql; the migration fills it from
-- that (warehouse.db.migrate), and tests compare the table with it after every path.
-- prev_rank / next_rank: round_rank of the same unit's previous / next approved value of the
-- indicator (NULL: none), so "the latest value up to a round" is a filter, not an aggregate.
CREATE TABLE approved_values (
    indicator VARCHAR NOT NULL,
    unit VARCHAR NOT NULL,
    round VARCHAR NOT NULL,
    round_rank INTEGER NOT NULL,  -- year * 4 + quarter
    year INTEGER NOT NULL,
    quarter INTEGER NOT NULL,
    submission_id BIGINT NOT NULL,
    uploaded_at TIMESTAMP NOT NULL,
    value DOUBLE NOT NULL,
    prev_rank INTEGER,
    next_rank INTEGER
);
