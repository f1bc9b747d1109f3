"""The registry in its two shapes: nested JSON (export contract, demo data) and flat sheet records.

JSON: {"offices", "plans", "units", "tasks", "indicators" (each with `yearly_targets` {year: value}),
"rounds"}. Offices form the organisation tree (`parent`); each plan names its `office`, each unit
its `org` (an office code).
Sheets: one list of records per registry SheetSpec key; yearly targets are their own sheet.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from schemas.sheets import REGISTRY_SHEETS

Registry = dict[str, list[dict[str, Any]]]


def _spec_keys(sheet_key: str) -> list[str]:
    return next(s.keys for s in REGISTRY_SHEETS if s.key == sheet_key)


def sheets_from_json(data: dict[str, Any]) -> Registry:
    out: Registry = {}
    for spec in REGISTRY_SHEETS:
        if spec.key == "yearly_targets":
            continue
        out[spec.key] = [{k: rec.get(k) for k in spec.keys} for rec in data.get(spec.key, [])]
    out["yearly_targets"] = [
        {"indicator": ind["code"], "year": int(year), "target_value": value}
        for ind in data.get("indicators", [])
        for year, value in sorted((ind.get("yearly_targets") or {}).items())
    ]
    for rec in out["rounds"]:
        if isinstance(rec.get("due_date"), str):
            rec["due_date"] = dt.date.fromisoformat(rec["due_date"])
    return out


def json_from_sheets(sheets: Registry) -> dict[str, Any]:
    yearly: dict[str, dict[str, float]] = {}
    for rec in sheets.get("yearly_targets", []):
        yearly.setdefault(rec["indicator"], {})[str(rec["year"])] = rec["target_value"]
    out: dict[str, Any] = {}
    for key in ("offices", "plans", "units", "tasks", "indicators", "rounds"):
        rows = []
        for rec in sheets.get(key, []):
            row = {k: rec.get(k) for k in _spec_keys(key)}
            if key == "indicators":
                row["yearly_targets"] = yearly.get(rec["code"], {})
            if key == "rounds" and isinstance(row.get("due_date"), dt.date):
                row["due_date"] = row["due_date"].isoformat()
            rows.append(row)
        out[key] = rows
    return out
