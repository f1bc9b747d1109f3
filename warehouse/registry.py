"""The plan registry in the warehouse: replaced whole in one transaction, read back for export."""

from __future__ import annotations

import duckdb
import polars as pl

from schemas.enums import RoundState
from schemas.quarters import Quarter
from schemas.registry import Registry
from warehouse import assessment_facts

REGISTRY_TABLES = (
    "offices",
    "plans",
    "units",
    "tasks",
    "task_units",
    "indicators",
    "indicator_owners",
    "indicator_yearly_targets",
)


def _frame(rows: list[dict], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame([{k: r.get(k) for k in schema} for r in rows], schema=schema, orient="row")


def replace_registry(con: duckdb.DuckDBPyConnection, registry: Registry) -> dict[str, int]:
    """Swap the registry for `registry` (call inside a transaction). Rounds are upserted, not replaced."""
    TXT, INT, NUM, BOOL = pl.Utf8, pl.Int64, pl.Float64, pl.Boolean
    offices = _frame(
        registry.get("offices", []),
        {
            "code": TXT,
            "name": TXT,
            "short_name": TXT,
            "parent": TXT,
            "level": TXT,
            "contact": TXT,
            "phone": TXT,
            "seal_text": TXT,
            "doc_prefix": TXT,
            "recipients": TXT,
            "assumed": BOOL,
            "webhook": TXT,
        },
    ).with_columns(pl.col("assumed").fill_null(False))
    plans = _frame(
        registry["plans"],
        {
            "code": TXT,
            "name": TXT,
            "issuer": TXT,
            "start_year": INT,
            "end_year": INT,
            "base_year": INT,
            "source": TXT,
            "office": TXT,
        },
    )
    units = _frame(
        registry["units"],
        {
            "code": TXT,
            "name": TXT,
            "kind": TXT,
            "parent": TXT,
            "contact": TXT,
            "phone": TXT,
            "active": BOOL,
            "assumed": BOOL,
            "org": TXT,
            "emails": TXT,
            "webhook": TXT,
        },
    )
    units = units.with_columns(pl.col("active").fill_null(True), pl.col("assumed").fill_null(False))
    tasks = _frame(
        [t | {"position": i} for i, t in enumerate(registry["tasks"])],
        {
            "code": TXT,
            "plan": TXT,
            "number": TXT,
            "section": TXT,
            "title": TXT,
            "text": TXT,
            "lead_unit": TXT,
            "due_year": INT,
            "weight": NUM,
            "units_assumed": BOOL,
            "position": INT,
        },
    ).with_columns(pl.col("weight").fill_null(1.0), pl.col("units_assumed").fill_null(False))
    task_units = pl.DataFrame(
        [
            {"task": t["code"], "unit": u, "role": "lead" if pos == 0 else "helper", "position": pos}
            for t in registry["tasks"]
            for pos, u in enumerate(dict.fromkeys([t["lead_unit"], *(t.get("helper_units") or [])]))
        ],
        schema={"task": TXT, "unit": TXT, "role": TXT, "position": INT},
    )
    indicators = _frame(
        [r | {"position": i} for i, r in enumerate(registry["indicators"])],
        {
            "code": TXT,
            "plan": TXT,
            "task": TXT,
            "name": TXT,
            "measure_unit": TXT,
            "kind": TXT,
            "direction": TXT,
            "baseline_value": NUM,
            "baseline_year": INT,
            "target_value": NUM,
            "target_year": INT,
            "weight": NUM,
            "allow_negative": BOOL,
            "units_assumed": BOOL,
            "source_text": TXT,
            "backed_by": TXT,
            "position": INT,
        },
    ).with_columns(
        pl.col("direction").fill_null(">="),
        pl.col("weight").fill_null(1.0),
        pl.col("allow_negative").fill_null(False),
        pl.col("units_assumed").fill_null(False),
    )
    owners = pl.DataFrame(
        [
            {"indicator": r["code"], "unit": u, "position": pos}
            for r in registry["indicators"]
            for pos, u in enumerate(dict.fromkeys(r.get("owner_units") or []))
        ],
        schema={"indicator": TXT, "unit": TXT, "position": INT},
    )
    yearly = _frame(registry.get("yearly_targets", []), {"indicator": TXT, "year": INT, "target_value": NUM})
    frames = {
        "offices": offices,
        "plans": plans,
        "units": units,
        "tasks": tasks,
        "task_units": task_units,
        "indicators": indicators,
        "indicator_owners": owners,
        "indicator_yearly_targets": yearly,
    }
    for table, frame in frames.items():
        con.execute(f"DELETE FROM {table}")
        con.register("incoming", frame.to_arrow())
        con.execute(f"INSERT INTO {table} ({', '.join(frame.columns)}) SELECT * FROM incoming")
        con.unregister("incoming")
    rounds = registry.get("rounds") or []
    if rounds:
        upsert_rounds(con, rounds)
    assessment_facts.rebuild(con)  # plans, tasks, indicators and owners define them
    return {table: frame.height for table, frame in frames.items()} | {"rounds": len(rounds)}


def upsert_rounds(con: duckdb.DuckDBPyConnection, rounds: list[dict]) -> None:
    for r in rounds:
        q = Quarter.parse(r["code"])
        con.execute(
            "INSERT INTO rounds (code, year, quarter, due_date, state) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (code) DO UPDATE SET due_date = excluded.due_date, state = excluded.state",
            [r["code"], q.year, q.quarter, r["due_date"], r["state"]],
        )


def read_registry(con: duckdb.DuckDBPyConnection) -> Registry:
    """The registry as sheet records, in the order it was loaded."""

    def rows(sql: str) -> list[dict]:
        return con.sql(sql).pl().to_dicts()

    tasks = rows("""
        SELECT t.code, t.plan, t.number, t.section, t.title, t.text, t.lead_unit,
               coalesce((SELECT list(u.unit ORDER BY u.position) FROM task_units u
                         WHERE u.task = t.code AND u.role = 'helper'), []) AS helper_units,
               t.due_year, t.weight, t.units_assumed
        FROM tasks t ORDER BY t.position""")
    indicators = rows("""
        SELECT i.code, i.plan, i.task, i.name, i.measure_unit, i.kind, i.direction, i.baseline_value,
               i.baseline_year, i.target_value, i.target_year,
               coalesce((SELECT list(o.unit ORDER BY o.position) FROM indicator_owners o
                         WHERE o.indicator = i.code), []) AS owner_units,
               i.weight, i.allow_negative, i.units_assumed, i.source_text, i.backed_by
        FROM indicators i ORDER BY i.position""")
    return {
        "offices": rows("""
            SELECT code, name, short_name, parent, level, contact, phone, seal_text, doc_prefix,
                   recipients, assumed, webhook
            FROM offices ORDER BY rowid"""),
        "plans": rows(
            "SELECT code, name, issuer, start_year, end_year, base_year, source, office FROM plans ORDER BY rowid"
        ),
        "units": rows(
            "SELECT code, name, kind, parent, contact, phone, active, assumed, org, emails, webhook "
            "FROM units ORDER BY rowid"
        ),
        "tasks": tasks,
        "indicators": indicators,
        "yearly_targets": rows("""
            SELECT y.indicator, y.year, y.target_value FROM indicator_yearly_targets y
            JOIN indicators i ON i.code = y.indicator ORDER BY i.position, y.year"""),
        "rounds": rows("SELECT code, due_date, state FROM rounds ORDER BY year, quarter"),
    }


def units_in_use(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, int, int]]:
    """Units that submissions or accounts still point to: code → (name, submissions, accounts)."""
    found = con.execute("""
        SELECT u.code, u.name,
               (SELECT count(*) FROM submissions s WHERE s.unit = u.code) AS submissions,
               (SELECT count(*) FROM users a WHERE a.unit = u.code) AS accounts
        FROM units u ORDER BY u.code""").fetchall()
    return {code: (name, subs, accounts) for code, name, subs, accounts in found if subs or accounts}


def locked_rounds(con: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    """Locked rounds as the registry sheet has them: code → {due_date, state}."""
    found = con.execute(
        "SELECT code, due_date, state FROM rounds WHERE state = ?", [RoundState.LOCKED]
    ).fetchall()
    return {code: {"due_date": due, "state": state} for code, due, state in found}


# The unit fields 系统管理 may change (contact details, notification addresses, active flag).
UNIT_SETTINGS = ("contact", "phone", "active", "emails", "webhook")


def units_listing(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every unit, active or not, in code order: code, name, kind, parent and its settings."""
    return con.sql(
        "SELECT code, name, kind, parent, contact, phone, emails, webhook, active, assumed FROM units ORDER BY code"
    ).pl()


def unit_settings(con: duckdb.DuckDBPyConnection, code: str) -> tuple[str, dict[str, object]] | None:
    """(name, {field: value} for UNIT_SETTINGS) of a unit; None when there is no such unit."""
    rows = con.execute(
        f"SELECT name, {', '.join(UNIT_SETTINGS)} FROM units WHERE code = ?", [code]
    ).fetchall()
    if not rows:
        return None
    name, *values = rows[0]
    return name, dict(zip(UNIT_SETTINGS, values, strict=True))


def update_unit(con: duckdb.DuckDBPyConnection, code: str, changed: dict[str, object]) -> None:
    """Set the given UNIT_SETTINGS fields of one unit (any other key is a programming error)."""
    unknown = set(changed) - set(UNIT_SETTINGS)
    if unknown:
        raise ValueError(f"not a unit setting: {sorted(unknown)}")
    if not changed:
        return
    sets = ", ".join(f"{k} = ?" for k in changed)
    con.execute(f"UPDATE units SET {sets} WHERE code = ?", [*changed.values(), code])
