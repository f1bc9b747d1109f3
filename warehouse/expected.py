"""What a unit is expected to report in a round, read from the registry and past approvals.

Frames, not validator types (the warehouse sits left of the validators); `portal.validation`
turns them into an `Expectation`. One call can cover every unit of a round, so a batch of uploads
needs one connection, not one per workbook.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl

from schemas.quarters import Quarter, RoundCodeError
from warehouse.sql import query as sql


@dataclass
class ExpectedFrames:
    units: pl.DataFrame  # code, name, active
    round_state: str | None  # None: the round does not exist
    indicators: pl.DataFrame  # unit, code, kind, direction, allow_negative, target, previous, ...
    tasks: pl.DataFrame  # unit, code, role


def expected_frames(
    con: duckdb.DuckDBPyConnection, round_code: str, unit: str | None = None
) -> ExpectedFrames:
    """Registry rows for `unit` (or every unit) and the history before `round_code`."""
    try:
        year = Quarter.parse(round_code).year
    except RoundCodeError:
        year = 0  # an unknown round: the expectations then report it
    state = con.sql(sql("round_state"), params={"round": round_code}).pl()
    return ExpectedFrames(
        units=con.sql(sql("expected_units"), params={"unit": unit}).pl(),
        round_state=state.get_column("state")[0] if state.height else None,
        indicators=con.sql(
            sql("expected_indicators"),
            params={"round": round_code, "year_start": str(Quarter(year, 1)), "year": year, "unit": unit},
        ).pl(),
        tasks=con.sql(sql("expected_tasks"), params={"unit": unit}).pl(),
    )
