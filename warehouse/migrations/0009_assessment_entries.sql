-- Annual assessment as a 评分细则 (issue 16): what evaluators and units record per unit and year
-- beside the data. Never deleted: a withdrawn deduction or veto keeps who withdrew it and when; a
-- qualitative score or self-score entered again is a new row (the latest counts), so each table is
-- its own trail (and the audit log too).
CREATE SEQUENCE assessment_entry_id_seq;

-- 扣分项: one entry of a kind in the scheme's [[deductions]] catalogue, with reason and evidence.
CREATE TABLE assessment_deductions (
    id BIGINT PRIMARY KEY DEFAULT nextval('assessment_entry_id_seq'),
    plan VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    unit VARCHAR NOT NULL,
    code VARCHAR NOT NULL,
    points DOUBLE NOT NULL,
    reason VARCHAR NOT NULL,
    evidence VARCHAR,  -- what proves it: a document number, a submission, an evidence file id
    entered_by VARCHAR NOT NULL,
    entered_at TIMESTAMP NOT NULL,
    withdrawn_by VARCHAR,
    withdrawn_at TIMESTAMP
);

-- 一票否决: a reason of the scheme's [veto] reasons, recorded for a unit.
CREATE TABLE assessment_vetoes (
    id BIGINT PRIMARY KEY DEFAULT nextval('assessment_entry_id_seq'),
    plan VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    unit VARCHAR NOT NULL,
    reason_code VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    evidence VARCHAR,
    entered_by VARCHAR NOT NULL,
    entered_at TIMESTAMP NOT NULL,
    withdrawn_by VARCHAR,
    withdrawn_at TIMESTAMP
);

-- 定性评价: an evaluator's score of a unit on one [[qualitative]] item (the latest counts).
CREATE TABLE assessment_qualitative (
    id BIGINT PRIMARY KEY DEFAULT nextval('assessment_entry_id_seq'),
    plan VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    unit VARCHAR NOT NULL,
    item VARCHAR NOT NULL,
    score DOUBLE NOT NULL,
    note VARCHAR,
    entered_by VARCHAR NOT NULL,
    entered_at TIMESTAMP NOT NULL
);

-- 自评分: a unit's own score for one component (the latest counts).
CREATE TABLE assessment_self_scores (
    id BIGINT PRIMARY KEY DEFAULT nextval('assessment_entry_id_seq'),
    plan VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    unit VARCHAR NOT NULL,
    component VARCHAR NOT NULL,
    score DOUBLE NOT NULL,
    entered_by VARCHAR NOT NULL,
    entered_at TIMESTAMP NOT NULL
);

-- Traceable score lines: the Excel row of each task progress row (indicator values keep their cell).
ALTER TABLE task_progress ADD COLUMN sheet_row INTEGER;
