"""The registers kept from the named lists (名单) behind indicators, read-only: 企业培育库 (how many
enterprises in each 培育阶段 by 所在区县, and who moved stage against the previous approved list),
重点项目 (each project's 本季度/累计投资完成额 and 形象进度 across rounds), and the double counts
(an item on two units' lists for the same indicator and round), named for the office.

Each use case checks role and scope (lists.view, lists.double_counts) and reads only the units
the account may read; only approved submissions' lists count (warehouse.lists).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from portal.core.context import Portal
from portal.core.permissions import visible_plans, visible_units
from portal.core.readcache import cached_read
from portal.monitoring.scoped import check_plan, check_unit
from schemas.enums import EnterpriseStage, ListType
from warehouse import lists

STAGES = [s.value for s in EnterpriseStage]
STAGE_LABELS = [(s.value, s.label) for s in EnterpriseStage]
NO_DISTRICT = "（未填区县）"


def _units(con, account, action: str, unit: str | None) -> frozenset[str] | None:
    """The units to read: the one asked for (checked like any filter), else all the account reads."""
    check_unit(con, account, action, unit)
    readable = visible_units(account, action)
    return frozenset({unit}) if unit is not None else readable


def _standing(items: pl.DataFrame, round_code: str) -> pl.DataFrame:
    """Each unit's list as approved for its latest round up to `round_code`."""
    upto = items.filter(pl.col("round") <= round_code)
    latest = upto.group_by("unit").agg(pl.col("round").max().alias("latest"))
    return upto.join(latest, on="unit").filter(pl.col("round") == pl.col("latest")).drop("latest")


@dataclass
class EnterpriseRegister:
    round: str
    stages: pl.DataFrame  # district, one column per stage code, stage_total
    moves: pl.DataFrame  # unit_name, name, item_key, district, from_stage_label, to_stage_label, from_round
    enterprises: int  # distinct enterprises on the standing lists


@cached_read
def enterprise_register(
    portal: Portal, account, round_code: str, unit: str | None = None
) -> EnterpriseRegister:
    """企业培育库 as of `round_code`: every enterprise on the readable units' standing lists once
    (by 统一社会信用代码, at its most advanced stage), counted by district and stage; and the
    enterprises whose stage differs from the unit's previous approved list."""
    with portal.warehouse.connect() as con:
        units = _units(con, account, "lists.view", unit)
        items = lists.standing_items(con, ListType.ENTERPRISE.value, units)
    order = {code: n for n, code in enumerate(STAGES)}
    items = items.with_columns(
        pl.col("stage").replace_strict(order, default=None, return_dtype=pl.Int32).alias("_rank"),
        pl.col("district").fill_null(NO_DISTRICT),
    )
    now = _standing(items, round_code)
    once = now.sort("_rank", descending=True, nulls_last=True).unique("item_key", keep="first")
    counts = (
        once.filter(pl.col("stage").is_not_null())
        .group_by("district", "stage")
        .len()
        .pivot(on="stage", index="district", values="len")
    )
    for code in STAGES:
        if code not in counts.columns:
            counts = counts.with_columns(pl.lit(0, pl.UInt32).alias(code))
    stages = (
        counts.select("district", *STAGES)
        .with_columns(pl.col(c).fill_null(0).cast(pl.Int64) for c in STAGES)
        .with_columns(pl.sum_horizontal(STAGES).alias("stage_total"))
        .sort("district")
    )
    return EnterpriseRegister(round_code, stages, _moves(items, now, round_code), once.height)


def _moves(items: pl.DataFrame, now: pl.DataFrame, round_code: str) -> pl.DataFrame:
    """Per unit, the enterprises whose stage on the list approved for `round_code` differs from
    the unit's previous approved list (an earlier round)."""
    labels = dict(STAGE_LABELS)
    current = now.filter(pl.col("round") == round_code)
    before = items.filter(pl.col("round") < round_code)
    last = before.group_by("unit").agg(pl.col("round").max().alias("from_round"))
    previous = (
        before.join(last, on="unit")
        .filter(pl.col("round") == pl.col("from_round"))
        .select("unit", "item_key", pl.col("stage").alias("from_stage"), "from_round")
        .unique(["unit", "item_key"], keep="first")
    )
    moved = (
        current.unique(["unit", "item_key"], keep="first")
        .join(previous, on=["unit", "item_key"], how="inner")
        .filter(pl.col("stage").is_not_null() & (pl.col("stage") != pl.col("from_stage")))
    )
    return moved.select(
        "unit_name",
        "name",
        "item_key",
        "district",
        pl.col("from_stage")
        .replace_strict(labels, default=None, return_dtype=pl.Utf8)
        .alias("from_stage_label"),
        pl.col("stage").replace_strict(labels, default=None, return_dtype=pl.Utf8).alias("to_stage_label"),
        "from_round",
    ).sort("unit_name", "name")


@cached_read
def project_register(portal: Portal, account, unit: str | None = None) -> pl.DataFrame:
    """重点项目: unit_name, name, item_key, round, total/quarter/cumulative investment, progress for
    every project on the readable units' approved lists, one row per project and round."""
    with portal.warehouse.connect() as con:
        units = _units(con, account, "lists.view", unit)
        items = lists.standing_items(con, ListType.PROJECT.value, units)
    return (
        items.unique(["unit", "item_key", "round"], keep="first", maintain_order=True)
        .select(
            "unit_name",
            "name",
            "item_key",
            "round",
            "total_investment",
            "quarter_investment",
            "cumulative_investment",
            "progress",
        )
        .sort("unit_name", "item_key", "round")
    )


@cached_read
def double_count_pairs(portal: Portal, account, round_code: str, plan: str | None = None) -> pl.DataFrame:
    """Items on two units' current lists for the same indicator and round, named: indicator,
    indicator_name, list_type_label, item_key, name, unit_name, other_unit_name; `plan` keeps its
    indicators. Only pairs where both units are readable by the account (a unit outside the scope
    is never named), and only the plans it reads."""
    with portal.warehouse.connect() as con:
        check_plan(con, account, "lists.double_counts", plan)
        units = visible_units(account, "lists.double_counts")
        plans = visible_plans(account, "lists.double_counts")
        pairs = lists.double_counts(con, round_code, units)
    if plan is not None:
        pairs = pairs.filter(pl.col("plan") == plan)
    if plans is not None:
        pairs = pairs.filter(pl.col("plan").is_in(list(plans)))
    if units is not None:
        pairs = pairs.filter(pl.col("unit").is_in(list(units)) & pl.col("other_unit").is_in(list(units)))
    labels = {t.value: t.label for t in ListType}
    return pairs.with_columns(
        pl.col("list_type")
        .replace_strict(labels, default=None, return_dtype=pl.Utf8)
        .alias("list_type_label")
    ).select(
        "indicator", "indicator_name", "list_type_label", "item_key", "name", "unit_name", "other_unit_name"
    )
