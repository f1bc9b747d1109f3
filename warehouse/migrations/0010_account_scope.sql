-- Scoped accounts: an office reviewer, evaluator or admin works for one or more offices (rows
-- here); `users.platform` marks an account whose scope is the whole platform. Before this version
-- every such account saw and acted on everything: they keep that (platform = TRUE), so an
-- upgrade changes nobody's reach until an admin narrows it (`portal accounts scope`).
CREATE TABLE account_offices (
    username VARCHAR NOT NULL,
    office VARCHAR NOT NULL,
    PRIMARY KEY (username, office)
);

ALTER TABLE users ADD COLUMN platform BOOLEAN DEFAULT FALSE;
UPDATE users SET platform = (role <> 'unit_reporter');
