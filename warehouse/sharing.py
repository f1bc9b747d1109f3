"""The open datasets' rows (issue 21): one query per shared table, read by the API and the open
export alike (portal.sharing.datasets holds their fields and the scope rules). Personal contact
columns (contact, phone, leader) are never selected here: open data carries no personal data."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from warehouse import views


def plans(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql(
        "SELECT code, name, issuer, office, start_year, end_year, base_year FROM plans ORDER BY rowid"
    ).pl()


def offices(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql("SELECT code, name, short_name, parent, level FROM offices ORDER BY rowid").pl()


def units(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql("SELECT code, name, kind, parent, org AS office, active FROM units ORDER BY rowid").pl()


def tasks(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql("""
        SELECT t.code, t.plan, t.number, t.section, t.title, t.lead_unit,
               coalesce((SELECT string_agg(tu.unit, ';' ORDER BY tu.position) FROM task_units tu
                         WHERE tu.task = t.code AND tu.role <> 'lead'), '') AS helper_units,
               t.due_year, t.weight
        FROM tasks t ORDER BY t.plan, t.position""").pl()


def indicators(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql("""
        SELECT i.code, i.plan, i.task, i.name, i.measure_unit, i.kind, i.direction,
               i.baseline_value, i.baseline_year, i.target_value, i.target_year, i.weight,
               o.unit AS owner
        FROM indicators i
        LEFT JOIN indicator_owners o ON o.indicator = i.code AND o.position = 0
        ORDER BY i.plan, i.position""").pl()


def rounds(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql("SELECT code, year, quarter, due_date, state FROM rounds ORDER BY year, quarter").pl()


def indicator_values(con: duckdb.DuckDBPyConnection, round_codes: list[str]) -> pl.DataFrame:
    """Each unit's values from its standing approved submission of each round, read from the
    approved_values table (migration 0018: the same rows as approved_submissions() joined with the
    non-blank values, kept in step on every approval change), not rebuilt from every submission;
    `owner`: the unit is the indicator's owner of record."""
    return con.sql(
        """
        SELECT a.round, a.year, a.quarter, i.plan, a.indicator, i.name AS indicator_name, i.measure_unit,
               a.unit, a.value, coalesce(o.unit = a.unit, FALSE) AS owner, a.submission_id
        FROM approved_values a
        JOIN indicators i ON i.code = a.indicator
        LEFT JOIN indicator_owners o ON o.indicator = a.indicator AND o.position = 0
        WHERE a.round IN (SELECT unnest($rounds))
        ORDER BY a.year, a.quarter, i.plan, i.position, a.unit""",
        params={"rounds": round_codes},
    ).pl()


def task_progress(con: duckdb.DuckDBPyConnection, round_codes: list[str]) -> pl.DataFrame:
    """Each unit's reported task progress from its standing approved submission of each round."""
    views.install_macros(con)
    return con.sql(
        """
        SELECT s.round, r.year, r.quarter, t.plan, p.task, t.title AS task_title, p.unit, p.role,
               p.status, p.percent, p.narrative, s.id AS submission_id
        FROM approved_submissions() s
        JOIN rounds r ON r.code = s.round
        JOIN task_progress p ON p.submission_id = s.id
        JOIN tasks t ON t.code = p.task
        WHERE s.round IN (SELECT unnest($rounds))
        ORDER BY r.year, r.quarter, t.plan, t.position, p.unit""",
        params={"rounds": round_codes},
    ).pl()


def completion(con: duckdb.DuckDBPyConnection, round_codes: list[str], today: dt.date) -> pl.DataFrame:
    """completion.sql's standing of every unit that owes each round (the completion board's rule)."""
    frame = views.completion_units(con, round_codes, today)
    return frame.select(
        "round", "unit", "name", "kind", "state", "reported", "reported_at", "round_due_date",
        "due_date", "extended", "days_late", "on_time", "indicator_count", "task_count",
    ).rename({"name": "unit_name"})  # fmt: skip


def kpi_pace(con: duckdb.DuckDBPyConnection, round_codes: list[str]) -> pl.DataFrame:
    """kpi_progress.sql (the one pace rule) of each round, one row per indicator and round."""
    frames = [
        views.kpi_progress(con, code).select(
            pl.lit(code).alias("round"),
            "plan",
            "indicator",
            "name",
            "measure_unit",
            "kind",
            "direction",
            "owner",
            "target_value",
            "target_year",
            "base_value",
            "actual",
            "actual_round",
            "current",
            "expected",
            "ratio",
            "pace",
            "year_target",
            "year_ratio",
        )  # fmt: skip
        for code in round_codes
    ]
    return pl.concat(frames, how="vertical_relaxed") if frames else pl.DataFrame()


def assessment_results(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The units' results of every finalized (定稿), not reopened assessment version, as published."""
    return con.sql("""
        WITH final AS (
            SELECT plan, year, version, finalized_at, unnest(from_json(snapshot -> '$.units', '["JSON"]')) AS u
            FROM assessment_versions
            WHERE finalized_at IS NOT NULL AND reopened_at IS NULL
        )
        SELECT plan, year, version, CAST(finalized_at AS DATE) AS finalized_on,
               u ->> '$.unit' AS unit, u ->> '$.name' AS unit_name, u ->> '$.group' AS "group",
               CAST(u ->> '$.total' AS DOUBLE) AS total, CAST(u ->> '$.rank' AS INTEGER) AS rank,
               u ->> '$.grade' AS grade, CAST(u ->> '$.vetoed' AS BOOLEAN) AS vetoed,
               CAST(u ->> '$.self_score' AS DOUBLE) AS self_score
        FROM final
        ORDER BY plan, year, rank NULLS LAST, unit""").pl()


def unit_plans(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return views.unit_plans(con)
