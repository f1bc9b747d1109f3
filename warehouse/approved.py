"""Table approved_values (migration 0018): every unit's standing approved value of every indicator
in every round, kept equal to approved_values_of() in sql/submissions.sql, its one definition.

The KPI views look values up here instead of deriving them from every stored value on each read
(issue 23). Whatever changes which submission of a unit stands approved (a review decision, a
supersede, a sign-off, a restore, a bulk load) calls `refresh` for the units touched, in its own
transaction, or `rebuild`.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import polars as pl

from warehouse.views import install_macros

COLUMNS = "indicator, unit, round, round_rank, year, quarter, submission_id, uploaded_at, value, prev_rank, next_rank"


def refresh(con: duckdb.DuckDBPyConnection, units: Iterable[str]) -> None:
    """Recompute the rows of `units` (all their rounds: the previous/next links span rounds)."""
    units = sorted(set(units))
    if not units:
        return
    install_macros(con)
    con.execute("DELETE FROM approved_values WHERE list_contains($units, unit)", {"units": units})
    con.execute(
        f"INSERT INTO approved_values ({COLUMNS}) SELECT {COLUMNS} FROM approved_values_of($units)",
        {"units": units},
    )


def rebuild(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute the whole table (the migration, a restore, a bulk load)."""
    install_macros(con)
    con.execute("DELETE FROM approved_values")
    con.execute(f"INSERT INTO approved_values ({COLUMNS}) SELECT {COLUMNS} FROM approved_values_of(NULL)")


def stored(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The table as it is, in a stable order (for checks)."""
    return con.sql(f"SELECT {COLUMNS} FROM approved_values ORDER BY unit, indicator, round_rank").pl()


def derived(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """What the table should hold, from the definition, in the same order as `stored`."""
    install_macros(con)
    return con.sql(
        f"SELECT {COLUMNS} FROM approved_values_of(NULL) ORDER BY unit, indicator, round_rank"
    ).pl()
