-- Completion of rounds: one row per round and unit expected to report in it. Parameters: $rounds (a
-- list of round codes: views.completion passes one, the completion board every round it shows),
-- $today, $due_soon_days. The rows and their columns: completion_rows() in completion_rules.sql.
SELECT * EXCLUDE (registry_order)
FROM completion_rows($rounds, $today, $due_soon_days)
ORDER BY round, registry_order;
