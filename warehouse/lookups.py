"""Lookups of the registry that every room needs: unit names, unit and plan pickers, workloads."""

from __future__ import annotations

import duckdb
import polars as pl


def unit_name(con: duckdb.DuckDBPyConnection, code: str | None) -> str | None:
    """The unit's registered name; None when there is no such unit."""
    rows = con.execute("SELECT name FROM units WHERE code = ?", [code or ""]).fetchall()
    return rows[0][0] if rows else None


def unit_active(con: duckdb.DuckDBPyConnection, code: str) -> bool | None:
    """Whether the unit is active; None when there is no such unit."""
    rows = con.execute("SELECT active FROM units WHERE code = ?", [code]).fetchall()
    return bool(rows[0][0]) if rows else None


def active_units(con: duckdb.DuckDBPyConnection, only: str | None = None) -> list[tuple[str, str]]:
    """(code, name) of the active units by code; `only` keeps that one unit."""
    return con.execute(
        "SELECT code, name FROM units WHERE active AND ($unit IS NULL OR code = $unit) ORDER BY code",
        {"unit": only},
    ).fetchall()


def active_unit_kinds(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute("SELECT DISTINCT kind FROM units WHERE active").fetchall()]


def registry_order(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """unit, registry_order: the order units were registered in (how tables list them)."""
    return con.sql("SELECT code AS unit, rowid AS registry_order FROM units").pl()


def plans(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(code, name) of every plan in registry order."""
    return con.execute("SELECT code, name FROM plans ORDER BY rowid").fetchall()


def plan_periods(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int, int]]:
    """(code, name, start_year, end_year) of every plan in registry order."""
    return con.execute("SELECT code, name, start_year, end_year FROM plans ORDER BY rowid").fetchall()


def plan_names(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """plan, plan_name: for joining onto view rows."""
    return con.sql("SELECT code AS plan, name AS plan_name FROM plans").pl()


def plans_of_year(con: duckdb.DuckDBPyConnection, year: int) -> pl.DataFrame:
    """code, name of the plans whose period covers `year`, in registry order."""
    return con.sql(
        "SELECT code, name FROM plans WHERE $year BETWEEN start_year AND end_year ORDER BY rowid",
        params={"year": year},
    ).pl()


def plan_summary(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """plan, name, period, tasks, indicators, units (taking part in a task), in registry order."""
    return con.sql("""
        SELECT p.code AS plan, p.name, p.start_year || '-' || p.end_year AS period,
               (SELECT count(*) FROM tasks t WHERE t.plan = p.code) AS tasks,
               (SELECT count(*) FROM indicators i WHERE i.plan = p.code) AS indicators,
               (SELECT count(DISTINCT tu.unit) FROM task_units tu JOIN tasks t ON t.code = tu.task
                WHERE t.plan = p.code) AS units
        FROM plans p ORDER BY p.rowid""").pl()


def unit_workload(con: duckdb.DuckDBPyConnection, unit: str) -> tuple[int, int, int]:
    """(indicators it owns, tasks it leads, tasks it helps with)."""
    return con.execute(
        """SELECT (SELECT count(*) FROM indicator_owners WHERE unit = $u),
                  (SELECT count(*) FROM task_units WHERE unit = $u AND role = 'lead'),
                  (SELECT count(*) FROM task_units WHERE unit = $u AND role = 'helper')""",
        {"u": unit},
    ).fetchall()[0]


def indicator_owners(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(code, name) of the units that are an indicator's owner of record, in registry order."""
    rows = con.execute(
        "SELECT DISTINCT u.code, u.name, u.rowid FROM indicator_owners o JOIN units u ON u.code = o.unit "
        "WHERE o.position = 0 ORDER BY u.rowid"
    ).fetchall()
    return [(code, name) for code, name, _ in rows]


def indicator_kinds(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT DISTINCT kind FROM indicators").fetchall()}


def indicator_plans(con: duckdb.DuckDBPyConnection, codes: list[str]) -> dict[str, str]:
    """indicator → its plan, for the codes asked (unknown codes left out)."""
    rows = con.execute("SELECT code, plan FROM indicators WHERE list_contains(?, code)", [list(codes)])
    return dict(rows.fetchall())
