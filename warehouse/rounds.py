"""Rounds (调度轮次) in the warehouse: the one `RoundInfo`, lookups and the changes round administration makes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import polars as pl

from schemas.enums import RoundState
from schemas.quarters import Quarter

_COLUMNS = "code, year, quarter, due_date, state"


@dataclass(frozen=True)
class RoundInfo:
    code: str
    year: int
    quarter: int
    due_date: dt.date  # the round's own; a unit's extension may move its own due date later
    state: RoundState

    @property
    def state_label(self) -> str:
        return self.state.label

    @property
    def period(self) -> Quarter:
        return Quarter(self.year, self.quarter)


def _info(row: tuple) -> RoundInfo:
    code, year, quarter, due, state = row
    return RoundInfo(code, year, quarter, due, RoundState(state))


def get(con: duckdb.DuckDBPyConnection, code: str) -> RoundInfo | None:
    rows = con.execute(f"SELECT {_COLUMNS} FROM rounds WHERE code = ?", [code]).fetchall()
    return _info(rows[0]) if rows else None


def current(con: duckdb.DuckDBPyConnection, today: dt.date) -> RoundInfo | None:
    """The quarter being reported on `today`, if registered; else the latest open round."""
    found = get(con, str(Quarter.reported_on(today)))
    if found is not None:
        return found
    rows = con.execute(
        f"SELECT {_COLUMNS} FROM rounds WHERE state = ? ORDER BY year DESC, quarter DESC LIMIT 1",
        [str(RoundState.OPEN)],
    ).fetchall()
    return _info(rows[0]) if rows else None


def codes(con: duckdb.DuckDBPyConnection, unlocked: bool = False) -> list[str]:
    """Round codes newest first; `unlocked` leaves out locked rounds."""
    rows = con.execute(
        "SELECT code FROM rounds WHERE NOT $unlocked OR state <> 'locked' ORDER BY year DESC, quarter DESC",
        {"unlocked": unlocked},
    ).fetchall()
    return [r[0] for r in rows]


def states(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(code, state) of every round, oldest first."""
    return con.execute("SELECT code, state FROM rounds ORDER BY year, quarter").fetchall()


def codes_of_year(con: duckdb.DuckDBPyConnection, year: int) -> list[str]:
    rows = con.execute("SELECT code FROM rounds WHERE year = ? ORDER BY quarter", [year]).fetchall()
    return [r[0] for r in rows]


def listing(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """code, due_date, state, submissions (uploads of any status): newest first."""
    return con.sql("""
        SELECT r.code, r.due_date, r.state,
               (SELECT count(*) FROM submissions s WHERE s.round = r.code) AS submissions
        FROM rounds r ORDER BY r.year DESC, r.quarter DESC""").pl()


def insert(con: duckdb.DuckDBPyConnection, code: str, due: dt.date, state: RoundState) -> None:
    q = Quarter.parse(code)
    con.execute(
        "INSERT INTO rounds (code, year, quarter, due_date, state) VALUES (?, ?, ?, ?, ?)",
        [code, q.year, q.quarter, due, str(state)],
    )


def set_state(con: duckdb.DuckDBPyConnection, code: str, state: RoundState) -> None:
    con.execute("UPDATE rounds SET state = ? WHERE code = ?", [str(state), code])


def set_due_date(con: duckdb.DuckDBPyConnection, code: str, due: dt.date) -> None:
    con.execute("UPDATE rounds SET due_date = ? WHERE code = ?", [due, code])


def periods(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int, int]]:
    """(code, year, quarter) of every round, oldest first."""
    return con.execute("SELECT code, year, quarter FROM rounds ORDER BY year, quarter").fetchall()
