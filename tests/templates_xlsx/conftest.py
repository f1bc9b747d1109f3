"""A small hand-made template context covering each indicator kind and both task roles."""

from __future__ import annotations

import datetime as dt

import pytest

from templates_xlsx.builder import TemplateContext, build_template

SECRET = b"test-secret"


def sample_context(**changes) -> TemplateContext:
    plan = "荆州经开区科技创新三年行动方案"
    base = dict(
        unit="JZKF-JFJ",
        unit_name="经发局",
        round="2025Q3",
        due_date=dt.date(2025, 10, 15),
        generated_at=dt.datetime(2025, 10, 10, 9, 30),
        office_name="荆州经开区科技创新工作领导小组办公室",
        office_contact="领导小组办公室 0716-5550100",
        plans=[plan],
        indicators=[
            # row 4: a stock with a last approved value
            dict(
                indicator="JZ-K01",
                plan=plan,
                name="高新技术企业数",
                measure_unit="家",
                kind="存量",
                direction="≥",
                baseline=52.0,
                baseline_year=2022,
                target=120.0,
                target_year=2025,
                year_target=100.0,
                last_value=96.0,
                last_round="2025Q2",
            ),
            # row 5: a rate that may be negative
            dict(
                indicator="JZ-K02",
                plan=plan,
                name="研发经费支出增速",
                measure_unit="%",
                kind="比率",
                direction="≥",
                target=14.0,
                target_year=2025,
                allow_negative=True,
            ),
            # row 6: a flow in 万元
            dict(
                indicator="JZ-K03",
                plan=plan,
                name="技术合同成交额",
                measure_unit="万元",
                kind="年度流量",
                direction="≥",
                baseline=8000.0,
                baseline_year=2022,
                target=20000.0,
                target_year=2025,
            ),
            # row 7: a milestone
            dict(
                indicator="JZ-K04",
                plan=plan,
                name="独角兽企业零的突破",
                measure_unit="家",
                kind="里程碑",
                direction="≥",
                target=1.0,
                target_year=2025,
            ),
        ],
        tasks=[
            dict(
                task="JZ-3.1.1",
                plan=plan,
                title="实施高新技术企业倍增计划",
                lead_unit="经发局",
                helper_units="招商促进中心、创新创业服务中心",
                role="牵头",
            ),
            dict(
                task="JZ-3.2.2",
                plan=plan,
                title='=HYPERLINK("http://x")落实研发费用加计扣除',
                lead_unit="经发局",
                helper_units="财政局、税务局",
                role="牵头",
            ),
            dict(
                task="JZ-3.6.1",
                plan=plan,
                title="加大财政科技投入",
                lead_unit="财政局",
                helper_units="经发局",
                role="配合",
            ),
        ],
    )
    return TemplateContext(**(base | changes))


@pytest.fixture
def context() -> TemplateContext:
    return sample_context()


_BUILT: dict[str, bytes] = {}


@pytest.fixture
def template(context) -> bytes:
    """The context's template, built once per test process for each distinct context (a test gets
    bytes, which it cannot change; building one costs tens of milliseconds of openpyxl)."""
    key = repr(context)
    if key not in _BUILT:
        _BUILT[key] = build_template(context, SECRET)
    return _BUILT[key]
