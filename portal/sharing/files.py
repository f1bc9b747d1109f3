"""Writing the shared tables as files: CSV safe to open in a spreadsheet, Parquet, and the
Frictionless Data Package descriptor (datapackage.json) that describes them."""

from __future__ import annotations

import datetime as dt
import io

import polars as pl

from portal.sharing.datasets import Dataset, Field
from templates_xlsx.writing import FORMULA_TRIGGERS

PARQUET_MEDIA = "application/vnd.apache.parquet"
MEDIA = {"csv": "text/csv", "parquet": PARQUET_MEDIA}
# CSV dates and times as Frictionless reads them by default (ISO 8601, no fractions).
DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S"


def formula_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells a spreadsheet would run as a formula (= + - @, tab, CR, LF first) get a leading
    apostrophe, the usual CSV-injection guard; numbers stay numbers."""

    def risky(c: str) -> pl.Expr:
        return pl.any_horizontal(pl.col(c).str.starts_with(t) for t in FORMULA_TRIGGERS)

    return frame.with_columns(
        pl.when(risky(c)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c, t in frame.schema.items()
        if t == pl.Utf8
    )


def csv_bytes(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    formula_safe(frame).write_csv(buffer, datetime_format=DATETIME_FORMAT, date_format="%Y-%m-%d")
    return buffer.getvalue()


def parquet_bytes(frame: pl.DataFrame) -> bytes:
    """Parquet with the pandas schema metadata that keeps an integer column with empty cells an
    integer column when pandas (and so frictionless) reads it: without it pyarrow hands pandas
    float64 with NaN, and frictionless reports every empty integer cell as a type error. The data
    itself is written by pyarrow from Polars' Arrow columns, unchanged; Polars and DuckDB ignore
    the metadata."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = frame.to_arrow()
    integers = {t for t in table.schema.types if pa.types.is_integer(t)}
    empty = table.slice(0, 0).to_pandas(types_mapper=lambda t: pd.Int64Dtype() if t in integers else None)
    meta = pa.Schema.from_pandas(empty, preserve_index=False).metadata
    buffer = io.BytesIO()
    pq.write_table(table.replace_schema_metadata({**(table.schema.metadata or {}), **meta}), buffer)
    return buffer.getvalue()


def field_descriptor(f: Field) -> dict:
    out = {"name": f.name, "type": f.type, "description": f.description}
    if f.unit:
        out["unit"] = f.unit
    return out


def resource(d: Dataset, fmt: str) -> dict:
    """One resource of datapackage.json (Frictionless tabular data resource)."""
    out = {
        "name": d.name,
        "path": f"{d.name}.{fmt}",
        "title": d.title,
        "description": d.description,
        "profile": "tabular-data-resource",
        "format": fmt,
        "mediatype": MEDIA[fmt],
        "schema": {"fields": [field_descriptor(f) for f in d.fields]},
    }
    if fmt == "csv":
        out["encoding"] = "utf-8"
    return out


def descriptor(name: str, title: str, resources: list[dict], created: dt.datetime) -> dict:
    """The Data Package descriptor: name (lower case, digits, - _ .), title, created, resources."""
    return {
        "profile": "tabular-data-package",
        "name": name,
        "title": title,
        "created": created.replace(microsecond=0).isoformat() + "Z",
        "resources": resources,
    }
