-- Issue 20: extension records with ids and history; version numbers that count accepted uploads only.

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

-- 第N版 counts accepted uploads only; rejected attempts are numbered on their own (NEXT_VERSION in
-- warehouse/submissions.py). Renumber what was recorded before, in upload order.
UPDATE submissions SET version = n.v
FROM (
    SELECT id, row_number() OVER (PARTITION BY unit, round, status = 'rejected' ORDER BY uploaded_at, id) AS v
    FROM submissions
) n
WHERE submissions.id = n.id;
