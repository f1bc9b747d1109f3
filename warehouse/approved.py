"""Table approved_values (migration 0018): every unit's standing approved value of every indicator
in every round, kept equal to approved_values_of() in sql/submissions.sql, its one definition; and
table approved_tasks (migration 0019), the same for task rows (approved_tasks_of()), which the annual
assessment reads.

The KPI views look values up here instead of deriving them from every stored value on each read
(issue 23). Whatever changes which submission of a unit stands approved (a review decision, a
supersede, a sign-off, a restore, a bulk load) calls `refresh` for the units touched, in its own
transaction, or `rebuild`.

Both tables are kept in round order on disk (issue 23): a year's rows then lie in a few row groups,
so the views and the assessment, which read one year, skip the rest by DuckDB's min/max statistics.
`rebuild` writes in round order; `refresh` rewrites only the rows that changed (an approval adds its
round's rows and updates the link of the unit's previous row in place), so approvals made in
round order keep the order (migration 0021 put older warehouses' tables in order).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import duckdb
import polars as pl

from warehouse import assessment_facts, db
from warehouse.views import install_macros

COLUMNS = "indicator, unit, round, round_rank, year, quarter, submission_id, uploaded_at, value, prev_rank, next_rank, cell"
# approved_values as migration 0018 made it (migration 0020 added `cell`): what a warehouse migrated
# from before 0018 is filled with at that step
COLUMNS_0018 = COLUMNS.removesuffix(", cell")
TASK_COLUMNS = "task, unit, round, round_rank, year, quarter, submission_id, uploaded_at, status, percent, sheet_row, next_rank"
# table → (its columns, the macro that defines its rows, its key: the columns that name a row, as a
# unit's standing approved submission of a round holds an indicator's value or a task's row once;
# `stored`/`derived` compare in its order)
TABLES = {
    "approved_values": (COLUMNS, "approved_values_of", "unit, indicator, round_rank"),
    "approved_tasks": (TASK_COLUMNS, "approved_tasks_of", "unit, task, round_rank"),
}


# Units whose refresh waits for the end of a `deferred()` run (None: refresh at once).
_PENDING: ContextVar[set[str] | None] = ContextVar("approved_pending", default=None)


@contextmanager
def deferred() -> Iterator[set[str]]:
    """Collect the units `refresh` is asked for instead of recomputing them each time (~30 ms a
    call): for a batch job that reads neither table meanwhile (the demo fill, hundreds of reviews),
    which then refreshes the yielded units once. Refreshing recomputes from the definition, so once
    is the same as every time."""
    pending: set[str] = set()
    token = _PENDING.set(pending)
    try:
        yield pending
    finally:
        _PENDING.reset(token)


def refresh(con: duckdb.DuckDBPyConnection, units: Iterable[str]) -> None:
    """Make the rows of `units` (all their rounds: the previous/next links span rounds) equal to
    their definition, touching only the rows that differ: a changed row is updated where it lies."""
    units = sorted(set(units))
    if not units:
        return
    pending = _PENDING.get()
    if pending is not None:
        pending.update(units)
        return
    install_macros(con)
    since = None  # the earliest year of a row that changed
    for table, (columns, definition, key_columns) in TABLES.items():
        names, key = _names(columns), _names(key_columns)
        on_key = " AND ".join(f"h.{c} = f.{c}" for c in key)
        same = " AND ".join(f"h.{c} IS NOT DISTINCT FROM f.{c}" for c in names)
        # what the rows should be, and what they are with their place: the big table is read once
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE approved_fresh AS SELECT {columns} FROM {definition}($units)",
            {"units": units},
        )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE approved_held AS SELECT rowid AS place, {columns} FROM {table} "
            "WHERE list_contains($units, unit)",
            {"units": units},
        )
        gone, changed, added, first_year = con.execute(
            f"WITH gone AS (SELECT h.year FROM approved_held h ANTI JOIN approved_fresh f ON {on_key}), "
            f"changed AS (SELECT h.year FROM approved_held h JOIN approved_fresh f ON {on_key} WHERE NOT ({same})), "
            f"added AS (SELECT f.year FROM approved_fresh f ANTI JOIN approved_held h ON {on_key}) "
            "SELECT (SELECT count(*) FROM gone), (SELECT count(*) FROM changed), (SELECT count(*) FROM added), "
            "least((SELECT min(year) FROM gone), (SELECT min(year) FROM changed), (SELECT min(year) FROM added))"
        ).fetchall()[0]
        if first_year is not None:
            since = first_year if since is None else min(since, first_year)
        if gone:  # rows no longer approved
            con.execute(
                f"DELETE FROM {table} WHERE rowid IN "
                f"(SELECT h.place FROM approved_held h ANTI JOIN approved_fresh f ON {on_key})"
            )
        if changed:  # rows still approved whose content or links changed: where they lie
            con.execute(
                f"UPDATE {table} SET {', '.join(f'{c} = d.{c}' for c in names if c not in key)} "
                f"FROM (SELECT h.place, f.* FROM approved_held h JOIN approved_fresh f ON {on_key} "
                f"WHERE NOT ({same})) d WHERE {table}.rowid = d.place"
            )
        if added:  # rows newly approved, after the rest
            con.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM approved_fresh f "
                f"ANTI JOIN approved_held h ON {on_key} ORDER BY f.round_rank, f.unit"
            )
        con.execute("DROP TABLE approved_fresh")
        con.execute("DROP TABLE approved_held")
    # the assessment's facts of a year read these tables' rows of that year and before: they follow
    # from the earliest year that changed (nothing changed, as when an approved upload is superseded:
    # nothing to do)
    if since is not None and _has_assessment_facts(con):
        assessment_facts.refresh(con, units, since)


def _has_assessment_facts(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the migration that adds them has run (a warehouse migrating through 0018–0021 has
    none to keep); read from schema_version, not the catalog (a listing costs ~12 ms)."""
    return db.schema_version(con) >= assessment_facts.MIGRATION


def _names(columns: str) -> list[str]:
    return [c.strip() for c in columns.split(",")]


def rebuild(
    con: duckdb.DuckDBPyConnection, tables: Iterable[str] = tuple(TABLES), columns: str | None = None
) -> None:
    """Recompute the whole of both tables (a restore, a bulk load) and the assessment's facts, which
    read them, or of `tables` alone (a migration: `columns` those the table has at that step),
    written in round order."""
    install_macros(con)
    tables = list(tables)
    for table in tables:
        all_columns, definition, _ = TABLES[table]
        chosen = columns or all_columns
        con.execute(f"DELETE FROM {table}")
        con.execute(
            f"INSERT INTO {table} ({chosen}) SELECT {chosen} FROM {definition}(NULL) ORDER BY round_rank, unit"
        )
    if set(tables) == set(TABLES) and _has_assessment_facts(con):  # they read both tables
        assessment_facts.rebuild(con)


def stored(con: duckdb.DuckDBPyConnection, table: str = "approved_values") -> pl.DataFrame:
    """The table as it is, in a stable order (for checks)."""
    columns, _, order = TABLES[table]
    return con.sql(f"SELECT {columns} FROM {table} ORDER BY {order}").pl()


def derived(con: duckdb.DuckDBPyConnection, table: str = "approved_values") -> pl.DataFrame:
    """What the table should hold, from the definition, in the same order as `stored`."""
    install_macros(con)
    columns, definition, order = TABLES[table]
    return con.sql(f"SELECT {columns} FROM {definition}(NULL) ORDER BY {order}").pl()
