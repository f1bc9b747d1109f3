"""Registry import and export: the office's 任务分解表 in, the same workbook or JSON out.

Both honour the account's scope. An export holds only what the account may read: its offices and
those below them, their plans with their tasks, indicators and yearly targets, and the units they
deal with (a reference to an office or unit left out becomes empty); rounds are the platform's
calendar and always come along. An import replaces the whole registry, so an account that is not
platform-wide may import only a workbook that changes nothing it cannot act on: every row of
another office's (or of an office below) must be there exactly as stored (docs/registry.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from portal.core.context import Portal
from portal.core.permissions import require, scope_of
from portal.core.scope import Scope
from schemas.enums import RoundState
from schemas.issues import CATALOGUE, Issue, Report
from schemas.registry import Registry, json_from_sheets, sheets_from_json
from schemas.sheets import REGISTRY_ROUNDS, REGISTRY_SHEETS, REGISTRY_UNITS
from templates_xlsx.registry_book import write_registry
from validators.file_safety import Limits
from validators.registry import check_registry, read_registry_file, to_records
from warehouse.registry import locked_rounds, replace_registry, units_in_use
from warehouse.registry import read_registry as read_registry_tables


@dataclass
class ImportResult:
    report: Report
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def loaded(self) -> bool:
        return self.report.ok and bool(self.counts)


def parse_registry_workbook(data: bytes, limits: Limits | None = None) -> tuple[Registry | None, Report]:
    """Read (through the same file-safety gate and isolated reader as an upload) and check a
    registry workbook; records only when there is no error."""
    registry, _, report = _parse(data, limits)
    return registry, report


def _parse(data: bytes, limits: Limits | None) -> tuple[Registry | None, dict[str, list[int]], Report]:
    """`parse_registry_workbook` with the Excel row number of every record, by sheet key."""
    report = Report()
    sheets, issues = read_registry_file(data, limits)
    report.extend(issues)
    if any(i.is_error and (CATALOGUE[i.code].stage == "file" or i.code == "sheet-too-large") for i in issues):
        return None, {}, report  # the file itself was refused: its sheets were never read
    report.extend(check_registry(sheets))
    if not report.ok:
        return None, {}, report
    rows = {key: sheet.frame["_row"].to_list() for key, sheet in sheets.items()}
    return to_records(sheets), rows, report


def import_registry(portal: Portal, actor, data: bytes) -> ImportResult:
    """`actor` replaces the registry with a workbook's (the 系统管理 page, `portal registry import
    --user`, and `portal init --demo` as `system_actor()`). All or nothing: any error-level issue
    and the warehouse is left as it was."""
    require(actor, "registry.import")
    registry, rows, report = _parse(data, Limits.from_settings(portal.settings))
    if registry is None:
        return ImportResult(report)
    scope = scope_of(actor)
    with portal.warehouse.transaction() as con:
        refusals = [] if scope.platform else scope_refusals(read_registry_tables(con), registry, rows, scope)
        refusals += registry_conflicts(con, registry)
        if refusals:
            report.extend(refusals)
            return ImportResult(report)
        counts = replace_registry(con, registry)
        portal.audit(con, actor.audit_name, "registry.import", None, json.dumps(counts, ensure_ascii=False))
    return ImportResult(report, counts)


def registry_conflicts(con, registry: Registry) -> list[Issue]:
    """What an import may not do to the warehouse as it stands: drop a unit that submissions or
    accounts still belong to (deactivate it instead), or change a locked round."""
    issues = []
    kept = {u["code"] for u in registry["units"]}
    for code, (name, submissions, accounts) in units_in_use(con).items():
        if code not in kept:
            issues.append(
                Issue.make(
                    "unit-delete-in-use",
                    sheet=REGISTRY_UNITS.name,
                    value=code,
                    name=name,
                    submissions=submissions,
                    accounts=accounts,
                )  # fmt: skip
            )
    given = {r["code"]: r for r in registry.get("rounds") or []}
    for code, current in locked_rounds(con).items():
        for column in ("due_date", "state"):
            now, wanted = current[column], given.get(code, current)[column]
            if str(now) != str(wanted):
                issues.append(
                    Issue.make(
                        "round-locked-change",
                        sheet=REGISTRY_ROUNDS.name,
                        column=REGISTRY_ROUNDS.column(column).header,
                        value=code,
                        current=_shown(column, now),
                        given=_shown(column, wanted),
                    )  # fmt: skip
                )
    return issues


def _shown(column: str, value: Any) -> str:
    return RoundState(value).label if column == "state" and value in set(RoundState) else str(value)


# --- a scoped import: nothing outside the account's act scope may change ----------------------------

_SHEETS = {spec.key: spec for spec in REGISTRY_SHEETS}


def _key(sheet: str, row: dict) -> tuple:
    return (row["indicator"], row["year"]) if sheet == "yearly_targets" else (row["code"],)


def _same(value) -> object:
    """A cell as compared between the workbook and the warehouse: empty is empty, 3.0 is 3."""
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, list | tuple):
        return tuple(_same(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return value.strip()
    return value if isinstance(value, bool | int | float) else str(value)


def _row_of(sheet: str, row: dict) -> dict:
    columns = [c.key for c in _SHEETS[sheet].columns]
    return {c: _same(row.get(c)) for c in columns}


def scope_refusals(
    stored: Registry, incoming: Registry, rows: dict[str, list[int]], scope: Scope
) -> list[Issue]:
    """Why a workbook imported by an account limited to `scope` would change what it does not act
    on: a row it may not act on that is added, changed or left out. An account acts on its offices'
    own rows (not their place in the tree), their plans (a new plan only under them) with those
    plans' tasks, indicators and yearly targets, and their units (a new unit, or a unit moved, only
    into them); the rounds belong to the platform. Everything else must be there exactly as stored."""
    act_offices, act_plans, act_units = scope.offices(True), scope.plans(True), scope.units(True)
    old = {sheet: {_key(sheet, r): r for r in stored.get(sheet) or []} for sheet in _SHEETS}
    own_plans = set(act_plans) | {
        p["code"]
        for p in incoming.get("plans") or []
        if (p["code"],) not in old["plans"] and p.get("office") in act_offices
    }
    plan_of = [
        {r["code"]: r["plan"] for r in registry.get("indicators") or []} for registry in (stored, incoming)
    ]

    def owned(sheet: str, before: dict) -> bool:
        """May the account change or leave out this stored row?"""
        if sheet == "offices":
            return before["code"] in act_offices
        if sheet == "plans":
            return before["code"] in act_plans
        if sheet == "units":
            return before["code"] in act_units
        if sheet in ("tasks", "indicators"):
            return before["plan"] in act_plans
        if sheet == "yearly_targets":
            return plan_of[0].get(before["indicator"]) in act_plans
        return False  # rounds: the platform's calendar

    def writes(sheet: str, row: dict, before: dict | None) -> bool:
        """May the account write this row (new, or in place of `before`)?"""
        if sheet == "offices":  # its own offices only, in the same place in the tree
            return (
                before is not None
                and owned(sheet, before)
                and _same(row.get("parent")) == _same(before.get("parent"))
            )
        if sheet == "plans":
            return row["code"] in own_plans and row.get("office") in act_offices
        if sheet == "units":
            moved = before is None or _same(row.get("org")) != _same(before.get("org"))
            return (before is None or owned(sheet, before)) and (not moved or row.get("org") in act_offices)
        if sheet in ("tasks", "indicators"):
            return row["plan"] in own_plans
        if sheet == "yearly_targets":
            plans = {m.get(row["indicator"]) for m in plan_of} - {None}
            return bool(plans) and plans <= own_plans
        return False

    issues = []
    for sheet, spec in _SHEETS.items():
        given = incoming.get(sheet) or []
        if sheet == "rounds" and not given:
            continue  # no 轮次 sheet: the rounds are kept as they are
        lines = rows.get(sheet) or []
        seen = set()
        for i, row in enumerate(given):
            key = _key(sheet, row)
            seen.add(key)
            before = old[sheet].get(key)
            if before is not None and _row_of(sheet, before) == _row_of(sheet, row):
                continue
            if writes(sheet, row, before) and (before is None or owned(sheet, before)):
                continue
            issues.append(
                Issue.make(
                    "registry-out-of-scope-change" if before else "registry-out-of-scope-add",
                    sheet=spec.name,
                    row=lines[i] if i < len(lines) else None,
                    value="/".join(str(k) for k in key),
                    item=spec.item,
                )
            )
        if sheet == "rounds":
            continue  # rounds left out are kept, not deleted
        for key, before in old[sheet].items():
            if key not in seen and not owned(sheet, before):
                issues.append(
                    Issue.make(
                        "registry-out-of-scope-drop",
                        sheet=spec.name,
                        value="/".join(str(k) for k in key),
                        item=spec.item,
                    )
                )
    return issues


# --- export -----------------------------------------------------------------------------------------


def scoped_registry(registry: Registry, scope: Scope) -> Registry:
    """The part of `registry` an account limited to `scope` may read (keys and columns unchanged):
    its offices and those below, their plans with tasks, indicators and yearly targets, the units
    they deal with; a reference to an office or unit left out is emptied. Rounds stay whole."""
    if scope.platform:
        return registry
    offices, plans, units = scope.offices(), scope.plans(), scope.units()
    offices = offices if offices is not None else {o["code"] for o in registry.get("offices") or []}
    plans = plans if plans is not None else {p["code"] for p in registry["plans"]}
    units = units if units is not None else {u["code"] for u in registry["units"]}

    def inside(value, kept):
        return value if value in kept else None

    indicators = [r for r in registry["indicators"] if r["plan"] in plans]
    kept_indicators = {r["code"] for r in indicators}
    return {
        **registry,
        "offices": [
            o | {"parent": inside(o.get("parent"), offices)}
            for o in registry.get("offices") or []
            if o["code"] in offices
        ],
        "plans": [p for p in registry["plans"] if p["code"] in plans],
        "units": [
            u | {"parent": inside(u.get("parent"), units), "org": inside(u.get("org"), offices)}
            for u in registry["units"]
            if u["code"] in units
        ],
        "tasks": [t for t in registry["tasks"] if t["plan"] in plans],
        "indicators": indicators,
        "yearly_targets": [
            y for y in registry.get("yearly_targets") or [] if y["indicator"] in kept_indicators
        ],
    }


def _registry(portal: Portal, actor, fmt: str) -> Registry:
    """The registry as stored, as far as `actor` may read it, once it may export it; every export
    is audited."""
    require(actor, "registry.export")
    with portal.warehouse.transaction() as con:
        portal.audit(con, actor.audit_name, "registry.export", None, fmt)
    with portal.warehouse.connect() as con:
        return scoped_registry(read_registry_tables(con), scope_of(actor))


def export_registry_xlsx(portal: Portal, actor) -> bytes:
    """The registry workbook (the same format `import_registry` reads)."""
    return write_registry(_registry(portal, actor, "xlsx"))


def export_registry_json(portal: Portal, actor) -> dict[str, Any]:
    """The registry as the documented JSON shape (`portal registry export --format json`)."""
    return json_from_sheets(_registry(portal, actor, "json"))


def export_registry_json_text(portal: Portal, actor) -> str:
    """The JSON export as the text the command line prints and the page downloads."""
    return json.dumps(export_registry_json(portal, actor), ensure_ascii=False, indent=1, default=str) + "\n"


def demo_registry_json() -> dict[str, Any]:
    return json.loads(resources.files("portal.demo").joinpath("registry.json").read_text(encoding="utf-8"))


def demo_registry_workbook() -> bytes:
    """The demo registry as the office would keep it: built from the shipped JSON."""
    return write_registry(sheets_from_json(demo_registry_json()))
