-- Supporting evidence (佐证材料): files a unit attaches to a submission, or to one task row of it.
-- The bytes live in the content store under PORTAL_HOME/evidence by hash; this is the catalogue.
CREATE SEQUENCE evidence_id_seq;
CREATE TABLE evidence (
    id BIGINT PRIMARY KEY DEFAULT nextval('evidence_id_seq'),
    submission_id BIGINT NOT NULL,
    task VARCHAR,  -- NULL: the submission as a whole
    unit VARCHAR NOT NULL,
    round VARCHAR NOT NULL,
    file_hash VARCHAR NOT NULL,
    file_name VARCHAR NOT NULL,
    media_type VARCHAR NOT NULL,
    size BIGINT NOT NULL,
    stored_path VARCHAR NOT NULL,
    uploaded_by VARCHAR NOT NULL,
    uploaded_at TIMESTAMP NOT NULL
);
