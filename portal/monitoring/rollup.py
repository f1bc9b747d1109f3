"""下级汇总: an upper office (a city cluster, a province) sees the offices under it side by side.

Every number is taken from the same services the cities' own pages call (completion_counts, the
counts completion_board gives each plan, and kpi_boards' counts and rows of
portal.monitoring.dashboards through kpi_plan_counts, each from one read for all plans), so a roll-up never disagrees with a drill-down: it only arranges their
results. The one rule of its own is which indicators count
as "the same" across plans: `SHARED_TOPICS`, name patterns kept in this one place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from portal.core.context import Portal
from portal.core.permissions import OutOfScope, require, scope_of, visible_plans
from portal.core.readcache import cached_read
from portal.monitoring.dashboards import PACES, completion_choices, completion_counts, kpi_plan_counts
from portal.monitoring.status import _percent, _table  # portal status's terminal table
from schemas.enums import Pace
from warehouse import lookups
from warehouse import offices as office_tree

ACTION = "rollup.view"


@dataclass(frozen=True)
class SharedTopic:
    """Indicators that several plans set under their own names (高新技术企业数 vs 高新技术企业
    数量): one topic, matched by a regular expression over the indicator's name, unless `exclude`
    also matches (Polars' regex has no look-ahead)."""

    code: str
    label: str
    pattern: str
    exclude: str | None = None

    def matches(self, name: str) -> bool:
        name = name or ""
        return re.search(self.pattern, name) is not None and not (
            self.exclude and re.search(self.exclude, name)
        )

    def matching(self) -> pl.Expr:
        """`matches` over a frame's `name` column, in Polars (the same patterns; no Python per row)."""
        name = pl.col("name").fill_null("")
        found = name.str.contains(self.pattern)
        return found & ~name.str.contains(self.exclude) if self.exclude else found


# The indicators most regional plans share, in the order the roll-up lists them. A plan's
# indicator joins a topic when its name matches; names are the plans' own (see the demo registry).
SHARED_TOPICS: tuple[SharedTopic, ...] = (
    SharedTopic("high_tech_firms", "高新技术企业数", r"高新技术企业", exclude=r"后备"),  # not a 后备库 count
    SharedTopic("rnd", "研发（R&D）投入", r"研发经费|研发投入|R\s*[&＆]\s*D"),
    SharedTopic("invention_patents", "发明专利", r"发明专利"),
    SharedTopic("tech_contracts", "技术合同成交额", r"技术合同"),
)

# One row per city and plan; `rate` is None when no unit is expected (nothing to divide by).
PLAN_COLUMNS = ["city", "city_name", "plan", "plan_name", "expected", "reported", "late", "rate"]
PLAN_COLUMNS += ["indicators", *PACES]
SHARED_COLUMNS = ["topic", "topic_label", "city", "city_name", "plan", "plan_name", "indicator", "name"]
SHARED_COLUMNS += ["measure_unit", "actual", "actual_round", "target_value", "target_year", "expected"]
SHARED_COLUMNS += ["ratio", "ratio_text", "pace", "pace_label", "indicator_name"]
# The columns of KPI progress behind SHARED_COLUMNS (the rest are the roll-up's own or kpi_texts').
KPI_COLUMNS = ("indicator", "name", "measure_unit", "actual", "actual_round", "target_value", "target_year")
KPI_COLUMNS += ("expected", "ratio", "pace")


def missing_office(office: str) -> str:
    """The words for an office code that does not exist, or is outside the caller's scope."""
    return f"办公室“{office}”不存在或不在您的管辖范围内，请核对办公室代码。"


@dataclass
class SharedIndicator:
    """One topic across the cities: a row per matching indicator; `absent` the cities (code,
    name) whose plans set none."""

    code: str
    label: str
    rows: pl.DataFrame  # SHARED_COLUMNS
    absent: list[tuple[str, str]]

    @property
    def cities(self) -> list[str]:
        return list(dict.fromkeys(self.rows["city"].to_list()))


@dataclass
class Rollup:
    office: str
    office_name: str
    round: str
    cities: list[tuple[str, str]]  # (code, name) of the offices under `office` with plans in scope
    plans: pl.DataFrame  # PLAN_COLUMNS: the round's completion and KPI pace counts
    by_round: pl.DataFrame  # city, city_name, plan, plan_name, series, round, expected, reported, late, rate
    shared: list[SharedIndicator]
    without_plans: list[tuple[str, str]] = field(default_factory=list)  # offices under it running none

    def city_plans(self, city: str) -> list[str]:
        return self.plans.filter(pl.col("city") == city)["plan"].to_list()


@dataclass(frozen=True)
class RollupChoices:
    offices: list[tuple[str, str]]  # (code, name): offices in scope with offices under them that run plans
    rounds: list[str]
    default_round: str | None


def _name(office: dict) -> str:
    return office.get("short_name") or office["name"]


def _children_plans(con, tree: dict[str, dict], office: str, plans: frozenset[str] | None):
    """Each office right under `office` (`tree`: office_tree by code) with the plans at or under it
    that the caller may read: [(office dict, [plan codes])] (plans_of_offices of each child, from
    one read of the plans)."""
    run_by = office_tree.plan_offices(con)
    found = []
    for child in tree[office]["children"]:
        under, todo = set(), [child]
        while todo:  # the child and every office below it, as plans_of_offices(below=True) takes them
            code = todo.pop()
            if code not in under:
                under.add(code)
                todo.extend(tree[code]["children"] if code in tree else [])
        own = [p for p, o in run_by if o in under and (plans is None or p in plans)]
        found.append((tree[child], own))
    return found


def _tree(con) -> dict[str, dict]:
    return {o["code"]: o for o in office_tree.office_tree(con)}


@cached_read
def rollup_choices(portal: Portal, actor) -> RollupChoices:
    """The offices the chooser offers (in registry order) and the rounds of 完成情况."""
    require(actor, ACTION)
    plans = visible_plans(actor, ACTION)
    readable = scope_of(actor).offices()
    with portal.warehouse.connect() as con:
        tree = _tree(con)
        offices = [
            (code, _name(o))
            for code, o in tree.items()
            if (readable is None or code in readable)
            and any(own for _, own in _children_plans(con, tree, code, plans))
        ]
    rounds = completion_choices(portal, actor)
    return RollupChoices(offices, rounds.rounds, rounds.default_round)


@cached_read
def rollup(portal: Portal, actor, office: str, round_code: str) -> Rollup:
    """The offices right under `office`, each plan's figures as its own pages give them.

    An office outside the caller's scope is refused in the words for one that does not exist;
    raises UnknownRound (from the boards) for a round not in the warehouse."""
    require(actor, ACTION)
    plans = visible_plans(actor, ACTION)
    # one connection for the whole roll-up (as a page render holds one): the boards below reuse it
    # instead of each opening the file and defining the macros again (~80 ms each at province scale)
    with portal.warehouse.session() as con:
        found = office_tree.office(con, office)
        if found is None or not scope_of(actor).has_office(office):
            raise OutOfScope(missing_office(office), ACTION)
        children = _children_plans(con, _tree(con), office, plans)
        plan_names = dict(lookups.plans(con))
        every = [plan for _, own in children for plan in own]
        # the boards of every plan from one read each (the same services the pages call, per plan),
        # the completion counts beside the KPI counts (issue 23: ~40 % of the roll-up's time each)
        with portal.warehouse.beside() as run:
            completion = run(completion_counts, portal, actor, round_code, every) if every else None
            # kpi_boards' numbers; texts only for the rows of some shared topic, the only rows shown
            kpi, shown = (
                kpi_plan_counts(portal, actor, round_code, every, _some_topic(), KPI_COLUMNS)
                if every
                else ({}, None)
            )
        focus, counted = completion.result() if completion is not None else (None, None)
    rows, per_round, boards = [], [], []
    numbers = {r["plan"]: r for r in focus.to_dicts()} if every else {}
    rounds_of = counted.partition_by("plan", as_dict=True, include_key=False) if every else {}
    shown_of = shown.partition_by("plan", as_dict=True, maintain_order=True) if every else {}
    for child, own in children:
        for plan in own:
            indicators, paces = kpi[plan]
            city = {"city": child["code"], "city_name": _name(child), "plan": plan}
            city["plan_name"] = plan_names.get(plan, plan)
            rows.append(
                city
                | {k: numbers[plan][k] for k in ("expected", "reported", "late", "rate")}
                | {"indicators": indicators}
                | {p: paces[p] for p in PACES}
            )
            if (plan,) in rounds_of:
                per_round.append(
                    rounds_of[(plan,)].with_columns(
                        *[pl.lit(v).alias(k) for k, v in city.items()],
                        series=pl.lit(f"{city['city_name']} {plan}"),
                    )
                )
            boards.append((city, shown_of.get((plan,), shown.clear())))
    names = dict.fromkeys([*PLAN_COLUMNS[:4], "series", "round"], pl.String)
    counts = dict.fromkeys(["expected", "reported", "late"], pl.Int64) | {"rate": pl.Float64}
    plan_schema = names | counts | dict.fromkeys(["indicators", *PACES], pl.Int64)
    by_round_schema = names | counts
    by_round = pl.concat(per_round) if per_round else pl.DataFrame(schema=by_round_schema)
    cities = [(c["code"], _name(c)) for c, own in children if own]
    return Rollup(
        office=office,
        office_name=_name(found),
        round=round_code,
        cities=cities,
        plans=pl.DataFrame(rows, schema={c: plan_schema[c] for c in PLAN_COLUMNS}),
        by_round=by_round.select(list(by_round_schema)).cast(by_round_schema),
        shared=_shared(boards, cities),
        without_plans=[(c["code"], _name(c)) for c, own in children if not own],
    )


def _some_topic() -> pl.Expr:
    """Whether a KPI row's indicator is of some shared topic."""
    return pl.any_horizontal([topic.matching() for topic in SHARED_TOPICS])


def _shared(boards: list[tuple[dict, pl.DataFrame]], cities: list[tuple[str, str]]) -> list[SharedIndicator]:
    """Each topic some plan sets: the matching rows of the plans' KPI boards (latest approved value,
    target, 序时进度 and pace as 指标监测 shows them)."""
    # every plan's rows of some topic once, in board order, then each topic's filter over them (not
    # per plan); rows of no topic are dropped first (a province's boards hold 40,000 indicators)
    some_topic = _some_topic()
    frames = [
        kpis.filter(some_topic)
        .select(
            [c for c in SHARED_COLUMNS if c not in ("topic", "topic_label", "city", "city_name", "plan_name")]
        )
        .with_columns(
            city=pl.lit(city["city"]),
            city_name=pl.lit(city["city_name"]),
            plan_name=pl.lit(city["plan_name"]),
        )
        for city, kpis in boards
        if kpis.height
    ]
    frames = [f for f in frames if f.height]
    if not frames:
        return []
    every = pl.concat(frames, how="vertical_relaxed")
    topics = []
    for topic in SHARED_TOPICS:
        rows = every.filter(topic.matching())
        if not rows.height:
            continue
        rows = rows.with_columns(topic=pl.lit(topic.code), topic_label=pl.lit(topic.label)).select(
            SHARED_COLUMNS
        )
        present = set(rows["city"].to_list())
        absent = [(code, name) for code, name in cities if code not in present]
        topics.append(SharedIndicator(topic.code, topic.label, rows, absent))
    return topics


def plans_frame(r: Rollup) -> pl.DataFrame:
    """The side-by-side table as the page shows it (rates as text, the boards' own counts)."""
    return r.plans.select(
        "city_name",
        "plan",
        "plan_name",
        pl.col("expected").alias("units_expected"),
        pl.col("reported").alias("units_reported"),
        pl.col("rate")
        .map_elements(lambda x: f"{x:.1%}", return_dtype=pl.String)
        .fill_null("—")
        .alias("rate_text"),
        pl.col("late").alias("units_late"),
        pl.col("indicators").alias("kpi_total"),
        *PACES,
    )


def rollup_json(r: Rollup) -> dict[str, Any]:
    """Codes, not labels (`pace` is a Pace value); rates as fractions rounded to 4 places."""

    def rate(value: float | None) -> float | None:
        return None if value is None else round(value, 4)

    cities = []
    for code, name in r.cities:
        plans = []
        for row in r.plans.filter(pl.col("city") == code).to_dicts():
            rounds = r.by_round.filter((pl.col("city") == code) & (pl.col("plan") == row["plan"]))
            plans.append(
                {
                    "plan": row["plan"],
                    "plan_name": row["plan_name"],
                    "expected": row["expected"],
                    "reported": row["reported"],
                    "late": row["late"],
                    "rate": rate(row["rate"]),
                    "kpi": {"indicators": row["indicators"]} | {p: row[p] for p in PACES},
                    "rounds": [
                        {k: (rate(v) if k == "rate" else v) for k, v in x.items()}
                        for x in rounds.select("round", "expected", "reported", "late", "rate").to_dicts()
                    ],
                }
            )
        cities.append({"office": code, "name": name, "plans": plans})
    shared = [
        {
            "topic": s.code,
            "label": s.label,
            "rows": s.rows.select(
                "city", "plan", "indicator", "name", "measure_unit", "actual", "actual_round"
            )
            .with_columns(s.rows["target_value"], s.rows["target_year"], s.rows["expected"], s.rows["pace"])
            .to_dicts(),
            "absent": [code for code, _ in s.absent],
        }
        for s in r.shared
    ]
    return {
        "office": r.office,
        "name": r.office_name,
        "round": r.round,
        "cities": cities,
        "shared": shared,
        "without_plans": [code for code, _ in r.without_plans],
    }


def rollup_text(r: Rollup) -> str:
    """`portal rollup` for people: the side-by-side table, then each shared indicator's rows."""
    paces = [Pace(p).label for p in PACES]
    lines = [f"{r.office_name}（{r.office}）下辖各地 {r.round} 汇总"]
    if r.plans.is_empty():
        lines.append("下辖办公室没有您可查看的规划。")
    else:
        lines.append(
            _table(
                ["地区", "规划", "应报", "已报送", "报送率", "迟报", "指标数", *paces],
                [
                    [x["city_name"], x["plan"], x["expected"], x["reported"], _percent(x["rate"])]
                    + [x["late"], x["indicators"], *[x[p] for p in PACES]]
                    for x in r.plans.to_dicts()
                ],
            )
        )
    if r.without_plans:
        lines.append("尚无规划、未列入：" + "、".join(name for _, name in r.without_plans))
    for topic in r.shared:
        lines += ["", f"共同指标：{topic.label}"]
        lines.append(
            _table(
                ["地区", "规划", "指标", "名称", "单位", "实际值", "数据轮次", "目标值", "期望值", "进度"],
                [
                    [x["city_name"], x["plan"], x["indicator"], x["name"], x["measure_unit"]]
                    + [_number(x["actual"]), x["actual_round"] or "—", _number(x["target_value"])]
                    + [_number(x["expected"]), x["pace_label"]]
                    for x in topic.rows.to_dicts()
                ],
            )
        )
        if topic.absent:
            lines.append("未设此类指标：" + "、".join(name for _, name in topic.absent))
    return "\n".join(lines)


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}".rstrip("0").rstrip(".")
