"""The authorization matrix (issue 9): every service action × every role, asserted exactly.

EXPECTED repeats portal.permissions' table on purpose: adding an action, or changing who may do
it, fails here until the decision is written down twice.
"""

import pytest

from portal.accounts.auth import Account
from portal.core.permissions import ACTIONS, PermissionDenied, allowed, grant, require, unit_scope
from schemas.enums import Role

R, E, A = Role.UNIT_REPORTER, Role.EVALUATOR, Role.ADMIN

# action: (unit reporter, office reviewer, evaluator, admin); own = only the account's own unit.
EXPECTED = {
    "overview.view": ("own", "all", "all", "all"),
    "account.change_password": ("all", "all", "all", "all"),
    "template.download": ("own", "all", "no", "all"),
    "upload.submit": ("own", "all", "no", "no"),
    "upload.after_close": ("no", "all", "no", "no"),
    "submission.view": ("own", "all", "all", "all"),
    "submission.download": ("own", "all", "all", "all"),
    "submission.review": ("no", "all", "no", "no"),
    "evidence.upload": ("own", "all", "no", "no"),
    "evidence.download": ("own", "all", "all", "all"),
    "extension.grant": ("no", "all", "no", "no"),
    "round.manage": ("no", "all", "no", "all"),
    "registry.import": ("no", "all", "no", "all"),
    "registry.export": ("no", "all", "all", "all"),
    "unit.manage": ("no", "all", "no", "all"),
    "completion.view": ("no", "all", "all", "all"),
    "completion.export": ("no", "all", "all", "all"),
    "kpi.view": ("no", "all", "all", "all"),
    "task_progress.view": ("no", "all", "all", "all"),
    "assessment.view": ("no", "all", "all", "all"),
    "assessment.configure": ("no", "no", "all", "no"),
    "assessment.adjust": ("no", "no", "all", "no"),
    "assessment.export": ("no", "all", "all", "all"),
    "bulletin.export": ("no", "all", "all", "all"),
    "outbox.view": ("no", "all", "no", "all"),
    "account.manage": ("no", "no", "no", "all"),
    "audit.view": ("no", "no", "no", "all"),
    "backup.create": ("no", "no", "no", "all"),
    "backup.download": ("no", "no", "no", "all"),
    "backup.restore": ("no", "no", "no", "all"),
}
ROLES = [R, Role.OFFICE_REVIEWER, E, A]
OWN_UNIT, OTHER_UNIT = "JZKF-CXCY", "JZKF-JFJ"


def account_for(role: Role) -> Account:
    return Account(f"t-{role}", "测试", role, OWN_UNIT if role == R else None)


def test_the_table_has_exactly_the_expected_actions():
    assert set(ACTIONS) == set(EXPECTED)


def test_every_action_has_a_chinese_label():
    for action in ACTIONS.values():
        assert action.label and not action.label.isascii(), action.code


@pytest.mark.parametrize("action", sorted(EXPECTED))
@pytest.mark.parametrize("role", ROLES, ids=str)
def test_every_action_and_role_has_the_decided_grant(action, role):
    expected = EXPECTED[action][ROLES.index(role)]
    assert grant(role, action) == expected
    account = account_for(role)
    # What the grant means when a service asks: for its own unit, another unit, and all units.
    assert allowed(account, action, OWN_UNIT) == (expected in ("own", "all"))
    assert allowed(account, action, OTHER_UNIT) == (expected == "all")
    assert allowed(account, action) == (expected == "all")


def test_only_unit_reporters_hold_own_unit_grants():
    for action, grants in EXPECTED.items():
        assert "own" not in grants[1:], action


def test_a_reporter_asking_for_another_units_data_is_refused_in_chinese():
    with pytest.raises(PermissionDenied) as refused:
        require(account_for(R), "submission.view", OTHER_UNIT)
    assert refused.value.message == "无权查看报送记录和校验报告:您只能访问本单位(JZKF-CXCY)的数据。"
    assert refused.value.action == "submission.view"


def test_a_role_without_the_grant_is_told_its_role():
    with pytest.raises(PermissionDenied) as refused:
        require(account_for(E), "submission.review")
    assert refused.value.message == "无权审核报送(通过或退回):您的角色(考核评价员)没有此权限。"


def test_a_reporter_bound_to_no_unit_gets_nothing_scoped():
    unbound = Account("ghost", "无单位", R, None)
    assert not allowed(unbound, "submission.view", None)
    assert not allowed(unbound, "submission.view", OWN_UNIT)


def test_no_account_is_asked_to_sign_in():
    with pytest.raises(PermissionDenied, match="请先登录"):
        require(None, "overview.view")


def test_unit_scope_limits_reporters_to_their_unit_and_leaves_others_unlimited():
    assert unit_scope(account_for(R), "submission.view") == OWN_UNIT
    assert unit_scope(account_for(Role.OFFICE_REVIEWER), "submission.view") is None
    with pytest.raises(PermissionDenied):
        unit_scope(account_for(R), "completion.view")


def test_an_action_missing_from_the_table_is_a_programming_error():
    with pytest.raises(KeyError, match="add it to portal.permissions"):
        require(account_for(A), "submission.delete")
