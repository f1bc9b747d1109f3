"""What units' quarterly templates pre-fill, gathered in one pass for one unit or for all of them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import polars as pl

from warehouse.sql import query
from warehouse.views import install_macros


@dataclass
class TemplateRows:
    """Rows for the templates of a round; frames carry a `unit` column, in registry order."""

    round: dict | None  # code, year, quarter, due_date, state; None when the round does not exist
    units: pl.DataFrame  # code, name, active, indicators, tasks
    indicators: pl.DataFrame  # unit + the indicator sheet's pre-filled keys + allow_negative
    tasks: pl.DataFrame  # unit + the task sheet's pre-filled keys (role as stored: lead/helper)
    extensions: dict[str, dt.date] = field(default_factory=dict)  # unit → extended due date

    def due_date(self, unit: str) -> dt.date | None:
        if self.round is None:
            return None
        return self.extensions.get(unit, self.round["due_date"])


def template_rows(con: duckdb.DuckDBPyConnection, round_code: str, unit: str | None = None) -> TemplateRows:
    """One query per kind of row, whatever the number of units (a round's templates in bulk)."""
    params = {"round": round_code, "unit": unit}
    install_macros(con)  # approved_submissions(): the standing approved values
    rounds = con.sql(query("template_round"), params={"round": round_code}).pl().to_dicts()
    found = rounds[0] if rounds else None
    extensions = {e["unit"]: e["due_date"] for e in found.pop("extensions")} if found else {}
    return TemplateRows(
        round=found,
        units=con.sql(query("template_units"), params={"unit": unit}).pl(),
        indicators=con.sql(query("template_indicators"), params=params).pl(),
        tasks=con.sql(query("template_tasks"), params={"unit": unit}).pl(),
        extensions=extensions,
    )
