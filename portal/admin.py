"""系统管理 beyond accounts (portal.auth) and rounds (portal.rounds): the registry in and out, form choices.

The registry services in portal.registry take an actor name (the CLI passes "cli"); these wrap
them for a signed-in account, so the permission check cannot be left to a page.
"""

from __future__ import annotations

import json

import polars as pl

from portal.context import Portal
from portal.permissions import require
from portal.registry import ImportResult, export_registry_json, export_registry_xlsx, import_registry
from schemas.issues import Report


def import_registry_as(portal: Portal, account, data: bytes) -> ImportResult:
    require(account, "registry.import")
    return import_registry(portal, data, actor=account.username)


def _audit_export(portal: Portal, account, fmt: str) -> None:
    with portal.warehouse.transaction() as con:
        portal.audit(con, account.username, "registry.export", None, fmt)


def export_registry_xlsx_as(portal: Portal, account) -> bytes:
    require(account, "registry.export")
    data = export_registry_xlsx(portal)
    _audit_export(portal, account, "xlsx")
    return data


def export_registry_json_as(portal: Portal, account) -> bytes:
    require(account, "registry.export")
    text = json.dumps(export_registry_json(portal), ensure_ascii=False, indent=1, default=str)
    _audit_export(portal, account, "json")
    return (text + "\n").encode("utf-8")


def report_frame(report: Report) -> pl.DataFrame:
    """A validation report as rows a person can work through: where, what, how to fix."""
    rows = [
        {
            "severity": i.severity.label,
            "sheet": i.sheet or "",
            "cell": i.cell or "",
            "column": i.column or "",
            "value": i.value or "",
            "message": i.message,
            "hint": i.hint,
        }
        for i in report.issues
    ]
    schema = dict.fromkeys(["severity", "sheet", "cell", "column", "value", "message", "hint"], pl.String)
    return pl.DataFrame(rows, schema=schema)


def unit_choices(portal: Portal, account) -> list[tuple[str, str]]:
    """(code, name) of the active units an account can be bound to."""
    require(account, "account.manage")
    with portal.warehouse.connect() as con:
        return con.execute("SELECT code, name FROM units WHERE active ORDER BY code").fetchall()
