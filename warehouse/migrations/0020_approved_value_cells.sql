-- The cell each standing approved value was read from (indicator_values.cell), beside the value in
-- approved_values, so the annual assessment names the cell of every indicator line from the row it
-- already reads instead of looking the province's values up again (issue 23: ~45 ms of the
-- assessment at 2,000 units). approved_values_of() in warehouse/sql/submissions.sql defines it; the
-- migration refills the table from that (warehouse.db.migrate).
ALTER TABLE approved_values ADD COLUMN cell VARCHAR;
