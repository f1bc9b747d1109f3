"""The registers kept from the 名单 (portal.monitoring.registers): 企业培育库 counts checked by hand,
stage moves against the previous approved list, double counts named for the office and a warning
to the unit that names no one, and every use case inside the account's scope."""

from __future__ import annotations

import pytest

from portal.accounts.auth import acting_account
from portal.core.errors import NotFound
from portal.core.permissions import PermissionDenied
from portal.monitoring.registers import double_count_pairs, enterprise_register, project_register
from portal.reporting.review import APPROVE, review
from portal.reporting.submissions import ingest
from portal.reporting.templates import build_unit_template
from schemas.credit_code import with_check
from templates_xlsx.fill import fill_workbook
from tests.actors import OFFICE, reporter
from tests.conftest import built_from, private_copy
from tests.xlsx_fill import fill_valid
from warehouse import lists

UNIT, PAST, NOW = "JZKF-JFJ", "2025Q2", "2025Q3"
A, B, C, D, E = (with_check(f"91421000MA4{n:06d}") for n in range(5))


def firm(indicator: str, code: str, district: str, stage: str) -> dict:
    return {
        "indicator": indicator,
        "name": f"（演示）企业{code[-4:]}",
        "credit_code": code,
        "district": district,
        "stage": stage,
    }


def report(portal, unit, round_code, values, items, list_type="enterprise", approve=True):
    """The unit's template filled validly, its list pasted in, loaded by the office, approved."""
    template = build_unit_template(portal, unit, round_code).data
    data = fill_workbook(fill_valid(template, indicators=values), lists={list_type: items})
    result = ingest(portal, OFFICE, data, f"{unit}.xlsx", allow_closed=round_code != NOW)
    assert result.accepted, result.report.flatten(["sheet", "cell", "code", "message"])
    if approve:
        review(portal, OFFICE, result.submission_id, APPROVE, "审核通过。")
    return result


def _two_reports(portal) -> None:
    """经发局's enterprises in 2025Q2 and 2025Q3, both approved: C and D move a stage, E is new."""
    report(
        portal,
        UNIT,
        PAST,
        {"JZ-K01": 2, "JZ-K03": 3},
        [
            firm("JZ-K01", A, "荆州区", "认定"),
            firm("JZ-K01", B, "沙市区", "认定"),
            firm("JZ-K03", A, "荆州区", "认定"),
            firm("JZ-K03", C, "荆州区", "入库"),
            firm("JZ-K03", D, "沙市区", "培育"),
        ],
    )
    report(
        portal,
        UNIT,
        NOW,
        {"JZ-K01": 2, "JZ-K03": 4},
        [
            firm("JZ-K01", A, "荆州区", "认定"),
            firm("JZ-K01", B, "沙市区", "认定"),
            firm("JZ-K03", A, "荆州区", "认定"),
            firm("JZ-K03", C, "荆州区", "培育"),
            firm("JZ-K03", D, "沙市区", "申报"),
            firm("JZ-K03", E, "荆州开发区", "入库"),
        ],
    )


@pytest.fixture(scope="session")
def _reported_home(_demo_home, tmp_path_factory):
    return built_from(tmp_path_factory, _demo_home, "registers-reported-home", _two_reports)


@pytest.fixture
def reported(_reported_home, portal_home):
    """A private copy of the demo with `_two_reports` (built once per run)."""
    return private_copy(_reported_home, portal_home)


def test_the_enterprise_register_counts_each_enterprise_once_by_district_and_stage(reported):
    register = enterprise_register(reported, OFFICE, NOW)
    # by hand: A 荆州区 认定 (on both lists, once), B 沙市区 认定, C 荆州区 培育, D 沙市区 申报,
    # E 荆州开发区 入库
    assert register.enterprises == 5
    assert register.stages.rows() == [
        # district, 入库, 培育, 申报, 认定, 合计
        ("沙市区", 0, 0, 1, 1, 2),
        ("荆州区", 0, 1, 0, 1, 2),
        ("荆州开发区", 1, 0, 0, 0, 1),
    ]


def test_the_register_of_an_earlier_round_is_the_list_approved_then(reported):
    register = enterprise_register(reported, OFFICE, PAST)
    assert register.enterprises == 4
    assert register.moves.is_empty()  # nothing approved before 2025Q2


def test_who_moved_stage_is_compared_with_the_previous_approved_list(reported):
    moves = enterprise_register(reported, OFFICE, NOW).moves
    assert moves.select("item_key", "from_stage_label", "to_stage_label", "from_round").rows() == sorted(
        [(C, "入库", "培育", PAST), (D, "培育", "申报", PAST)],
        key=lambda r: f"（演示）企业{r[0][-4:]}",
    )


def test_an_upload_awaiting_review_does_not_change_the_register(reported):
    report(
        reported,
        UNIT,
        NOW,
        {"JZ-K01": 2, "JZ-K03": 1},
        [
            firm("JZ-K01", A, "荆州区", "认定"),
            firm("JZ-K01", B, "沙市区", "认定"),
            firm("JZ-K03", E, "荆州开发区", "认定"),
        ],
        approve=False,
    )
    assert enterprise_register(reported, OFFICE, NOW).enterprises == 5


def test_list_items_are_stored_with_the_accepted_upload_and_none_with_a_rejected_one(demo_portal):
    good = report(
        demo_portal,
        UNIT,
        NOW,
        {"JZ-K01": 1, "JZ-K03": 0},
        [firm("JZ-K01", A, "荆州区", "认定")],
        approve=False,
    )
    template = build_unit_template(demo_portal, UNIT, NOW).data
    wrong = A[:-1] + ("0" if A[-1] != "0" else "1")
    bad = ingest(
        demo_portal,
        OFFICE,
        fill_workbook(
            fill_valid(template, indicators={"JZ-K01": 1}),
            lists={"enterprise": [firm("JZ-K01", wrong, "荆州区", "认定")]},
        ),
    )
    assert not bad.accepted
    assert ["企业名单", "C4", "credit-code-check-digit"] in bad.report.flatten(["sheet", "cell", "code"])
    with demo_portal.warehouse.connect() as con:
        stored = con.execute(
            "SELECT submission_id, indicator, item_key, stage, district FROM list_items ORDER BY submission_id"
        ).fetchall()
        assert stored == [(good.submission_id, "JZ-K01", A, "certified", "荆州区")]
        assert lists.standing_items(con, "enterprise").is_empty()  # not approved yet


def test_a_double_count_warns_the_second_unit_without_naming_the_first_and_is_named_for_the_office(
    demo_portal,
):
    platform = {"indicator": "JZ-K21", "name": "（演示）科技企业孵化器", "number": "FH-001"}
    report(demo_portal, "JZKF-XZJD", NOW, {"JZ-K21": 1}, [platform], "platform", approve=False)
    second = report(demo_portal, "JZKF-KKJT", NOW, {"JZ-K21": 1}, [platform], "platform", approve=False)
    warning = next(i for i in second.report.issues if i.code == "list-claimed-elsewhere")
    assert (warning.sheet, warning.cell) == ("平台载体名单", "C4")
    assert warning.message.startswith("该平台已由其他单位报送，请核实")
    assert "XZJD" not in warning.message and "乡镇" not in warning.message
    office = acting_account(demo_portal, "office_jzkf")
    pairs = double_count_pairs(demo_portal, office, NOW)
    assert pairs.select("indicator", "item_key", "unit_name", "other_unit_name").rows() == [
        ("JZ-K21", "FH-001", "荆开集团", "各乡镇场(街道)")
    ]
    assert double_count_pairs(demo_portal, office, NOW, plan="JZ").height == 1
    yiyang = acting_account(demo_portal, "office_yy")
    assert double_count_pairs(demo_portal, yiyang, NOW).is_empty()


def test_a_plan_outside_the_scope_is_refused_like_a_missing_one(demo_portal):
    yiyang = acting_account(demo_portal, "office_yy")
    with pytest.raises(NotFound) as outside:
        double_count_pairs(demo_portal, yiyang, NOW, plan="JZ")
    with pytest.raises(NotFound) as missing:
        double_count_pairs(demo_portal, yiyang, NOW, plan="NOPE")
    assert outside.value.message == missing.value.message.replace("NOPE", "JZ")


def test_a_unit_outside_the_scope_is_refused_like_a_missing_one(reported):
    yiyang = acting_account(reported, "office_yy")
    with pytest.raises(NotFound) as outside:
        enterprise_register(reported, yiyang, NOW, unit=UNIT)
    with pytest.raises(NotFound) as missing:
        enterprise_register(reported, yiyang, NOW, unit="NOPE")
    assert outside.value.message == missing.value.message.replace("NOPE", UNIT)
    assert enterprise_register(reported, yiyang, NOW).enterprises == 0  # 益阳 reads none of 荆州's


def test_a_unit_sees_its_own_register_and_no_other(reported):
    clerk = reporter(UNIT)
    assert enterprise_register(reported, clerk, NOW, unit=UNIT).enterprises == 5
    with pytest.raises(PermissionDenied):
        enterprise_register(reported, clerk, NOW, unit="JZKF-XZJD")
    assert enterprise_register(reported, clerk, NOW).enterprises == 5  # without a unit: its own


def test_the_project_register_shows_each_projects_investment_across_rounds(demo_portal):
    with demo_portal.warehouse.transaction() as con:  # 重点项目 is no demo indicator: mark one
        con.execute("UPDATE indicators SET backed_by = 'project' WHERE code = 'JZ-K28'")
    unit = "JZKF-SCJGJ"
    for round_code, quarter, total, progress in ((PAST, 200, 500, "主体施工"), (NOW, 300, 800, "设备安装")):
        report(
            demo_portal,
            unit,
            round_code,
            {"JZ-K28": 1},
            [
                {
                    "indicator": "JZ-K28",
                    "name": "（演示）中试基地",
                    "number": "XM-01",
                    "total_investment": 2000,
                    "quarter_investment": quarter,
                    "cumulative_investment": total,
                    "progress": progress,
                }
            ],
            "project",
        )
    office = acting_account(demo_portal, "office_jzkf")
    rows = (
        project_register(demo_portal, office)
        .select("item_key", "round", "quarter_investment", "cumulative_investment", "progress")
        .rows()
    )
    assert rows == [("XM-01", PAST, 200.0, 500.0, "主体施工"), ("XM-01", NOW, 300.0, 800.0, "设备安装")]
    assert project_register(demo_portal, acting_account(demo_portal, "office_yy")).is_empty()


def test_the_shiyan_reserve_view_shows_the_stage_counts_the_demo_history_implies(filled_demo_portal):
    """十堰 高企后备库 (SY-K17, SY-KJJ's enterprise list), worked out by hand from portal/demo/fill.py:
    the list holds 3, 4, 5, 5, 6, 7, 8 enterprises in rounds 1-7 (2024Q1 … 2025Q3, MONITORED_SIZES),
    and each enterprise moves one 培育阶段 a round after it joins (入库 → 培育 → 申报 → 认定, then stays):

    | enterprise (joined)     | district | 2025Q1 | 2025Q2 |
    | 1 智造 (2024Q1)          | 茅箭区    | 认定    | 认定    |
    | 2 智造 (2024Q1)          | 张湾区    | 认定    | 认定    |
    | 3 数科 (2024Q1)          | 郧阳区    | 认定    | 认定    |
    | 4 生物 (2024Q2)          | 郧阳区    | 认定    | 认定    |
    | 5 生物 (2024Q3)          | 郧阳区    | 申报    | 认定    |
    | 6 数科 (2025Q1)          | 郧阳区    | 入库    | 培育    |
    | 7 智造 (2025Q2)          | 郧阳区    | —       | 入库    |

    SY-KJJ's 2025Q2 list is the last approved one (2025Q3 awaits review). So on 2025Q2: 茅箭区 1 认定,
    张湾区 1 认定, 郧阳区 1 入库 + 1 培育 + 3 认定; 7 enterprises; the movers against 2025Q1 are
    5 (申报 → 认定) and 6 (入库 → 培育); 7 is new, not a mover. Districts come from the demo's
    stable hash, read off the rows once."""
    register = enterprise_register(filled_demo_portal, OFFICE, "2025Q2", unit="SY-KJJ")
    assert register.enterprises == 7
    assert register.stages.rows() == [
        # district, 入库, 培育, 申报, 认定, 合计
        ("张湾区", 0, 0, 0, 1, 1),
        ("茅箭区", 0, 0, 0, 1, 1),
        ("郧阳区", 1, 1, 0, 3, 5),
    ]
    assert register.moves.select("name", "from_stage_label", "to_stage_label", "from_round").rows() == [
        ("（演示）郧阳区数科6号科技有限公司", "入库", "培育", "2025Q1"),
        ("（演示）郧阳区生物5号科技有限公司", "申报", "认定", "2025Q1"),
    ]
    # The view of the open round is the same: 2025Q3's upload awaits review.
    assert enterprise_register(filled_demo_portal, OFFICE, "2025Q3", unit="SY-KJJ").stages.rows() == (
        register.stages.rows()
    )
