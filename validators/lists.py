"""Checks over the list sheets (名单), each issue at its sheet and cell.

Per row: 指标编号 must name one of the unit's indicators backed by the sheet's list type; an
enterprise's 统一社会信用代码 must be well formed with its check character (schemas.credit_code);
an item twice under the same indicator is a duplicate; an item another unit already reported for
the same indicator and round is a warning that names no one. Per indicator: the reported value
must equal the list (its rows, or for a list-backed flow the rows added since the last approved
list), reported at the value cell. Plain Polars over a few thousand rows: no Pandera, no GX.
"""

from __future__ import annotations

from collections.abc import Mapping

from schemas import credit_code
from schemas.enums import ListType
from schemas.issues import Issue
from schemas.sheets import INDICATOR_SHEET, LIST_SHEET_BY_TYPE, LIST_SHEETS, list_item_key
from templates_xlsx.reader import ParsedSheet
from validators.expectation import Expectation

_CODE_ISSUES = {
    "length": "credit-code-length",
    "charset": "credit-code-charset",
    "check-digit": "credit-code-check-digit",
}


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def check_lists(sheets: Mapping[str, ParsedSheet], expectation: Expectation | None) -> list[Issue]:
    """Every list sheet present, then each list-backed indicator against its list."""
    issues: list[Issue] = []
    known = expectation is not None and expectation.indicators is not None
    backed = {i.code: i for i in (expectation.indicators or ())} if known else {}
    backed = {code: f for code, f in backed.items() if f.backed_by}
    counts: dict[str, int] = {}
    for spec in LIST_SHEETS:
        parsed = sheets.get(spec.key)
        if parsed is None or parsed.header_row is None:
            continue
        allowed = [code for code, f in backed.items() if f.backed_by == spec.list_type]
        label = ListType(spec.list_type).label
        seen: dict[tuple[str, str], int] = {}
        for rec in parsed.frame.iter_rows(named=True):
            row, indicator = rec["_row"], rec.get("indicator")
            if indicator and known and indicator not in allowed:
                issues.append(
                    Issue.make(
                        "list-indicator-unknown",
                        sheet=spec.name,
                        cell=parsed.cell("indicator", row),
                        column=spec.column("indicator").header,
                        value=indicator,
                        row=row,
                        list=label,
                        allowed="、".join(allowed) or "（无）",
                    )
                )
                continue
            key = list_item_key(spec, rec)
            if not indicator or key is None:
                continue  # a blank required cell: the rows stage reports it
            key_column = next(k for k in spec.item_keys if list_item_key(spec, {k: rec.get(k)}))
            cell = parsed.cell(key_column, row)
            header = spec.column(key_column).header
            if key_column == "credit_code":
                code = credit_code.normalise(str(rec["credit_code"]))
                problem = credit_code.problem(code)
                if problem:
                    bad = "".join(dict.fromkeys(ch for ch in code if ch not in credit_code.CHARSET))
                    issues.append(
                        Issue.make(
                            _CODE_ISSUES[problem],
                            sheet=spec.name,
                            cell=cell,
                            column=header,
                            value=rec["credit_code"],
                            row=row,
                            length=len(code),
                            chars="、".join(bad),
                            expected=credit_code.check_character(code[:17])
                            if problem == "check-digit"
                            else "",
                        )
                    )
                key = code  # still an item of the list: counted, and compared for duplicates
            if (indicator, key) in seen:
                issues.append(
                    Issue.make(
                        "list-row-duplicated",
                        sheet=spec.name,
                        cell=cell,
                        column=header,
                        value=key,
                        row=row,
                        item=spec.item,
                        indicator=indicator,
                        other_row=seen[(indicator, key)],
                    )
                )
                continue
            seen[(indicator, key)] = row
            counts[indicator] = counts.get(indicator, 0) + 1
            if expectation is not None and (indicator, key) in expectation.claimed_elsewhere:
                issues.append(
                    Issue.make(
                        "list-claimed-elsewhere",
                        sheet=spec.name,
                        cell=cell,
                        column=header,
                        value=key,
                        row=row,
                        item=spec.item,
                        indicator=indicator,
                    )
                )
    issues += _against_values(sheets, backed, counts)
    return issues


def _against_values(sheets: Mapping[str, ParsedSheet], backed: dict, counts: dict[str, int]) -> list[Issue]:
    values = sheets.get(INDICATOR_SHEET.key)
    if not backed or values is None or "value" not in values.frame.columns:
        return []
    issues = []
    missing_reported: set[str] = set()
    for rec in values.frame.select("_row", "indicator", "value").iter_rows(named=True):
        facts = backed.get(rec["indicator"])
        if facts is None:
            continue
        spec = LIST_SHEET_BY_TYPE[facts.backed_by]
        parsed = sheets.get(spec.key)
        if parsed is None or parsed.header_row is None:
            if spec.key not in missing_reported:
                missing_reported.add(spec.key)
                issues.append(
                    Issue.make(
                        "list-sheet-missing",
                        sheet=spec.name,
                        indicator=rec["indicator"],
                        list=ListType(facts.backed_by).label,
                    )
                )
            continue
        if rec["value"] is None:
            continue
        count = counts.get(rec["indicator"], 0)
        where = {
            "sheet": INDICATOR_SHEET.name,
            "cell": values.cell("value", rec["_row"]),
            "column": INDICATOR_SHEET.column("value").header,
            "value": _num(rec["value"]),
            "row": rec["_row"],
        }
        if facts.counts_new:
            previous = facts.list_previous or 0
            if count - previous != rec["value"]:
                issues.append(
                    Issue.make(
                        "list-new-count-mismatch",
                        **where,
                        indicator=rec["indicator"],
                        list_sheet=spec.name,
                        count=count,
                        previous=previous,
                        previous_round=facts.list_previous_round or "无",
                        difference=count - previous,
                    )
                )
        elif count != rec["value"]:
            issues.append(
                Issue.make(
                    "list-count-mismatch",
                    **where,
                    indicator=rec["indicator"],
                    list_sheet=spec.name,
                    count=count,
                )
            )
    return issues
