-- Notifications (issue 22): where a unit and an office are reached, and the outbox of messages.
--
-- units.emails   the unit's contact addresses, separated by ；/;/,/space (schemas.text.email_addresses)
-- units.webhook, offices.webhook   a 企业微信 or 钉钉 group-robot address; a 钉钉 signing secret
--                rides in the fragment (…/robot/send?access_token=…#secret=SEC…), never sent on the wire.
ALTER TABLE units ADD COLUMN emails VARCHAR;
ALTER TABLE units ADD COLUMN webhook VARCHAR;
ALTER TABLE offices ADD COLUMN webhook VARCHAR;

-- One row per message to one recipient, written in the same transaction as the event it tells
-- about (a review, an extension, a reminder run) and delivered later by `portal outbox send`.
-- (event_key, recipient) is unique: queueing the same event twice adds nothing, so a reminder
-- run repeated by cron, or a retried use case, never sends a message twice.
-- state: pending (never tried) / failed (last try failed; retried at next_attempt_at) /
--        gave_up (failed max attempts; kept for the send log) / sent.
CREATE SEQUENCE outbox_id_seq;
CREATE TABLE outbox (
    id BIGINT PRIMARY KEY DEFAULT nextval('outbox_id_seq'),
    event_key VARCHAR NOT NULL,       -- e.g. due_soon/2025Q3/JZKF-CXCY/2025-10-15
    event VARCHAR NOT NULL,           -- due_soon, overdue, returned, approved, extension, digest
    round VARCHAR,
    unit VARCHAR,
    office VARCHAR,
    channel VARCHAR NOT NULL,         -- email, wecom, dingtalk
    recipient VARCHAR NOT NULL,       -- an email address or a webhook URL
    subject VARCHAR NOT NULL,
    body VARCHAR NOT NULL,
    state VARCHAR NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error VARCHAR,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    UNIQUE (event_key, recipient)
);
