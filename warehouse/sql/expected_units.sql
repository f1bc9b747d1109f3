-- Units and whether they may report. Parameters: $unit (NULL = every unit).
SELECT code, name, active FROM units WHERE $unit IS NULL OR code = $unit
