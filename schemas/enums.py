"""Domain vocabularies. Values are the stored codes; `label` is what users read."""

from __future__ import annotations

from enum import StrEnum


class _Labelled(StrEnum):
    @property
    def label(self) -> str:
        return _LABELS[self]

    @classmethod
    def from_label(cls, text: str) -> _Labelled | None:
        for member in cls:
            if _LABELS[member] == text or member.value == text:
                return member
        return None


class UnitKind(_Labelled):
    REGION = "region"
    CITY = "city"
    DISTRICT = "district"
    DEPARTMENT = "department"
    PARK = "park"
    TOWN = "town"
    COMPANY = "company"
    AGENCY = "agency"


class OfficeLevel(_Labelled):
    """Where an office sits in the organisation tree, from the top down."""

    REGION = "region"
    PROVINCE = "province"
    CLUSTER = "cluster"
    CITY = "city"
    DISTRICT = "district"


class IndicatorKind(_Labelled):
    STOCK = "stock"
    FLOW = "flow"
    CUMULATIVE = "cumulative"
    RATE = "rate"
    MILESTONE = "milestone"


class RoundState(_Labelled):
    OPEN = "open"
    CLOSED = "closed"
    LOCKED = "locked"


class SubmissionStatus(_Labelled):
    REJECTED = "rejected"
    # 单位审核: an accepted upload of a unit with a sign-off account waits for it (not yet with the
    # office), or was sent back by it to the clerk (never reaches the office; the clerk uploads again)
    AWAITING_SIGN_OFF = "awaiting_sign_off"
    SENT_BACK = "sent_back"
    VALIDATED = "validated"
    APPROVED = "approved"
    RETURNED = "returned"
    SUPERSEDED = "superseded"


class ReportState(_Labelled):
    """A unit's standing in a round (completion view): its current submission's status, or missing.
    The other states share SubmissionStatus's codes, hence its labels. AWAITING_SIGN_OFF: an
    accepted upload waits for the unit's own sign-off, so the unit has not reported yet."""

    MISSING = "missing"
    AWAITING_SIGN_OFF = "awaiting_sign_off"
    VALIDATED = "validated"
    RETURNED = "returned"
    APPROVED = "approved"


class TaskStatus(_Labelled):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    BEHIND = "behind"


class TaskRole(_Labelled):
    LEAD = "lead"
    HELPER = "helper"


class Role(_Labelled):
    UNIT_REPORTER = "unit_reporter"
    UNIT_LEADER = "unit_leader"  # 单位审核: signs off the clerk's accepted upload before the office sees it
    OFFICE_REVIEWER = "office_reviewer"
    EVALUATOR = "evaluator"
    ADMIN = "admin"


class ProblemState(_Labelled):
    """A 问题库 item's state (portal.reporting.problems.TRANSITIONS says which step leads where)."""

    NEW = "new"  # 立项, not yet 交办
    ASSIGNED = "assigned"  # 交办 to a unit, awaiting its answer
    ANSWERED = "answered"  # the unit answered, awaiting 销号 or 退回
    RETURNED = "answer_returned"  # 退回 with a reason, awaiting a new answer (not "returned": StrEnum
    # members hash as their value, so a code shared with another vocabulary would share its label)
    CLOSED = "resolved"  # 销号


class Severity(_Labelled):
    ERROR = "error"
    WARNING = "warning"


class Pace(_Labelled):
    """KPI pace in a round (warehouse/sql/pace.sql). UNREPORTED: no approved value for the round;
    listed apart, never counted as behind."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    UNREPORTED = "unreported"


_LABELS: dict[StrEnum, str] = {
    UnitKind.REGION: "城市群",
    UnitKind.CITY: "市",
    UnitKind.DISTRICT: "区",
    UnitKind.DEPARTMENT: "部门",
    UnitKind.PARK: "园区",
    UnitKind.TOWN: "乡镇街道",
    UnitKind.COMPANY: "企业",
    UnitKind.AGENCY: "事业单位",
    OfficeLevel.REGION: "跨省区域",
    OfficeLevel.PROVINCE: "省",
    OfficeLevel.CLUSTER: "城市群",
    OfficeLevel.CITY: "市",
    OfficeLevel.DISTRICT: "区县（开发区）",
    IndicatorKind.STOCK: "存量",
    IndicatorKind.FLOW: "年度流量",
    IndicatorKind.CUMULATIVE: "累计量",
    IndicatorKind.RATE: "比率",
    IndicatorKind.MILESTONE: "里程碑",
    RoundState.OPEN: "填报中",
    RoundState.CLOSED: "已截止",
    RoundState.LOCKED: "已锁定",
    SubmissionStatus.REJECTED: "未通过校验",
    SubmissionStatus.AWAITING_SIGN_OFF: "待单位审核",
    SubmissionStatus.SENT_BACK: "单位审核退回",
    SubmissionStatus.VALIDATED: "已报送-待审",
    SubmissionStatus.APPROVED: "已通过",
    SubmissionStatus.RETURNED: "已退回",
    SubmissionStatus.SUPERSEDED: "已被新版本替代",
    ReportState.MISSING: "未报送",
    TaskStatus.NOT_STARTED: "未启动",
    TaskStatus.IN_PROGRESS: "推进中",
    TaskStatus.COMPLETED: "已完成",
    TaskStatus.BEHIND: "滞后",
    TaskRole.LEAD: "牵头",
    TaskRole.HELPER: "配合",
    Role.UNIT_REPORTER: "单位填报员",
    Role.UNIT_LEADER: "单位审核人",
    Role.OFFICE_REVIEWER: "办公室审核员",
    Role.EVALUATOR: "考核评价员",
    Role.ADMIN: "系统管理员",
    ProblemState.NEW: "已立项-待交办",
    ProblemState.ASSIGNED: "已交办-待答复",
    ProblemState.ANSWERED: "已答复-待销号",
    ProblemState.RETURNED: "已退回-待重新答复",
    ProblemState.CLOSED: "已销号",
    Severity.ERROR: "错误",
    Severity.WARNING: "警告",
    Pace.GREEN: "正常",
    Pace.YELLOW: "稍缓",
    Pace.RED: "滞后",
    Pace.UNREPORTED: "本期未报/未审核",
}
