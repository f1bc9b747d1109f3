"""指标监测 page: KPI progress with pace colours, filters, the red list and a chart per chosen
indicator, for office, evaluator and admin; a unit reporter never reaches it."""

import pytest
from apptest_support import page, signed_in, texts
from board_support import APPROVED_NAME, APPROVED_UNIT

from portal.core import labels as L


@pytest.fixture
def site(reported_site):
    return reported_site


def monitoring_page(username: str):
    at = page(signed_in(username), "monitoring.py")
    assert not at.exception, at.exception
    assert not at.error, texts(at.error)
    return at


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def charts(at):
    """The KPI tab's charts (the 任务进展 tab draws its own)."""
    return at.tabs[0].get("vega_lite_chart")


@pytest.mark.parametrize("username", ["office1", "eval1", "boss"])
def test_every_indicator_is_listed_with_its_pace_and_a_chart_is_drawn(site, username):
    at = monitoring_page(username)
    assert texts(at.title) == [L.PAGE_MONITORING]
    table = at.dataframe[0].value
    shown = metrics(at)
    assert shown[L.KPI_TOTAL] == str(len(table)) == "78"
    assert sum(int(shown[label]) for label in ("正常", "稍缓", "滞后", "本期未报/未审核")) == 78
    # what is judged comes first, in view at 1440 px without scrolling sideways
    assert list(table.columns[:7]) == [
        "指标代码",
        "指标名称",
        "计量单位",
        "实际值",
        "期望值",
        "完成进度",
        "进度状态",
    ]
    assert list(table.columns[-3:]) == ["责任单位", "规划", "指标类型"]
    assert len(charts(at)) == 1  # the first red indicator by default


def test_the_approved_units_values_are_the_actuals_and_pending_ones_are_not(site):
    at = monitoring_page("eval1")
    at.selectbox(key="kpi_unit").set_value(APPROVED_UNIT).run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert len(table) > 0 and set(table["责任单位"]) == {APPROVED_NAME}
    assert (table["实际值"] != "").all()  # the approved workbook filled every value
    assert set(table["数据轮次"]) == {"2025Q3"}


def test_the_pace_filter_keeps_only_red_and_the_red_list_matches(site):
    at = monitoring_page("office1")
    at.selectbox(key="kpi_pace").set_value("red").run()
    table = at.dataframe[0].value
    assert set(table["进度状态"]) == {"滞后"}
    red = at.dataframe[1].value
    assert list(red["指标代码"]) == list(table["指标代码"])


def test_plan_and_kind_filters_combine(site):
    at = monitoring_page("office1")
    at.selectbox(key="kpi_plan").set_value("JZ").run()
    at.selectbox(key="kpi_kind").set_value("flow").run()
    table = at.dataframe[0].value
    assert len(table) > 0
    assert set(table["规划"]) == {"荆州经开区科技创新三年行动方案(2023-2025年)"}
    assert set(table["指标类型"]) == {"年度流量"}


def test_choosing_indicators_draws_one_chart_each(site):
    at = monitoring_page("eval1")
    codes = list(at.dataframe[0].value["指标代码"][:3])
    at.multiselect(key="kpi_history_pick").set_value(codes).run()
    assert not at.exception, at.exception
    assert len(charts(at)) == 3
    at.multiselect(key="kpi_history_pick").set_value([]).run()
    assert len(charts(at)) == 0


def test_a_unit_reporter_cannot_reach_the_page(site):
    at = signed_in("rep1")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("../../pages/monitoring.py")
