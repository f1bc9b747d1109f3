"""下级汇总 page: a cluster office sees its cities side by side with the service's numbers, a chart
and the shared indicators, and links that open each city's own pages on its plan; a city office
without offices under it is told there is nothing to roll up."""

from urllib.parse import parse_qsl

import pytest
from apptest_support import page, signed_in, texts

from portal.core import labels as L
from portal.monitoring.rollup import plans_frame, rollup
from schemas.enums import Role
from tests.conftest import account_in

ROUND = "2025Q3"


@pytest.fixture
def cluster(demo_portal, fast_hashes):
    return account_in(demo_portal, "office_xsss", Role.OFFICE_REVIEWER, offices=["XSSS"])


def rollup_page(username: str):
    at = page(signed_in(username), "rollup.py")
    assert not at.exception, at.exception
    assert not at.error, texts(at.error)
    return at


def links(at) -> list[tuple[str, str, dict]]:
    """(label, page address, query parameters) of the page's links to other pages."""
    return [(e.proto.label, e.proto.page, dict(parse_qsl(e.proto.query_string))) for e in at.get("page_link")]


def test_the_cluster_office_sees_its_cities_with_the_services_numbers_and_a_chart(demo_portal, cluster):
    at = rollup_page("office_xsss")
    assert texts(at.title) == [L.PAGE_ROLLUP]
    assert at.selectbox(key="rollup_office").options == ["襄十随神"]
    table = at.dataframe[0].value
    assert list(table["下辖办公室"]) == ["襄阳市", "襄阳市", "十堰市"]
    expected = plans_frame(rollup(demo_portal, cluster, "XSSS", ROUND))
    assert list(table["应报"]) == expected["units_expected"].to_list()
    assert list(table["报送率"]) == expected["rate_text"].to_list()
    assert list(table["本期未报/未审核"]) == expected["unreported"].to_list()
    assert len(at.get("vega_lite_chart")) == 1
    assert len(at.dataframe) == 3  # the side-by-side table, 高新技术企业数, 研发投入
    assert any("十堰市" in c.value for c in at.caption)  # named where 襄阳 sets a shared indicator


def test_each_city_plan_links_to_its_own_pages_filtered_to_its_plan(cluster):
    at = rollup_page("office_xsss")
    shown = links(at)
    assert [label for label, _, _ in shown] == [
        "襄阳市 · XY 完成情况",
        "襄阳市 · XY 指标监测",
        "襄阳市 · XYKX 完成情况",
        "襄阳市 · XYKX 指标监测",
        "十堰市 · SY 完成情况",
        "十堰市 · SY 指标监测",
    ]
    assert [address for _, address, _ in shown[-2:]] == ["completion", "monitoring"]
    assert [query for _, _, query in shown[-2:]] == [{"plan": "SY", "round": ROUND}] * 2


def test_the_drill_down_address_opens_completion_and_monitoring_on_the_citys_plan_and_round(cluster):
    at = signed_in("office_xsss")
    at.query_params = {"plan": "SY", "round": "2025Q2"}
    at = page(at, "completion.py")
    assert not at.exception, at.exception
    assert (at.selectbox(key="completion_plan").value, at.selectbox(key="completion_round").value) == (
        "SY",
        "2025Q2",
    )
    at = page(at, "monitoring.py")
    assert at.selectbox(key="kpi_plan").value == "SY" and at.selectbox(key="kpi_round").value == "2025Q2"


def test_a_city_office_with_no_offices_under_it_is_told_there_is_nothing_to_roll_up(demo_portal, fast_hashes):
    account_in(demo_portal, "office_xy", Role.OFFICE_REVIEWER, offices=["XY"])
    at = rollup_page("office_xy")
    assert texts(at.info) == [L.ROLLUP_NO_OFFICES]
