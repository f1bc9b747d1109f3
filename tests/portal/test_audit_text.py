"""操作日志 in words: every action the services audit has a Chinese name, and a line's detail is
shown with Chinese keys and labelled codes, never `role=unit_reporter` or raw JSON."""

import ast
import json

import pytest

from portal.registry.admin import _action_label, audit_log_as
from portal.registry.audit_text import detail_text
from tests.actors import ADMIN
from tests.conftest import ROOT

DECISIONS = ("approve", "return")  # review.py audits f"submission.{decision}"


def _audited_actions() -> set[str]:
    """Every action code written to the audit log: the literal third argument of `.audit(...)`,
    the second of `_audit(...)` helpers and `add_audit(...)` (and the review's two decisions)."""
    found = {f"submission.{d}" for d in DECISIONS}
    for path in (ROOT / "portal").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            position = {"audit": 2, "_audit": 2, "add_audit": 2}.get(name)
            if position is None or len(node.args) <= position:
                continue
            arg = node.args[position]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.add(arg.value)
    return found


def test_the_scan_finds_the_audited_actions():
    actions = _audited_actions()
    assert {"assessment.bonus.add", "account.create", "submission.upload", "evidence.upload"} <= actions


@pytest.mark.parametrize("action", sorted(_audited_actions()))
def test_every_audited_action_has_a_chinese_name(action):
    label = _action_label(action)
    assert label != action and not any("a" <= c <= "z" for c in label), label


@pytest.mark.parametrize(
    ("detail", "shown"),
    [
        ("role=unit_reporter unit=JZKF-CXCY", "角色：单位填报员；单位：JZKF-CXCY"),
        (
            json.dumps({"from": "validated", "to": "approved", "comment": "请补充", "items": 1}),
            "原状态：已报送-待审；新状态：已通过；意见：请补充；逐项意见数：1",
        ),
        ("open→closed", "填报中 → 已截止"),
        ("id=3 points=2 reason=获评 省级平台", "编号：3；分值：2；理由：获评 省级平台"),
        ("contact: '张三' -> '李四'; active: True -> False", "联系人：张三 → 李四；启用：是 → 否"),
        ("bad-password", "密码错误"),
        ("secret=True", "含签名密钥：是"),
        ("原锁定至 2025-10-10 10:00", "原锁定至 2025-10-10 10:00"),
        (None, ""),
    ],
)
def test_an_audit_detail_is_shown_in_words(detail, shown):
    assert detail_text(detail) == shown


def test_the_audit_log_carries_the_detail_in_words_beside_the_stored_one(demo_portal):
    with demo_portal.warehouse.transaction() as con:
        demo_portal.audit(con, "boss", "account.create", "rep9", "role=unit_reporter unit=JZKF-CXCY")
        demo_portal.audit(
            con, "eval1", "assessment.bonus.add", "JZ/2025/JZKF-CXCY", "id=1 points=2 reason=获奖"
        )
    log = audit_log_as(demo_portal, ADMIN, limit=2)
    rows = {r["action"]: r for r in log.iter_rows(named=True)}
    assert rows["account.create"]["detail"] == "role=unit_reporter unit=JZKF-CXCY"  # stored as written
    assert rows["account.create"]["detail_text"] == "角色：单位填报员；单位：JZKF-CXCY"
    assert rows["assessment.bonus.add"]["action_label"] == "录入加分项"
    assert rows["assessment.bonus.add"]["detail_text"] == "编号：1；分值：2；理由：获奖"
