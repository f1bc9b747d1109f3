-- Plan registry, rounds, accounts and the audit log.
CREATE TABLE plans (
    code VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    issuer VARCHAR,
    start_year INTEGER NOT NULL,
    end_year INTEGER NOT NULL,
    base_year INTEGER,
    source VARCHAR
);

CREATE TABLE units (
    code VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    parent VARCHAR,
    contact VARCHAR,
    phone VARCHAR,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    assumed BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE tasks (
    code VARCHAR PRIMARY KEY,
    plan VARCHAR NOT NULL,
    number VARCHAR,
    section VARCHAR,
    title VARCHAR NOT NULL,
    text VARCHAR,
    lead_unit VARCHAR NOT NULL,
    due_year INTEGER,
    weight DOUBLE NOT NULL DEFAULT 1,
    units_assumed BOOLEAN NOT NULL DEFAULT FALSE,
    position INTEGER NOT NULL
);

-- Lead and helpers of every task, in the order the plan names them (position 0 = lead).
CREATE TABLE task_units (
    task VARCHAR NOT NULL,
    unit VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (task, unit)
);

CREATE TABLE indicators (
    code VARCHAR PRIMARY KEY,
    plan VARCHAR NOT NULL,
    task VARCHAR,
    name VARCHAR NOT NULL,
    measure_unit VARCHAR,
    kind VARCHAR NOT NULL,
    direction VARCHAR NOT NULL DEFAULT '>=',
    baseline_value DOUBLE,
    baseline_year INTEGER,
    target_value DOUBLE NOT NULL,
    target_year INTEGER NOT NULL,
    weight DOUBLE NOT NULL DEFAULT 1,
    allow_negative BOOLEAN NOT NULL DEFAULT FALSE,
    units_assumed BOOLEAN NOT NULL DEFAULT FALSE,
    source_text VARCHAR,
    position INTEGER NOT NULL
);

CREATE TABLE indicator_owners (
    indicator VARCHAR NOT NULL,
    unit VARCHAR NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (indicator, unit)
);

CREATE TABLE indicator_yearly_targets (
    indicator VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    target_value DOUBLE NOT NULL,
    PRIMARY KEY (indicator, year)
);

CREATE TABLE rounds (
    code VARCHAR PRIMARY KEY,
    year INTEGER NOT NULL,
    quarter INTEGER NOT NULL,
    due_date DATE NOT NULL,
    state VARCHAR NOT NULL
);

CREATE TABLE users (
    username VARCHAR PRIMARY KEY,
    display_name VARCHAR NOT NULL,
    password_hash VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    unit VARCHAR,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP
);

CREATE SEQUENCE audit_id_seq;
CREATE TABLE audit_log (
    id BIGINT PRIMARY KEY DEFAULT nextval('audit_id_seq'),
    logged_at TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    target VARCHAR,
    detail VARCHAR
);
