"""Pandera models generated from the sheet specs: one schema per sheet, never written by hand."""

from __future__ import annotations

from collections.abc import Sequence

import pandera.polars as pa
import polars as pl

from schemas.sheets import ENUM_COLUMNS, ColumnType, SheetSpec

_DTYPES = {
    ColumnType.TEXT: pl.Utf8,
    ColumnType.INT: pl.Int64,
    ColumnType.NUMBER: pl.Float64,
    ColumnType.BOOL: pl.Boolean,
    ColumnType.DATE: pl.Date,
    ColumnType.CODES: pl.List(pl.Utf8),
}


def allowed_values(spec: SheetSpec, key: str) -> list[str]:
    """Choices as users read them, plus the stored codes where an enum backs the column."""
    column = spec.column(key)
    values = list(column.choices)
    mapping = ENUM_COLUMNS.get((spec.key, key))
    if mapping:
        values += [v for v in mapping.to_label if v not in values]
    return values


def schema_for(
    spec: SheetSpec,
    present: Sequence[str] | None = None,
    required: Sequence[str] | None = None,
    unique: Sequence[str] = (),
    checks: Sequence[pa.Check] = (),
) -> pa.DataFrameSchema:
    """The row schema of a sheet: types, required cells, choices and ranges from the spec.

    `present` limits it to the columns actually found (a missing header is reported once, by the
    structure stage); `required` overrides which columns must be filled (e.g. only input columns).
    """
    keys = set(present) if present is not None else set(spec.keys)
    must = set(required) if required is not None else {c.key for c in spec.columns if c.required}
    columns: dict[str, pa.Column] = {"_row": pa.Column(pl.Int64, nullable=False)}
    for c in spec.columns:
        if c.key not in keys:
            continue
        col_checks = []
        if c.choices:
            col_checks.append(pa.Check.isin(allowed_values(spec, c.key)))
        if c.min_value is not None:
            col_checks.append(pa.Check.ge(c.min_value))
        if c.max_value is not None:
            col_checks.append(pa.Check.le(c.max_value))
        columns[c.key] = pa.Column(
            _DTYPES[c.type],
            nullable=c.key not in must,
            unique=c.key in unique,
            checks=col_checks,
            report_duplicates="all",
        )
    return pa.DataFrameSchema(columns, checks=list(checks), strict=False, name=spec.name)
