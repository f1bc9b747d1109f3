-- approved_values and approved_tasks rewritten in round order (issue 23): the views and the annual
-- assessment read one year of them, and DuckDB skips a row group whose min/max year is outside it,
-- but a refresh that rewrote a unit's every row left the tables ordered by unit, so every year was in
-- every row group. The rows are emptied here and refilled from their definitions in round order
-- (warehouse.db._fill_derived, warehouse.approved.rebuild); refresh now rewrites only changed rows.
DELETE FROM approved_values;
DELETE FROM approved_tasks;
