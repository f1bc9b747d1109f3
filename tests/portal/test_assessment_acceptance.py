"""Acceptance of issue 16: a 评分细则 as offices publish it, scored exactly as by hand.

The table (written below as a scheme file, over the shipped default):

  考核内容        分值  评分标准
  指标 K1          30   完成率 ≥100% 得满分,80–100% 得 80%,60–80% 得 50%,低于 60% 不得分
  指标 K2          20   完成得满分,未完成不得分
  重点任务         30   每项 15 × 权重;按序时进度推进得满分,滞后的按 填报进度 ÷ 序时进度 得分
  报送质量         10   迟报每天扣 0.5
  工作创新(定性)  10   考核评价员评分
  扣分 DB 督办事项逾期  每次扣 2 分,合计不超过 3 分
  一票否决:数据造假 → 不合格;优秀不超过 34%(3 个单位 → 1 个)

By hand:
  U1 部门甲  K1 105% → 30;K2 100% → 20;T1 (15 × 2 = 30) 进度 80% ≥ 序时 75% → 30;
             按时报送 10;工作创新 8                                   → 98.00  优秀  第 1 名
  U2 部门乙  K1 100% → 30;K2 100% → 20;T2 (30) 进度 60% ÷ 序时 75% = 0.8 → 24;
             按时报送 10;工作创新 10;DB 两次 2 + 2 = 4,封顶 3 → −3
             50 + 24 + 10 + 10 − 3                                     → 91.00  ≥ 90 但优秀名额
             已满(1 个),按名次顺延为 良好                                          第 2 名
  U3 部门丙  K1 65% → 30 × 0.5 = 15;K2 100% → 20;T3 (15) 已完成 → 15;
             迟报 2 天 → 10 − 1 = 9;工作创新 6
             35 + 15 + 9 + 6                                           → 65.00  合格,但一票否决
             (数据造假) → 不合格                                                     第 3 名
"""

import datetime as dt

import polars as pl
import pytest

from portal.assessment.scheme import default_text, parse_layers
from portal.assessment.scoring import Facts, score, unit_scores

PUBLISHED = """
full_marks = 100

[[qualitative]]
name = "工作创新"
points = 10

[[deductions]]
code = "DB"
name = "督办事项逾期"
points = 2
max_total = 3

[points]
indicators = 50
tasks = 30
reporting = 10

[indicators]
item_points = 0
rule = "bands"
bands = [{ min = 1.0, fraction = 1.0 }, { min = 0.8, fraction = 0.8 }, { min = 0.6, fraction = 0.5 }]

[indicators.items."K1"]
points = 30

[indicators.items."K2"]
points = 20
rule = "pass_fail"

[tasks]
item_points = 15
measure = "schedule"
rule = "linear"
floor = 0

[reporting]
per_late_day = 0.5

[veto]
reasons = ["数据造假"]
grade = "不合格"

[ranking]
by = "all"

[grades]
quota = { "优秀" = 0.34 }
"""

AT = dt.datetime(2026, 1, 20, 9, 0)


def _entry(i, unit, item, points=None, reason="见督办通报"):
    return {
        "id": i,
        "unit": unit,
        "item": item,
        "points": points,
        "reason": reason,
        "entered_by": "evaluator",
        "entered_at": AT + dt.timedelta(minutes=i),
    }


def _task(unit, item, weight, status, percent):
    return {
        "unit": unit,
        "item": item,
        "role": "lead",
        "weight": weight,
        "helpers": 0,
        "status": status,
        "percent": percent,
        "expected_percent": 75.0,
        "round": "2025Q3",
        "submission_id": 40,
        "sheet_row": 5,
    }


def _round(unit, days_late):
    return {
        "unit": unit,
        "round": "2025Q3",
        "due_date": dt.date(2025, 10, 15),
        "submitted_at": AT,
        "days_late": days_late,
        "returns": 0,
        "due_passed": True,
    }


@pytest.fixture(scope="module")
def scored():
    result = parse_layers([("默认方案", default_text()), ("scoring/ACC-2025.toml", PUBLISHED)])
    assert result.report.issues == [], [i.message for i in result.report.issues]
    ratios = {
        ("U1", "K1"): 1.05,
        ("U1", "K2"): 1.0,
        ("U2", "K1"): 1.0,
        ("U2", "K2"): 1.0,
        ("U3", "K1"): 0.65,
        ("U3", "K2"): 1.0,
    }
    facts = Facts(
        units=pl.DataFrame(
            {"unit": ["U1", "U2", "U3"], "name": ["部门甲", "部门乙", "部门丙"], "kind": ["department"] * 3}
        ),
        indicators=[
            {
                "unit": u,
                "item": k,
                "weight": 1.0,
                "ratio": r,
                "round": "2025Q3",
                "submission_id": 40,
                "cell": "F7",
            }
            for (u, k), r in ratios.items()
        ],
        tasks=[
            _task("U1", "T1", 2, "in_progress", 80),
            _task("U2", "T2", 2, "behind", 60),
            _task("U3", "T3", 1, "completed", 100),
        ],
        rounds=[_round("U1", 0), _round("U2", 0), _round("U3", 2)],
        deductions=[_entry(1, "U2", "DB", 2.0), _entry(2, "U2", "DB", 2.0)],
        vetoes=[_entry(3, "U3", "数据造假", reason="核查发现指标数据虚报")],
        qualitative=[
            _entry(4, "U1", "工作创新", 8.0),
            _entry(5, "U2", "工作创新", 10.0),
            _entry(6, "U3", "工作创新", 6.0),
        ],
    )
    return result.scheme, unit_scores(score(facts, result.scheme))


def test_the_published_table_scores_as_computed_by_hand(scored):
    _, units = scored
    got = [
        (
            u.unit,
            u.indicator_score,
            u.task_score,
            u.reporting_score,
            u.qualitative,
            u.deducted,
            u.total,
            u.rank,
            u.grade,
            u.vetoed,
        )
        for u in units
    ]
    assert got == [
        ("U1", 50.0, 30.0, 10.0, 8.0, 0.0, 98.0, 1, "优秀", False),
        ("U2", 50.0, 24.0, 10.0, 10.0, 3.0, 91.0, 2, "良好", False),
        ("U3", 35.0, 15.0, 9.0, 6.0, 0.0, 65.0, 3, "不合格", True),
    ]


def test_the_quota_and_the_veto_are_noted_on_the_unit(scored):
    _, units = scored
    notes = {u.unit: u.note for u in units}
    assert notes["U2"] == "优秀名额 1 个（本组 3 个单位的 34%），按名次顺延为良好"
    assert notes["U3"] == "一票否决（数据造假），等次定为不合格"


def test_each_line_names_its_rule_points_and_source(scored):
    _, units = scored
    u2 = {
        (line.component, line.item): line
        for line in units[1].component("indicators")
        + units[1].component("tasks")
        + units[1].component("deductions")
    }
    k2 = u2[("indicators", "K2")]
    assert (k2.rule, k2.points, k2.score) == ("pass_fail", 20.0, 20.0)
    assert k2.basis.startswith("报送记录 40（2025Q3）“指标填报”表 F7 单元格：完成率 100%")
    t2 = u2[("tasks", "T2")]
    assert (t2.points, t2.completion, t2.score) == (30.0, pytest.approx(0.8), pytest.approx(24.0))
    assert "第 5 行：填报进度 60%，序时进度 75%" in t2.basis
    second = [line for line in units[1].component("deductions")][1]
    assert second.score == -1.0 and second.basis.endswith("扣 1 分（该项合计不超过 3 分）")
