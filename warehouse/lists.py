"""Named lists behind indicator numbers (名单, migration 0015): what the templates and validators
need to know of them, and the registers the office reads (企业培育库, 重点项目, double counts).

Items are stored with their submission (warehouse.submissions.LIST_ITEM_COLUMNS); only an approved
submission's items are the unit's standing list (approved_submissions() in sql/submissions.sql).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import duckdb
import polars as pl

from warehouse.views import install_macros

# Accepted uploads that are a unit's word for a round: what another unit's list is compared with.
_REPORTED = "('validated', 'approved', 'returned', 'awaiting_sign_off')"


def _units_clause(column: str, units: Iterable[str] | None) -> tuple[str, list]:
    """A filter on `column` to `units` (None: every unit), with its parameters."""
    if units is None:
        return "TRUE", []
    listed = sorted(set(units))
    if not listed:
        return "FALSE", []
    return f"{column} IN ({', '.join('?' * len(listed))})", listed


def backed_indicators(con: duckdb.DuckDBPyConnection, unit: str | None = None) -> pl.DataFrame:
    """unit, indicator, backed_by, kind: every list-backed indicator each unit owns, in plan order."""
    return con.sql(
        "SELECT o.unit, i.code AS indicator, i.backed_by, i.kind FROM indicator_owners o "
        "JOIN indicators i ON i.code = o.indicator "
        "WHERE i.backed_by IS NOT NULL AND ($unit IS NULL OR o.unit = $unit) "
        "ORDER BY o.unit, i.position",
        params={"unit": unit},
    ).pl()


def previous_lists(con: duckdb.DuckDBPyConnection, round_code: str, unit: str | None = None) -> pl.DataFrame:
    """unit, indicator, items, round: each unit's last approved list before `round_code`, per
    indicator: the item count of its latest approved submission (of an earlier round) holding it."""
    install_macros(con)
    return con.sql(
        """
        WITH counted AS (
            SELECT l.unit, l.indicator, l.round, count(*) AS items
            FROM list_items l JOIN approved_submissions() s ON s.id = l.submission_id
            WHERE l.round < $round AND ($unit IS NULL OR l.unit = $unit)
            GROUP BY l.unit, l.indicator, l.round
        )
        SELECT unit, indicator, arg_max(items, round) AS items, max(round) AS round
        FROM counted GROUP BY unit, indicator
        """,
        params={"round": round_code, "unit": unit},
    ).pl()


def reported_keys(con: duckdb.DuckDBPyConnection, round_code: str) -> pl.DataFrame:
    """unit, indicator, item_key of every item on a unit's current accepted upload of the round."""
    return con.sql(
        "SELECT DISTINCT l.unit, l.indicator, l.item_key FROM list_items l "
        f"JOIN submissions s ON s.id = l.submission_id WHERE l.round = $round AND s.status IN {_REPORTED}",
        params={"round": round_code},
    ).pl()


def double_counts(
    con: duckdb.DuckDBPyConnection, round_code: str, units: Iterable[str] | None = None
) -> pl.DataFrame:
    """indicator, indicator_name, plan, list_type, item_key, name, unit, unit_name, other_unit,
    other_unit_name: each item on the current lists of two units for the same indicator and round,
    once per pair; with `units`, pairs where at least one side is among them."""
    in_a, params = _units_clause("a.unit", units)
    in_b, _ = _units_clause("b.unit", units)
    return con.sql(
        f"""
        WITH items AS (
            SELECT DISTINCT l.unit, l.indicator, l.list_type, l.item_key, l.name
            FROM list_items l JOIN submissions s ON s.id = l.submission_id
            WHERE l.round = ? AND s.status IN {_REPORTED}
        )
        SELECT a.indicator, i.name AS indicator_name, i.plan, a.list_type, a.item_key, a.name,
               a.unit, ua.name AS unit_name, b.unit AS other_unit, ub.name AS other_unit_name
        FROM items a
        JOIN items b ON b.indicator = a.indicator AND b.item_key = a.item_key AND b.unit > a.unit
        JOIN indicators i ON i.code = a.indicator
        JOIN units ua ON ua.code = a.unit
        JOIN units ub ON ub.code = b.unit
        WHERE ({in_a}) OR ({in_b})
        ORDER BY a.indicator, a.item_key, a.unit, b.unit
        """,
        params=[round_code, *params, *params],
    ).pl()


def standing_items(
    con: duckdb.DuckDBPyConnection, list_type: str, units: Iterable[str] | None = None
) -> pl.DataFrame:
    """Every approved list item of the type, one row per (unit, round, indicator, item), with the
    round's year and quarter: the history the registers are read from."""
    install_macros(con)
    where, params = _units_clause("l.unit", units)
    return con.sql(
        f"""
        SELECT l.unit, u.name AS unit_name, l.round, l.indicator, l.item_key, l.name, l.stage,
               l.district, l.total_investment, l.quarter_investment, l.cumulative_investment,
               l.progress
        FROM list_items l
        JOIN approved_submissions() s ON s.id = l.submission_id
        JOIN units u ON u.code = l.unit
        WHERE l.list_type = ? AND ({where})
        ORDER BY l.round, l.unit, l.indicator, l.sheet_row
        """,
        params=[list_type, *params],
    ).pl()


@dataclass
class ListFrames:
    """What the validators compare a unit's lists with, for one unit or every unit of a round."""

    backed: pl.DataFrame  # unit, indicator, backed_by, kind
    previous: pl.DataFrame  # unit, indicator, items, round
    reported: pl.DataFrame  # unit, indicator, item_key: every unit's accepted lists of the round


def list_frames(con: duckdb.DuckDBPyConnection, round_code: str, unit: str | None = None) -> ListFrames:
    backed = backed_indicators(con, unit)
    if backed.is_empty():  # no list-backed indicators: nothing else to read
        empty = pl.DataFrame(schema={"unit": pl.Utf8, "indicator": pl.Utf8})
        return ListFrames(backed, empty, empty)
    return ListFrames(backed, previous_lists(con, round_code, unit), reported_keys(con, round_code))
