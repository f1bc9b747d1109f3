"""The scheme editor's tables: the same file as the TOML scheme, the same checks, nothing written
when anything is refused; and the 评分标准 sentence each rule prints as on the 考核表."""

import tomllib

import pytest

from portal.assessment.scheme import (
    Band,
    Rule,
    criterion,
    default_text,
    load_scheme,
    parse_layers,
    task_criterion,
)
from portal.assessment.scheme_editor import (
    save_scheme_tables_as,
    scheme_tables_as,
    tables_from_values,
    toml_text,
    values_from_tables,
)
from portal.core import labels as L
from tests.actors import EVALUATOR

DEFAULT = parse_layers([("默认方案", default_text())]).scheme


def _round_trip(values: dict) -> dict:
    text = toml_text(values_from_tables(tables_from_values(values)))
    parsed = parse_layers([("编辑器", text)])
    assert parsed.report.ok, [i.message for i in parsed.report.errors]
    return parsed.scheme.values


def test_the_default_scheme_round_trips_through_the_tables_alone():
    # the written file stands on its own: parsed without the default under it, it is the default
    assert _round_trip(DEFAULT.values) == DEFAULT.values


def test_item_overrides_quotas_groups_and_lists_round_trip():
    text = (
        '[points]\nindicators = 55\n[[qualitative]]\nname = "工作创新"\npoints = 5\n'
        '[indicators.items."JZ-1"]\npoints = 12\nrule = "pass_fail"\n'
        '[indicators.items."JZ 2"]\nfloor = 0.5\nbands = [{ min = 1.0, fraction = 1.0 }]\n'
        '[tasks.items."JZ-3.2.1"]\npoints = 6\n'
        '[ranking]\nby = "groups"\n[ranking.groups]\n"部门" = ["department", "agency"]\n"园区" = ["park"]\n'
    )
    values = parse_layers([("默认方案", default_text()), ("x", text)]).scheme.values
    assert values["indicators.items.JZ 2"]["bands"] == [{"min": 1.0, "fraction": 1.0}]
    assert _round_trip(values) == values


def test_a_table_row_left_blank_is_dropped_and_labels_become_codes():
    t = tables_from_values(DEFAULT.values)
    assert t.components[0]["rule"] == "分档计分" and t.general["tasks.measure"] == "对照序时进度"
    t.deductions.append({"code": None, "name": float("nan"), "points": None, "max_total": None})
    t.components[1]["rule"] = "完成得满分"
    data = values_from_tables(t)
    assert [d["code"] for d in data["deductions"]] == ["DB", "TB"]
    assert data["tasks"]["rule"] == "pass_fail"


@pytest.fixture
def portal(demo_portal):
    return demo_portal


def _scheme_file(portal):
    return portal.settings.home / "scoring" / "JZ-2025.toml"


def test_a_valid_edit_is_saved_as_the_plan_years_file_and_scores_with_it(portal):
    t = scheme_tables_as(portal, EVALUATOR, "JZ", 2025).tables
    t.general["reporting.per_late_day"] = 0.5
    t.deductions.append({"code": "HP", "name": "红牌警示", "points": 3, "max_total": 6})
    outcome = save_scheme_tables_as(portal, EVALUATOR, "JZ", 2025, t)
    assert outcome.ok, outcome.message
    saved = tomllib.loads(_scheme_file(portal).read_text(encoding="utf-8"))
    assert saved["reporting"]["per_late_day"] == 0.5
    scheme = load_scheme(portal.settings.home, "JZ", 2025).scheme
    assert scheme.per_late_day == 0.5 and scheme.deduction("HP").max_total == 6
    # the editor opens again on what was saved
    again = scheme_tables_as(portal, EVALUATOR, "JZ", 2025).tables
    assert again.general["reporting.per_late_day"] == 0.5 and again.deductions[-1]["code"] == "HP"


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda t: t.bands.__setitem__(1, {**t.bands[1], "fraction": 1.5}), "【指标完成·分档】"),
        (lambda t: t.general.__setitem__("points.indicators", 70.0), "各项分值合计 110"),
        (lambda t: t.levels.append({"name": "优秀", "min": 95}), "等次分数线"),
        (
            lambda t: t.deductions.append({"code": "DB", "name": "重复", "points": 1, "max_total": 2}),
            "“DB”与前面重复",
        ),
        (lambda t: t.general.__setitem__("veto.grade", "差"), "【一票否决后的等次】"),
        (lambda t: t.quota.clear(), "【等次名额比例“优秀”】该项来自默认方案"),
    ],
)
def test_an_invalid_edit_is_refused_naming_the_field_and_nothing_is_written(portal, edit, words):
    t = scheme_tables_as(portal, EVALUATOR, "JZ", 2025).tables
    edit(t)
    outcome = save_scheme_tables_as(portal, EVALUATOR, "JZ", 2025, t)
    assert not outcome.ok and outcome.message.startswith(L.SCHEME_NOT_SAVED)
    assert words in outcome.message, outcome.message
    assert not _scheme_file(portal).exists()


def test_the_bands_refusal_names_the_key_too(portal):
    t = scheme_tables_as(portal, EVALUATOR, "JZ", 2025).tables
    t.bands[1]["fraction"] = 1.5
    outcome = save_scheme_tables_as(portal, EVALUATOR, "JZ", 2025, t)
    assert "“indicators.bands”" in outcome.message and "fraction" in outcome.message


def test_a_toml_syntax_error_is_told_in_chinese_with_line_and_column():
    report = parse_layers(
        [("默认方案", default_text()), ("scoring/JZ.toml", "[points]\nindicators 60\n")]
    ).report
    (issue,) = report.errors
    assert "第 2 行第 12 列附近：键后面缺少等号“=”" in issue.message
    assert "Expected" not in issue.message and "line" not in issue.message
    (end,) = parse_layers([("x", 'full_marks = "100')]).report.errors
    assert "文件末尾附近：文字缺少结尾的英文双引号" in end.message


# --- 评分标准 ------------------------------------------------------------------------------------

BANDS = Rule("bands", 0.0, (Band(1.0, 1.0), Band(0.8, 0.8), Band(0.6, 0.5)))


@pytest.mark.parametrize(
    ("rule", "cap", "sentence"),
    [
        (BANDS, None, "完成率≥100%得满分，80%–100%得80%，60%–80%得50%，低于60%不得分"),
        (Rule("bands", 0.0, (Band(1.2, 1.0), Band(0.0, 0.6))), None, "完成率≥120%得满分，0%–120%得60%"),
        (Rule("linear", 0.6), 1.2, "按完成率计分（完成率×分值），完成率最高按120%计，低于60%不得分"),
        (Rule("linear", 0.0), 1.0, "按完成率计分（完成率×分值）"),
        (Rule("pass_fail"), None, "完成率达到100%得满分，未达到不得分"),
    ],
)
def test_each_rule_reads_as_a_published_scoring_standard(rule, cap, sentence):
    assert criterion(rule, ratio_cap=cap) == sentence


def test_a_tasks_standard_says_how_completion_is_measured():
    assert task_criterion(BANDS, DEFAULT) == (
        "已完成或进度达到序时进度的得满分；落后的，完成度＝填报进度÷序时进度，"
        "完成度≥100%得满分，80%–100%得80%，60%–80%得50%，低于60%不得分"
    )
    assert task_criterion(Rule("linear", 0.5), DEFAULT) == (
        "已完成或进度达到序时进度的得满分；落后的按填报进度÷序时进度的比例计分，低于50%不得分"
    )
    by_status = parse_layers(
        [("默认方案", default_text()), ("x", '[tasks]\nmeasure = "status"\nrule = "linear"\n')]
    ).scheme
    assert task_criterion(by_status.task_rule, by_status) == (
        "按填报状态折算完成度（已完成 1、推进中 0.8、滞后 0.4、未启动 0），按完成度计分（完成度×分值）"
    )
