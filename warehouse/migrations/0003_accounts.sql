-- Accounts: a password set by someone else (admin reset, new account) must be changed at first sign-in.
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
