"""An uploaded quarterly workbook, read in one pass: `_meta`, every template sheet, cell issues.

No checks of meaning here (signature, unit, round, rows added): that is the validator's
structure stage. This only reads what is there and reports cells it had to repair or could not
read, so a broken file gives an issue, never a traceback.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from xml.etree import ElementTree

import fastexcel

from schemas.issues import Issue
from schemas.sheets import LIST_SHEETS, META_SHEET, TEMPLATE_SHEETS
from templates_xlsx.reader import (
    ParsedSheet,
    SheetTooLarge,
    Workbook,
    WorkbookUnreadable,
    empty_sheet,
    read_key_values,
    read_list_sheet,
    read_sheet,
)


@dataclass
class ParsedUpload:
    meta: dict[str, str]  # `_meta` key → text; empty when the sheet is missing
    sheets: dict[str, ParsedSheet]  # spec key → parsed sheet: every TEMPLATE_SHEETS spec, and each
    # LIST_SHEETS spec whose sheet the workbook has (a unit without list-backed indicators has none)
    issues: list[Issue] = field(default_factory=list)
    sheet_names: list[str] = field(default_factory=list)
    meta_state: str = "missing"  # visible / hidden / veryHidden (Excel, WPS) / missing

    @property
    def readable(self) -> bool:
        return not any(i.code in UNREADABLE_CODES for i in self.issues)


# Issues that leave nothing of the workbook read: the later stages have nothing to check.
UNREADABLE_CODES = frozenset({"file-unreadable", "sheet-too-large", "file-reader-crashed"})


def unreadable(issues: list[Issue]) -> ParsedUpload:
    """An upload of which nothing could be read, with the issues saying why."""
    return ParsedUpload(
        meta={}, sheets={spec.key: empty_sheet(spec) for spec in TEMPLATE_SHEETS}, issues=list(issues)
    )


def _unreadable(detail: str) -> ParsedUpload:
    return unreadable([Issue.make("file-unreadable", detail=detail)])


def read_upload(data: bytes, check_sizes: bool = True) -> ParsedUpload:
    """`_meta`, each of `TEMPLATE_SHEETS` as typed frames with cells, and the cell issues.

    A sheet beyond its budget (templates_xlsx.budget) is reported at its far cell and nothing
    is parsed; `check_sizes=False` turns that check off, only for tests of reader crashes."""
    try:
        book = Workbook(data, check_sizes)
    except SheetTooLarge as exc:
        return unreadable(exc.issues)
    except WorkbookUnreadable as exc:
        return _unreadable(exc.detail)
    issues: list[Issue] = []
    sheets: dict[str, ParsedSheet] = {}
    try:
        for spec in TEMPLATE_SHEETS:
            parsed, found = read_sheet(book, spec)
            sheets[spec.key] = parsed
            issues += found
        for spec in LIST_SHEETS:
            if spec.name in book.sheet_names:
                parsed, found = read_list_sheet(book, spec)
                sheets[spec.key] = parsed
                issues += found
        meta = read_key_values(book, META_SHEET.name)
        meta_state = book.sheet_state(META_SHEET.name)
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError) as exc:
        return _unreadable(f"工作表内容损坏（{type(exc).__name__}）")
    except fastexcel.FastExcelError as exc:  # calamine cannot parse a sheet part
        return _unreadable(f"工作表内容无法解析（{exc}）")
    return ParsedUpload(meta, sheets, issues, book.sheet_names, meta_state)
