-- 延期 records (issue 20). Each grant gets an id (what `portal extension revoke ID` names).
-- `extensions` keeps only the grants in force, one per (round, unit): every view reads it as before.
-- A grant that is revoked, or replaced by a later grant for the same unit and round, moves to
-- `extension_history` with who ended it, when and why, so the list of a round shows every grant.
CREATE SEQUENCE extension_id_seq;
ALTER TABLE extensions ADD COLUMN id BIGINT DEFAULT nextval('extension_id_seq');

CREATE TABLE extension_history (
    id BIGINT PRIMARY KEY,
    round VARCHAR NOT NULL,
    unit VARCHAR NOT NULL,
    due_date DATE NOT NULL,
    reason VARCHAR NOT NULL,
    granted_by VARCHAR NOT NULL,
    granted_at TIMESTAMP NOT NULL,
    ended VARCHAR NOT NULL,            -- revoked / replaced
    ended_by VARCHAR NOT NULL,
    ended_at TIMESTAMP NOT NULL,
    end_reason VARCHAR
);
