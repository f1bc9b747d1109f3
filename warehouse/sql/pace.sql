-- The one definition of KPI pace: expected value, completion ratio and pace status.
-- Every query that judges an indicator (KPI progress, year-end completion, assessment) calls
-- these macros; change the rule here and everything follows.
--
-- Plan time: the end of quarter Q of year Y is Y + Q/4 (2025Q3 ends at 2025.75); the end of
-- year Y is Y + 1. A baseline "value, year" is the level at the end of that year.
--
-- kpi_expected(kind, base_value, base_time, target_value, target_year, year_target, year, quarter)
--   stock, cumulative: straight line from (base_time, base_value) to (target_year + 1, target_value),
--       evaluated at year + quarter/4 and clamped to [base_value, target_value] (before the
--       baseline: the baseline; after the target year: the target). NULL when there is no base.
--   flow:      year_target * quarter / 4 (flows are reported year to date).
--   rate:      the target itself: year_target, i.e. the year's own target when the registry gives
--              yearly targets (年均增速 each year), else target_value.
--   milestone: target_value (1 = achieved).
-- year_target is indicator_yearly_targets for `year` if present, else target_value.
CREATE OR REPLACE MACRO kpi_time(year, quarter) AS year + quarter / 4.0;

CREATE OR REPLACE MACRO kpi_expected(
    kind, base_value, base_time, target_value, target_year, year_target, year, quarter
) AS CASE
    WHEN kind = 'flow' THEN year_target * quarter / 4.0
    WHEN kind = 'rate' THEN year_target
    WHEN kind = 'milestone' THEN target_value
    WHEN base_value IS NULL THEN NULL
    WHEN target_year + 1 <= base_time THEN target_value
    ELSE base_value + (target_value - base_value) * least(
        1.0, greatest(0.0, (kpi_time(year, quarter) - base_time) / (target_year + 1 - base_time))
    )
END;

-- kpi_ratio(direction, actual, expected): how far the actual is along the expected pace.
--   '>=': actual / expected;  '<=': expected / actual.
--   A denominator that is zero or negative makes the quotient meaningless: then 1 when the
--   actual meets the expectation (actual >= expected, resp. actual <= expected), else 0.
--   NULL when either side is NULL (not reported / no expectation).
CREATE OR REPLACE MACRO kpi_ratio(direction, actual, expected) AS CASE
    WHEN actual IS NULL OR expected IS NULL THEN NULL
    WHEN direction = '<=' THEN CASE
        WHEN actual > 0 THEN expected / actual
        WHEN actual <= expected THEN 1.0
        ELSE 0.0 END
    ELSE CASE
        WHEN expected > 0 THEN actual / expected
        WHEN actual >= expected THEN 1.0
        ELSE 0.0 END
END;

-- kpi_pace(ratio): green = on pace (ratio >= 1), yellow = within 10% behind (0.9 <= ratio < 1),
-- red = further behind or nothing reported (ratio NULL). The ratio is rounded to 9 decimals first
-- so a value exactly on the line is not judged behind through floating-point noise.
CREATE OR REPLACE MACRO kpi_pace(ratio) AS CASE
    WHEN ratio IS NULL THEN 'red'
    WHEN round(ratio, 9) >= 1 THEN 'green'
    WHEN round(ratio, 9) >= 0.9 THEN 'yellow'
    ELSE 'red'
END;

-- kpi_round_pace(current, ratio): the pace of an indicator in a quarterly round. Only a value that
-- belongs to the round is judged (kpi_pace, its ratio taken against that round's expected value);
-- an indicator without an approved value for the round is 'unreported' (本期未报/未审核): listed
-- apart, never counted as behind because an older value is compared with a later expectation.
CREATE OR REPLACE MACRO kpi_round_pace(current, ratio) AS CASE
    WHEN current IS NOT TRUE THEN 'unreported'
    ELSE kpi_pace(ratio)
END;
