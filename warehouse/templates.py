"""What units' quarterly templates pre-fill, gathered in one pass for one unit or for all of them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import polars as pl

from warehouse import offices
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
    # unit → the office that issues its template (its plans' office, or their nearest common one),
    # as offices.office() gives it; None when its plans have none in common
    issuers: dict[str, dict | None] = field(default_factory=dict)

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
    indicators = con.sql(query("template_indicators"), params=params).pl()
    tasks = con.sql(query("template_tasks"), params={"unit": unit}).pl()
    return TemplateRows(
        round=found,
        units=con.sql(query("template_units"), params={"unit": unit}).pl(),
        indicators=indicators,
        tasks=tasks,
        extensions=extensions,
        issuers=_issuers(con, [indicators, tasks]),
    )


def _issuers(con: duckdb.DuckDBPyConnection, frames: list[pl.DataFrame]) -> dict[str, dict | None]:
    """Each unit's issuing office: looked up once per distinct set of plans (a handful per round)."""
    plans: dict[str, dict[str, None]] = {}
    for frame in frames:
        for row in frame.select("unit", "plan_code").iter_rows():
            plans.setdefault(row[0], {})[row[1]] = None
    found: dict[tuple[str, ...], dict | None] = {}
    issuers = {}
    for code, unit_plans in plans.items():
        key = tuple(sorted(unit_plans))
        if key not in found:
            found[key] = offices.office(con, offices.common_office(con, key))
        issuers[code] = found[key]
    return issuers
