"""Stage 2: is this the platform's workbook, for this unit and an open round, with its rows intact?

Missing sheets and headers are reported by the reader (it finds them while reading); this stage
adds what needs the metadata: template version, signature, unit and round, and the row keys
compared with the ones the template was issued with (`_meta`, covered by the signature).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from schemas.enums import RoundState
from schemas.issues import Issue
from schemas.sheets import META_SHEET, TEMPLATE_SHEETS, SheetSpec
from templates_xlsx.reader import ParsedSheet
from templates_xlsx.signature import META_ROW_KEYS, split_keys, verify_meta
from validators.expectation import Expectation

# Metadata entries the checks need; the others (unit_name, generated_at) are informative only.
REQUIRED_META = ("template_version", "unit", "round", "indicator_keys", "task_keys", "signature")
# Present but possibly blank: a unit that owns no indicators (or no tasks) has no keys to list.
MAY_BE_BLANK_META = ("indicator_keys", "task_keys")


@dataclass
class StructureResult:
    issues: list[Issue] = field(default_factory=list)
    skip_rows: dict[str, set[int]] = field(default_factory=dict)  # spec key → rows added to the template
    covered: set[tuple[str, str]] = field(default_factory=set)  # (spec key, item key) already reported
    signature_ok: bool = False


def check_structure(
    meta: Mapping[str, str],
    sheets: Mapping[str, ParsedSheet],
    expectation: Expectation,
    secret: bytes,
    reported: set[str] = frozenset(),
) -> StructureResult:
    """`reported`: codes the reader already raised (so a missing `_meta` is not said twice)."""
    out = StructureResult()
    missing = [
        k
        for k in REQUIRED_META
        if (k not in meta if k in MAY_BE_BLANK_META else not str(meta.get(k) or "").strip())
    ]
    if missing and "meta-missing" not in reported:
        shown = "全部内容" if len(missing) == len(REQUIRED_META) else "、".join(missing)
        out.issues.append(Issue.make("meta-missing", sheet=META_SHEET.name, column=shown))
    version = str(meta.get("template_version") or "").strip()
    if version and version not in expectation.supported_versions:
        out.issues.append(
            Issue.make(
                "template-version-unsupported",
                sheet=META_SHEET.name,
                value=version,
                supported="、".join(expectation.supported_versions),
            )
        )
    if str(meta.get("signature") or "").strip():
        out.signature_ok = verify_meta(meta, secret)
        if not out.signature_ok:
            out.issues.append(Issue.make("signature-invalid", sheet=META_SHEET.name))
    out.issues += _unit_and_round(meta, expectation)
    if out.signature_ok:
        for spec in TEMPLATE_SHEETS:
            parsed = sheets.get(spec.key)
            if parsed is not None and parsed.header_row is not None and spec.row_key in parsed.frame.columns:
                _compare_rows(spec, parsed, split_keys(meta.get(META_ROW_KEYS[spec.key])), out)
    return out


def _unit_and_round(meta: Mapping[str, str], expectation: Expectation) -> list[Issue]:
    issues = []
    unit = str(meta.get("unit") or "").strip()
    round_code = str(meta.get("round") or "").strip()
    if expectation.unit and unit and unit != expectation.unit:
        shown = f"{meta['unit_name']}({unit})" if meta.get("unit_name") else unit
        expected = (
            f"{expectation.unit_name}({expectation.unit})" if expectation.unit_name else expectation.unit
        )
        issues.append(Issue.make("wrong-unit", sheet=META_SHEET.name, value=shown, expected=expected))
    elif not expectation.unit_known:
        issues.append(Issue.make("unknown-unit", sheet=META_SHEET.name, value=expectation.unit or unit))
    if expectation.round and round_code and round_code != expectation.round:
        issues.append(
            Issue.make("wrong-round", sheet=META_SHEET.name, value=round_code, expected=expectation.round)
        )
    target_round = expectation.round or round_code
    if target_round:
        if expectation.round_state is None:
            issues.append(Issue.make("round-unknown", sheet=META_SHEET.name, value=target_round))
        elif expectation.round_state != RoundState.OPEN.value:
            label = RoundState(expectation.round_state).label
            issues.append(
                Issue.make("round-not-open", sheet=META_SHEET.name, value=target_round, state=label)
            )
    return issues


def _compare_rows(spec: SheetSpec, parsed: ParsedSheet, issued: list[str], out: StructureResult) -> None:
    """Rows added, removed, duplicated or re-coded, against the keys the template was issued with."""
    if parsed.frame.get_column(spec.row_key).to_list() == issued and len(set(issued)) == len(issued):
        return  # the rows as issued (almost every upload): nothing added, removed or re-coded
    key_col = spec.column(spec.row_key)
    found = [(r, k) for r, k in parsed.frame.select("_row", spec.row_key).iter_rows()]
    issued_set = set(issued)
    present = Counter(k for _, k in found if k is not None)
    seen: set[str] = set()
    extras: list[tuple[int, int, str | None]] = []  # (position among data rows, excel row, key)
    for position, (row, key) in enumerate(found):
        if key is not None and key in issued_set:
            if key in seen:
                out.issues.append(_at(spec, parsed, "row-duplicated", row, key, item=spec.item))
                out.covered.add((spec.key, key))
            seen.add(key)
        else:
            extras.append((position, row, key))
    absent = [k for k in issued if k not in present]
    for position, row, key in extras:
        original = issued[position] if position < len(issued) else None
        if original is not None and original in absent:
            absent.remove(original)
            out.issues.append(
                _at(spec, parsed, "row-recoded", row, key or "", column=key_col.header, expected=original)
            )
            out.covered |= {(spec.key, original)} | ({(spec.key, key)} if key else set())
            continue
        out.issues.append(_at(spec, parsed, "row-added", row, key or "（无代码）", item=spec.item))
        out.skip_rows.setdefault(spec.key, set()).add(row)
        if key:
            out.covered.add((spec.key, key))
    for key in absent:
        out.issues.append(Issue.make("row-removed", sheet=spec.name, value=key, item=spec.item))
        out.covered.add((spec.key, key))


def _at(spec: SheetSpec, parsed: ParsedSheet, code: str, row: int, value: str, **params) -> Issue:
    column = spec.column(spec.row_key)
    return Issue.make(
        code,
        sheet=spec.name,
        cell=parsed.cell(spec.row_key, row),
        column=params.pop("column", column.header),
        value=value,
        row=row,
        **params,
    )
