"""Stage 3: run a Pandera schema lazily and turn every failure case into an Issue at its Excel cell.

Column checks (types, required, choices, ranges) come from the sheet spec through
`schemas.models.schema_for`; rules that need the whole row (narrative required unless 未启动, a
value ≥ 0 unless the indicator allows negatives) are the dataframe checks in `ROW_RULES`. Both
are translated to our issue codes here, in one table each.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import pandera.polars as pa
import polars as pl

from schemas.enums import IndicatorKind, TaskStatus
from schemas.issues import Issue
from schemas.models import allowed_values, schema_for
from schemas.sheets import ENUM_COLUMNS, INDICATOR_SHEET, TASK_SHEET, SheetSpec
from templates_xlsx.reader import ParsedSheet
from validators.expectation import Expectation

# Pandera check names → our issue codes. The one place Pandera's vocabulary is translated.
PANDERA_CODES: list[tuple[str, str]] = [
    ("not_nullable", "required-missing"),
    ("field_uniqueness", "duplicate-code"),
    ("isin", "value-not-allowed"),
    ("greater_than_or_equal_to", "value-below-min"),
    ("greater_than", "value-below-min"),
    ("less_than_or_equal_to", "value-above-max"),
    ("less_than", "value-above-max"),
    ("dtype", "value-wrong-type"),
]

_BOUND = re.compile(r"\(([-\d.eE]+)\)")


@dataclass(frozen=True)
class RowRule:
    """A check over whole rows: True where the row is fine. The issue lands on `column`'s cell."""

    name: str
    sheet: str  # spec key
    column: str  # spec key of the cell the issue points at
    code: str
    ok: Callable[[], pl.Expr]
    needs: tuple[str, ...] = ()  # spec columns the rule reads; skipped when one is missing
    params: Callable[[dict[str, Any]], dict[str, Any]] = field(default=lambda row: {})

    def check(self) -> pa.Check:
        expr = self.ok()
        return pa.Check(lambda data: data.lazyframe.select(expr.fill_null(True)), name=self.name)


_NOT_STARTED = TaskStatus.NOT_STARTED.label
_MILESTONE = IndicatorKind.MILESTONE.value


def _blank(col: str) -> pl.Expr:
    return pl.col(col).is_null() | (pl.col(col).cast(pl.Utf8).str.strip_chars() == "")


# Row rules of the template sheets. Helper columns (`_allow_negative`, `_kind`) are added from the
# Expectation by `prepare_frame` before validation.
ROW_RULES: tuple[RowRule, ...] = (
    RowRule(
        "indicator-value-missing",
        INDICATOR_SHEET.key,
        "value",
        "indicator-value-missing",
        lambda: pl.col("value").is_not_null() | ~_blank("note"),
        needs=("value", "note"),
    ),
    RowRule(
        "value-not-negative",
        INDICATOR_SHEET.key,
        "value",
        "value-below-min",
        lambda: pl.col("value").is_null() | (pl.col("value") >= 0) | pl.col("_allow_negative"),
        needs=("value",),
        params=lambda row: {"min_value": 0},
    ),
    RowRule(
        "milestone-zero-or-one",
        INDICATOR_SHEET.key,
        "value",
        "value-not-allowed",
        lambda: (
            (pl.col("_kind") != _MILESTONE) | pl.col("value").is_null() | pl.col("value").is_in([0.0, 1.0])
        ),
        needs=("value",),
        params=lambda row: {"allowed": "1（已实现）、0（未实现）"},
    ),
    RowRule(
        "narrative-required",
        TASK_SHEET.key,
        "narrative",
        "narrative-required",
        lambda: _blank("status") | (pl.col("status") == _NOT_STARTED) | ~_blank("narrative"),
        needs=("status", "narrative"),
        params=lambda row: {"status": row.get("status") or ""},
    ),
)
RULES_BY_NAME = {r.name: r for r in ROW_RULES}


def code_for_check(check: str) -> str:
    if check in RULES_BY_NAME:
        return RULES_BY_NAME[check].code
    for prefix, code in PANDERA_CODES:
        if check.startswith(prefix):
            return code
    return "check-failed"


def rules_for(spec: SheetSpec, present: Iterable[str]) -> list[RowRule]:
    have = set(present)
    return [r for r in ROW_RULES if r.sheet == spec.key and set(r.needs) <= have]


def _show(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text[:-2] if text.endswith(".0") else text


def validate_rows(
    parsed: ParsedSheet, schema: pa.DataFrameSchema, frame: pl.DataFrame | None = None
) -> list[Issue]:
    """Every failing cell of the sheet, in row order; nothing raised for data problems.

    `frame` (default: the parsed frame) may carry helper columns the row rules read.
    """
    found = _failing_cells([parsed], schema, parsed.frame if frame is None else frame)
    return _in_sheet_order(parsed.spec, [issue for _, issue in found])


def _in_sheet_order(spec: SheetSpec, issues: list[Issue]) -> list[Issue]:
    position = {c.header: i for i, c in enumerate(spec.columns)}
    return sorted(issues, key=lambda i: (i.row or 0, position.get(i.column or "", len(position))))


def _failing_cells(
    sheets: Sequence[ParsedSheet], schema: pa.DataFrameSchema, frame: pl.DataFrame
) -> list[tuple[int, Issue]]:
    """(position in `sheets`, issue) for every failure case; `frame`'s `_wb` column says whose a
    row is when it stacks several sheets' rows (a batch)."""
    try:
        schema.validate(frame, lazy=True)
        return []
    except pa.errors.SchemaErrors as exc:
        failures = exc.failure_cases
    spec = sheets[0].spec
    rows = frame.get_column("_row").to_list()
    owners = frame.get_column("_wb").to_list() if "_wb" in frame.columns else [0] * len(rows)
    issues: list[tuple[int, Issue]] = []
    for f in failures.iter_rows(named=True):
        index, check = f["index"], str(f["check"])
        rule = RULES_BY_NAME.get(check)
        column_key = rule.column if rule else f["column"]
        code = code_for_check(check)
        in_range = index is not None and 0 <= index < len(rows)
        excel_row = rows[index] if in_range else None
        sheet = sheets[owners[index]] if in_range else sheets[0]
        try:
            column = spec.column(column_key)
        except (KeyError, TypeError):
            column = None
        header = column.header if column else column_key
        cell = sheet.cell(column_key, excel_row) if excel_row and column else None
        value = f["failure_case"]
        params: dict[str, Any] = {}
        if rule:
            record = frame.row(index, named=True) if in_range else {}
            value = record.get(column_key)
            params = rule.params(record)
        bound = _BOUND.search(check)
        if code == "value-not-allowed" and column and "allowed" not in params:
            params["allowed"] = "、".join(column.choices or allowed_values(spec, column_key))
        if code == "value-below-min" and "min_value" not in params:
            params["min_value"] = _show(bound.group(1)) if bound else ""
        if code == "value-above-max":
            params["max_value"] = _show(bound.group(1)) if bound else ""
        if code == "duplicate-code":
            others = [
                r
                for i, r in enumerate(rows)
                if frame[column_key][i] == _typed(frame, column_key, f["failure_case"]) and r != excel_row
            ]
            params["other_row"] = others[0] if others else ""
        if code == "check-failed":
            params["detail"] = check
        issue = Issue.make(
            code, sheet=spec.name, cell=cell, column=header, value=_show(value), row=excel_row, **params
        )
        issues.append((owners[index] if in_range else 0, issue))
    return issues


def _typed(frame: pl.DataFrame, key: str, text: str | None):
    dtype = frame.schema[key]
    if text is None:
        return None
    try:
        return pl.Series([text]).cast(dtype).item()
    except Exception:
        return text


# ---------------------------------------------------------------- the quarterly template sheets

_KIND_CODES = ENUM_COLUMNS[("indicators", "kind")].to_code


def _helpers(frame: pl.DataFrame, expectation: Expectation | None) -> tuple[list, list]:
    """The `_kind` and `_allow_negative` of each row of an indicator sheet (from the registry when known)."""
    facts = {i.code: i for i in (expectation.indicators or ())} if expectation else {}
    keys = frame.get_column("indicator").to_list()
    sheet_kinds = frame.get_column("kind").to_list() if "kind" in frame.columns else [None] * len(keys)
    kinds, negatives = [], []
    for key, sheet_kind in zip(keys, sheet_kinds, strict=True):
        fact = facts.get(key)
        kinds.append(fact.kind if fact else _KIND_CODES.get(sheet_kind or "", None))
        # Whether negatives are allowed is registry knowledge: for an item the registry does not
        # give us (another unit's workbook, an item no longer assigned) the sign is not judged.
        negatives.append(bool(fact.allow_negative) if fact else True)
    return kinds, negatives


def _needs_helpers(parsed: ParsedSheet) -> bool:
    return parsed.spec.key == INDICATOR_SHEET.key and "indicator" in parsed.frame.columns


def prepare_frame(parsed: ParsedSheet, expectation: Expectation | None) -> pl.DataFrame:
    """The parsed frame plus the helper columns the row rules read (from the registry when known)."""
    frame = parsed.frame
    if not _needs_helpers(parsed):
        return frame
    kinds, negatives = _helpers(frame, expectation)
    return frame.with_columns(
        pl.Series("_kind", kinds, dtype=pl.Utf8), pl.Series("_allow_negative", negatives, dtype=pl.Boolean)
    )


@cache
def _template_schema(spec: SheetSpec, present: tuple[str, ...]) -> pa.DataFrameSchema:
    """Spec columns found in the sheet, with their spec checks, plus the sheet's row rules."""
    rules = rules_for(spec, present)
    return schema_for(spec, present=list(present), checks=[r.check() for r in rules])


RowsInput = tuple[ParsedSheet, Expectation | None, Iterable[int]]


def check_rows_batch(items: Sequence[RowsInput]) -> list[list[Issue]]:
    """Pandera over many template sheets: ONE validation per (sheet spec, columns found), rows of
    every workbook stacked with a `_wb` column. `items`: (parsed sheet, expectation, rows to skip,
    e.g. rows added to the template). Issues come back per item, in the order given."""
    out: list[list[Issue]] = [[] for _ in items]
    groups: dict[tuple[str, tuple[str, ...]], list[int]] = {}
    for n, (parsed, _, _) in enumerate(items):
        if parsed.header_row is not None:
            groups.setdefault((parsed.spec.key, tuple(parsed.letters)), []).append(n)
    for (_, present), members in groups.items():
        # The group's frames are stacked first and given their helper columns and `_wb` once:
        # two small queries per workbook were most of this stage in a province round.
        frames, sheets, kinds, negatives = [], [], [], []
        for n in members:
            parsed, expectation, skip_rows = items[n]
            skip = list(set(skip_rows))
            frame = parsed.frame.filter(~pl.col("_row").is_in(skip)) if skip else parsed.frame
            if _needs_helpers(parsed):
                k, neg = _helpers(frame, expectation)
                kinds += k
                negatives += neg
            frames.append(frame)
            sheets.append(parsed)
        stacked = pl.concat(frames, how="vertical_relaxed") if len(frames) > 1 else frames[0]
        helpers = (
            [
                pl.Series("_kind", kinds, dtype=pl.Utf8),
                pl.Series("_allow_negative", negatives, dtype=pl.Boolean),
            ]
            if _needs_helpers(sheets[0])
            else []
        )
        wbs = np.repeat(np.arange(len(frames)), [f.height for f in frames])
        stacked = stacked.with_columns(*helpers, pl.Series("_wb", wbs, dtype=pl.Int64))
        for wb, issue in _failing_cells(sheets, _template_schema(sheets[0].spec, present), stacked):
            out[members[wb]].append(issue)
    return [_in_sheet_order(parsed.spec, issues) for (parsed, _, _), issues in zip(items, out, strict=True)]


def check_template_rows(
    parsed: ParsedSheet, expectation: Expectation | None = None, skip_rows: Iterable[int] = ()
) -> list[Issue]:
    """Pandera over one template sheet; rows in `skip_rows` (e.g. rows added to the template) are left out."""
    return check_rows_batch([(parsed, expectation, skip_rows)])[0]
