"""Registry import and export: the office's 任务分解表 in, the same workbook or JSON out."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from portal.core.context import Portal
from portal.core.permissions import require
from schemas.enums import RoundState
from schemas.issues import CATALOGUE, Issue, Report
from schemas.registry import Registry, json_from_sheets, sheets_from_json
from schemas.sheets import REGISTRY_ROUNDS, REGISTRY_UNITS
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
    report = Report()
    sheets, issues = read_registry_file(data, limits)
    report.extend(issues)
    if any(i.is_error and (CATALOGUE[i.code].stage == "file" or i.code == "sheet-too-large") for i in issues):
        return None, report  # the file itself was refused: its sheets were never read
    report.extend(check_registry(sheets))
    return (to_records(sheets) if report.ok else None), report


def import_registry(portal: Portal, actor, data: bytes) -> ImportResult:
    """`actor` replaces the registry with a workbook's (the 系统管理 page, `portal registry import
    --user`, and `portal init --demo` as `system_actor()`). All or nothing: any error-level issue
    and the warehouse is left as it was."""
    require(actor, "registry.import")
    registry, report = parse_registry_workbook(data, Limits.from_settings(portal.settings))
    if registry is None:
        return ImportResult(report)
    with portal.warehouse.transaction() as con:
        refusals = registry_conflicts(con, registry)
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


def _registry(portal: Portal, actor, fmt: str) -> Registry:
    """The registry as stored, once `actor` may export it; every export is audited."""
    require(actor, "registry.export")
    with portal.warehouse.transaction() as con:
        portal.audit(con, actor.audit_name, "registry.export", None, fmt)
    with portal.warehouse.connect() as con:
        return read_registry_tables(con)


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
