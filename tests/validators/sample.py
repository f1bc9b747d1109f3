"""A small unit's real template (each indicator kind, lead and helper tasks) and what the platform
expects of it, shared by the validator tests."""

from __future__ import annotations

import dataclasses
import datetime as dt

from templates_xlsx.builder import TemplateContext
from tests.xlsx_fill import fill_template
from validators.expectation import Expectation, IndicatorFacts, TaskFacts
from validators.file_safety import Limits
from validators.pipeline import ValidationResult, validate_upload

SECRET = b"test-secret"
UNIT, UNIT_NAME, ROUND = "T-KJJ", "测试市科技局", "2025Q3"
PLAN = "测试市科技创新三年行动方案"

# Rows 4-8 of 指标填报, rows 4-6 of 任务进展, in this order.
INDICATOR_ROWS = [
    dict(
        indicator="T-K01",
        plan=PLAN,
        name="高新技术企业数",
        measure_unit="家",
        kind="存量",
        direction=">=",
        baseline=800.0,
        baseline_year=2022,
        target=1200.0,
        target_year=2025,
        year_target=1100.0,
        last_value=1000.0,
        last_round="2025Q2",
    ),
    dict(
        indicator="T-K02",
        plan=PLAN,
        name="技术合同成交额",
        measure_unit="万元",
        kind="年度流量",
        direction=">=",
        target=20000.0,
        target_year=2025,
        year_target=20000.0,
        last_value=9000.0,
        last_round="2025Q2",
    ),
    dict(
        indicator="T-K03",
        plan=PLAN,
        name="三年累计转化科技成果",
        measure_unit="项",
        kind="累计量",
        direction=">=",
        target=60.0,
        target_year=2025,
        last_value=30.0,
        last_round="2025Q2",
    ),
    dict(
        indicator="T-K04",
        plan=PLAN,
        name="研发经费支出增速",
        measure_unit="%",
        kind="比率",
        direction=">=",
        target=14.0,
        target_year=2025,
        allow_negative=True,
    ),
    dict(
        indicator="T-K05",
        plan=PLAN,
        name="独角兽企业零的突破",
        measure_unit="家",
        kind="里程碑",
        direction=">=",
        target=1.0,
        target_year=2025,
    ),
]
TASK_ROWS = [
    dict(
        task="T-1.1",
        plan=PLAN,
        title="实施高新技术企业倍增计划",
        lead_unit=UNIT_NAME,
        helper_units="财政局",
        role="牵头",
    ),
    dict(
        task="T-1.2",
        plan=PLAN,
        title="建设科技成果转化中试基地",
        lead_unit=UNIT_NAME,
        helper_units="",
        role="牵头",
    ),
    dict(
        task="T-2.1",
        plan=PLAN,
        title="加大财政科技投入",
        lead_unit="财政局",
        helper_units=UNIT_NAME,
        role="配合",
    ),
]

# What a careful clerk types: valid, plausible, consistent with the history below.
GOOD_INDICATORS = {
    "T-K01": {"value": 1050, "note": "市统计局"},
    "T-K02": {"value": 15000, "note": "技术合同登记系统"},
    "T-K03": {"value": 35, "note": None},
    "T-K04": {"value": -2.5, "note": "受上年基数影响"},
    "T-K05": {"value": 0, "note": None},
}
GOOD_TASKS = {
    "T-1.1": {"status": "推进中", "percent": 60, "narrative": "新认定高企 50 家。"},
    "T-1.2": {"status": "已完成", "percent": 100, "narrative": "基地已投入使用。"},
    "T-2.1": {"status": "未启动", "percent": 0, "narrative": None},
}

EXPECTATION = Expectation(
    unit=UNIT,
    unit_name=UNIT_NAME,
    round=ROUND,
    indicators=(
        IndicatorFacts("T-K01", "stock", target=1100, previous=1000, previous_round="2025Q2"),
        IndicatorFacts(
            "T-K02",
            "flow",
            target=20000,
            previous=9000,
            previous_round="2025Q2",
            year_previous=9000,
            year_previous_round="2025Q2",
        ),
        IndicatorFacts("T-K03", "cumulative", target=60, previous=30, previous_round="2025Q2"),
        IndicatorFacts("T-K04", "rate", allow_negative=True, target=14),
        IndicatorFacts("T-K05", "milestone", target=1),
    ),
    tasks=(TaskFacts("T-1.1"), TaskFacts("T-1.2"), TaskFacts("T-2.1", "helper")),
)


def sample_context(**changes) -> TemplateContext:
    base = dict(
        unit=UNIT,
        unit_name=UNIT_NAME,
        round=ROUND,
        due_date=dt.date(2025, 10, 15),
        generated_at=dt.datetime(2025, 10, 10, 9, 30),
        office_name="测试市科技创新工作领导小组办公室",
        office_contact="领导小组办公室 0710-5550100",
        plans=[PLAN],
        indicators=[dict(r) for r in INDICATOR_ROWS],
        tasks=[dict(r) for r in TASK_ROWS],
    )
    return TemplateContext(**(base | changes))


def expect(**changes) -> Expectation:
    return dataclasses.replace(EXPECTATION, **changes)


def fill(template: bytes, indicators=None, tasks=None, **kwargs) -> bytes:
    """The good inputs with per-row overrides ({code: {column: value}}), then any fill_template edits."""
    rows_i = {k: dict(v) for k, v in GOOD_INDICATORS.items()}
    rows_t = {k: dict(v) for k, v in GOOD_TASKS.items()}
    for code, given in (indicators or {}).items():
        rows_i[code] |= given
    for code, given in (tasks or {}).items():
        rows_t[code] |= given
    return fill_template(template, indicators=rows_i, tasks=rows_t, **kwargs)


def run(
    data: bytes, expectation: Expectation = EXPECTATION, limits: Limits | None = None
) -> ValidationResult:
    return validate_upload(data, expectation, limits, SECRET)
