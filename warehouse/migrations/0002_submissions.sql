-- Uploads, submissions and the facts they carry; reviews and extensions.
CREATE TABLE stored_files (
    file_hash VARCHAR PRIMARY KEY,
    size BIGINT NOT NULL,
    stored_path VARCHAR NOT NULL,
    first_seen TIMESTAMP NOT NULL
);

CREATE SEQUENCE submission_id_seq;
CREATE TABLE submissions (
    id BIGINT PRIMARY KEY DEFAULT nextval('submission_id_seq'),
    unit VARCHAR NOT NULL,
    round VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    file_hash VARCHAR NOT NULL,
    file_name VARCHAR,
    uploaded_by VARCHAR NOT NULL,
    uploaded_at TIMESTAMP NOT NULL,
    status VARCHAR NOT NULL,
    days_late INTEGER NOT NULL DEFAULT 0,
    superseded_by BIGINT,
    error_count INTEGER NOT NULL DEFAULT 0,
    warning_count INTEGER NOT NULL DEFAULT 0,
    template_version VARCHAR
);

CREATE TABLE indicator_values (
    submission_id BIGINT NOT NULL,
    indicator VARCHAR NOT NULL,
    unit VARCHAR NOT NULL,
    round VARCHAR NOT NULL,
    value DOUBLE,
    note VARCHAR,
    cell VARCHAR,
    PRIMARY KEY (submission_id, indicator)
);

CREATE TABLE task_progress (
    submission_id BIGINT NOT NULL,
    task VARCHAR NOT NULL,
    unit VARCHAR NOT NULL,
    round VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    status VARCHAR,
    percent DOUBLE,
    narrative VARCHAR,
    problems VARCHAR,
    next_steps VARCHAR,
    PRIMARY KEY (submission_id, task)
);

CREATE TABLE validation_issues (
    submission_id BIGINT NOT NULL,
    seq INTEGER NOT NULL,
    code VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    sheet VARCHAR,
    cell VARCHAR,
    column_name VARCHAR,
    value VARCHAR,
    message VARCHAR NOT NULL,
    hint VARCHAR,
    PRIMARY KEY (submission_id, seq)
);

CREATE SEQUENCE review_id_seq;
CREATE TABLE reviews (
    id BIGINT PRIMARY KEY DEFAULT nextval('review_id_seq'),
    submission_id BIGINT NOT NULL,
    decision VARCHAR NOT NULL,
    item_kind VARCHAR,
    item_code VARCHAR,
    comment VARCHAR,
    reviewer VARCHAR NOT NULL,
    reviewed_at TIMESTAMP NOT NULL
);

CREATE TABLE extensions (
    round VARCHAR NOT NULL,
    unit VARCHAR NOT NULL,
    due_date DATE NOT NULL,
    reason VARCHAR NOT NULL,
    granted_by VARCHAR NOT NULL,
    granted_at TIMESTAMP NOT NULL,
    PRIMARY KEY (round, unit)
);
