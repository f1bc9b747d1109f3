"""The shared tables, defined once: each with its fields (name, type, Chinese description, unit),
the filters it takes and the columns its scope is checked on. The API and `portal export` both call
`fetch`, so a table reads the same, and is limited to the account's scope the same way, in both.

Scope: rows are kept when their unit is in `visible_units` and their plan in `visible_plans` for
`data.read`; the offices table keeps the offices the account reads. A plan, unit or office named in
a filter that the account cannot read is refused exactly like one that does not exist (OutOfScope).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from portal.core.context import Portal
from portal.core.errors import InvalidInput, NotFound
from portal.core.permissions import (
    OutOfScope,
    missing_plan,
    missing_unit,
    require,
    scope_of,
    visible_plans,
    visible_units,
)
from schemas.quarters import Quarter
from warehouse import lookups, offices, sharing
from warehouse import rounds as round_table

ACTION = "data.read"
FILTERS = ("plan", "office", "unit", "round", "year")

# Frictionless Data Package field types and the Polars type each is written as.
TYPES = {
    "string": pl.Utf8,
    "integer": pl.Int64,
    "number": pl.Float64,
    "boolean": pl.Boolean,
    "date": pl.Date,
    "datetime": pl.Datetime("us"),
}


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # a key of TYPES
    description: str  # Chinese
    unit: str | None = None  # a fixed unit of measure; measured values name theirs in `measure_unit`


@dataclass(frozen=True)
class Query:
    """The filters of one read; None: not filtered."""

    plan: str | None = None
    office: str | None = None
    unit: str | None = None
    round: str | None = None
    year: int | None = None


@dataclass(frozen=True)
class Dataset:
    name: str  # the API path and the file name
    title: str  # Chinese
    description: str  # Chinese
    fields: tuple[Field, ...]
    filters: tuple[str, ...]
    load: Callable  # (con, Scan) -> frame with at least the fields' columns
    unit_column: str | None = None
    plan_column: str | None = None
    office_column: str | None = None
    round_column: str | None = None
    year_column: str | None = None

    @property
    def per_round(self) -> bool:
        """Read round by round (the rounds asked for, see `_rounds`)."""
        return self.round_column == "round"

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]


@dataclass(frozen=True)
class Scan:
    """What a loader needs besides the connection: the rounds asked for and the portal's today."""

    rounds: list[str] = field(default_factory=list)
    today: dt.date | None = None


def _f(name: str, type_: str, description: str, unit: str | None = None) -> Field:
    return Field(name, type_, description, unit)


_ROUND = _f("round", "string", "调度轮次代码（年份与季度，如 2025Q2）")
_YEAR = _f("year", "integer", "年份")
_QUARTER = _f("quarter", "integer", "季度（1 至 4）")
_PLAN = _f("plan", "string", "规划代码")
_UNIT = _f("unit", "string", "责任单位代码")
_MEASURE = _f("measure_unit", "string", "指标的计量单位（数值列的单位以此为准）")
_UNIT_NAME = _f("unit_name", "string", "单位名称")
_DIRECTION = _f("direction", "string", "方向（>= 越大越好，<= 越小越好）")
_WEIGHT = _f("weight", "number", "权重")
_SUBMISSION = _f("submission_id", "integer", "报送编号")
_TARGET = (
    _f("target_value", "number", "目标值（单位见 measure_unit）"),
    _f("target_year", "integer", "目标年份"),
)
# A per-round row names its round, and the round's year and quarter to group by.
_ROUND_KEY = (_ROUND, _YEAR, _QUARTER)


def _code_name(what: str) -> tuple[Field, Field]:
    """The code and name fields of a registry table (规划, 办公室, 单位)."""
    return _f("code", "string", f"{what}代码"), _f("name", "string", f"{what}名称")


# The columns scope and filters are checked on, per kind of key: a unit's approved rows of one
# round of a plan (the approved values and progress).
_UNIT_ROUND_KEYS = {"unit_column": "unit", "plan_column": "plan", "round_column": "round"}

_DATASETS = [
    Dataset(
        "plans",
        "规划",
        "平台上的各个规划（任务分解表），以及负责它的办公室。",
        (
            *_code_name("规划"),
            _f("issuer", "string", "印发机关"),
            _f("office", "string", "负责该规划的办公室代码"),
            _f("start_year", "integer", "规划起始年份"),
            _f("end_year", "integer", "规划终止年份"),
            _f("base_year", "integer", "基期年份"),
        ),
        ("plan", "office"),
        lambda con, scan: sharing.plans(con),
        plan_column="code",
    ),
    Dataset(
        "offices",
        "办公室",
        "办公室层级：每个办公室及其上级办公室。",
        (
            *_code_name("办公室"),
            _f("short_name", "string", "简称"),
            _f("parent", "string", "上级办公室代码（空：最上级）"),
            _f("level", "string", "层级（region 区域、province 省、cluster 城市群、city 市、district 区县）"),
        ),
        ("office",),
        lambda con, scan: sharing.offices(con),
        office_column="code",
    ),
    Dataset(
        "units",
        "责任单位",
        "承担任务或指标的责任单位（不含联系人、电话等个人信息）。",
        (
            *_code_name("单位"),
            _f("kind", "string", "单位类别"),
            _f("parent", "string", "上级单位代码"),
            _f("office", "string", "单位所属办公室代码"),
            _f("active", "boolean", "是否在用（停用的单位不再报送）"),
        ),
        ("plan", "office", "unit"),
        lambda con, scan: sharing.units(con),
        unit_column="code",
    ),
    Dataset(
        "tasks",
        "重点任务",
        "各规划分解的重点任务，含牵头单位、配合单位和完成年限。",
        (
            _f("code", "string", "任务代码"),
            _PLAN,
            _f("number", "string", "任务序号"),
            _f("section", "string", "所属章节"),
            _f("title", "string", "任务名称"),
            _f("lead_unit", "string", "牵头单位代码"),
            _f("helper_units", "string", "配合单位代码，以分号分隔"),
            _f("due_year", "integer", "完成年限"),
            _WEIGHT,
        ),
        ("plan", "office"),
        lambda con, scan: sharing.tasks(con),
        plan_column="plan",
    ),
    Dataset(
        "indicators",
        "指标",
        "各规划的监测指标，含基期值、目标值和责任单位。",
        (
            _f("code", "string", "指标代码"),
            _PLAN,
            _f("task", "string", "关联任务代码"),
            _f("name", "string", "指标名称"),
            _MEASURE,
            _f(
                "kind",
                "string",
                "指标类型（stock 存量、flow 年内累计、cumulative 规划期累计、rate 比率、milestone 里程碑）",
            ),
            _DIRECTION,
            _f("baseline_value", "number", "基期值（单位见 measure_unit）"),
            _f("baseline_year", "integer", "基期年份"),
            *_TARGET,
            _WEIGHT,
            _f("owner", "string", "责任单位代码（数值以该单位报送的为准）"),
        ),
        ("plan", "office", "unit"),
        lambda con, scan: sharing.indicators(con),
        unit_column=None,
        plan_column="plan",
    ),
    Dataset(
        "rounds",
        "调度轮次",
        "季度调度轮次及其截止日期和状态。",
        (
            _f("code", "string", "轮次代码"),
            _YEAR,
            _QUARTER,
            _f("due_date", "date", "截止日期"),
            _f("state", "string", "状态（open 进行中、closed 已截止、locked 已锁定）"),
        ),
        ("round", "year"),
        lambda con, scan: sharing.rounds(con),
        round_column="code",
        year_column="year",
    ),
    Dataset(
        "indicator-values",
        "指标数值（已审核通过）",
        "各单位每一轮审核通过的指标数值。",
        (
            *_ROUND_KEY,
            _PLAN,
            _f("indicator", "string", "指标代码"),
            _f("indicator_name", "string", "指标名称"),
            _MEASURE,
            _UNIT,
            _f("value", "number", "审核通过的数值（单位见 measure_unit）"),
            _f("owner", "boolean", "该单位是否为指标的责任单位（监测以责任单位的数值为准）"),
            _SUBMISSION,
        ),
        FILTERS,
        lambda con, scan: sharing.indicator_values(con, scan.rounds),
        **_UNIT_ROUND_KEYS,
    ),
    Dataset(
        "task-progress",
        "任务进展（已审核通过）",
        "各单位每一轮审核通过的任务进展。",
        (
            *_ROUND_KEY,
            _PLAN,
            _f("task", "string", "任务代码"),
            _f("task_title", "string", "任务名称"),
            _UNIT,
            _f("role", "string", "单位在任务中的角色（lead 牵头、helper 配合）"),
            _f(
                "status",
                "string",
                "进展状态（not_started 未开始、in_progress 推进中、completed 已完成、behind 滞后）",
            ),
            _f("percent", "number", "完成进度", "%"),
            _f("narrative", "string", "进展情况说明"),
            _SUBMISSION,
        ),
        FILTERS,
        lambda con, scan: sharing.task_progress(con, scan.rounds),
        **_UNIT_ROUND_KEYS,
    ),
    Dataset(
        "completion",
        "报送完成情况",
        "每一轮应报单位的报送状态、报送时间和是否按时。",
        (
            _ROUND,
            _UNIT,
            _UNIT_NAME,
            _f("kind", "string", "单位类别"),
            _f(
                "state",
                "string",
                "报送状态（missing 未报送、awaiting_sign_off 待单位审核、validated 待审核、returned 已退回、approved 已通过）",
            ),
            _f("reported", "boolean", "是否已报送（待审核或已通过）"),
            _f("reported_at", "datetime", "首次报送时间"),
            _f("round_due_date", "date", "轮次截止日期"),
            _f("due_date", "date", "该单位的截止日期（含延期）"),
            _f("extended", "boolean", "是否获批延期"),
            _f("days_late", "integer", "迟报天数（未报送为空）", "天"),
            _f("on_time", "boolean", "是否按时报送（未报送为空）"),
            _f("indicator_count", "integer", "应报指标数", "项"),
            _f("task_count", "integer", "应报任务数", "项"),
        ),
        FILTERS,
        lambda con, scan: sharing.completion(con, scan.rounds, scan.today),
        unit_column="unit",
        round_column="round",
    ),
    Dataset(
        "kpi-pace",
        "指标序时进度",
        "每一轮末各指标的实际值、序时进度应达值、完成比例和进度判断（与指标监测页同一规则）。",
        (
            _ROUND,
            _PLAN,
            _f("indicator", "string", "指标代码"),
            _f("name", "string", "指标名称"),
            _MEASURE,
            _f("kind", "string", "指标类型"),
            _DIRECTION,
            _f("owner", "string", "责任单位代码"),
            *_TARGET,
            _f("base_value", "number", "进度起点值（单位见 measure_unit）"),
            _f("actual", "number", "截至本轮的最新审核通过值（单位见 measure_unit）"),
            _f("actual_round", "string", "实际值所属轮次"),
            _f("current", "boolean", "实际值是否为本轮报送"),
            _f("expected", "number", "本轮末序时进度应达值（单位见 measure_unit）"),
            _f("ratio", "number", "完成比例（实际值对应达值，1 为正好达到）"),
            _f(
                "pace",
                "string",
                "进度判断（green 达到序时进度、yellow 略有滞后、red 明显滞后、unreported 本轮未报）",
            ),
            _f("year_target", "number", "本年度目标（单位见 measure_unit）"),
            _f("year_ratio", "number", "对本年度目标的完成比例"),
        ),
        ("plan", "office", "unit", "round", "year"),
        lambda con, scan: sharing.kpi_pace(con, scan.rounds),
        plan_column="plan",
        round_column="round",
    ),
    Dataset(
        "assessment-results",
        "年度考核结果（定稿）",
        "已定稿的年度考核结果：各单位的总分、名次和等次（公示中或预评的结果不在此列）。",
        (
            _PLAN,
            _YEAR,
            _f("version", "integer", "考核结果版本"),
            _f("finalized_on", "date", "定稿日期"),
            _UNIT,
            _UNIT_NAME,
            _f("group", "string", "考核分组"),
            _f("total", "number", "总分", "分"),
            _f("rank", "integer", "名次"),
            _f("grade", "string", "等次"),
            _f("vetoed", "boolean", "是否一票否决"),
            _f("self_score", "number", "单位自评分", "分"),
        ),
        ("plan", "office", "unit", "year"),
        lambda con, scan: sharing.assessment_results(con),
        unit_column="unit",
        plan_column="plan",
        year_column="year",
    ),
]

DATASETS: dict[str, Dataset] = {d.name: d for d in _DATASETS}


def missing_dataset(name: str) -> str:
    return f"没有名为“{name}”的数据集，请查看 /api/v1/ 列出的数据集。"


def missing_office(code: str) -> str:
    return f"办公室“{code}”不存在或不在您的管辖范围内，请核对办公室代码。"


def missing_round(code: str) -> str:
    return f"没有调度轮次“{code}”，请核对轮次代码。"


def dataset(name: str) -> Dataset:
    found = DATASETS.get(name)
    if found is None:
        raise NotFound(missing_dataset(name))
    return found


def _check(con, account, d: Dataset, q: Query) -> None:
    """Every filter given must apply to the table and name something the account may read."""
    for name in FILTERS:
        if getattr(q, name) is not None and name not in d.filters:
            raise InvalidInput(f"数据集“{d.name}”不能按“{name}”筛选；可用的筛选：{'、'.join(d.filters)}。")
    if q.plan is not None:
        require(account, ACTION, plan=q.plan)
        if q.plan not in dict(lookups.plans(con)):
            raise OutOfScope(missing_plan(q.plan), ACTION)
    if q.unit is not None:
        require(account, ACTION, unit=q.unit)
        if lookups.unit_name(con, q.unit) is None:
            raise OutOfScope(missing_unit(q.unit), ACTION)
    if q.office is not None and (
        not scope_of(account).has_office(q.office) or offices.office(con, q.office) is None
    ):
        raise OutOfScope(missing_office(q.office), ACTION)
    if q.round is not None and round_table.get(con, q.round) is None:
        raise NotFound(missing_round(q.round))


def _rounds(con, q: Query, today: dt.date) -> list[str]:
    """The rounds a per-round table is read for: the one named, those of the year, else every
    round whose quarter has begun by today (later ones have nothing approved yet)."""
    if q.round is not None:
        return [q.round]
    if q.year is not None:
        return round_table.codes_of_year(con, q.year)
    last = Quarter.reported_on(today).rank
    return [code for code, year, quarter in round_table.periods(con) if Quarter(year, quarter).rank <= last]


def typed(frame: pl.DataFrame, d: Dataset) -> pl.DataFrame:
    """The table's columns in the declared order and types (an empty read still has its schema)."""
    if frame.width == 0:
        return pl.DataFrame(schema={f.name: TYPES[f.type] for f in d.fields})
    return frame.select(pl.col(f.name).cast(TYPES[f.type]) for f in d.fields)


def fetch(portal: Portal, account, name: str, q: Query = Query()) -> pl.DataFrame:
    """One shared table as `account` may read it, filtered by `q`: role and scope checked here."""
    d = dataset(name)
    require(account, ACTION)
    with portal.warehouse.connect() as con:
        _check(con, account, d, q)
        today = portal.settings.today()
        scan = Scan(_rounds(con, q, today) if d.per_round else [], today)
        frame = typed(d.load(con, scan), d)
        units, plans = visible_units(account, ACTION), visible_plans(account, ACTION)
        keep = pl.lit(True)
        if d.unit_column and units is not None:
            keep &= pl.col(d.unit_column).is_in(sorted(units))
        if d.plan_column and plans is not None:
            keep &= pl.col(d.plan_column).is_in(sorted(plans))
        if d.office_column and (read := scope_of(account).offices()) is not None:
            keep &= pl.col(d.office_column).is_in(sorted(read))
        keep &= _filters(con, d, q)
        return frame.filter(keep)


def _filters(con, d: Dataset, q: Query) -> pl.Expr:
    keep = pl.lit(True)
    if q.plan is not None:
        if d.plan_column:
            keep &= pl.col(d.plan_column) == q.plan
        elif d.unit_column:
            of_plan = sharing.unit_plans(con).filter(pl.col("plan") == q.plan)["unit"].to_list()
            keep &= pl.col(d.unit_column).is_in(of_plan)
    if q.office is not None:
        if d.office_column:
            keep &= pl.col(d.office_column).is_in(offices.offices_under(con, [q.office]))
        elif d.plan_column:
            keep &= pl.col(d.plan_column).is_in(offices.plans_of_offices(con, [q.office]))
        elif d.unit_column:
            keep &= pl.col(d.unit_column).is_in(offices.units_of_offices(con, [q.office]))
    if q.unit is not None:
        column = d.unit_column or ("owner" if "owner" in d.columns else None)
        keep &= pl.col(column) == q.unit
    if q.round is not None and d.round_column:
        keep &= pl.col(d.round_column) == q.round
    if q.year is not None and d.year_column:  # a per-round table read only the year's rounds
        keep &= pl.col(d.year_column) == q.year
    return keep
