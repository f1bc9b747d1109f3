"""Registry import and export: the office's 任务分解表 in, the same workbook or JSON out."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from portal.core.context import Portal
from schemas.issues import Issue, Report
from schemas.registry import Registry, json_from_sheets, sheets_from_json
from templates_xlsx.reader import WorkbookUnreadable
from templates_xlsx.registry_book import read_registry, write_registry
from validators.registry import check_registry, to_records
from warehouse.registry import read_registry as read_registry_tables
from warehouse.registry import replace_registry


@dataclass
class ImportResult:
    report: Report
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def loaded(self) -> bool:
        return self.report.ok and bool(self.counts)


def parse_registry_workbook(data: bytes) -> tuple[Registry | None, Report]:
    """Read and check a registry workbook; records only when there is no error."""
    report = Report()
    try:
        sheets, issues = read_registry(data)
    except WorkbookUnreadable as exc:
        report.add(Issue.make("file-unreadable", detail=exc.detail))
        return None, report
    report.extend(issues)
    report.extend(check_registry(sheets))
    return (to_records(sheets) if report.ok else None), report


def import_registry(portal: Portal, data: bytes, actor: str = "system") -> ImportResult:
    """All or nothing: any error-level issue and the warehouse is left as it was."""
    registry, report = parse_registry_workbook(data)
    if registry is None:
        return ImportResult(report)
    with portal.warehouse.transaction() as con:
        counts = replace_registry(con, registry)
        portal.audit(con, actor, "registry.import", None, json.dumps(counts, ensure_ascii=False))
    return ImportResult(report, counts)


def export_registry(portal: Portal) -> Registry:
    with portal.warehouse.connect() as con:
        return read_registry_tables(con)


def export_registry_xlsx(portal: Portal) -> bytes:
    return write_registry(export_registry(portal))


def export_registry_json(portal: Portal) -> dict[str, Any]:
    return json_from_sheets(export_registry(portal))


def demo_registry_json() -> dict[str, Any]:
    return json.loads(resources.files("portal.demo").joinpath("registry.json").read_text(encoding="utf-8"))


def demo_registry_workbook() -> bytes:
    """The demo registry as the office would keep it: built from the shipped JSON."""
    return write_registry(sheets_from_json(demo_registry_json()))
