"""Tables assessment_indicator_facts and assessment_task_facts (migration 0022): the annual
assessment's indicator and task facts of every plan in every year of its span, for every unit, kept
equal to their definitions (warehouse/assessment.py: `indicator_facts_of`, `task_facts_of`) so the
assessment reads them instead of computing them (issue 16: the province assessment within the view
target; computing them was ~60 % of its time).

What moves them, and keeps them in step in its own transaction:
- an approval, return, supersede, sign-off or restore of a unit's submission: `warehouse.approved.refresh`
  refreshes the approved tables and then these, for the units touched (a unit's indicator rows read
  its own approved values; its task rows read its own reports and its lead's);
- a registry import (`warehouse.registry.replace_registry`), a restore and a bulk load: `rebuild`.
A unit's activation moves nothing: every unit's rows are kept, and the assessment reads the active
ones. tests/portal/test_authorization_walk.py checks the tables against the definitions after every
action of the walk.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import polars as pl

from warehouse.assessment import INDICATOR_FACTS, TASK_FACTS, indicator_facts_of, task_facts_of

MIGRATION = 22  # warehouse/migrations/0022_assessment_facts.sql adds both tables
INDICATORS = "assessment_indicator_facts"
TASKS = "assessment_task_facts"
# table → (its columns after plan and year, the definition, the columns naming a row)
TABLES = {
    INDICATORS: ([*INDICATOR_FACTS, "position"], indicator_facts_of, ("plan", "year", "item")),
    TASKS: ([*TASK_FACTS, "lead_unit", "position"], task_facts_of, ("plan", "year", "unit", "item")),
}


def _spans(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """plan, start_year, end_year of every plan: an assessment may be asked for any year of a plan's
    span (portal/assessment/assess.py refuses the others)."""
    return con.sql("SELECT code AS plan, start_year, end_year FROM plans").pl()


def _years(spans: pl.DataFrame) -> list[int]:
    return sorted(
        {y for a, b in zip(spans["start_year"], spans["end_year"], strict=True) for y in range(a, b + 1)}
    )


def _computed(
    con: duckdb.DuckDBPyConnection, table: str, spans: pl.DataFrame, year: int, units: list[str] | None = None
) -> pl.DataFrame:
    """The table's rows of `year` from its definition, for the plans of `spans` whose span holds it
    (one query for them all), with `plan` first; `units` as the definitions take it."""
    columns, definition, _ = TABLES[table]
    plans = spans.filter((pl.col("start_year") <= year) & (pl.col("end_year") >= year))["plan"].to_list()
    frame = definition(con, plans[0] if len(plans) == 1 else None, year, units)
    return frame.filter(pl.col("plan").is_in(plans)).select("plan", *columns)


def _write(con: duckdb.DuckDBPyConnection, table: str, year: int, frame: pl.DataFrame) -> None:
    if not frame.height:
        return
    con.register("fresh_facts", frame.to_arrow())
    try:
        names = ", ".join(frame.columns)
        con.execute(
            f"INSERT INTO {table} (year, {names}) SELECT $year, {names} FROM fresh_facts", {"year": year}
        )
    finally:
        con.unregister("fresh_facts")


def rebuild(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute both tables whole (a registry import, a restore, a bulk load, the migration), in
    year order: an assessment reads one plan's year."""
    spans = _spans(con)
    for table in TABLES:
        con.execute(f"DELETE FROM {table}")
        for year in _years(spans):
            _write(con, table, year, _computed(con, table, spans, year))


def refresh(con: duckdb.DuckDBPyConnection, units: Iterable[str], since: int | None = None) -> None:
    """Make the rows `units`' approved data moves equal to their definitions: the indicators they own
    and their task rows and those of the tasks they lead, in every plan's years from `since` on
    (None: every year). A year's facts read only approved rows of that year and earlier
    (the latest value and report within the year, the first value ever for a base), so when the
    earliest approved row that changed is of year `since`, the years before it stand as they are:
    an approval of this year's round recomputes this year and the plan's later years only."""
    units = sorted(set(units))
    if not units:
        return
    params = {"units": units, "since": since}
    mine = "($since::INTEGER IS NULL OR year >= $since::INTEGER) AND "
    con.execute(f"DELETE FROM {INDICATORS} WHERE {mine}list_contains($units, unit)", params)
    con.execute(
        f"DELETE FROM {TASKS} WHERE {mine}(list_contains($units, unit) OR list_contains($units, lead_unit))",
        params,
    )
    # every plan's years: the definitions return the units' rows only (looking up the units' plans
    # first cost ~16 ms at province scale, more than the years it saves when the plans share a span)
    spans = _spans(con)
    for year in _years(spans):
        if since is not None and year < since:
            continue
        for table in TABLES:
            _write(con, table, year, _computed(con, table, spans, year, units))


# What the definitions read, besides `units` (read by the assessment at read time, not stored).
INPUTS = (
    "approved_values",
    "approved_tasks",
    "plans",
    "indicators",
    "indicator_owners",
    "indicator_yearly_targets",
    "tasks",
    "task_units",
)


def fingerprint(con: duckdb.DuckDBPyConnection) -> tuple:
    """Row count and summed row hash of both tables and of every input (~50 ms on the demo, a full
    comparison ~400 ms): a check that found the tables equal to their definitions need not compare
    again while this has not moved."""
    tables = [*TABLES, *INPUTS]
    parts = ", ".join(f"(SELECT (count(*), sum(hash(t)::HUGEINT)) FROM {table} t)" for table in tables)
    return tuple(con.execute(f"SELECT {parts}").fetchall()[0])


def stored(con: duckdb.DuckDBPyConnection, table: str) -> pl.DataFrame:
    """The table as it is, in a stable order (for checks)."""
    columns, _, key = TABLES[table]
    return con.sql(f"SELECT plan, year, {', '.join(columns)} FROM {table} ORDER BY {', '.join(key)}").pl()


def derived(con: duckdb.DuckDBPyConnection, table: str) -> pl.DataFrame:
    """What the table should hold, from the definition, in the same order and types as `stored`."""
    spans = _spans(con)
    schema = stored(con, table).head(0)
    frames = [_computed(con, table, spans, year).with_columns(year=pl.lit(year)) for year in _years(spans)]
    if not frames:
        return schema
    every = pl.concat(frames, how="vertical_relaxed").select(schema.columns)
    return every.cast(dict(schema.schema)).sort(*TABLES[table][2])
