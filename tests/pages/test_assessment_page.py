"""年度考核 page: plan and year, summary with ranks and grades, chart, a unit's detail, export; only
the evaluator enters and withdraws bonus items (assessment.adjust) and publishes (公示); a unit
reporter sees only its own published result and files objections there."""

import re
import tomllib

import pytest
from apptest_support import audit, page, signed_in, texts
from board_support import APPROVED_NAME

from portal.core import labels as L


@pytest.fixture
def site(reported_site):
    # linear indicators without a floor: any approved value earns points, so the summary shows
    # which unit's data counted (the default's bands give 0 below 60% completion)
    folder = reported_site.settings.home / "scoring"
    folder.mkdir(exist_ok=True)
    (folder / "default.toml").write_text('[indicators]\nrule = "linear"\nfloor = 0\n', encoding="utf-8")
    return reported_site


def assessment_page(username: str, plan: str = "JZ"):
    at = page(signed_in(username), "assessment.py")
    assert not at.exception, at.exception
    at.selectbox(key="assess_plan").set_value(plan).run()
    assert not at.exception, at.exception
    assert not at.error, texts(at.error)
    return at


def summary(at):
    return at.dataframe[0].value


def test_the_evaluator_sees_ranks_grades_a_chart_and_the_export(site):
    at = assessment_page("eval1")
    assert texts(at.title) == [L.PAGE_ASSESSMENT]
    assert at.selectbox(key="assess_year_JZ").value == 2025  # today is 2025-10-10
    table = summary(at)
    assert list(table.columns) == [
        "排名",
        "单位名称",
        "指标完成",
        "任务推进",
        "报送质量",
        "报送扣分",
        "加分",
        "总分",
        "等次",
    ]
    ranks = list(table["排名"])  # ranks restart in each ranking group (the default groups by unit kind)
    assert ranks[0] == 1 and ranks.count(1) >= 1 and all(r >= 1 for r in ranks)
    assert set(table["等次"]) <= {"优秀", "良好", "合格", "不合格"}
    # Only approved data counts: the approved unit's indicators earned points, nobody else's did.
    # (shown as text: "—" for a unit without indicators, never a 0 that reads as a failed score)
    scores = {
        k: 0.0 if v == "—" else float(v) for k, v in zip(table["单位名称"], table["指标完成"], strict=True)
    }
    assert scores[APPROVED_NAME] > 0 and sum(v for k, v in scores.items() if k != APPROVED_NAME) == 0
    assert len(at.get("vega_lite_chart")) == 1
    assert at.download_button(key="assess_export").label == L.ASSESS_EXPORT


def test_a_units_detail_shows_its_score_and_working_out(site):
    at = assessment_page("office1")
    at.selectbox(key="assess_unit").set_value("JZKF-JFJ").run()
    rank = summary(at).set_index("单位名称").loc[APPROVED_NAME, "排名"]
    assert any(f"排名第 {rank} 名" in m for m in texts(at.markdown))
    assert [t.label for t in at.tabs] == [
        L.ASSESS_INDICATORS,
        L.ASSESS_TASKS,
        L.ASSESS_ROUNDS,
        L.ASSESS_BONUS,
        # then the entries section (tests/pages/test_assessment_entries_page.py)
        L.DEDUCTION_HEADING,
        L.VETO_HEADING,
        L.QUALITATIVE_HEADING,
        L.SELF_SCORE_HEADING,
    ]
    indicators = at.dataframe[1].value
    assert len(indicators) > 0 and "计算过程" in indicators.columns


def test_the_evaluator_adds_and_withdraws_a_bonus_item_with_a_reason(site):
    at = assessment_page("eval1")
    at.selectbox(key="assess_bonus_unit").set_value("JZKF-JFJ")
    at.number_input(key="assess_bonus_points").set_value(2.0)
    at.text_area(key="assess_bonus_reason").input("获评省级创新平台")
    at = at.button(key="assess_bonus_submit").click().run()
    assert not at.exception, at.exception
    assert texts(at.success) == [L.BONUS_ADDED.format(id=1)]
    table = summary(at).set_index("单位名称")
    assert table.loc[APPROVED_NAME, "加分"] == 2.0
    bonus = at.dataframe[-1].value
    # the person's name, not the login name, and no record id
    assert list(bonus["加分理由"]) == ["获评省级创新平台"] and list(bonus["录入人"]) == ["eval1 测试"]
    assert "编号" not in bonus.columns
    assert [row[0] for row in audit(site, "assessment.bonus.add")] == ["eval1"]

    at = at.button(key="assess_bonus_withdraw").click().run()
    assert texts(at.success) == [L.BONUS_WITHDRAWN.format(id=1)]
    assert summary(at).set_index("单位名称").loc[APPROVED_NAME, "加分"] == 0.0
    assert [row[0] for row in audit(site, "assessment.bonus.withdraw")] == ["eval1"]


def test_a_bonus_without_a_reason_is_refused_with_a_message(site):
    at = assessment_page("eval1")
    at.number_input(key="assess_bonus_points").set_value(1.0)
    at = at.button(key="assess_bonus_submit").click().run()
    assert not at.exception, at.exception
    assert len(at.error) == 1 and "理由" in at.error[0].value
    assert audit(site, "assessment.bonus.add") == []


def test_a_bonus_over_the_cap_is_refused_naming_the_typed_value_and_the_range(site):
    at = assessment_page("eval1")
    assert at.number_input(key="assess_bonus_points").label == L.BONUS_POINTS_RANGE.format(max=5.0)
    at.number_input(key="assess_bonus_points").set_value(99.0)
    at.text_area(key="assess_bonus_reason").input("获评省级创新平台")
    at = at.button(key="assess_bonus_submit").click().run()
    assert len(at.error) == 1
    assert "加分分值 99 无效" in at.error[0].value and "加分上限 5" in at.error[0].value
    assert audit(site, "assessment.bonus.add") == []


def test_units_without_indicators_show_a_dash_not_a_zero_in_the_summary(site):
    at = assessment_page("eval1")
    assert "—" in set(summary(at)["指标完成"])
    assert L.ASSESS_NOT_APPLICABLE in texts(at.caption)


@pytest.mark.parametrize("username", ["office1", "boss"])
def test_office_and_admin_view_and_export_but_enter_no_bonus(site, username):
    at = assessment_page(username)
    assert len(summary(at)) > 0
    assert at.download_button(key="assess_export")
    keys = {w.key for kind in ("button", "text_area", "number_input", "selectbox") for w in at.get(kind)}
    assert not keys & {
        "assess_bonus_submit",
        "assess_bonus_reason",
        "assess_bonus_points",
        "assess_bonus_withdraw",
    }


def test_a_year_the_plan_does_not_cover_is_not_offered(site):
    at = assessment_page("eval1")
    assert at.selectbox(key="assess_year_JZ").options == ["2023", "2024", "2025"]


def test_a_unit_reporter_sees_only_its_own_published_result_and_files_an_objection(site):
    from portal.assessment import lifecycle
    from tests.actors import EVALUATOR

    at = page(signed_in("rep1"), "assessment.py")  # nothing published yet: no table, no other unit
    assert not at.exception, at.exception
    assert not at.dataframe and any("尚未公示" in c for c in texts(at.caption))
    lifecycle.publish(site, EVALUATOR, "JZ", 2024)  # over on the site's clock (2025-10-10)
    at = page(signed_in("rep1"), "assessment.py")
    assert at.selectbox(key="unit_result_year_JZ").value == 2024
    assert any("考核阶段：公示（版本 1" in i for i in texts(at.info))
    assert any("个被考核单位中排名第" in m for m in texts(at.markdown))
    with site.warehouse.connect() as con:
        others = [r[0] for r in con.execute("SELECT name FROM units WHERE code <> 'JZKF-CXCY'").fetchall()]
    shown = " ".join(str(e.value) for kind in ("markdown", "caption", "info") for e in at.get(kind))
    shown += " ".join(str(frame.value.to_string()) for frame in at.dataframe)
    assert not [name for name in others if name in shown]
    at.text_area(key="unit_objection_text").input("任务已完成，应计满分。")
    at = at.button(key="unit_objection_submit").click().run()
    assert not at.exception, at.exception
    assert any("已提交异议" in m for m in texts(at.success))
    assert [row[0] for row in audit(site, "assessment.object")] == ["rep1"]


def test_the_evaluator_publishes_only_after_confirming_and_sees_the_objections(site):
    at = assessment_page("eval1")
    at.selectbox(key="assess_year_JZ").set_value(2024).run()
    assert any("考核阶段：预评（尚未公示）" in i for i in texts(at.info))
    assert at.button(key="lc_publish").disabled
    at.checkbox(key="lc_confirm_publish").check().run()
    at = at.button(key="lc_publish").click().run()
    assert not at.exception, at.exception
    assert any("已开始公示" in m for m in texts(at.success))
    assert any("考核阶段：公示（版本 1" in i for i in texts(at.info))
    assert not [k for k in ("assess_bonus_submit",) if k in {b.key for b in at.button}]  # locked
    assert [row[0] for row in audit(site, "assessment.publish")] == ["eval1"]


def number(at, path: str):
    """The editor's number input for a scheme key (its key ends with the file's digest)."""
    return next(w for w in at.number_input if w.key.startswith(f"scheme_{path}_JZ_2025_"))


def test_the_evaluator_edits_the_scheme_as_tables_and_saves_a_change(site):
    """The table editor writes the same file through the same check: a refused value names the
    field and writes nothing; a valid change is saved as scoring/JZ-2025.toml and scores."""
    at = assessment_page("eval1")
    at.toggle(key="assess_scheme_edit").set_value(True).run()
    assert not at.exception, at.exception
    path = site.settings.home / "scoring" / "JZ-2025.toml"

    number(at, "points.indicators").set_value(70.0)
    at = at.button(key="assess_scheme_table_save").click().run()
    assert not at.exception, at.exception
    (error,) = texts(at.error)
    assert error.startswith(L.SCHEME_NOT_SAVED) and "各项分值合计 110" in error
    assert not path.exists()

    number(at, "points.indicators").set_value(60.0)
    number(at, "reporting.per_late_day").set_value(0.5)
    at = at.button(key="assess_scheme_table_save").click().run()
    assert not at.exception, at.exception
    assert texts(at.success) == ["已保存 JZ 2025 年的考核方案（scoring/JZ-2025.toml），重新计算后生效。"]
    saved = tomllib.loads(path.read_text(encoding="utf-8"))
    assert saved["reporting"]["per_late_day"] == 0.5 and saved["indicators"]["rule"] == "linear"
    assert number(at, "reporting.per_late_day").value == 0.5
    assert audit(site, "assessment.configure")[-1][:2] == ("eval1", "JZ/2025")


def test_a_units_lines_name_the_submission_they_came_from(site):
    at = assessment_page("office1")
    at.selectbox(key="assess_unit").set_value("JZKF-JFJ").run()
    indicators = at.dataframe[1].value
    sources = [s for s in indicators["数据来源（报送记录、版本、单元格或行）"] if s != "—"]
    assert sources and all(re.match(r"报送记录 \d+（2025Q\d 第 \d+ 版） [A-Z]+\d+$", s) for s in sources)
    assert at.selectbox(key="assess_source_pick").value is not None
    assert at.download_button(key="assess_source_original_download").label == L.REPORT_ORIGINAL_DOWNLOAD
