-- The annual assessment's lifecycle (issue 16, item 2): 预评 → 公示 → 定稿. One row per published
-- version of a plan's year: what was published (the `portal assess --json` document, and the facts
-- and scheme it was scored from, so the 考核表 reprints with the same numbers), the 公示 period, and
-- when it was finalized or reopened. Never deleted: reopening marks the row and the next publication
-- is version + 1 with the reopening's reason, so every version stays as it was.
CREATE SEQUENCE assessment_version_id_seq;
CREATE TABLE assessment_versions (
    id BIGINT PRIMARY KEY DEFAULT nextval('assessment_version_id_seq'),
    plan VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    version INTEGER NOT NULL,
    reason VARCHAR,             -- why this version was made: the reason the one before was reopened
    snapshot VARCHAR NOT NULL,  -- JSON: Assessment.as_json() when published
    meta VARCHAR NOT NULL,      -- JSON: plan name, office, dates, unsettled rounds, scheme layers
    published_by VARCHAR NOT NULL,
    published_at TIMESTAMP NOT NULL,
    publicity_from DATE NOT NULL,
    publicity_to DATE NOT NULL,  -- the last day an objection is taken
    finalized_by VARCHAR,
    finalized_at TIMESTAMP,
    reopened_by VARCHAR,
    reopened_at TIMESTAMP,
    reopen_reason VARCHAR,
    UNIQUE (plan, year, version)
);

-- The scored facts of a version (portal.assessment.scoring.Facts), one Arrow IPC blob per frame.
CREATE TABLE assessment_version_facts (
    version_id BIGINT NOT NULL,
    name VARCHAR NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (version_id, name)
);

-- 异议: a unit's objection to its published result, with optional evidence (checked like any
-- evidence file, kept in the content store), and the evaluator's answer.
CREATE SEQUENCE assessment_objection_id_seq;
CREATE TABLE assessment_objections (
    id BIGINT PRIMARY KEY DEFAULT nextval('assessment_objection_id_seq'),
    version_id BIGINT NOT NULL,
    plan VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    unit VARCHAR NOT NULL,
    text VARCHAR NOT NULL,
    evidence_name VARCHAR,
    evidence_type VARCHAR,
    evidence_path VARCHAR,  -- relative to PORTAL_HOME
    filed_by VARCHAR NOT NULL,
    filed_at TIMESTAMP NOT NULL,
    decision VARCHAR,  -- accepted | rejected; NULL while unanswered
    reply VARCHAR,
    answered_by VARCHAR,
    answered_at TIMESTAMP
);
