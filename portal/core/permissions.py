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

from portal.core.errors import Refused
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
    office: Grant
    evaluator: Grant
    admin: Grant

    def grant(self, role: Role) -> Grant:
        return {
            Role.UNIT_REPORTER: self.reporter,
            Role.OFFICE_REVIEWER: self.office,
            Role.EVALUATOR: self.evaluator,
            Role.ADMIN: self.admin,
        }[role]


# Reading: office and evaluator see everything (DESIGN: "who uses it"); the evaluator only reads
# and scores; admin reads everything and runs accounts, rounds, registry and backups, but takes no
# workflow decision (no uploads, reviews or scores) so duties stay separate.
# fmt: off
_ACTIONS = [
    #       code                     label                    reporter office evaluator admin
    Action("overview.view",         "查看概览",                 OWN, ALL, ALL, ALL),
    Action("account.change_password", "修改本人密码",           ALL, ALL, ALL, ALL),
    Action("template.download",     "下载填报模板",             OWN, ALL, NO,  ALL),
    Action("upload.submit",         "上传填报数据",             OWN, ALL, NO,  NO),
    Action("upload.after_close",    "在轮次截止后补报数据",       NO,  ALL, NO,  NO),
    Action("submission.view",       "查看报送记录和校验报告",     OWN, ALL, ALL, ALL),
    Action("submission.download",   "下载报送原件",             OWN, ALL, ALL, ALL),
    Action("submission.review",     "审核报送(通过或退回)",     NO,  ALL, NO,  NO),
    Action("evidence.upload",       "上传佐证材料",             OWN, ALL, NO,  NO),
    Action("evidence.download",     "下载佐证材料",             OWN, ALL, ALL, ALL),
    Action("extension.grant",       "批准延期报送",             NO,  ALL, NO,  NO),
    Action("round.manage",          "管理调度轮次",             NO,  ALL, NO,  ALL),
    Action("registry.import",       "导入任务分解表",           NO,  ALL, NO,  ALL),
    Action("registry.export",       "导出任务分解表",           NO,  ALL, ALL, ALL),
    Action("unit.manage",           "管理责任单位",             NO,  ALL, NO,  ALL),
    Action("completion.view",       "查看报送完成情况",         NO,  ALL, ALL, ALL),
    Action("completion.export",     "导出催报名单",             NO,  ALL, ALL, ALL),
    Action("kpi.view",              "查看指标监测",             NO,  ALL, ALL, ALL),
    Action("task_progress.view",    "查看任务进展",             NO,  ALL, ALL, ALL),
    Action("assessment.view",       "查看年度考核结果",         NO,  ALL, ALL, ALL),
    Action("assessment.configure",  "配置考核方案",             NO,  NO,  ALL, NO),
    Action("assessment.adjust",     "录入考核加分项",           NO,  NO,  ALL, NO),
    Action("assessment.export",     "导出年度考核表",           NO,  ALL, ALL, ALL),
    Action("bulletin.export",       "导出季度通报",             NO,  ALL, ALL, ALL),
    Action("outbox.view",           "查看通知发送记录",         NO,  ALL, NO,  ALL),
    Action("account.manage",        "管理账号",                 NO,  NO,  NO,  ALL),
    Action("audit.view",            "查看操作日志",             NO,  NO,  NO,  ALL),
    Action("backup.create",         "创建备份",                 NO,  NO,  NO,  ALL),
    Action("backup.download",       "下载备份",                 NO,  NO,  NO,  ALL),
    Action("backup.restore",        "从备份恢复",               NO,  NO,  NO,  ALL),
]
# fmt: on

ACTIONS: dict[str, Action] = {a.code: a for a in _ACTIONS}


class PermissionDenied(Refused):
    """Refused by the table; `message` is Chinese and safe to show to the person."""

    def __init__(self, message: str, action: str):
        super().__init__(message)
        self.action = action


def _action(code: str) -> Action:
    try:
        return ACTIONS[code]
    except KeyError:
        # A programming error, not a user's: every action a service checks must be in the table.
        raise KeyError(f"unknown action {code!r}: add it to portal.permissions._ACTIONS") from None


def grant(role: Role, action: str) -> Grant:
    return _action(action).grant(Role(role))


def allowed(account, action: str, unit: str | None = None) -> bool:
    try:
        require(account, action, unit)
    except PermissionDenied:
        return False
    return True


def require(account, action: str, unit: str | None = None) -> None:
    """Raise PermissionDenied unless `account` may do `action` (on `unit`'s data, when given).

    For an OWN grant the unit must be named and be the account's own: asking without a unit
    means "all units", which only ALL grants.
    """
    spec = _action(action)
    if account is None:
        raise PermissionDenied("请先登录。", action)
    role = Role(account.role)
    granted = spec.grant(role)
    if granted is ALL:
        return
    if granted is OWN and account.unit and unit == account.unit:
        return
    if granted is OWN:
        own = f"({account.unit})" if account.unit else ""
        raise PermissionDenied(f"无权{spec.label}:您只能访问本单位{own}的数据。", action)
    raise PermissionDenied(f"无权{spec.label}:您的角色({role.label})没有此权限。", action)


def require_record(account, action: str, unit: str | None) -> None:
    """`require` for a record looked up by id: `unit` is the record's unit, or None when no record
    has that id. An account limited to its own unit is refused in both cases with the same words
    (ids cannot be probed); one with the ALL grant passes, and the caller reports the missing id."""
    if unit is not None:
        require(account, action, unit)
    elif unit_scope(account, action) is not None:
        require(account, action, "")  # raises: the same words as for another unit's record


def unit_scope(account, action: str) -> str | None:
    """The one unit a query for `action` must be limited to, or None for every unit.

    Services that list data call this instead of `require`: a reporter gets its own unit back,
    an office reviewer gets None, and a role without the grant gets PermissionDenied.
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
