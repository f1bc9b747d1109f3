"""Every sheet's columns, in one place.

The template builder, the reader, the Pandera models, the loader and the registry import/export
all loop over these specs; nothing else lists a sheet's columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from schemas.enums import (
    EnterpriseStage,
    IndicatorKind,
    ListType,
    OfficeLevel,
    RoundState,
    TaskRole,
    TaskStatus,
    UnitKind,
)


class ColumnType(StrEnum):
    TEXT = "text"
    INT = "int"
    NUMBER = "number"
    BOOL = "bool"
    DATE = "date"
    CODES = "codes"  # several codes in one cell, separated by 、 , ; or spaces


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    type: ColumnType = ColumnType.TEXT
    required: bool = False
    input: bool = False  # filled by the unit (templates); pre-filled and locked otherwise
    width: float = 14
    help: str = ""
    choices: tuple[str, ...] = ()  # allowed values as users read them
    min_value: float | None = None
    max_value: float | None = None
    wrap: bool = False
    # Added after workbooks were already in use: a workbook without this header is read as if
    # every cell of it were blank (registry workbooks exported before the column existed).
    optional: bool = False


@dataclass(frozen=True)
class SheetSpec:
    key: str
    name: str  # sheet title in the workbook
    columns: tuple[Column, ...]
    row_key: str | None = None  # column that identifies a row (code)
    header_row: int = 1
    title: str = ""
    item: str = "行"  # what a row is, for messages: 指标 / 任务
    # The furthest row a workbook may use in this sheet; beyond it the file is refused before it
    # is parsed (templates_xlsx.budget), since readers allocate by the cells a sheet declares.
    # A unit's quarterly template has at most ~50 rows (BENCHMARKS.md); 5,000 is 100× that and
    # keeps a parse in milliseconds and an annotated copy in seconds.
    max_rows: int = 5_000
    # A list sheet (名单): the ListType it holds, and the columns naming an item (the first filled
    # one is its key: 统一社会信用代码 for an enterprise, else 编号, else 名称).
    list_type: str | None = None
    item_keys: tuple[str, ...] = ()

    @property
    def first_data_row(self) -> int:
        return self.header_row + 1

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.columns]

    def column(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)

    def by_header(self, header: str) -> Column | None:
        for c in self.columns:
            if c.header == header:
                return c
        return None

    def index(self, key: str) -> int:
        """0-based position of the column as the builder lays it out."""
        return self.keys.index(key)

    @property
    def input_columns(self) -> list[Column]:
        return [c for c in self.columns if c.input]

    @property
    def prefilled_columns(self) -> list[Column]:
        return [c for c in self.columns if not c.input]


def column_letter(index0: int) -> str:
    """0-based column index to Excel letters: 0 → A, 27 → AB."""
    letters = ""
    n = index0 + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


C, T = Column, ColumnType

# A registry workbook holds a whole region's plan: a province has ~2,000 units and ~40,000
# indicators, and 分年度目标 a few rows per indicator. Five times that leaves room to grow.
REGISTRY_MAX_ROWS = 200_000
KIND_LABELS = tuple(k.label for k in IndicatorKind)
STATUS_LABELS = tuple(s.label for s in TaskStatus)
ROLE_LABELS = tuple(r.label for r in TaskRole)

# ---------------------------------------------------------------- quarterly template sheets

TEMPLATE_VERSION = "1"
SUPPORTED_TEMPLATE_VERSIONS = ("1",)

INSTRUCTIONS = SheetSpec(key="instructions", name="填报说明", columns=())


def _unit_sheet(key: str, name: str, title: str, item: str, *columns: Column, **more) -> SheetSpec:
    """A sheet a unit fills (指标, 任务, 名单): its title above, the headers on row 3."""
    return SheetSpec(key=key, name=name, title=title, item=item, header_row=3, columns=columns, **more)


INDICATOR_SHEET = _unit_sheet(
    "indicator_values",
    "指标填报",
    "指标完成情况",
    "指标",
    C("indicator", "指标代码", required=True, width=11),
    C("plan", "所属规划", width=18, wrap=True),
    C("name", "指标名称", width=26, wrap=True),
    C("measure_unit", "计量单位", width=8),
    C("kind", "指标类型", width=9, choices=KIND_LABELS),
    C("direction", "方向", width=6),
    C("baseline", "基期值", T.NUMBER, width=10),
    C("baseline_year", "基期年份", T.INT, width=8),
    C("target", "目标值", T.NUMBER, width=10),
    C("target_year", "目标年份", T.INT, width=8),
    C("year_target", "本年度目标", T.NUMBER, width=10),
    C("last_value", "上次审核值", T.NUMBER, width=11),
    C("last_round", "上次审核轮次", width=10),
    C(
        "value",
        "本期值",
        T.NUMBER,
        input=True,
        width=12,
        help="截至本季度末的数值；年度流量填年初至今累计；比率填百分数数值（15 表示 15%）；里程碑填 1（已实现）或 0",
    ),
    C(
        "note",
        "备注/数据来源",
        input=True,
        width=30,
        wrap=True,
        help="数据来源、统计口径；数值下降或异常时请说明原因",
    ),
    row_key="indicator",
)

TASK_SHEET = _unit_sheet(
    "task_progress",
    "任务进展",
    "重点任务推进情况",
    "任务",
    C("task", "任务代码", required=True, width=11),
    C("plan", "所属规划", width=16, wrap=True),
    C("title", "任务名称", width=24, wrap=True),
    C("lead_unit", "牵头单位", width=14, wrap=True),
    C("helper_units", "配合单位", width=18, wrap=True),
    C("role", "本单位角色", width=8, choices=ROLE_LABELS),
    C(
        "status",
        "状态",
        input=True,
        required=True,
        width=9,
        choices=STATUS_LABELS,
        help="未启动 / 推进中 / 已完成 / 滞后",
    ),
    C(
        "percent",
        "完成进度（%）",
        T.NUMBER,
        input=True,
        required=True,
        width=9,
        min_value=0,
        max_value=100,
        help="0-100 的数字",
    ),
    C(
        "narrative",
        "进展情况",
        input=True,
        width=40,
        wrap=True,
        help="本季度主要进展；状态为“未启动”时可不填",
    ),
    C("problems", "存在问题", input=True, width=28, wrap=True),
    C("next_steps", "下步计划", input=True, width=28, wrap=True),
    row_key="task",
)

META_SHEET = SheetSpec(
    key="meta",
    name="_meta",
    columns=(C("key", "key"), C("value", "value")),
)
META_KEYS = (
    "template_version",
    "unit",
    "unit_name",
    "round",
    "generated_at",
    "indicator_keys",
    "task_keys",
    "signature",
)

TEMPLATE_SHEETS: tuple[SheetSpec, ...] = (INDICATOR_SHEET, TASK_SHEET)

# ---------------------------------------------------------------- list sheets (名单)
# One sheet per list type a unit's indicators are `backed_by`: one row per item, as many rows as
# there are items; 指标编号 says which indicator a row backs, so one sheet serves several.

CREDIT_CODE_HEADER = "统一社会信用代码"
STAGE_LABELS = tuple(s.label for s in EnterpriseStage)
LIST_TYPE_LABELS = tuple(t.label for t in ListType)


def _filled(key: str, header: str, width: float, type_: ColumnType = T.TEXT, **more) -> Column:
    """A column the unit fills in a list sheet."""
    return C(key, header, type_, input=True, width=width, **more)


_LIST_INDICATOR = _filled("indicator", "指标编号", 11, required=True, help="本行名单计入哪个指标（下拉选择）")
_LIST_NOTE = _filled("note", "备注", 24, wrap=True)


def _item_name(header: str, width: float = 30, wrap: bool = True) -> Column:
    """The item's 名称: the one column every list requires."""
    return _filled("name", header, width, required=True, wrap=wrap)


def _item_number(header: str, width: float = 18) -> Column:
    """The item's 编号 (批准文号、项目编号…): its key when filled, before the name."""
    return _filled("number", header, width)


def _item_date(header: str) -> Column:
    """When the item was recognised, registered or brought in."""
    return _filled("recognised_on", header, 13, T.DATE)


def _list_sheet(
    list_type: ListType, name: str, item: str, *columns: Column, keys: tuple[str, ...] = ("number", "name")
) -> SheetSpec:
    return _unit_sheet(
        f"list_{list_type.value}",
        name,
        f"{list_type.label}名单",
        item,
        _LIST_INDICATOR,
        *columns,
        _LIST_NOTE,
        list_type=list_type.value,
        item_keys=keys,
    )


LIST_ENTERPRISE = _list_sheet(
    ListType.ENTERPRISE,
    "企业名单",
    "企业",
    _item_name("企业名称"),
    _filled(
        "credit_code", CREDIT_CODE_HEADER, 22, required=True, help="18 位统一社会信用代码，以营业执照为准"
    ),
    _item_date("认定/入库时间"),
    _filled("certificate", "证书或批次编号", 18),
    _filled("district", "所在区县", 12),
    _filled("stage", "培育阶段", 10, choices=STAGE_LABELS, help="入库 / 培育 / 申报 / 认定"),
    keys=("credit_code", "name"),
)
LIST_PLATFORM = _list_sheet(
    ListType.PLATFORM,
    "平台载体名单",
    "平台",
    _item_name("平台名称"),
    _item_number("批准文号或编号"),
    _filled("level", "级别", 10, help="国家级 / 省级 / 市级"),
    _filled("host", "依托单位", 24, wrap=True),
    _item_date("认定时间"),
)
LIST_TALENT = _list_sheet(
    ListType.TALENT,
    "人才团队名单",
    "人才",
    _item_name("姓名或团队名称", 24, wrap=False),
    _item_number("证件号后四位或团队编号", 14),
    _filled("employer", "工作单位", 24, wrap=True),
    _filled("category", "人才类别", 14),
    _item_date("引进/认定时间"),
)
LIST_PROJECT = _list_sheet(
    ListType.PROJECT,
    "项目名单",
    "项目",
    _item_name("项目名称"),
    _item_number("项目编号", 16),
    _filled("total_investment", "总投资（万元）", 12, T.NUMBER, min_value=0),
    _filled("quarter_investment", "本季度投资完成额（万元）", 14, T.NUMBER, min_value=0),
    _filled("cumulative_investment", "累计投资完成额（万元）", 14, T.NUMBER, min_value=0),
    _filled("progress", "形象进度", 28, wrap=True),
)
LIST_OUTCOME = _list_sheet(
    ListType.OUTCOME,
    "成果名单",
    "成果",
    _item_name("成果名称"),
    _item_number("登记号或合同编号"),
    _filled("holder", "完成单位", 24, wrap=True),
    _item_date("登记/转化时间"),
)

LIST_SHEETS: tuple[SheetSpec, ...] = (LIST_ENTERPRISE, LIST_PLATFORM, LIST_TALENT, LIST_PROJECT, LIST_OUTCOME)
LIST_SHEET_BY_TYPE: dict[str, SheetSpec] = {s.list_type: s for s in LIST_SHEETS}


def list_item_key(spec: SheetSpec, row: dict) -> str | None:
    """What identifies a list row across units and rounds: its first filled `item_keys` column,
    spaces dropped (a 统一社会信用代码 also upper-cased, as it is printed)."""
    for key in spec.item_keys:
        value = row.get(key)
        text = "".join(str(value).split()) if value is not None else ""
        if text:
            return text.upper() if key == "credit_code" else text
    return None


# ---------------------------------------------------------------- registry workbook (任务分解表)

UNIT_KIND_LABELS = tuple(k.label for k in UnitKind)
ROUND_STATE_LABELS = tuple(s.label for s in RoundState)
OFFICE_LEVEL_LABELS = tuple(k.label for k in OfficeLevel)

# A group robot's address: 企业微信 (…/cgi-bin/webhook/send?key=…) or 钉钉 (…/robot/send?access_token=…);
# a 钉钉 robot with 加签 gets its secret after the address as #secret=SEC…
WEBHOOK_HELP = "企业微信或钉钉群机器人的 Webhook 地址；钉钉加签时在地址后加 #secret=密钥"


def _registry_sheet(key: str, name: str, *columns: Column, row_key: str | None = "code") -> SheetSpec:
    """A sheet of the registry workbook: a row is one `name` (办公室, 规划…), named by its code."""
    return SheetSpec(
        max_rows=REGISTRY_MAX_ROWS, key=key, name=name, item=name, row_key=row_key, columns=columns
    )


_CONTACT = C("contact", "联系人", width=18)
_PHONE = C("phone", "联系电话", width=16)
_WEBHOOK = C("webhook", "群机器人地址", width=40, help=WEBHOOK_HELP)
_PLAN_CODE = C("plan", "规划代码", required=True, width=9)
_WEIGHT = C("weight", "权重", T.NUMBER, width=7, min_value=0)
_UNITS_ASSUMED = C("units_assumed", "责任单位为假定", T.BOOL, width=10)

# The organisation tree (省 → 城市群 → 市 → 区县/开发区): one row per node, named by its office.
REGISTRY_OFFICES = _registry_sheet(
    "offices",
    "办公室",
    C("code", "办公室代码", required=True, width=12),
    C("name", "办公室名称", required=True, width=36, wrap=True, help="文件上印出的全称"),
    C("short_name", "简称", width=14),
    C("parent", "上级办公室", width=12),
    C("level", "层级", required=True, width=12, choices=OFFICE_LEVEL_LABELS),
    _CONTACT,
    _PHONE,
    C("seal_text", "落款", width=36, wrap=True, help="文件落款处的发文机关名称"),
    C("doc_prefix", "文号前缀", width=14, help="如 荆科创领办"),
    C("recipients", "主送单位", width=36, wrap=True),
    C("assumed", "是否假定", T.BOOL, width=9, help="来源文件未点名、由平台暂定的办公室"),
    _WEBHOOK,
)

REGISTRY_PLANS = _registry_sheet(
    "plans",
    "规划",
    C("code", "规划代码", required=True, width=10),
    C("name", "规划名称", required=True, width=40, wrap=True),
    C("issuer", "印发单位", width=24),
    C("start_year", "起始年份", T.INT, required=True, width=9),
    C("end_year", "截止年份", T.INT, required=True, width=9),
    C("base_year", "基期年份", T.INT, width=9),
    C("source", "来源文件", width=28),
    C("office", "所属办公室", required=True, width=12, help="负责调度考核本规划的办公室代码"),
)

REGISTRY_UNITS = _registry_sheet(
    "units",
    "单位",
    C("code", "单位代码", required=True, width=14),
    C("name", "单位名称", required=True, width=24),
    C("kind", "单位类型", required=True, width=10, choices=UNIT_KIND_LABELS),
    C("parent", "上级单位", width=14),
    _CONTACT,
    _PHONE,
    C("active", "是否启用", T.BOOL, width=9),
    C("assumed", "是否假定", T.BOOL, width=9, help="来源文件未点名、由办公室暂定的单位"),
    C("org", "所属组织", width=12, help="单位所属组织（办公室代码）"),
    C("emails", "电子邮箱", width=30, wrap=True, help="接收催报和审核通知的邮箱，多个用分号隔开"),
    _WEBHOOK,
)

REGISTRY_TASKS = _registry_sheet(
    "tasks",
    "任务",
    C("code", "任务代码", required=True, width=12),
    _PLAN_CODE,
    C("number", "原文编号", width=10),
    C("section", "所属板块", width=24, wrap=True),
    C("title", "任务名称", required=True, width=28, wrap=True),
    C("text", "任务内容", width=60, wrap=True),
    C("lead_unit", "牵头单位", required=True, width=14),
    C("helper_units", "配合单位", T.CODES, width=30, wrap=True),
    C("due_year", "完成年份", T.INT, width=9),
    _WEIGHT,
    _UNITS_ASSUMED,
)

REGISTRY_INDICATORS = _registry_sheet(
    "indicators",
    "指标",
    C("code", "指标代码", required=True, width=10),
    _PLAN_CODE,
    C("task", "关联任务", width=12),
    C("name", "指标名称", required=True, width=28, wrap=True),
    C("measure_unit", "计量单位", width=8),
    C("kind", "指标类型", required=True, width=9, choices=KIND_LABELS),
    C("direction", "方向", width=6, choices=(">=", "<=")),
    C("baseline_value", "基期值", T.NUMBER, width=10),
    C("baseline_year", "基期年份", T.INT, width=9),
    C("target_value", "目标值", T.NUMBER, required=True, width=10),
    C("target_year", "目标年份", T.INT, required=True, width=9),
    C("owner_units", "责任单位", T.CODES, required=True, width=24, wrap=True),
    _WEIGHT,
    C("allow_negative", "允许负值", T.BOOL, width=9),
    _UNITS_ASSUMED,
    C("source_text", "原文表述", width=40, wrap=True),
    C(
        "backed_by",
        "名单类型",
        width=10,
        choices=LIST_TYPE_LABELS,
        optional=True,
        help="该指标背后的名单：企业、平台/载体、人才/团队、项目、成果；留空表示只填数字",
    ),
)

REGISTRY_YEARLY_TARGETS = _registry_sheet(
    "yearly_targets",
    "分年度目标",
    C("indicator", "指标代码", required=True, width=10),
    C("year", "年份", T.INT, required=True, width=8),
    C("target_value", "年度目标值", T.NUMBER, required=True, width=12),
    row_key=None,
)

REGISTRY_ROUNDS = _registry_sheet(
    "rounds",
    "轮次",
    C("code", "轮次", required=True, width=10, help="如 2025Q3"),
    C("due_date", "截止日期", T.DATE, required=True, width=12),
    C("state", "状态", required=True, width=9, choices=ROUND_STATE_LABELS),
)

REGISTRY_SHEETS: tuple[SheetSpec, ...] = (
    REGISTRY_OFFICES,
    REGISTRY_PLANS,
    REGISTRY_UNITS,
    REGISTRY_TASKS,
    REGISTRY_INDICATORS,
    REGISTRY_YEARLY_TARGETS,
    REGISTRY_ROUNDS,
)


@dataclass(frozen=True)
class ChoiceMap:
    """Chinese label ↔ stored code for a column with choices backed by an enum."""

    to_code: dict[str, str] = field(default_factory=dict)
    to_label: dict[str, str] = field(default_factory=dict)


def _choice_map(enum_cls) -> ChoiceMap:
    to_code = {}
    for m in enum_cls:
        to_code[m.label] = m.value
        to_code[m.value] = m.value
    return ChoiceMap(to_code=to_code, to_label={m.value: m.label for m in enum_cls})


# Which stored enum backs a labelled column, keyed by (sheet key, column key).
ENUM_COLUMNS: dict[tuple[str, str], ChoiceMap] = {
    ("offices", "level"): _choice_map(OfficeLevel),
    ("units", "kind"): _choice_map(UnitKind),
    ("indicators", "kind"): _choice_map(IndicatorKind),
    ("rounds", "state"): _choice_map(RoundState),
    ("indicators", "backed_by"): _choice_map(ListType),
}
