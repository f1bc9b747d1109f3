"""Run a Pandera schema lazily and turn every failure case into an Issue at its Excel cell."""

from __future__ import annotations

import re

import pandera.polars as pa
import polars as pl

from schemas.issues import Issue
from schemas.models import allowed_values
from templates_xlsx.reader import ParsedSheet

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


def code_for_check(check: str) -> str:
    for prefix, code in PANDERA_CODES:
        if check.startswith(prefix):
            return code
    return check if check in _CUSTOM_CODES else "check-failed"


# Custom dataframe checks are named after the issue code they raise.
_CUSTOM_CODES: set[str] = {"narrative-required", "completed-not-100"}


def register_check_code(code: str) -> None:
    _CUSTOM_CODES.add(code)


def _show(value: str | None) -> str | None:
    if value is None:
        return None
    return value[:-2] if value.endswith(".0") else value


def validate_rows(parsed: ParsedSheet, schema: pa.DataFrameSchema) -> list[Issue]:
    """Every failing cell of the sheet, in row order; nothing raised for data problems."""
    frame = parsed.frame
    try:
        schema.validate(frame, lazy=True)
        return []
    except pa.errors.SchemaErrors as exc:
        failures = exc.failure_cases
    spec = parsed.spec
    rows = frame.get_column("_row").to_list()
    issues: list[Issue] = []
    for f in failures.iter_rows(named=True):
        index, column_key, check = f["index"], f["column"], str(f["check"])
        code = code_for_check(check)
        excel_row = rows[index] if index is not None and 0 <= index < len(rows) else None
        try:
            column = spec.column(column_key)
        except (KeyError, TypeError):
            column = None
        header = column.header if column else column_key
        cell = parsed.cell(column_key, excel_row) if excel_row and column else None
        bound = _BOUND.search(check)
        params = {}
        if code == "value-not-allowed" and column:
            params["allowed"] = "、".join(column.choices or allowed_values(spec, column_key))
        if code == "value-below-min":
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
        issues.append(
            Issue.make(
                code,
                sheet=spec.name,
                cell=cell,
                column=header,
                value=_show(f["failure_case"]),
                row=excel_row,
                **params,
            )
        )
    issues.sort(key=lambda i: (i.row or 0, i.cell or ""))
    return issues


def _typed(frame: pl.DataFrame, key: str, text: str | None):
    dtype = frame.schema[key]
    if text is None:
        return None
    try:
        return pl.Series([text]).cast(dtype).item()
    except Exception:
        return text
