"""The registry workbook (任务分解表): one sheet per registry spec, written and read back losslessly."""

from __future__ import annotations

import io

from openpyxl import Workbook as XWorkbook

from schemas.issues import Issue
from schemas.registry import Registry
from schemas.sheets import ENUM_COLUMNS, REGISTRY_SHEETS
from templates_xlsx.reader import ParsedSheet, SheetTooLarge, Workbook, empty_sheet, read_sheet
from templates_xlsx.writing import print_setup, write_table


def write_registry(registry: Registry) -> bytes:
    book = XWorkbook()
    book.remove(book.active)
    for spec in REGISTRY_SHEETS:
        ws = book.create_sheet(spec.name)
        labels = {col: m.to_label for (sheet, col), m in ENUM_COLUMNS.items() if sheet == spec.key}
        write_table(ws, spec, registry.get(spec.key, []), enum_labels=labels)
        print_setup(ws, repeat_rows="1:1")
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def read_registry(data: bytes, check_sizes: bool = True) -> tuple[dict[str, ParsedSheet], list[Issue]]:
    """Every registry sheet parsed and typed; cell-level problems as issues. A sheet beyond its
    budget (templates_xlsx.budget) is an issue at its far cell and nothing is parsed; bytes that
    are no workbook raise WorkbookUnreadable. Run `validators.registry.read_registry_file` for
    untrusted bytes: it checks file safety first and parses in the isolated reader."""
    try:
        book = Workbook(data, check_sizes)
    except SheetTooLarge as exc:
        return {spec.key: empty_sheet(spec) for spec in REGISTRY_SHEETS}, exc.issues
    sheets, issues = {}, []
    for spec in REGISTRY_SHEETS:
        parsed, found = read_sheet(book, spec, refuse_formulas=False)
        sheets[spec.key] = parsed
        optional = {c.header for c in spec.columns if c.optional}
        issues += [i for i in found if not (i.code == "header-missing" and i.column in optional)]
    return sheets, issues
