-- Web sign-in sessions, so a signed-in tab survives a reload and one sign-out ends every tab.
-- `id` stays in the serving process (a tab's session state); the browser holds only a cookie
-- token, stored here as its SHA-256 (`token_hash`), issued when the page hands the one-time
-- `handoff_hash` code back to /auth/session. `credential` fingerprints the password hash at
-- sign-in: a changed or reset password ends the session. Times are real UTC (not the demo clock).
CREATE TABLE web_sessions (
    id VARCHAR PRIMARY KEY,
    username VARCHAR NOT NULL,
    credential VARCHAR NOT NULL,
    token_hash VARCHAR,
    handoff_hash VARCHAR,
    handoff_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    last_seen TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    revoked_reason VARCHAR
);
