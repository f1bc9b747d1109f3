"""Who may do what: one table of service actions × roles, with the unit scope in the same cell.

Every use case takes an actor (an `Account`: a signed-in person, a `--user` of the command line,
or `system_actor()` for the platform's own work) and calls `require(account, action, unit)` before
it touches the warehouse, so neither a page nor the CLI can forget a check. A cell is one of:

- `NO`  — refused;
- `OWN` — allowed only for the account's own unit (unit reporters: they never see or touch
  another unit's data, whatever page or parameter asks);
- `ALL` — allowed for any unit (or for no unit at all).

A new action must be added here with a decision for every role; the authorization walk
(tests/portal/test_authorization_walk.py) must name a real call for it and runs it as every role.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from portal.core.errors import NotFound, Refused
from portal.core.scope import PLATFORM, UNIT_ROLES, Scope
from schemas.enums import Role


class Grant(StrEnum):
    NO = "no"
    OWN = "own"
    ALL = "all"


NO, OWN, ALL = Grant.NO, Grant.OWN, Grant.ALL


@dataclass(frozen=True)
class Action:
    code: str
    label: str  # what the person tried to do, in Chinese: "无权{label}"
    reporter: Grant
    leader: Grant
    office: Grant
    evaluator: Grant
    admin: Grant
    # ALL means "within the account's scope" (portal.core.scope). `act`: the action changes data,
    # so it needs the offices the account works for, not those it only reads below them.
    act: bool = False
    # `platform`: it works on the whole platform (the quarterly calendar, backups, the audit log),
    # so only an account whose scope is the platform may do it.
    platform: bool = False

    def grant(self, role: Role) -> Grant:
        return {
            Role.UNIT_REPORTER: self.reporter,
            Role.UNIT_LEADER: self.leader,
            Role.OFFICE_REVIEWER: self.office,
            Role.EVALUATOR: self.evaluator,
            Role.ADMIN: self.admin,
        }[role]


R, W, P = False, True, "platform"  # the scope column: reads, acts, or acts on the whole platform


def _a(
    code: str,
    label: str,
    scope,
    reporter: Grant,
    leader: Grant,
    office: Grant,
    evaluator: Grant,
    admin: Grant,
):
    return Action(
        code, label, reporter, leader, office, evaluator, admin, act=scope is not R, platform=scope == P
    )


# Reading: office and evaluator see their scope (their offices and below); the evaluator only
# reads and scores; admin reads it and runs accounts, rounds, registry and backups, but takes no
# workflow decision (no uploads, reviews or scores) so duties stay separate. The unit's sign-off
# account (leader) reads its unit's submissions and confirms or sends back its clerk's upload.
# A unit's 自评分 may be entered by its clerk or its sign-off account (a unit need not have one);
# evaluators read it beside the score (assessment.view), never enter it for the unit.
# 问题库: the office that runs the plan takes a problem up, 交办 it, 销号 or 退回 it; the unit it is
# assigned to (clerk or sign-off account) answers; upper offices, evaluators and admins read.
# A template is the form of an upload (signed, with the issuing office in its header): it is
# handed out by the office that runs the unit's plans, not by an office reading from above.
# Open data (issue 21): the API and `portal export` read the shared tables within the account's
# scope; a unit's own accounts have their pages, not the open tables (no token for them). Tokens
# are issued by a platform admin (or the server's operator on the command line).
# fmt: off
_ACTIONS = [
    #  code                       label                   scope reporter leader office evaluator admin
    _a("overview.view",           "查看概览",                 R, OWN, OWN, ALL, ALL, ALL),
    _a("account.change_password", "修改本人密码",             R, ALL, ALL, ALL, ALL, ALL),
    _a("template.download",       "下载填报模板",             W, OWN, OWN, ALL, NO,  ALL),
    _a("upload.submit",           "上传填报数据",             W, OWN, NO,  ALL, NO,  NO),
    _a("upload.after_close",      "在轮次截止后补报数据",       W, NO,  NO,  ALL, NO,  NO),
    _a("submission.view",         "查看报送记录和校验报告",     R, OWN, OWN, ALL, ALL, ALL),
    _a("submission.download",     "下载报送原件",             R, OWN, OWN, ALL, ALL, ALL),
    _a("submission.review",       "审核报送（通过或退回）",     W, NO,  NO,  ALL, NO,  NO),
    _a("submission.sign_off",     "单位审核报送",             W, NO,  OWN, NO,  NO,  NO),
    _a("evidence.upload",         "上传佐证材料",             W, OWN, NO,  ALL, NO,  NO),
    _a("evidence.download",       "下载佐证材料",             R, OWN, OWN, ALL, ALL, ALL),
    _a("extension.grant",         "批准延期报送",             W, NO,  NO,  ALL, NO,  NO),
    _a("extension.revoke",        "撤销延期",                 W, NO,  NO,  ALL, NO,  NO),
    _a("round.manage",            "管理调度轮次",             P, NO,  NO,  ALL, NO,  ALL),
    _a("registry.import",         "导入任务分解表",           W, NO,  NO,  ALL, NO,  ALL),
    _a("registry.export",         "导出任务分解表",           R, NO,  NO,  ALL, ALL, ALL),
    _a("unit.manage",             "管理责任单位",             W, NO,  NO,  ALL, NO,  ALL),
    _a("completion.view",         "查看报送完成情况",         R, NO,  NO,  ALL, ALL, ALL),
    _a("completion.export",       "导出催报名单",             R, NO,  NO,  ALL, ALL, ALL),
    _a("kpi.view",                "查看指标监测",             R, NO,  NO,  ALL, ALL, ALL),
    _a("task_progress.view",      "查看任务进展",             R, NO,  NO,  ALL, ALL, ALL),
    _a("rollup.view",             "查看下级汇总",             R, NO,  NO,  ALL, ALL, ALL),
    _a("lists.view",              "查看名单、企业培育库和重点项目", R, OWN, OWN, ALL, ALL, ALL),
    _a("lists.double_counts",     "查看名单重复计数",         R, NO,  NO,  ALL, ALL, ALL),
    _a("assessment.view",         "查看年度考核结果",         R, NO,  NO,  ALL, ALL, ALL),
    _a("assessment.configure",    "配置考核方案",             W, NO,  NO,  NO,  ALL, NO),
    _a("assessment.adjust",       "录入考核加分项、扣分项、一票否决和定性评分", W, NO, NO, NO, ALL, NO),
    _a("assessment.self_score",   "填报本单位年度考核自评分",  W, OWN, OWN, NO,  NO,  NO),
    _a("assessment.export",       "导出年度考核表",           R, NO,  NO,  ALL, ALL, ALL),
    _a("assessment.publicity",    "查看考核公示结果和异议",    R, OWN, OWN, ALL, ALL, ALL),
    _a("assessment.object",       "对考核结果提出异议",       W, OWN, OWN, NO,  NO,  NO),
    _a("assessment.publish",      "公示、定稿或重新评定考核结果", W, NO, NO, NO, ALL, NO),
    _a("assessment.answer",       "答复考核异议",             W, NO,  NO,  NO,  ALL, NO),
    _a("bulletin.export",         "导出季度通报",             R, NO,  NO,  ALL, ALL, ALL),
    _a("bulletin.configure",      "调整季度通报摘录规则",     W, NO,  NO,  ALL, ALL, NO),
    _a("problem.view",            "查看问题库",               R, OWN, OWN, ALL, ALL, ALL),
    _a("problem.manage",          "立项、交办、销号或退回问题", W, NO,  NO,  ALL, NO,  NO),
    _a("problem.answer",          "答复交办的问题",           W, OWN, OWN, NO,  NO,  NO),
    _a("outbox.view",             "查看通知发送记录",         R, NO,  NO,  ALL, NO,  ALL),
    _a("reminder.send",           "发送催报通知",             W, NO,  NO,  ALL, NO,  ALL),
    _a("account.manage",          "管理账号",                 W, NO,  NO,  NO,  NO,  ALL),
    _a("audit.view",              "查看操作日志",             P, NO,  NO,  NO,  NO,  ALL),
    _a("backup.create",           "创建备份",                 P, NO,  NO,  NO,  NO,  ALL),
    _a("backup.download",         "下载备份",                 P, NO,  NO,  NO,  NO,  ALL),
    _a("backup.restore",          "从备份恢复",               P, NO,  NO,  NO,  NO,  ALL),
    _a("data.read",               "读取开放数据（接口和开放导出）", R, NO, NO, ALL, ALL, ALL),
    _a("token.manage",            "管理接口令牌",             P, NO,  NO,  NO,  NO,  ALL),
]
# fmt: on

ACTIONS: dict[str, Action] = {a.code: a for a in _ACTIONS}


class PermissionDenied(Refused):
    """Refused by the table; `message` is Chinese and safe to show to the person."""

    def __init__(self, message: str, action: str):
        super().__init__(message)
        self.action = action


class OutOfScope(PermissionDenied, NotFound):
    """An id outside the account's scope: refused in the words used for an id that does not exist."""


def missing_unit(unit: str) -> str:
    """The words for a unit code that does not exist, or is outside the caller's scope."""
    return f"单位“{unit}”不存在或不在您的管辖范围内，请核对单位代码。"


def missing_plan(plan: str) -> str:
    """The words for a plan code that does not exist, or is outside the caller's scope."""
    return f"规划“{plan}”不存在或不在您的管辖范围内，请核对规划代码。"


def _action(code: str) -> Action:
    try:
        return ACTIONS[code]
    except KeyError:
        # A programming error, not a user's: every action a service checks must be in the table.
        raise KeyError(f"unknown action {code!r}: add it to portal.permissions._ACTIONS") from None


def grant(role: Role, action: str) -> Grant:
    return _action(action).grant(Role(role))


def scope_of(account) -> Scope:
    """The account's scope; one built in code without a scope (tests, the server operator) is
    its unit for unit roles and the platform for the others."""
    scope = getattr(account, "scope", None)
    if scope is not None:
        return scope
    if Role(account.role) in UNIT_ROLES:
        own = frozenset({account.unit}) if account.unit else frozenset()
        return Scope((), frozenset(), frozenset(), frozenset(), frozenset(), own, own)
    return PLATFORM


def allowed(account, action: str, unit: str | None = None, plan: str | None = None) -> bool:
    try:
        require(account, action, unit, plan)
    except PermissionDenied:
        return False
    return True


def require(account, action: str, unit: str | None = None, plan: str | None = None) -> None:
    """Raise PermissionDenied unless `account` may do `action` (on `unit`'s or `plan`'s data, when given).

    For an OWN grant the unit must be named and be the account's own: asking without a unit
    means "all units", which only ALL grants. For an ALL grant a named unit or plan must be in the
    account's scope (acting needs its own offices; reading includes the offices below): one it
    cannot even read is refused as OutOfScope, in the words for a code that does not exist.
    Without a unit, a listing must still be limited with `visible_units` / `visible_plans`.
    """
    spec = _action(action)
    if account is None:
        raise PermissionDenied("请先登录。", action)
    role = Role(account.role)
    granted = spec.grant(role)
    if granted is NO:
        raise PermissionDenied(f"无权{spec.label}：您的角色（{role.label}）没有此权限。", action)
    scope = scope_of(account)
    if spec.platform and not scope.platform:
        raise PermissionDenied(
            f"无权{spec.label}：此操作作用于全平台，只有全平台范围的账号可以进行。", action
        )
    if granted is OWN:
        if account.unit and unit == account.unit:
            return
        own = f"（{account.unit}）" if account.unit else ""
        raise PermissionDenied(f"无权{spec.label}：您只能访问本单位{own}的数据。", action)
    if unit is not None:
        if not scope.has_unit(unit):
            raise OutOfScope(missing_unit(unit), action)
        if spec.act and not scope.has_unit(unit, act=True):
            raise PermissionDenied(
                f"无权{spec.label}：单位“{unit}”属于下级办公室管理，您的账号对其只读。", action
            )
    if plan is not None:
        if not scope.has_plan(plan):
            raise OutOfScope(missing_plan(plan), action)
        if spec.act and not scope.has_plan(plan, act=True):
            raise PermissionDenied(
                f"无权{spec.label}：规划“{plan}”由下级办公室负责，您的账号对其只读。", action
            )


def require_record(account, action: str, unit: str | None, missing: str | None = None) -> None:
    """`require` for a record looked up by id: `unit` is the record's unit, or None when no record
    has that id. An account limited to its own unit is refused in both cases with the same words
    (ids cannot be probed). For the other roles a record outside the scope is refused with
    NotFound(`missing`), the words the caller uses for an id that does not exist; with no
    `missing` given, the caller reports a missing id itself."""
    spec = _action(action)
    if account is not None and spec.grant(Role(account.role)) is ALL:
        readable = unit is not None and scope_of(account).has_unit(unit)
        if unit is not None and not readable:
            raise OutOfScope(missing or missing_unit(unit), action)
        if unit is None:
            require(account, action)  # the role's refusal first, then the missing id
            if missing:
                raise OutOfScope(missing, action)
            return
    if unit is not None:
        require(account, action, unit)
    elif unit_scope(account, action) is not None:
        require(account, action, "")  # raises: the same words as for another unit's record


def visible_units(account, action: str) -> frozenset[str] | None:
    """The units a listing for `action` must be limited to (None: every unit); PermissionDenied
    for a role without the grant. Acting actions give the units the account may act on."""
    spec = _action(action)
    require(account, action, account.unit if account and spec.grant(Role(account.role)) is OWN else None)
    if spec.grant(Role(account.role)) is OWN:
        return frozenset({account.unit})
    return scope_of(account).units(spec.act)


def visible_plans(account, action: str) -> frozenset[str] | None:
    """The plans a listing for `action` must be limited to (None: every plan)."""
    spec = _action(action)
    require(account, action, account.unit if account and spec.grant(Role(account.role)) is OWN else None)
    return scope_of(account).plans(spec.act and spec.grant(Role(account.role)) is ALL)


def unit_scope(account, action: str) -> str | None:
    """The one unit a query for `action` must be limited to, or None for more than one unit.

    For a unit's own accounts (clerk, sign-off) it is their unit; an office account gets None
    and limits its listing with `visible_units`; a role without the grant gets PermissionDenied.
    """
    spec = _action(action)
    if account is None:
        raise PermissionDenied("请先登录。", action)
    granted = spec.grant(Role(account.role))
    if granted is ALL:
        return None
    if granted is OWN and account.unit:
        return account.unit
    require(account, action)  # raises with the right message
    raise AssertionError("unreachable")
