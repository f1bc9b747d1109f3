"""The organisation tree of offices: who sits under whom, whose plans and units are whose.

Every function takes a connection and returns plain values (codes, dicts). Trees are walked in SQL
with recursive CTEs; `UNION` (not `UNION ALL`) stops a walk that meets a cycle, which the registry
import refuses anyway (office-tree-cycle). Codes are listed in registry order (the order of the
registry workbook), parents before children.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

OFFICE_COLUMNS = (
    "code",
    "name",
    "short_name",
    "parent",
    "level",
    "contact",
    "phone",
    "seal_text",
    "doc_prefix",
    "recipients",
    "assumed",
)

# Offices at or under the offices in `roots` (a list parameter), each with its depth below them.
_SUBTREE = """
    WITH RECURSIVE sub(code, depth) AS (
        SELECT code, 0 FROM offices WHERE list_contains(?, code)
        UNION
        SELECT o.code, s.depth + 1 FROM offices o JOIN sub s ON o.parent = s.code
    )
"""


def _codes(rows: list[tuple]) -> list[str]:
    return [r[0] for r in rows]


def office_tree(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every office as a dict of its columns plus `depth` (0 for a root) and `children` (codes),
    depth first: each office right before the offices under it, siblings in registry order."""
    rows = con.execute(f"SELECT {', '.join(OFFICE_COLUMNS)} FROM offices ORDER BY rowid").fetchall()
    offices = [dict(zip(OFFICE_COLUMNS, r, strict=True)) for r in rows]
    known = {o["code"] for o in offices}
    children: dict[str | None, list[dict]] = {}
    for office in offices:
        parent = office["parent"] if office["parent"] in known else None
        children.setdefault(parent, []).append(office)
    ordered: list[dict] = []
    placed: set[str] = set()

    def visit(office: dict, depth: int) -> None:
        if office["code"] in placed:
            return
        placed.add(office["code"])
        kids = children.get(office["code"], [])
        ordered.append(office | {"depth": depth, "children": [k["code"] for k in kids]})
        for kid in kids:
            visit(kid, depth + 1)

    for root in children.get(None, []):
        visit(root, 0)
    return ordered


def office_subtree(con: duckdb.DuckDBPyConnection, code: str) -> list[str]:
    """The office and every office under it (empty for an unknown code)."""
    return offices_under(con, [code])


def offices_under(con: duckdb.DuckDBPyConnection, codes: Iterable[str]) -> list[str]:
    """The offices in `codes` and every office under any of them, in registry order."""
    rows = con.execute(
        _SUBTREE + "SELECT o.code FROM offices o WHERE o.code IN (SELECT code FROM sub) ORDER BY o.rowid",
        [list(codes)],
    ).fetchall()
    return _codes(rows)


def office_ancestors(con: duckdb.DuckDBPyConnection, code: str) -> list[str]:
    """The offices above `code`, nearest first, up to the root (the office itself not included)."""
    rows = con.execute(
        """
        WITH RECURSIVE up(code, parent, height) AS (
            SELECT code, parent, 0 FROM offices WHERE code = ?
            UNION
            SELECT o.code, o.parent, u.height + 1 FROM offices o JOIN up u ON o.code = u.parent
        )
        SELECT code FROM up WHERE height > 0 ORDER BY height
        """,
        [code],
    ).fetchall()
    return list(dict.fromkeys(_codes(rows)))


def plans_of_offices(con: duckdb.DuckDBPyConnection, codes: Iterable[str], below: bool = True) -> list[str]:
    """The plans run by the offices in `codes` (and, with `below`, any office under them), in
    registry order."""
    rows = con.execute(
        _SUBTREE + "SELECT p.code FROM plans p WHERE p.office IN (SELECT code FROM sub WHERE ? OR depth = 0) "
        "ORDER BY p.rowid",
        [list(codes), below],
    ).fetchall()
    return _codes(rows)


def plan_offices(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str | None]]:
    """(plan, office running it) of every plan, in registry order: for callers that place many
    offices' plans at once (the roll-up) instead of one plans_of_offices query per office."""
    return con.execute("SELECT code, office FROM plans ORDER BY rowid").fetchall()


def units_of_offices(con: duckdb.DuckDBPyConnection, codes: Iterable[str], below: bool = True) -> list[str]:
    """The units an office (with `below`, and the offices under it) deals with: the lead and
    helper units of its plans' tasks, the owners of its plans' indicators, and the units whose
    organisation is the office (or in the subtree). In registry order."""
    rows = con.execute(
        _SUBTREE
        + """,
        scoped AS (SELECT code FROM sub WHERE ? OR depth = 0),
        own_plans AS (SELECT code FROM plans WHERE office IN (SELECT code FROM scoped))
        SELECT u.code FROM units u
        WHERE u.org IN (SELECT code FROM scoped)
           OR u.code IN (SELECT tu.unit FROM task_units tu JOIN tasks t ON t.code = tu.task
                         WHERE t.plan IN (SELECT code FROM own_plans))
           OR u.code IN (SELECT io.unit FROM indicator_owners io JOIN indicators i ON i.code = io.indicator
                         WHERE i.plan IN (SELECT code FROM own_plans))
        ORDER BY u.rowid
        """,
        [list(codes), below],
    ).fetchall()
    return _codes(rows)


def office(con: duckdb.DuckDBPyConnection, code: str | None) -> dict | None:
    """One office as a dict of its columns (name, seal_text, doc_prefix, recipients, ...); None
    for an unknown code or None."""
    if code is None:
        return None
    rows = con.execute(f"SELECT {', '.join(OFFICE_COLUMNS)} FROM offices WHERE code = ?", [code]).fetchall()
    return dict(zip(OFFICE_COLUMNS, rows[0], strict=True)) if rows else None


def office_of_plan(con: duckdb.DuckDBPyConnection, plan: str) -> str | None:
    """The office that runs `plan`; None for an unknown plan or one without an office."""
    rows = con.execute("SELECT office FROM plans WHERE code = ?", [plan]).fetchall()
    return rows[0][0] if rows else None


def common_office(con: duckdb.DuckDBPyConnection, plans: Iterable[str]) -> str | None:
    """The nearest office at or above the offices of all `plans` (the office that issues a document
    across them): their shared office when they have one. None when there is no plan, a plan is
    unknown or has no office, or the plans sit in separate trees."""
    wanted = list(dict.fromkeys(plans))
    if not wanted:
        return None
    offices = [office_of_plan(con, plan) for plan in wanted]
    if any(office is None for office in offices):
        return None
    chains = [[office, *office_ancestors(con, office)] for office in dict.fromkeys(offices)]
    shared = set(chains[0]).intersection(*chains[1:])
    return next((office for office in chains[0] if office in shared), None)


def plans_of_unit(con: duckdb.DuckDBPyConnection, unit: str) -> list[str]:
    """The plans in which `unit` leads or helps a task or owns an indicator, in registry order."""
    rows = con.execute(
        """
        SELECT p.code FROM plans p
        WHERE p.code IN (SELECT t.plan FROM task_units tu JOIN tasks t ON t.code = tu.task WHERE tu.unit = ?)
           OR p.code IN (SELECT i.plan FROM indicator_owners io JOIN indicators i ON i.code = io.indicator
                         WHERE io.unit = ?)
        ORDER BY p.rowid
        """,
        [unit, unit],
    ).fetchall()
    return _codes(rows)
