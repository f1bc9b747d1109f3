-- 单位审核 (optional per unit): when a unit has an active sign-off account (role unit_leader), its
-- clerk's accepted upload waits as 'awaiting_sign_off' until that account confirms it (then it is
-- 'validated' for the office) or sends it back ('sent_back', with a reviews row 'send_back' that
-- carries the comment). `needs_sign_off` is fixed when the upload is recorded; the sign-off time
-- is the submission's reporting time (offered_submissions() in sql/submissions.sql). Uploads
-- recorded before this version never needed one.
ALTER TABLE submissions ADD COLUMN needs_sign_off BOOLEAN DEFAULT FALSE;
ALTER TABLE submissions ADD COLUMN signed_off_by VARCHAR;
ALTER TABLE submissions ADD COLUMN signed_off_at TIMESTAMP;
ALTER TABLE submissions ADD COLUMN sign_off_comment VARCHAR;
