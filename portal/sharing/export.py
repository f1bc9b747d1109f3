"""`portal export`: the shared tables of a round or a year as open files (Parquet or CSV) with a
Frictionless Data Package descriptor, read through the same definitions and scope as the API."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

from portal.core.context import Portal
from portal.core.errors import InvalidInput, NotFound
from portal.core.permissions import require
from portal.sharing import files
from portal.sharing.datasets import ACTION, DATASETS, Query, fetch, missing_round
from warehouse import rounds as round_table

FORMATS = ("parquet", "csv")


@dataclass(frozen=True)
class Export:
    directory: Path
    descriptor: Path
    rows: dict[str, int]  # dataset name → rows written


def _query(d, round_code: str | None, year: int | None, plan: str | None) -> Query:
    """The dataset's share of the export: its round (or, for a table not kept by round such as the
    assessment results, the round's year), else the year; and the plan where it applies."""
    period = {}
    if "round" in d.filters and round_code:
        period["round"] = round_code
    elif "year" in d.filters and year is not None:
        period["year"] = year
    return Query(plan=plan if "plan" in d.filters else None, **period)


def export_open_data(
    portal: Portal,
    account,
    out_dir: str | Path,
    round_code: str | None = None,
    year: int | None = None,
    plan: str | None = None,
    fmt: str = "parquet",
) -> Export:
    """Write every shared table for `round_code` (or every round of `year`), limited to `plan` and
    to the account's scope, into `out_dir`, with datapackage.json."""
    require(account, ACTION)
    if fmt not in FORMATS:
        raise InvalidInput(f"格式须为 {'、'.join(FORMATS)} 之一。")
    if (round_code is None) == (year is None):
        raise InvalidInput("请指定 --round 或 --year 之一。")
    if round_code is not None:
        with portal.warehouse.connect() as con:
            found = round_table.get(con, round_code)
        if found is None:
            raise NotFound(missing_round(round_code))
        period_year = found.year  # a round's export carries its year's final assessment
    else:
        period_year = year
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows, resources = {}, []
    for d in DATASETS.values():
        q = _query(d, round_code, period_year, plan)
        frame = fetch(portal, account, d.name, q)
        path = out / f"{d.name}.{fmt}"
        if fmt == "csv":
            path.write_bytes(files.csv_bytes(frame))
        else:
            path.write_bytes(files.parquet_bytes(frame))
        rows[d.name] = frame.height
        resources.append(files.resource(d, fmt))
    period = round_code or f"{year}"
    name = re.sub(r"[^a-z0-9._-]", "-", (f"kjrw-open-data-{period}" + (f"-{plan}" if plan else "")).lower())
    title = (
        f"科技创新任务调度考核平台开放数据（{round_code or f'{year}年'}{f'，规划 {plan}' if plan else ''}）"
    )
    descriptor = files.descriptor(name, title, resources, dt.datetime.now(dt.UTC).replace(tzinfo=None))
    target = out / "datapackage.json"
    target.write_text(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return Export(out, target, rows)
