"""What the permission table means, case by case. Every action × role against its real use case is
the authorization walk (tests/portal/test_authorization_walk.py); these are the decisions worth
stating in words, so a change to them is a visible choice."""

import pytest

from portal.accounts.auth import Account, system_actor
from portal.core.permissions import (
    ACTIONS,
    PermissionDenied,
    allowed,
    require,
    require_record,
    unit_scope,
)
from schemas.enums import Role

OWN_UNIT, OTHER_UNIT = "JZKF-CXCY", "JZKF-JFJ"
REPORTER = Account("rep1", "填报员", Role.UNIT_REPORTER, OWN_UNIT)
OFFICE = Account("office1", "办公室", Role.OFFICE_REVIEWER, None)
EVALUATOR = Account("eval1", "考核组", Role.EVALUATOR, None)
ADMIN = Account("boss", "管理员", Role.ADMIN, None)
# Decisions about a unit's submissions and scores: the people who report, review and score take them.
WORKFLOW_DECISIONS = [
    "upload.submit",
    "upload.after_close",
    "submission.review",
    "evidence.upload",
    "extension.grant",
    "extension.revoke",
    "assessment.adjust",
    "assessment.configure",
    "assessment.self_score",
]


def test_every_action_has_a_chinese_label():
    for action in ACTIONS.values():
        assert action.label and not action.label.isascii(), action.code


def test_a_unit_reporter_cannot_review_even_its_own_units_submission():
    with pytest.raises(PermissionDenied) as refused:
        require(REPORTER, "submission.review", OWN_UNIT)
    assert refused.value.message == "无权审核报送（通过或退回）：您的角色（单位填报员）没有此权限。"


def test_a_reporters_own_grant_refuses_another_units_record_exactly_like_a_missing_id():
    require_record(REPORTER, "submission.view", OWN_UNIT)  # its own: allowed
    with pytest.raises(PermissionDenied) as other:
        require_record(REPORTER, "submission.view", OTHER_UNIT)
    with pytest.raises(PermissionDenied) as missing:
        require_record(REPORTER, "submission.view", None)
    assert other.value.message == missing.value.message
    assert other.value.message == "无权查看报送记录和校验报告：您只能访问本单位（JZKF-CXCY）的数据。"


def test_the_office_learns_that_an_id_is_missing_rather_than_being_refused():
    require_record(OFFICE, "submission.review", None)  # passes: the use case then says "不存在"


@pytest.mark.parametrize("action", WORKFLOW_DECISIONS)
def test_an_administrator_takes_no_workflow_decision(action):
    assert not allowed(ADMIN, action, OWN_UNIT)
    assert not allowed(system_actor(), action, OWN_UNIT)


def test_the_system_actor_may_import_the_registry_as_an_administrator_would():
    assert system_actor().role == Role.ADMIN and allowed(system_actor(), "registry.import")


def test_only_the_evaluator_enters_bonus_items():
    assert [a.username for a in (REPORTER, OFFICE, EVALUATOR, ADMIN) if allowed(a, "assessment.adjust")] == [
        "eval1"
    ]


def test_a_reporter_bound_to_no_unit_gets_nothing_scoped():
    unbound = Account("ghost", "无单位", Role.UNIT_REPORTER, None)
    assert not allowed(unbound, "submission.view", None)
    assert not allowed(unbound, "submission.view", OWN_UNIT)


def test_no_account_is_asked_to_sign_in():
    with pytest.raises(PermissionDenied, match="请先登录"):
        require(None, "overview.view")


def test_unit_scope_limits_reporters_to_their_unit_and_leaves_others_unlimited():
    assert unit_scope(REPORTER, "submission.view") == OWN_UNIT
    assert unit_scope(OFFICE, "submission.view") is None
    with pytest.raises(PermissionDenied):
        unit_scope(REPORTER, "completion.view")


def test_an_action_missing_from_the_table_is_a_programming_error():
    with pytest.raises(KeyError, match="add it to portal.permissions"):
        require(ADMIN, "submission.delete")
