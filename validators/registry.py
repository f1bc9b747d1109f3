"""The registry workbook: read safely, then checked: row types (Pandera), unique codes, references,
and the two trees (units, offices) free of cycles.

Codes are compared as a person reads them (schemas.text.code_key: NFKC, no invisible characters,
trimmed, case-insensitive), so `jz-k01`, `ＪＺ-Ｋ01` and `JZ-K01` plus a zero-width space are one code
twice, not three codes; records carry the cleaned code. No text cell may hold a control character.
"""

from __future__ import annotations

from schemas.issues import Issue
from schemas.models import schema_for
from schemas.registry import Registry
from schemas.sheets import ENUM_COLUMNS, REGISTRY_SHEETS, ColumnType
from schemas.text import clean_code, code_key, control_characters
from templates_xlsx import isolation
from templates_xlsx.reader import ParsedSheet, WorkbookUnreadable, empty_sheet
from templates_xlsx.registry_book import read_registry
from validators.file_safety import Limits, check_file
from validators.rows import validate_rows

# (sheet, column, target sheet): every code in the column must exist in the target sheet.
REFERENCES = [
    ("offices", "parent", "offices"),
    ("plans", "office", "offices"),
    ("units", "parent", "units"),
    ("units", "org", "offices"),
    ("tasks", "plan", "plans"),
    ("tasks", "lead_unit", "units"),
    ("tasks", "helper_units", "units"),
    ("indicators", "plan", "plans"),
    ("indicators", "task", "tasks"),
    ("indicators", "owner_units", "units"),
    ("yearly_targets", "indicator", "indicators"),
]

# Required cells whose absence has a code of its own.
_OWN_CODES = {
    ("plans", "office"): "plan-office-missing",
    ("tasks", "lead_unit"): "lead-unit-missing",
    ("indicators", "owner_units"): "owner-missing",
}

# Sheets whose `parent` column makes a tree, with the code of a cycle in it.
TREES = {"units": "unit-tree-cycle", "offices": "office-tree-cycle"}


def read_registry_file(
    data: bytes, limits: Limits | None = None, *, isolate: bool | None = None
) -> tuple[dict[str, ParsedSheet], list[Issue]]:
    """A registry workbook through the same gate as an upload: file safety (zip bomb, encryption,
    macros, XXE, external links …), then the sheet budgets and the parse, in the isolated reader
    unless `isolate=False`. Sheets are empty when the file was refused or unreadable; nothing
    is raised for a bad file."""
    empty = {spec.key: empty_sheet(spec) for spec in REGISTRY_SHEETS}
    refused = [i for i in check_file(data, limits) if i.is_error]
    if refused:
        return empty, refused
    read = isolation.read_registry if (isolation.ISOLATE if isolate is None else isolate) else read_registry
    try:
        return read(data)
    except WorkbookUnreadable as exc:
        return empty, [Issue.make("file-unreadable", detail=exc.detail)]


def check_registry(sheets: dict[str, ParsedSheet]) -> list[Issue]:
    issues: list[Issue] = []
    for key, parsed in sheets.items():
        spec = parsed.spec
        if parsed.header_row is None:
            continue
        required = [c.key for c in spec.columns if c.required and (key, c.key) not in _OWN_CODES]
        unique = [spec.row_key] if spec.row_key else []
        schema = schema_for(spec, present=list(parsed.letters), required=required, unique=unique)
        issues += validate_rows(parsed, schema)
        for (sheet, column), code in _OWN_CODES.items():
            if sheet == key and column in parsed.letters:
                for rec in parsed.frame.iter_rows(named=True):
                    if not rec[column]:
                        issues.append(
                            Issue.make(
                                code,
                                sheet=spec.name,
                                cell=parsed.cell(column, rec["_row"]),
                                column=spec.column(column).header,
                                value=rec.get("code"),
                                row=rec["_row"],
                            )
                        )
    issues += _check_control_characters(sheets)
    issues += _check_confusable_codes(sheets)
    issues += _check_references(sheets)
    for key, code in TREES.items():
        if key in sheets:
            issues += _check_tree(sheets[key], code)
    return issues


def _code_columns(key: str, parsed: ParsedSheet) -> list[str]:
    """The columns of a sheet that hold codes: its row key and the references it makes."""
    columns = [parsed.spec.row_key] if parsed.spec.row_key else []
    columns += [column for sheet, column, _ in REFERENCES if sheet == key]
    return [c for c in columns if c in parsed.letters]


def _check_control_characters(sheets: dict[str, ParsedSheet]) -> list[Issue]:
    issues = []
    for parsed in sheets.values():
        spec = parsed.spec
        texts = [
            c.key
            for c in spec.columns
            if c.type in (ColumnType.TEXT, ColumnType.CODES) and c.key in parsed.letters
        ]
        for rec in parsed.frame.iter_rows(named=True):
            for column in texts:
                value = rec[column]
                found = control_characters("".join(value) if isinstance(value, list) else value or "")
                if found:
                    issues.append(
                        Issue.make(
                            "text-control-character",
                            sheet=spec.name,
                            cell=parsed.cell(column, rec["_row"]),
                            column=spec.column(column).header,
                            row=rec["_row"],
                            chars="、".join(found),
                        )
                    )
    return issues


def _check_confusable_codes(sheets: dict[str, ParsedSheet]) -> list[Issue]:
    """Row keys that differ as typed but are the same code to a person (exact repeats are
    Pandera's duplicate-code)."""
    issues = []
    for parsed in sheets.values():
        spec, key = parsed.spec, parsed.spec.row_key
        if not key or key not in parsed.letters:
            continue
        first: dict[str, tuple[str, int]] = {}
        for rec in parsed.frame.iter_rows(named=True):
            code = rec[key]
            if not code:
                continue
            seen = first.setdefault(code_key(code), (code, rec["_row"]))
            if seen[0] != code:
                issues.append(
                    Issue.make(
                        "code-confusable",
                        sheet=spec.name,
                        cell=parsed.cell(key, rec["_row"]),
                        column=spec.column(key).header,
                        value=code,
                        row=rec["_row"],
                        other=seen[0],
                        other_row=seen[1],
                    )
                )
    return issues


def _codes(parsed: ParsedSheet) -> set[str]:
    key = parsed.spec.row_key
    if not key or key not in parsed.frame.columns:
        return set()
    return {clean_code(c) for c in parsed.frame.get_column(key).to_list() if c}


def _check_references(sheets: dict[str, ParsedSheet]) -> list[Issue]:
    issues = []
    for sheet, column, target in REFERENCES:
        parsed, known = sheets[sheet], _codes(sheets[target])
        if column not in parsed.letters:
            continue
        spec = parsed.spec
        many = spec.column(column).type == ColumnType.CODES
        for rec in parsed.frame.iter_rows(named=True):
            values = rec[column] if many else [rec[column]]
            for value in values or []:
                if value and clean_code(value) not in known:
                    issues.append(
                        Issue.make(
                            "unknown-reference",
                            sheet=spec.name,
                            cell=parsed.cell(column, rec["_row"]),
                            column=spec.column(column).header,
                            value=value,
                            row=rec["_row"],
                            target=sheets[target].spec.name,
                        )
                    )
    return issues


def _check_tree(nodes: ParsedSheet, issue_code: str) -> list[Issue]:
    """Every node whose chain of parents comes back round, located at its parent cell."""
    if "parent" not in nodes.letters or "code" not in nodes.letters:
        return []
    parent = {
        clean_code(r["code"]): (clean_code(r["parent"] or ""), r["_row"])
        for r in nodes.frame.iter_rows(named=True)
        if r["code"]
    }
    issues = []
    for code, (_, row) in parent.items():
        seen, node = set(), code
        while node in parent and parent[node][0]:
            if node in seen:
                issues.append(
                    Issue.make(
                        issue_code,
                        sheet=nodes.spec.name,
                        cell=nodes.cell("parent", row),
                        column=nodes.spec.column("parent").header,
                        value=code,
                        row=row,
                    )
                )
                break
            seen.add(node)
            node = parent[node][0]
    return issues


def to_records(sheets: dict[str, ParsedSheet]) -> Registry:
    """Validated sheets as plain records, Chinese labels turned into stored codes."""
    out: Registry = {}
    for key, parsed in sheets.items():
        mappings = {col: m.to_code for (sheet, col), m in ENUM_COLUMNS.items() if sheet == key}
        codes = _code_columns(key, parsed)
        rows = []
        for rec in parsed.frame.drop("_row").iter_rows(named=True):
            for col in codes:
                value = rec[col]
                if isinstance(value, list):
                    rec[col] = [clean_code(v) for v in value if clean_code(v)]
                elif value is not None:
                    rec[col] = clean_code(value) or None
            for col, to_code in mappings.items():
                if rec.get(col) is not None:
                    rec[col] = to_code.get(rec[col], rec[col])
            rows.append(rec)
        out[key] = rows
    return out
