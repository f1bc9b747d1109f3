-- The annual assessment's indicator and task facts of every plan in every year of its span, for
-- every unit (active or not: the assessment reads the active ones), kept equal to their definitions
-- (warehouse/assessment.py: indicator_facts_of over indicator_year_end.sql, task_facts_of over
-- assessment_tasks.sql and assessment_task_reports.sql) on every write that moves them
-- (warehouse/assessment_facts.py: an approval's refresh of the units touched, a registry import,
-- a restore, a bulk load rebuild them), so an assessment reads them instead of computing them
-- (issue 16: the province assessment within the 200 ms view target). The migration fills them
-- from the definitions (warehouse.db.migrate).
CREATE TABLE assessment_indicator_facts (
    plan VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    unit VARCHAR NOT NULL,  -- the indicator's owner of record
    item VARCHAR NOT NULL,  -- the indicator
    name VARCHAR,
    kind VARCHAR,
    measure_unit VARCHAR,
    weight DOUBLE,
    target DOUBLE,  -- expected at the end of the year
    actual DOUBLE,
    ratio DOUBLE,
    pace VARCHAR,
    round VARCHAR,  -- the round, submission and cell the actual was read from
    submission_id BIGINT,
    cell VARCHAR,
    plan_target DOUBLE,
    position INTEGER
);

CREATE TABLE assessment_task_facts (
    plan VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    unit VARCHAR NOT NULL,
    item VARCHAR NOT NULL,  -- the task
    number VARCHAR,
    name VARCHAR,
    role VARCHAR,
    weight DOUBLE,
    helpers BIGINT,
    status VARCHAR,  -- the unit's own latest approved report of the year
    percent DOUBLE,
    round VARCHAR,
    submission_id BIGINT,
    sheet_row INTEGER,
    expected_percent DOUBLE,
    lead_status VARCHAR,  -- the lead unit's
    lead_percent DOUBLE,
    lead_round VARCHAR,
    lead_submission_id BIGINT,
    lead_sheet_row INTEGER,
    lead_expected_percent DOUBLE,
    lead_unit VARCHAR,
    position INTEGER
);
