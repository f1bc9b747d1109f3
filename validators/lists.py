"""Checks over the list sheets (名单), each issue at its sheet and cell.

Per row: 指标编号 must name one of the unit's indicators backed by the sheet's list type; an
enterprise's 统一社会信用代码 must be well formed with its check character (schemas.credit_code);
an item twice under the same indicator is a duplicate; an item another unit already reported for
the same indicator and round is a warning that names no one. Per indicator: the reported value
must equal the list (its rows, or for a list-backed flow the rows added since the last approved
list), reported at the value cell. Plain Polars over a few thousand rows: no Pandera, no GX.

A list may have 5,000 rows within one upload's time (issue 18/23), so the checks are set-based:
codes are checked in one Polars pass, duplicates and counts found by grouping, and only the rows
that fail (or whose text needs normalising) are looked at one by one to word their issue.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from schemas import credit_code
from schemas.enums import ListType
from schemas.issues import Issue
from schemas.sheets import INDICATOR_SHEET, LIST_SHEET_BY_TYPE, LIST_SHEETS, SheetSpec, list_item_key
from templates_xlsx.reader import ParsedSheet
from validators.expectation import Expectation

_CODE_ISSUES = {
    "length": "credit-code-length",
    "charset": "credit-code-charset",
    "check-digit": "credit-code-check-digit",
}
# What str.split() drops (Unicode White_Space and the four separators U+001C-U+001F): a key
# holding any of it is worked out in Python, exactly as `list_item_key` does.
_WHITESPACE = r"[\s\x1c-\x1f]"
# Within a row, the order its issues come in: the code (or the indicator), then the item.
_CODE, _ITEM = 0, 1


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def check_lists(sheets: Mapping[str, ParsedSheet], expectation: Expectation | None) -> list[Issue]:
    """Every list sheet present, then each list-backed indicator against its list."""
    issues: list[Issue] = []
    known = expectation is not None and expectation.indicators is not None
    backed = {i.code: i for i in (expectation.indicators or ())} if known else {}
    backed = {code: f for code, f in backed.items() if f.backed_by}
    claimed = expectation.claimed_elsewhere if expectation is not None else frozenset()
    counts: dict[str, int] = {}
    for spec in LIST_SHEETS:
        parsed = sheets.get(spec.key)
        if parsed is None or parsed.header_row is None:
            continue
        allowed = [code for code, f in backed.items() if f.backed_by == spec.list_type]
        issues += _check_sheet(spec, parsed, allowed if known else None, claimed, counts)
    issues += _against_values(sheets, backed, counts)
    return issues


def _check_sheet(
    spec: SheetSpec,
    parsed: ParsedSheet,
    allowed: list[str] | None,
    claimed: frozenset[tuple[str, str]],
    counts: dict[str, int],
) -> list[Issue]:
    """One list sheet: issues in row order (a row's code issue before its duplicate or claim);
    `counts` gains each indicator's distinct items. `allowed` None: any indicator goes."""
    frame = parsed.frame
    keys = [k for k in spec.item_keys if k in frame.columns]
    if frame.height == 0 or "indicator" not in frame.columns or not keys:
        return []
    found: list[tuple[int, int, Issue]] = []
    indicator = pl.col("indicator")
    named = indicator.is_not_null() & (indicator.str.len_bytes() > 0)
    unknown = (
        named & ~indicator.is_in(pl.Series(allowed, dtype=pl.Utf8)) if allowed is not None else pl.lit(False)
    )
    # A row is plain when its first filled key needs no normalising (and, for a code, is valid):
    # its key is the cell's text. Every other row goes through list_item_key and the code check.
    plain = pl.lit(False)
    key = pl.lit(None, dtype=pl.Utf8)
    key_column = pl.lit(None, dtype=pl.Utf8)
    for k in reversed(keys):
        text = pl.col(k).cast(pl.Utf8)
        filled = text.is_not_null() & (text.str.len_bytes() > 0)
        clean = ~text.str.contains(_WHITESPACE)
        if k == "credit_code":
            clean = clean & pl.lit(credit_code.valid(frame[k]))
        plain = pl.when(filled).then(clean).otherwise(plain)
        key = pl.when(filled).then(text).otherwise(key)
        key_column = pl.when(filled).then(pl.lit(k)).otherwise(key_column)
    rows = frame.select(
        "_row",
        "indicator",
        *keys,
        _unknown=unknown,
        _plain=plain.fill_null(False),
        _key=key,
        _key_column=key_column,
    ).filter(named)
    for rec in rows.filter(pl.col("_unknown")).iter_rows(named=True):
        found.append((rec["_row"], _CODE, _unknown_issue(spec, parsed, rec, allowed or [])))
    rows = rows.filter(~pl.col("_unknown"))
    odd = rows.filter(~pl.col("_plain"))
    if odd.height:
        worked: dict[int, tuple[str | None, str | None]] = {}
        for rec in odd.iter_rows(named=True):
            key_of, column_of, issue = _odd_row(spec, parsed, rec)
            worked[rec["_row"]] = (key_of, column_of)
            if issue is not None:
                found.append((rec["_row"], _CODE, issue))
        fixed = pl.DataFrame(
            {
                "_row": list(worked),
                "_k": [k for k, _ in worked.values()],
                "_c": [c for _, c in worked.values()],
            },
            schema={"_row": pl.Int64, "_k": pl.Utf8, "_c": pl.Utf8},
        )
        rows = (
            rows.join(fixed, on="_row", how="left")
            .with_columns(
                _key=pl.when(pl.col("_plain")).then("_key").otherwise("_k"),
                _key_column=pl.when(pl.col("_plain")).then("_key_column").otherwise("_c"),
            )
            .drop("_k", "_c")
        )
    rows = rows.filter(pl.col("_key").is_not_null()).with_columns(
        _first=pl.col("_row").first().over("indicator", "_key")
    )
    firsts = rows.filter(pl.col("_row") == pl.col("_first"))
    for name, n in firsts.group_by("indicator").len().iter_rows():
        counts[name] = counts.get(name, 0) + n
    flagged = rows.filter(pl.col("_row") != pl.col("_first"))
    if claimed:
        elsewhere = pl.DataFrame(list(claimed), schema={"indicator": pl.Utf8, "_key": pl.Utf8}, orient="row")
        flagged = pl.concat(
            [flagged, firsts.join(elsewhere, on=["indicator", "_key"], how="semi")], how="vertical"
        )
    for rec in flagged.iter_rows(named=True):
        found.append((rec["_row"], _ITEM, _item_issue(spec, parsed, rec, rec["_row"] != rec["_first"])))
    found.sort(key=lambda t: (t[0], t[1]))
    return [issue for _, _, issue in found]


def _unknown_issue(spec: SheetSpec, parsed: ParsedSheet, rec: dict, allowed: list[str]) -> Issue:
    return Issue.make(
        "list-indicator-unknown",
        sheet=spec.name,
        cell=parsed.cell("indicator", rec["_row"]),
        column=spec.column("indicator").header,
        value=rec["indicator"],
        row=rec["_row"],
        list=ListType(spec.list_type).label,
        allowed="、".join(allowed) or "（无）",
    )


def _odd_row(spec: SheetSpec, parsed: ParsedSheet, rec: dict) -> tuple[str | None, str | None, Issue | None]:
    """(key, key column, code issue) of a row whose key needs normalising or whose code is wrong."""
    key = list_item_key(spec, rec)
    if key is None:
        return None, None, None  # a blank required cell: the rows stage reports it
    key_column = next(k for k in spec.item_keys if list_item_key(spec, {k: rec.get(k)}))
    if key_column != "credit_code":
        return key, key_column, None
    code = credit_code.normalise(str(rec["credit_code"]))
    problem = credit_code.problem(code)
    issue = None
    if problem:
        bad = "".join(dict.fromkeys(ch for ch in code if ch not in credit_code.CHARSET))
        issue = Issue.make(
            _CODE_ISSUES[problem],
            sheet=spec.name,
            cell=parsed.cell(key_column, rec["_row"]),
            column=spec.column(key_column).header,
            value=rec["credit_code"],
            row=rec["_row"],
            length=len(code),
            chars="、".join(bad),
            expected=credit_code.check_character(code[:17]) if problem == "check-digit" else "",
        )
    return code, key_column, issue  # a wrong code is still an item: counted, compared for duplicates


def _item_issue(spec: SheetSpec, parsed: ParsedSheet, rec: dict, duplicate: bool) -> Issue:
    """An item met before under the same indicator (error), or claimed by another unit (warning)."""
    column = rec["_key_column"]
    extra = {"other_row": rec["_first"]} if duplicate else {}
    return Issue.make(
        "list-row-duplicated" if duplicate else "list-claimed-elsewhere",
        sheet=spec.name,
        cell=parsed.cell(column, rec["_row"]),
        column=spec.column(column).header,
        value=rec["_key"],
        row=rec["_row"],
        item=spec.item,
        indicator=rec["indicator"],
        **extra,
    )


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
