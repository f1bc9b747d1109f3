-- Read-only API tokens (issue 21, item 2): one row per token, never deleted (revoking marks it).
-- The token is shown once at creation; only `secret_hash`, the SHA-256 of the whole token, is kept.
-- `prefix` is the token's public first part, the index a request is looked up by (a hash per
-- request, no password hashing: the secret is 32 random bytes, not a guessable password).
-- `expires_on`: the last day the token works (NULL: until revoked). Times are real UTC.
CREATE SEQUENCE api_token_id_seq;
CREATE TABLE api_tokens (
    id BIGINT PRIMARY KEY DEFAULT nextval('api_token_id_seq'),
    name VARCHAR NOT NULL UNIQUE,
    username VARCHAR NOT NULL,
    prefix VARCHAR NOT NULL UNIQUE,
    secret_hash VARCHAR NOT NULL,
    created_by VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_on DATE,
    revoked_by VARCHAR,
    revoked_at TIMESTAMP,
    last_used_at TIMESTAMP
);
