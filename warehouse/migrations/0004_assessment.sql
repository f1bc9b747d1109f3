-- Annual assessment: bonus items entered by evaluators, each with its reason. Never deleted: a
-- withdrawn item keeps who withdrew it and when, so the table is its own trail (and the audit log too).
CREATE SEQUENCE assessment_bonus_id_seq;
CREATE TABLE assessment_bonus (
    id BIGINT PRIMARY KEY DEFAULT nextval('assessment_bonus_id_seq'),
    plan VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    unit VARCHAR NOT NULL,
    points DOUBLE NOT NULL,
    reason VARCHAR NOT NULL,
    entered_by VARCHAR NOT NULL,
    entered_at TIMESTAMP NOT NULL,
    withdrawn_by VARCHAR,
    withdrawn_at TIMESTAMP
);
