"""下级汇总: an upper office sees its offices side by side, with the numbers each city's own
completion and KPI boards give for its plans, and nothing outside its scope."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import polars as pl
import pytest

from portal.core.context import Portal
from portal.core.permissions import OutOfScope, PermissionDenied
from portal.monitoring.dashboards import PACES, completion_board, kpi_board
from portal.monitoring.rollup import SHARED_TOPICS, rollup, rollup_choices, rollup_json
from portal.reporting.review import APPROVE, review
from portal.reporting.submissions import ingest
from portal.reporting.templates import build_unit_template
from schemas.enums import Role
from tests.actors import OFFICE, reporter
from tests.conftest import account_in, cli
from tests.xlsx_fill import fill_valid

ROUND, EARLIER = "2025Q3", "2025Q2"


def _report(portal: Portal, unit: str, round_code: str, approve: bool, at: dt.datetime | None = None) -> None:
    template = build_unit_template(portal, unit, round_code).data
    result = ingest(
        portal,
        OFFICE,
        fill_valid(template),
        f"{unit}.xlsx",
        unit=unit,
        round_code=round_code,
        allow_closed=at is not None,
        uploaded_at=at,
    )
    assert result.accepted, result.report.issues
    if approve:
        review(portal, OFFICE, result.submission_id, APPROVE, "")


@pytest.fixture(scope="module")
def _reported_home(_demo_home, tmp_path_factory):
    """The demo with real reports in 襄阳, 十堰 and 荆州: approved and awaiting review, on time and
    late (十堰's 2025Q2 report came ten days after its due date), so the numbers are not all zero."""
    home = tmp_path_factory.mktemp("rollup-home")
    shutil.copytree(_demo_home, home, dirs_exist_ok=True)
    portal = Portal.open(home)
    _report(portal, "XY-KJJ", ROUND, approve=True)  # owns 高新技术企业数 and 研发经费 of 襄阳
    _report(portal, "SY-RSJ", ROUND, approve=False)
    _report(portal, "SY-RSJ", EARLIER, approve=True, at=dt.datetime(2025, 7, 25, 9, 0))
    _report(portal, "JZKF-JFJ", ROUND, approve=True)  # owns 荆州经开区's 高新技术企业数
    return home


@pytest.fixture
def site(_reported_home, portal_home, fast_hashes) -> Portal:
    shutil.copytree(_reported_home, portal_home, dirs_exist_ok=True)
    return Portal.open(portal_home)


@pytest.fixture
def cluster(site):
    return account_in(site, "office_xsss", Role.OFFICE_REVIEWER, offices=["XSSS"])


def test_the_cluster_rollup_shows_xiangyang_and_shiyan_and_no_city_outside_it(site, cluster):
    r = rollup(site, cluster, "XSSS", ROUND)
    assert (r.office, r.office_name) == ("XSSS", "襄十随神")
    assert r.cities == [("XY", "襄阳市"), ("SY", "十堰市")]
    assert r.plans.select("city", "plan").rows() == [("XY", "XY"), ("XY", "XYKX"), ("SY", "SY")]
    assert r.without_plans == [("SZ", "随州市"), ("SNJ", "神农架林区")]  # no plan to show
    shown = set(r.plans["plan"]) | set(r.by_round["plan"])
    shown |= {p for s in r.shared for p in s.rows["plan"]}
    assert shown.isdisjoint({"JZ", "YY"})


def _own_numbers(portal: Portal, account, plan: str) -> dict:
    board = completion_board(portal, account, ROUND, plan)
    kpis = kpi_board(portal, account, ROUND, plan)
    return {
        "expected": board.expected,
        "reported": board.reported,
        "late": board.late,
        "rate": board.rate,
        "indicators": kpis.indicators.height,
        **{p: kpis.counts[p] for p in PACES},
        "by_round": board.by_round.select("round", "expected", "reported", "late", "rate").rows(),
    }


def test_each_citys_numbers_equal_what_its_own_office_sees_on_its_own_pages(site, cluster):
    cities = {
        "XY": account_in(site, "office_xy", Role.OFFICE_REVIEWER, offices=["XY"]),
        "SY": account_in(site, "office_sy", Role.OFFICE_REVIEWER, offices=["SY"]),
    }
    r = rollup(site, cluster, "XSSS", ROUND)
    for row in r.plans.to_dicts():
        own = _own_numbers(site, cities[row["city"]], row["plan"])
        rounds = r.by_round.filter(pl.col("plan") == row["plan"])
        rolled = {k: row[k] for k in own if k != "by_round"}
        rolled["by_round"] = rounds.select("round", "expected", "reported", "late", "rate").rows()
        assert rolled == own, row["plan"]
    # The reports above show: not all zeros, so equal numbers mean the same numbers.
    xy = r.plans.filter(pl.col("plan") == "XY").to_dicts()[0]
    assert xy["reported"] == 1 and xy["green"] + xy["yellow"] + xy["red"] > 0
    sy_q2 = r.by_round.filter((pl.col("plan") == "SY") & (pl.col("round") == EARLIER)).to_dicts()[0]
    assert (sy_q2["reported"], sy_q2["late"]) == (1, 1)


def test_shared_indicators_are_side_by_side_where_both_cities_set_one(site):
    province = account_in(site, "office_hb", Role.OFFICE_REVIEWER, offices=["HB"])
    r = rollup(site, province, "HB", ROUND)
    assert r.cities == [("XSSS", "襄十随神"), ("JZ", "荆州市")]
    topics = {s.code: s for s in r.shared}
    firms = topics["high_tech_firms"]
    assert firms.cities == ["XSSS", "JZ"] and firms.absent == []
    assert firms.rows.select("plan", "indicator").rows() == [("XY", "XY-K04"), ("JZ", "JZ-K01")]
    assert topics["rnd"].cities == ["XSSS", "JZ"]
    assert topics["invention_patents"].absent == [("XSSS", "襄十随神")]
    columns = ["indicator", "actual", "actual_round", "target_value", "expected", "pace"]
    for plan in ("XY", "JZ"):
        own = kpi_board(site, province, ROUND, plan).indicators
        for row in firms.rows.filter(pl.col("plan") == plan).select(columns).to_dicts():
            assert own.filter(pl.col("indicator") == row["indicator"]).select(columns).to_dicts() == [row]
    assert firms.rows.filter(pl.col("plan") == "JZ")["actual_round"].to_list() == [ROUND]


def test_in_the_cluster_a_topic_only_one_city_sets_names_the_other_as_absent(site, cluster):
    topics = {s.code: s for s in rollup(site, cluster, "XSSS", ROUND).shared}
    assert set(topics) == {"high_tech_firms", "rnd"}  # 十堰's plan is about talent only
    assert topics["high_tech_firms"].cities == ["XY"]
    assert topics["high_tech_firms"].absent == [("SY", "十堰市")]


@pytest.mark.parametrize(
    ("name", "topic"),
    [
        ("高新技术企业数", "high_tech_firms"),
        ("全社会研发经费支出年均增速", "rnd"),
        ("全社会研发投入占GDP比重", "rnd"),
        ("R&D经费投入强度", "rnd"),
        ("每万人口发明专利拥有量", "invention_patents"),
        ("技术合同交易额", "tech_contracts"),
        ("技术合同成交额", "tech_contracts"),
        ("“三百”行动遴选高新技术骨干企业数", None),
        ("高新技术企业后备库入库企业数", None),  # 十堰's 后备库 count, not the 高企 count
        ("高新技术产业增加值占地区生产总值比重", None),
        ("规模以上工业企业研发机构覆盖率", None),
    ],
)
def test_indicators_join_a_shared_topic_by_their_name(name, topic):
    assert [t.code for t in SHARED_TOPICS if t.matches(name)] == ([topic] if topic else [])


@pytest.mark.parametrize("office", ["JZ", "YY", "HB", "CJZY", "XY-KJJ"])
def test_an_office_outside_the_scope_is_refused_like_an_unknown_one(site, cluster, office):
    with pytest.raises(OutOfScope) as unknown:
        rollup(site, cluster, "NOPE", ROUND)
    with pytest.raises(OutOfScope) as outside:
        rollup(site, cluster, office, ROUND)
    assert outside.value.message == unknown.value.message.replace("NOPE", office)


def test_a_city_office_reads_no_cluster_and_a_unit_clerk_no_rollup(site):
    city = account_in(site, "office_xy", Role.OFFICE_REVIEWER, offices=["XY"])
    assert rollup_choices(site, city).offices == []
    with pytest.raises(OutOfScope):
        rollup(site, city, "XSSS", ROUND)
    with pytest.raises(PermissionDenied) as refused:
        rollup(site, reporter("XY-KJJ"), "XSSS", ROUND)
    assert "查看下级汇总" in refused.value.message


def test_the_office_chooser_offers_offices_in_scope_that_have_offices_with_plans_under_them(site, cluster):
    assert rollup_choices(site, cluster).offices == [("XSSS", "襄十随神")]
    everything = rollup_choices(site, OFFICE)
    assert [code for code, _ in everything.offices] == ["CJZY", "HB", "XSSS", "JZ", "HN"]
    assert everything.default_round == ROUND


def test_portal_rollup_prints_the_same_json_as_the_service_for_the_account_named(site, cluster):
    done = cli(
        "rollup",
        "--office",
        "XSSS",
        "--round",
        ROUND,
        "--json",
        "--as",
        "office_xsss",
        home=site.settings.home,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == json.loads(
        json.dumps(rollup_json(rollup(site, cluster, "XSSS", ROUND)))
    )
    assert [c["office"] for c in json.loads(done.stdout)["cities"]] == ["XY", "SY"]
    text = cli("rollup", "--office", "XSSS", "--as", "office_xsss", home=site.settings.home)
    assert text.returncode == 0 and "襄阳市" in text.stdout and "十堰市" in text.stdout
    refused = cli("rollup", "--office", "JZ", "--as", "office_xsss", home=site.settings.home)
    assert refused.returncode == 1 and "办公室“JZ”不存在或不在您的管辖范围内" in refused.stderr
