"""The scoring scheme file: defaults, per plan/year overrides, and every validation message."""

import pytest

from portal.assessment.scheme import default_text, load_scheme, parse_layers


def _with(text: str):
    return parse_layers([("默认方案", default_text()), ("scoring/P-2025.toml", text)])


def test_the_shipped_default_is_the_documented_scheme():
    result = parse_layers([("默认方案", default_text())])
    s = result.scheme
    assert result.report.issues == []
    assert (s.full_marks, s.indicator_points, s.task_points, s.reporting_points) == (100, 60, 30, 10)
    assert s.ratio_cap == 1.2
    assert s.status_fraction == {"completed": 1.0, "in_progress": 0.8, "behind": 0.4, "not_started": 0.0}
    assert (s.lead_share, s.helpers_share) == (0.7, 0.3)
    assert [(lv.name, lv.min) for lv in s.levels] == [("优秀", 90), ("良好", 80), ("合格", 60)]
    assert s.below == "不合格"


@pytest.mark.parametrize(
    ("total", "grade"),
    [(100, "优秀"), (90, "优秀"), (89.99, "良好"), (80, "良好"), (60, "合格"), (59.99, "不合格")],
)
def test_grades_follow_the_thresholds_inclusively(total, grade):
    assert parse_layers([("默认方案", default_text())]).scheme.grade(total) == grade


def test_a_plan_year_file_overrides_only_what_it_names(portal_home):
    folder = portal_home / "scoring"
    folder.mkdir()
    (folder / "JZ.toml").write_text("[indicators]\nratio_cap = 1.5\n", encoding="utf-8")
    (folder / "JZ-2025.toml").write_text(
        '[points]\nindicators = 50\ntasks = 40\n[tasks]\nstatus_source = "lead"\n', encoding="utf-8"
    )
    s = load_scheme(portal_home, "JZ", 2025).scheme
    assert (s.indicator_points, s.task_points, s.reporting_points) == (50, 40, 10)
    assert s.ratio_cap == 1.5 and s.status_source == "lead"
    assert s.sources == ("默认方案", "scoring/JZ.toml", "scoring/JZ-2025.toml")
    other_year = load_scheme(portal_home, "JZ", 2024).scheme
    assert (other_year.indicator_points, other_year.ratio_cap) == (60, 1.5)
    assert load_scheme(portal_home, "XY", 2025).scheme.ratio_cap == 1.2


def test_components_that_do_not_add_up_to_full_marks_are_refused():
    result = _with("[points]\nindicators = 50\n")
    assert result.scheme is None
    assert result.report.codes() == ["scheme-points-sum"]
    assert result.report.issues[0].message == (
        "各项分值合计 90（指标完成 50 + 任务推进 30 + 报送质量 10），不等于满分 100（默认方案 + scoring/P-2025.toml）。"
    )


def test_grade_thresholds_out_of_order_are_refused():
    text = '[[grades.levels]]\nname = "合格"\nmin = 60\n[[grades.levels]]\nname = "优秀"\nmin = 90\n'
    result = _with(text)
    assert result.report.codes() == ["scheme-grades-order"]
    assert "合格 ≥ 60、优秀 ≥ 90，其余为不合格" in result.report.issues[0].message


@pytest.mark.parametrize(
    "text",
    [
        '[[grades.levels]]\nname = "优秀"\nmin = 90\n[[grades.levels]]\nname = "良好"\nmin = 90\n',
        '[[grades.levels]]\nname = "优秀"\nmin = 120\n',
        '[grades]\nbelow = "优秀"\n[[grades.levels]]\nname = "优秀"\nmin = 90\n',
    ],
    ids=["equal-thresholds", "above-full-marks", "duplicate-name"],
)
def test_grade_levels_must_be_distinct_and_reachable(text):
    assert _with(text).report.codes() == ["scheme-grades-order"]


def test_lead_and_helper_shares_must_sum_to_one():
    result = _with("[tasks.split]\nlead = 0.8\n")
    assert result.report.codes() == ["scheme-split-sum"]
    assert result.report.issues[0].message.startswith(
        "任务分值的牵头比例 0.8 与配合比例 0.3 之和为 1.1，应为 1"
    )


def test_status_fractions_must_not_reward_being_behind_more_than_progress():
    result = _with("[tasks.status_fraction]\nbehind = 0.9\n")
    assert result.report.codes() == ["scheme-fractions-order"]
    assert "已完成 1、推进中 0.8、滞后 0.9、未启动 0" in result.report.issues[0].message


def test_unknown_keys_and_bad_values_are_each_named_with_their_file():
    result = _with(
        'ful_marks = 100\n[indicators]\nratio_cap = 0.9\n[tasks]\nstatus_source = "mine"\n'
        "[reporting]\nper_returned = -1\n[tasks.split]\nlead = true\n"
    )
    assert result.scheme is None
    assert result.report.flatten(["code", "column", "value"]) == [
        ["scheme-unknown-key", "ful_marks", None],
        ["scheme-bad-value", "indicators.ratio_cap", "0.9"],
        ["scheme-bad-value", "tasks.status_source", '"mine"'],
        ["scheme-bad-value", "tasks.split.lead", "true"],  # TOML groups [tasks.split] under [tasks]
        ["scheme-bad-value", "reporting.per_returned", "-1"],
    ]
    messages = [i.message for i in result.report.issues]
    assert messages[0] == "评分方案文件 scoring/P-2025.toml 中有未知设置项“ful_marks”。"
    assert (
        messages[1] == "评分方案文件 scoring/P-2025.toml 中“indicators.ratio_cap”的值 0.9 无效：应不小于 1。"
    )
    assert messages[2].endswith('只能是 "own"、"lead"。')
    assert messages[3].endswith("应为数字。")
    assert messages[4].endswith("应不小于 0。")


def test_a_file_that_is_not_toml_is_reported_not_raised(portal_home):
    (portal_home / "scoring").mkdir()
    (portal_home / "scoring" / "JZ-2025.toml").write_text("[points\nindicators = 60\n", encoding="utf-8")
    result = load_scheme(portal_home, "JZ", 2025)
    assert result.scheme is None
    assert result.report.codes() == ["scheme-unreadable"]
    assert result.report.issues[0].message.startswith("评分方案文件 scoring/JZ-2025.toml 不是有效的 TOML：")
    assert result.report.issues[0].hint.startswith("请检查引号、等号和方括号")


def test_grade_levels_need_a_name_and_a_minimum():
    result = _with('[[grades.levels]]\nname = "优秀"\n')
    assert result.report.flatten(["code", "column"]) == [["scheme-bad-value", "grades.levels"]]
    assert "第 1 档应恰好包含 name 和 min 两项" in result.report.issues[0].message
