"""Services behind 完成情况, 指标监测 and 年度考核: permissions per role, filters, exports that open and
keep formula-like text as text, audit lines. Real warehouses built from the hand-made fixtures."""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import pandas as pd
import polars as pl
import pytest

from portal.accounts.auth import Account
from portal.assessment.assess import add_bonus, withdraw_bonus
from portal.assessment.board import (
    assessment_board,
    assessment_choices,
    export_assessment,
    unit_detail,
)
from portal.core.context import Portal
from portal.core.permissions import PermissionDenied
from portal.monitoring.dashboards import (
    by_kind_frame,
    completion_board,
    completion_choices,
    export_bulletin,
    export_missing_list,
    indicator_history,
    kpi_board,
    kpi_choices,
    missing_frame,
)
from portal.monitoring.reminder_xlsx import HEADER_ROW, SHEET
from portal.ui.charts import (
    completion_chart,
    history_chart,
    matrix_html,
    matrix_table,
    paced_table,
    totals_chart,
)
from schemas.enums import Role
from schemas.errors import NotFound
from tests.portal.assessment_fixture import build_assessment_portal
from tests.portal.printing import pdf_pages, to_pdf
from tests.warehouse.fixtures import ROUND_TODAY, Fixture, kpi_fixture, round_fixture

EVIL_CONTACT = '=HYPERLINK("http://x","点我")'
EVIL_PHONE = "@SUM(1+1)"

OFFICE = Account("office1", "办公室", Role.OFFICE_REVIEWER, None)
EVALUATOR = Account("eval1", "考核", Role.EVALUATOR, None)
ADMIN = Account("boss", "管理员", Role.ADMIN, None)
REPORTER = Account("rep1", "填报员", Role.UNIT_REPORTER, "A")
ACCOUNTS = {
    Role.OFFICE_REVIEWER: OFFICE,
    Role.EVALUATOR: EVALUATOR,
    Role.ADMIN: ADMIN,
    Role.UNIT_REPORTER: REPORTER,
    Role.UNIT_LEADER: Account("leader", "单位审核人", Role.UNIT_LEADER, REPORTER.unit),
}


def _portal(home: Path, fx: Fixture, today: str) -> Portal:
    home.mkdir(parents=True, exist_ok=True)
    (home / "settings.toml").write_text(f'secret_key = "test-secret"\ntoday = "{today}"\n', encoding="utf-8")
    portal = Portal.open(home)
    fx.warehouse(home, portal.settings.warehouse_path.name)
    return portal


@pytest.fixture
def rounds_portal(portal_home) -> Portal:
    """round_fixture (2025Q2 and 2025Q3 of plan P, units A-G expected) seen on 2025-10-13; D's
    contact and phone look like formulas."""
    fx = round_fixture()
    for unit in fx.rows["units"]:
        if unit["code"] == "D":
            unit["contact"], unit["phone"] = EVIL_CONTACT, EVIL_PHONE
    return _portal(portal_home, fx, ROUND_TODAY.isoformat())


@pytest.fixture
def kpi_portal(portal_home) -> Portal:
    return _portal(portal_home, kpi_fixture(), "2025-10-13")


@pytest.fixture
def assessed_portal(portal_home) -> Portal:
    return build_assessment_portal(portal_home)


def _audit(portal: Portal, action: str) -> list[tuple]:
    with portal.warehouse.connect() as con:
        return con.execute(
            "SELECT actor, target FROM audit_log WHERE action = ? ORDER BY id", [action]
        ).fetchall()


# --------------------------------------------------------------------------- permissions

# Each service with the permission it needs; the expected grant per role repeats the table.
SERVICES = {
    "completion_choices": lambda p, a: completion_choices(p, a),
    "completion_board": lambda p, a: completion_board(p, a, "2025Q3"),
    "export_missing_list": lambda p, a: export_missing_list(p, a, "2025Q3"),
    "export_bulletin": lambda p, a: export_bulletin(p, a, "2025Q3"),
    "kpi_choices": lambda p, a: kpi_choices(p, a),
    "kpi_board": lambda p, a: kpi_board(p, a, "2025Q3"),
    "indicator_history": lambda p, a: indicator_history(p, a, "2025Q3", ["KA"]),
    "assessment_choices": lambda p, a: assessment_choices(p, a),
    "assessment_board": lambda p, a: assessment_board(p, a, "P", 2025),
    "export_assessment": lambda p, a: export_assessment(p, a, "P", 2025),
    "add_bonus": lambda p, a: add_bonus(p, a, "P", 2025, "A", 1, "获奖"),
    "withdraw_bonus": lambda p, a: withdraw_bonus(p, a, 1),
}
READERS = {Role.OFFICE_REVIEWER, Role.EVALUATOR, Role.ADMIN}
ALLOWED = {name: READERS for name in SERVICES} | {
    "add_bonus": {Role.EVALUATOR},
    "withdraw_bonus": {Role.EVALUATOR},
}


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_each_role_may_call_exactly_the_services_the_permission_table_grants(rounds_portal, role):
    account = ACCOUNTS[role]
    for name, call in SERVICES.items():
        if role in ALLOWED[name]:
            call(rounds_portal, account)  # no PermissionDenied (data problems are not exceptions)
        else:
            with pytest.raises(PermissionDenied):
                call(rounds_portal, account)


def test_a_unit_reporter_is_refused_even_its_own_units_completion(rounds_portal):
    with pytest.raises(PermissionDenied, match="无权查看报送完成情况"):
        completion_board(rounds_portal, REPORTER, "2025Q3")
    assert _audit(rounds_portal, "completion.export") == []


# --------------------------------------------------------------------------- 完成情况


def test_the_round_counts_states_late_reports_and_the_reporting_rate(rounds_portal):
    board = completion_board(rounds_portal, OFFICE, "2025Q3")
    # Expected A-G (H inactive, I without duties, J only in the ended plan Q).
    assert (board.expected, board.reported, board.late) == (7, 4, 1)  # F was returned: not reported
    assert board.rate == pytest.approx(4 / 7)
    counts = {s: board.count(s) for s in ("missing", "validated", "returned", "approved")}
    assert counts == {"missing": 2, "validated": 3, "returned": 1, "approved": 1}


def test_the_matrix_has_a_row_per_unit_a_column_per_round_and_marks_lateness(rounds_portal):
    texts, states = completion_board(rounds_portal, OFFICE, "2025Q3").matrix()
    assert texts.columns == ["unit", "name", "kind_label", "extended_to", "2025Q2", "2025Q3"]
    rows = {r["unit"]: r for r in texts.to_dicts()}
    assert list(rows) == ["A", "B", "C", "D", "E", "F", "G"]
    assert (rows["A"]["2025Q2"], rows["A"]["2025Q3"]) == ("已通过", "已通过")
    assert rows["B"]["2025Q3"] == "已报送-待审（迟报3天）"  # due 10-15, reported 10-18
    assert rows["C"]["2025Q3"] == "已报送-待审"  # late for the round, on time for its extension
    assert [r["extended_to"] for r in rows.values()] == ["", "", "2025-10-20", "", "2025-10-30", "", ""]
    assert rows["B"]["2025Q2"] == "未报送（已逾期）"
    assert rows["D"]["2025Q3"] == "未报送（上传未通过校验）"  # due in two days: not overdue yet
    assert rows["F"]["2025Q3"] == "已退回"
    assert states.filter(pl.col("unit") == "D")["2025Q3"].item() == "missing"


def test_the_coloured_matrix_paints_each_state_and_keeps_the_unit_beside_its_state(rounds_portal):
    texts, states = completion_board(rounds_portal, OFFICE, "2025Q3").matrix()
    html = matrix_table(texts, states).to_html()
    for colour in ("#d4edda", "#fff3cd", "#ffd8a8", "#f8d7da"):  # approved, validated, returned, missing
        assert colour in html
    shown = matrix_table(texts, states).data
    assert list(shown.columns[:3]) == ["单位代码", "单位名称", "单位类型"]
    assert shown.loc[shown["单位代码"] == "A", "单位名称"].item() == "单位A"


def test_the_matrix_is_one_html_table_with_unit_names_shown_as_typed_and_states_coloured():
    name = '<img src="http://x/p.png"> **粗体** [点此](http://x)'
    texts = pl.DataFrame(
        {
            "unit": ["A", "B"],
            "name": [name, "单位B"],
            "kind_label": ["部门", "园区"],
            "extended_to": [None, "2025-10-20"],
        }
    ).with_columns(pl.lit("已通过").alias("2025Q2"), pl.Series("2025Q3", ["未报送", "已报送-待审"]))
    states = texts.with_columns(
        pl.lit("approved").alias("2025Q2"), pl.Series("2025Q3", ["missing", "validated"])
    )
    html = matrix_html(texts, states)
    assert (
        html.count("<table") == 1 and "<img" not in html
    )  # the name is text, not an image fetched from outside
    assert "&lt;img src=&#34;http://x/p.png&#34;&gt; **粗体** [点此](http://x)" in html
    shown = pd.read_html(io.StringIO(html), flavor="lxml")[0]
    assert shown.loc[0, "单位名称"] == name and shown.loc[1, "本轮延期至"] == "2025-10-20"
    assert list(shown.columns[-2:]) == ["2025Q2", "2025Q3"] and shown.loc[1, "2025Q3"] == "已报送-待审"
    for colour in ("#d4edda", "#f8d7da", "#fff3cd"):  # approved, missing, validated
        assert colour in html


def test_the_unit_kind_filter_keeps_that_kind_in_counts_matrix_and_chart(rounds_portal):
    board = completion_board(rounds_portal, OFFICE, "2025Q3", kind="park")
    assert board.units["unit"].to_list() == ["C", "D"]
    assert (board.expected, board.reported) == (2, 1)
    assert board.matrix()[0]["unit"].to_list() == ["C", "D"]
    assert board.by_round.select("round", "expected", "reported").rows() == [
        ("2025Q2", 2, 0),
        ("2025Q3", 2, 1),
    ]
    assert by_kind_frame(board).rows() == [("园区", 2, 1, 0, "50.0%")]


def test_the_plan_filter_keeps_units_with_duties_in_it_and_rounds_in_its_period(rounds_portal):
    board = completion_board(rounds_portal, OFFICE, "2025Q3", plan="P")
    assert board.rounds == ["2025Q2", "2025Q3"] and board.expected == 7
    ended = completion_board(rounds_portal, OFFICE, "2025Q3", plan="Q")  # 2022-2024: over
    assert (ended.rounds, ended.expected, ended.rate) == ([], 0, None)
    assert ended.matrix()[0].is_empty()


def test_an_earlier_round_shows_only_the_rounds_up_to_it(rounds_portal):
    board = completion_board(rounds_portal, OFFICE, "2025Q2")
    assert board.rounds == ["2025Q2"]
    assert (board.expected, board.reported) == (7, 1)


def test_the_missing_list_gives_contacts_soonest_due_first_and_flags_three_days(rounds_portal):
    board = completion_board(rounds_portal, OFFICE, "2025Q3")
    rows = missing_frame(board).select("unit", "state_text", "contact", "days_left_text", "reminder").rows()
    assert rows == [
        ("D", "未报送（上传未通过校验）", EVIL_CONTACT, "还剩 2 天", "三天内到期"),
        ("F", "已退回", "吴六", "还剩 2 天", "三天内到期"),  # owes a resubmission
        ("E", "未报送", "周五", "还剩 17 天", ""),  # its extension runs to 10-30
    ]
    assert board.due_soon["unit"].to_list() == ["D", "F"]


def test_choices_offer_plans_unit_kinds_and_the_open_round_by_default(rounds_portal):
    choices = completion_choices(rounds_portal, OFFICE)
    assert choices.rounds == ["2025Q3", "2025Q2"] and choices.default_round == "2025Q3"
    assert [code for code, _ in choices.plans] == ["P", "Q"]
    assert choices.kinds == [("department", "部门"), ("park", "园区"), ("town", "乡镇街道")]


def test_the_missing_list_export_opens_is_print_ready_and_keeps_formula_text_as_text(rounds_portal):
    data = export_missing_list(rounds_portal, OFFICE, "2025Q3")
    ws = openpyxl.load_workbook(io.BytesIO(data))[SHEET]
    assert ws["A1"].value == "2025年第三季度调度催报名单"
    assert "已报送 4 个，未报送或被退回待重报 3 个（其中三天内到期或已逾期 2 个）" in ws["A3"].value
    header = [c.value for c in ws[HEADER_ROW]]
    assert header == ["序号", "单位名称", "单位类型", "报送状态", "联系人", "联系电话", "分管领导"] + [
        "截止日期",
        "剩余/逾期天数",
        "催报记录",
    ]
    first = [c for c in ws[HEADER_ROW + 1]]
    assert [c.value for c in first[:2]] == [1, "单位D"] and first[-1].value is None
    for cell, text in ((first[4], EVIL_CONTACT), (first[5], EVIL_PHONE)):
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)
    assert first[1].border.left.style == "thin"
    assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4  # 9 = A4
    assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"  # the header repeats on every page
    assert _audit(rounds_portal, "completion.export") == [("office1", "2025Q3")]


def test_the_missing_list_export_follows_the_filters(rounds_portal):
    data = export_missing_list(rounds_portal, EVALUATOR, "2025Q3", kind="town")
    ws = openpyxl.load_workbook(io.BytesIO(data))[SHEET]
    assert [r[1] for r in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True)] == ["单位F", "单位E"]


@pytest.mark.libreoffice
@pytest.mark.slow
def test_libreoffice_prints_the_missing_list_on_one_page(rounds_portal, tmp_path):
    xlsx = tmp_path / "催报名单.xlsx"
    xlsx.write_bytes(export_missing_list(rounds_portal, OFFICE, "2025Q3"))
    assert pdf_pages(to_pdf(xlsx)) == 1


def test_the_bulletin_export_opens_and_is_audited(rounds_portal):
    data = export_bulletin(rounds_portal, ADMIN, "2025Q3")
    book = openpyxl.load_workbook(io.BytesIO(data))
    # the 正文, a sheet per table that has rows (附表…), every unit's reporting last
    assert book.sheetnames[0] == "季度通报" and book.sheetnames[-1] == "报送情况明细"
    assert "附表1 各类单位报送" in book.sheetnames and all(
        n.startswith("附表") for n in book.sheetnames[1:-1]
    )
    assert _audit(rounds_portal, "bulletin.export") == [("boss", "2025Q3")]


def test_the_completion_chart_carries_its_data_inline(rounds_portal):
    spec = completion_chart(completion_board(rounds_portal, OFFICE, "2025Q3").by_round).to_dict()
    assert "url" not in json.dumps(spec["data"])
    rows = next(iter(spec["datasets"].values()))
    missing = {r["round"]: r["units"] for r in rows if r["label"] == "未报送"}
    assert missing == {"2025Q2": 6, "2025Q3": 2}


# --------------------------------------------------------------------------- 指标监测

# kpi_fixture at 2025Q3 (hand-computed in tests/warehouse/test_views_kpi.py).
PACES = {
    "STOCK_B": "yellow",
    "STOCK_NB": "green",
    "STOCK_NONE": "unreported",
    "FLOW": "unreported",
    "CUM": "green",
    "CUM_NB": "yellow",
    "RATE": "unreported",
    "MILESTONE": "unreported",
    "LE": "unreported",
    "LE_RATE": "unreported",
}


def test_kpi_board_counts_paces_and_lists_the_unreported_apart_from_the_red_ones(kpi_portal):
    board = kpi_board(kpi_portal, EVALUATOR, "2025Q3")
    assert dict(zip(board.indicators["indicator"], board.indicators["pace"], strict=True)) == PACES
    assert board.counts == {"green": 2, "yellow": 2, "red": 0, "unreported": 6}
    assert board.red_list.is_empty()
    assert board.unreported["indicator"].to_list() == [
        "STOCK_NONE",
        "FLOW",
        "RATE",
        "MILESTONE",
        "LE",
        "LE_RATE",
    ]
    earlier = kpi_board(kpi_portal, EVALUATOR, "2025Q2")
    assert earlier.red_list["indicator"].to_list() == ["FLOW", "MILESTONE"]
    row = board.indicators.filter(pl.col("indicator") == "CUM").row(0, named=True)
    assert (row["pace_label"], row["indicator_kind"], row["ratio_text"], row["plan_name"]) == (
        "正常",
        "累计量",
        f"{36 / 35:.1%}",
        "规划P",
    )


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"unit": "U3"}, ["FLOW", "RATE", "MILESTONE", "LE", "LE_RATE"]),
        ({"pace": "unreported"}, ["STOCK_NONE", "FLOW", "RATE", "MILESTONE", "LE", "LE_RATE"]),
        ({"kind": "stock"}, ["STOCK_B", "STOCK_NB", "STOCK_NONE", "LE"]),
        ({"unit": "U3", "pace": "green"}, []),
        ({"unit": "U2", "pace": "green"}, ["CUM"]),
        ({"plan": "P", "kind": "flow"}, ["FLOW"]),
    ],
)
def test_kpi_filters_combine(kpi_portal, filters, expected):
    board = kpi_board(kpi_portal, OFFICE, "2025Q3", **filters)
    assert board.indicators["indicator"].to_list() == expected
    assert sum(board.counts.values()) == len(expected)


@pytest.mark.parametrize("filters", [{"plan": "NOPE"}, {"unit": "NOPE"}])
def test_kpi_filter_naming_an_unknown_plan_or_unit_is_refused_as_not_found(kpi_portal, filters):
    with pytest.raises(NotFound, match="NOPE.*不存在"):
        kpi_board(kpi_portal, OFFICE, "2025Q3", **filters)


def test_kpi_choices_list_owners_of_record_and_indicator_kinds(kpi_portal):
    choices = kpi_choices(kpi_portal, OFFICE)
    assert choices.units == [("U1", "单位U1"), ("U2", "单位U2"), ("U3", "单位U3")]
    assert [k for k, _ in choices.kinds] == ["stock", "flow", "cumulative", "rate", "milestone"]
    assert choices.rounds[0] == "2025Q4"


def test_indicator_history_is_only_the_chosen_indicators_and_charts_inline(kpi_portal):
    history = indicator_history(kpi_portal, EVALUATOR, "2025Q3", ["FLOW"])
    assert history.select("round", "actual", "expected").rows() == [
        ("2024Q4", 90.0, 100.0),
        ("2025Q1", None, 20.0),
        ("2025Q2", 30.0, 40.0),
        ("2025Q3", None, 60.0),
    ]
    spec = history_chart(history, "FLOW").to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert {r["series"] for r in rows} == {"实际值", "期望值"} and len(rows) == 8


# --------------------------------------------------------------------------- 年度考核


def test_the_assessment_board_ranks_and_grades_and_lists_bonus_items(assessed_portal):
    board = assessment_board(assessed_portal, OFFICE, "P", 2025)
    assert board.ok and not board.can_adjust and board.can_export
    assert board.summary().select("unit", "rank", "grade").rows() == [
        ("A", 1, "优秀"),
        ("B", 2, "良好"),
        ("C", 3, "合格"),
    ]
    assert board.bonus.select("unit_name", "points").rows() == [("高新园区", 3.0), ("高新园区", 4.0)]
    assert board.grades == ["优秀", "良好", "合格", "不合格"]
    assert assessment_board(assessed_portal, EVALUATOR, "P", 2025).can_adjust


def test_a_units_detail_lists_what_earned_its_points(assessed_portal):
    detail = unit_detail(assessment_board(assessed_portal, EVALUATOR, "P", 2025), "A")
    assert detail.indicators["indicator"].to_list() == ["I1", "I2"]
    assert detail.indicators["points"].sum() == pytest.approx(detail.score.indicator_raw)
    assert detail.tasks["task"].to_list() == ["T1", "T3"]  # the codes 审核 and 指标监测 show
    assert detail.rounds.select("round", "returns", "deduction").rows() == [
        ("2025Q3", 0, 0.0),
        ("2025Q4", 1, 1.0),
    ]
    assert detail.bonuses.is_empty()


def test_a_year_outside_the_plan_is_a_problem_to_show_not_an_error(assessed_portal):
    board = assessment_board(assessed_portal, OFFICE, "P", 2030)
    assert not board.ok and board.problems and "2030" in board.problems[0]


def test_choices_default_to_the_plans_year_nearest_today(assessed_portal):
    choices = assessment_choices(assessed_portal, OFFICE)
    plan = choices.plans[0]
    assert (plan.code, plan.years) == ("P", [2024, 2025])
    assert choices.default_year(plan) == 2025  # today is 2026-01-25, after the plan


def test_an_evaluator_adds_and_withdraws_a_bonus_item_and_bad_input_is_refused(assessed_portal):
    added = add_bonus(assessed_portal, EVALUATOR, "P", 2025, "A", 2, "牵头完成省级试点").outcome()
    assert added.ok, added.message
    board = assessment_board(assessed_portal, EVALUATOR, "P", 2025)
    item = board.bonus.filter(pl.col("unit") == "A").row(0, named=True)
    assert (item["points"], item["reason"], item["entered_by"]) == (2.0, "牵头完成省级试点", "eval1")
    assert board.summary().filter(pl.col("unit") == "A")["bonus"].item() == 2.0

    refused = add_bonus(assessed_portal, EVALUATOR, "P", 2025, "A", 2, "   ").outcome()
    assert not refused.ok and refused.message

    assert withdraw_bonus(assessed_portal, EVALUATOR, item["bonus_id"]).ok
    assert not withdraw_bonus(assessed_portal, EVALUATOR, item["bonus_id"]).ok  # already withdrawn
    board = assessment_board(assessed_portal, EVALUATOR, "P", 2025)
    assert board.bonus.filter(pl.col("unit") == "A").is_empty()


def test_the_assessment_export_opens_with_the_summary_and_the_details_and_is_audited(assessed_portal):
    data = export_assessment(assessed_portal, OFFICE, "P", 2025)
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["考核汇总", "得分明细"]
    assert _audit(assessed_portal, "assessment.export") == [("office1", "P/2025")]


def test_the_totals_chart_has_a_bar_per_unit(assessed_portal):
    board = assessment_board(assessed_portal, OFFICE, "P", 2025)
    spec = totals_chart(board.summary(), board.grades).to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert [r["name"] for r in rows] == ["经发局", "科技局", "高新园区"]


def test_the_totals_chart_names_every_unit_best_first_and_writes_each_total_and_grade():
    summary = pl.DataFrame(
        {
            "unit_name": [f"单位{i}" for i in range(12)],
            "total": [95.0 - 5 * i for i in range(12)],
            "rank": list(range(1, 13)),
            "grade": ["优秀"] * 3 + ["良好"] * 4 + ["合格"] * 4 + ["不合格"],
        }
    )
    spec = totals_chart(summary, ["优秀", "良好", "合格", "不合格"]).to_dict()
    bars, texts = spec["layer"]
    y = bars["encoding"]["y"]
    assert y["sort"] == [f"单位{i}" for i in range(12)]
    assert (y["axis"]["labelOverlap"], y["axis"]["labelLimit"]) == (False, 0)  # no label dropped or cut
    assert spec["height"] == {"step": 26}
    rows = next(iter(spec["datasets"].values()))
    assert rows[-1]["label"] == "40.00 分 · 不合格"
    assert texts["mark"]["type"] == "text" and texts["encoding"]["text"]["field"] == "label"


def test_the_pace_table_leaves_unreported_values_blank_and_colours_each_pace(kpi_portal):
    board = kpi_board(kpi_portal, OFFICE, "2025Q3")
    styler = paced_table(board.indicators, ["indicator", "actual", "expected", "pace_label"])
    rows = {r["指标代码"]: r for r in styler.data.to_dict("records")}
    assert (rows["STOCK_NONE"]["实际值"], rows["STOCK_NONE"]["进度状态"]) == ("", "本期未报/未审核")
    assert (rows["STOCK_B"]["实际值"], rows["STOCK_B"]["期望值"]) == ("150", "158.33")
    earlier = kpi_board(kpi_portal, OFFICE, "2025Q2")
    html = paced_table(earlier.indicators, ["indicator", "actual", "expected", "pace_label"]).to_html()
    assert all(colour in html for colour in ("#d4edda", "#fff3cd", "#f8d7da", "#e2e3e5"))
