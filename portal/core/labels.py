"""Every Chinese word the pages show that is not a service's message: titles, widget labels, columns.

Pages import this as `L`; a wording change happens here only.
"""

from __future__ import annotations

import polars as pl

from schemas.enums import Pace, ReportState

APP_TITLE = "科技创新任务调度考核平台"


def enum_label(enum, value) -> str:
    """The Chinese label of a stored code; the code itself when the vocabulary does not know it."""
    if value is None:
        return ""
    member = enum.from_label(value)
    return member.label if member else str(value)


# Page titles (navigation)
PAGE_LOGIN = "登录"
PAGE_HOME = "概览"
PAGE_ADMIN = "系统管理"
PAGE_ACCOUNT = "我的账号"

# Sign-in
LOGIN_HEADING = "登录"
LOGIN_INTRO = "请使用办公室分配的账号登录。"
USERNAME = "用户名"
PASSWORD = "密码"
SIGN_IN = "登录"
SESSION_EXPIRED = "登录已过期或已失效，请重新登录。"
SIGNED_OUT = "已退出登录。"
SIGNED_OUT_ELSEWHERE = "您已在其他标签页或窗口中退出登录，请重新登录。"
# A page address the account cannot open (another role's page, or no such page).
PAGE_UNAVAILABLE = "无法打开该页面"
PAGE_NOT_FOR_ROLE = "您的账号（{role}）不能打开“{title}”页。"
PAGE_UNKNOWN = "页面地址“/{path}”不存在，请检查书签或链接。"
PAGE_GO_LANDING = "前往{title}"
# Shown for a fault of the system (not a PortalError): the traceback goes to the server log only.
INTERNAL_ERROR = "系统出现内部错误，已记录，请联系管理员。"

# Sidebar
SIGN_OUT = "退出登录"
SIDEBAR_ROLE = "角色"
SIDEBAR_UNIT = "单位"
SIDEBAR_TODAY = "今天"
SIDEBAR_ROUND = "当前轮次"
SIDEBAR_NO_ROUND = "暂无开放的调度轮次"
DUE = "截止"

# 概览
HOME_UNIT_HEADING = "本单位填报概况"
HOME_PLANS_HEADING = "纳入调度的规划"
HOME_ROUND = "调度轮次"
HOME_DUE = "截止日期"
HOME_DAYS_LEFT = "剩余天数"
HOME_STATUS = "本轮报送状态"
# A unit missing in a round although it uploaded: every upload failed validation.
REJECTED_ONLY_NOTE = "上传未通过校验"
HOME_NO_OPEN_ROUND = "目前没有开放的调度轮次。"
HOME_INDICATORS = "负责指标"
HOME_TASKS_LEAD = "牵头任务"
HOME_TASKS_HELP = "配合任务"
HOME_UNITS_REPORTED = "本轮已报送单位"
HOME_ROUND_STATE = "轮次状态"

# 系统管理
TAB_ACCOUNTS = "账号"
TAB_ROUNDS = "调度轮次"
TAB_REGISTRY = "任务分解表"
NEW_ACCOUNT = "新建账号"
DISPLAY_NAME = "姓名或单位名称"
ROLE = "角色"
UNIT = "单位"
NO_UNIT = "（不绑定单位）"
ACCOUNT_OFFICES = "办公室（办公室审核员、考核评价员、系统管理员的工作范围，可多选）"
ACCOUNT_PLATFORM = "全平台（只有全平台的系统管理员可以授予）"
ACCOUNT_SCOPE_HELP = "单位填报员和单位审核人选择单位；其他角色选择办公室（含其下级，只读）或全平台。"
ACCOUNT_SCOPE_CHANGE = "修改范围"
CREATE = "创建"
ACCOUNT_PICK = "选择账号"
DEACTIVATE = "停用"
ACTIVATE = "启用"
RESET_PASSWORD = "重置密码"
ONE_TIME_PASSWORD = "一次性密码（只显示这一次，请转交本人）："
ROUND_PICK = "选择轮次"
ROUND_OPEN = "重新开放"
ROUND_CLOSE = "截止"
ROUND_LOCK = "锁定"
ROUND_DUE = "新的截止日期"
ROUND_SET_DUE = "修改截止日期"
ROUND_NEW = "新建轮次（如 2025Q4）"
ROUND_CREATE = "新建并开放"
REGISTRY_UPLOAD = "上传任务分解表（.xlsx）"
REGISTRY_IMPORT = "导入（全部替换）"
REGISTRY_IMPORT_HELP = "有任何错误则一行也不导入；导入会替换现有的规划、单位、任务和指标。"
REGISTRY_SCOPED_HELP = (
    "您的账号限定在本办公室的管辖范围：导出的只是您能看到的部分；导入的须是完整的任务分解表（向全平台管理员索取），"
    "只能改动本办公室负责的规划、任务、指标和单位，其余各行须与平台上的一致。轮次由全平台管理员统一管理。"
)
REGISTRY_EXPORT_XLSX = "导出任务分解表（Excel）"
REGISTRY_EXPORT_JSON = "导出任务分解表（JSON）"
REGISTRY_FILE_XLSX = "任务分解表.xlsx"
REGISTRY_FILE_JSON = "任务分解表.json"
REGISTRY_LOADED = "导入完成："
REGISTRY_NOT_LOADED = "有错误，未导入任何数据。请按下表逐条修改后重新上传。"

# 我的账号
ACCOUNT_HEADING = "我的账号"
MUST_CHANGE = "您正在使用他人设置的一次性密码，请先修改密码后再继续使用。"
OLD_PASSWORD = "原密码"
NEW_PASSWORD = "新密码"
CONFIRM_PASSWORD = "再次输入新密码"
CHANGE_PASSWORD = "修改密码"

# Column headers of the tables pages show (service frames use English column names).
COLUMNS = {
    "username": "用户名",
    "display_name": "姓名或单位名称",
    "role_label": "角色",
    "scope_label": "范围",
    "unit": "单位代码",
    "unit_name": "单位名称",
    "active": "启用",
    "must_change_password": "须改密码",
    "failed_attempts": "连续失败次数",
    "locked_until": "锁定至",
    "created_at": "创建时间",
    "code": "代码",
    "due_date": "截止日期",
    "state_label": "状态",
    "submissions": "报送份数",
    "severity": "级别",
    "sheet": "工作表",
    "cell": "单元格",
    "column": "列",
    "value": "填写内容",
    "message": "问题",
    "hint": "修改建议",
    "plan": "规划代码",
    "name": "名称",
    "period": "规划期",
    "tasks": "任务数",
    "indicators": "指标数",
    "units": "单位数",
}


def _more_columns(more: dict[str, str]) -> None:
    """A page's column headers join the shared table; one key must not mean two things."""
    clash = sorted(k for k in more if k in COLUMNS and COLUMNS[k] != more[k])
    if clash:
        raise ValueError(f"column keys already headed differently in COLUMNS: {clash}")
    COLUMNS.update(more)


def report_state_text(state: str, rejected_attempts: int = 0) -> str:
    """A unit's standing in a round in words (warehouse standings()): 未报送, 未报送（上传未通过校验）,
    已报送-待审, 已退回 or 已通过; the same words on 概览, 数据上报, 完成情况, 催报名单 and 通报."""
    text = ReportState(state).label
    if state == ReportState.MISSING and rejected_attempts:
        return f"{text}（{REJECTED_ONLY_NOTE}）"
    return text


def number_text(value: float | None) -> str:
    """A measured value as people write it: thousands separated, at most two decimals, blank when none."""
    if value is None:
        return ""
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def size_text(size: int) -> str:
    """A file's size as people read it (1 MB = 1,048,576 bytes, as file managers count): 4.9 MB, 812 KB."""
    if size >= 1 << 20:
        return f"{size / (1 << 20):.1f} MB"
    return f"{max(1, round(size / 1024))} KB" if size else "0 KB"


def headed(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """The chosen columns of a service frame, ready to show: Chinese headers, dates as text, no "None"
    (the grid prints "None" for a missing value: a number column with gaps is shown as text)."""
    shown = frame.select(columns).with_columns(
        pl.col(pl.Date).dt.strftime("%Y-%m-%d"),
        pl.col(pl.Datetime).dt.strftime("%Y-%m-%d %H:%M"),
    )
    gaps = [c for c in columns if shown.schema[c].is_numeric() and shown[c].null_count()]
    shown = shown.with_columns(
        pl.col(c).map_elements(number_text, return_dtype=pl.String, skip_nulls=True) for c in gaps
    )
    shown = shown.with_columns(pl.col(pl.String).fill_null(""))
    return shown.rename({c: COLUMNS[c] for c in columns})


# ---------------------------------------------------------------- 数据上报 and 审核 (issue 6, unitpages)
PAGE_REPORT = "数据上报"
PAGE_REVIEW = "审核"

REPORT_UNIT_PICK = "填报单位"
REPORT_UNIT_PLACEHOLDER = "请选择填报单位"
REPORT_ROUND_PICK = "调度轮次"
REPORT_STEP_TEMPLATE = "第一步：下载填报模板"
REPORT_STEP_UPLOAD = "第二步：上传填好的模板"
REPORT_STEP_RESULT = "校验结果与报送记录"
REPORT_TEMPLATE_DOWNLOAD = "下载填报模板"
REPORT_TEMPLATE_HELP = (
    "模板已预填本单位负责的指标和任务，只需填写黄色单元格（白色单元格为预填内容，已锁定）。"
)
REPORT_FILE = "选择填好的模板（.xlsx）"
REPORT_UPLOAD = "上传"
REPORT_RUNNING = "正在校验并入库……"
REPORT_DONE_OK = "校验通过，已报送"
REPORT_DONE_BAD = "未通过校验，未入库"
REPORT_DONE_SIGN_OFF = "校验通过，待单位审核"
REPORT_NO_HISTORY = "本单位还没有报送记录。"
REPORT_HISTORY = "报送记录"
REPORT_VERSION_PICK = "查看报送版本"
REPORT_ISSUES = "校验报告"
REPORT_NO_ISSUES = "该版本校验通过，未发现问题。"
REPORT_ANNOTATED_DOWNLOAD = "下载标注问题的工作簿"
REPORT_ORIGINAL_DOWNLOAD = "下载报送原件"
REPORT_REVIEWS = "审核意见"
REPORT_NO_REVIEWS = "尚无审核意见。"
REPORT_COMPARE = "版本比较"
REPORT_COMPARE_OLD = "旧版本"
REPORT_COMPARE_NEW = "新版本"
REPORT_COMPARE_NONE = "两个版本的填报内容相同。"
REPORT_COMPARE_NEED_TWO = "同一轮次有两个以上已入库版本时可比较。"
REPORT_VERSION = "第 {version} 版"
REPORT_REJECTED_TRY = "未通过校验的上传（第 {version} 次）"
REPORT_RETURNED = "办公室 {who} 于 {at} 退回了第 {version} 版。退回原因：{comment}请按意见修改后重新上传。"
REPORT_RETURNED_ITEMS = "逐项意见 {count} 条，见下方“审核意见”。"
REPORT_NOTHING_TO_REPORT = "{name}在 {round} 轮次没有需要报送的指标或任务，无需上传。"
REPORT_UPLOAD_HELP = "只接收按本平台模板填写的 .xlsx 文件，单个文件不超过 {mb} MB。"
EVIDENCE_REMOVE = "移除所选佐证材料"


def version_label(status: str, version: int) -> str:
    """第N版 of an accepted upload; a rejected attempt is no version (warehouse NEXT_VERSION)."""
    if status == "rejected":
        return REPORT_REJECTED_TRY.format(version=version)
    return REPORT_VERSION.format(version=version)


EVIDENCE_HEADING = "佐证材料"
EVIDENCE_HELP = (
    "可上传 PDF、PNG/JPEG 图片和 Office 文件（docx、xlsx、pptx、doc、xls），单个文件不超过 {mb} MB。"
)
EVIDENCE_FILE = "选择佐证材料"
EVIDENCE_TARGET = "挂接到"
EVIDENCE_WHOLE = "整份报送"
EVIDENCE_UPLOAD = "上传佐证材料"
EVIDENCE_NONE = "尚未上传佐证材料。"
EVIDENCE_PICK = "选择要下载的佐证材料"
EVIDENCE_DOWNLOAD = "下载佐证材料"
EVIDENCE_NOT_ACCEPTED = "只有已入库的报送可以挂接佐证材料。"

REVIEW_FILTER_ROUND = "轮次"
REVIEW_FILTER_PLAN = "规划"
REVIEW_FILTER_UNIT = "单位"
REVIEW_ALL = "（全部）"
REVIEW_QUEUE = "待审核的报送"
REVIEW_QUEUE_EMPTY = "没有待审核的报送。"
REVIEW_QUEUE_FILE = "待审核的报送.xlsx"
UNLOCK = "解除锁定"
TABLE_DOWNLOAD = "下载本表（.xlsx）"
REVIEW_PICK = "选择报送记录"
REVIEW_VALUES = "指标填报值（与上季度已通过值对比）"
REVIEW_TASKS = "任务进展"
REVIEW_ISSUES = "校验提示"
REVIEW_NO_ISSUES = "校验未发现问题。"
REVIEW_NO_VALUES = "本单位本次没有填报指标。"
REVIEW_NO_TASKS = "本单位本次没有填报任务进展。"
REVIEW_COMMENT = "审核意见（退回时必填）"
REVIEW_ITEMS = "逐项意见（可选）"
REVIEW_ITEM_PICK = "选择指标或任务"
REVIEW_ITEM_TEXT = "对“{item}”的意见"
REVIEW_APPROVE = "通过"
REVIEW_RETURN = "退回"
REVIEW_EXTENSION = "批准延期"
REVIEW_EXT_UNIT = "延期单位"
REVIEW_EXT_ROUND = "延期轮次"
REVIEW_EXT_DUE = "延期后的截止日期"
REVIEW_EXT_REASON = "延期理由"
REVIEW_EXT_SUBMIT = "批准延期"
REVIEW_EXT_PICK_UNIT = "请选择单位"
REVIEW_EXT_NO_UNITS = "本轮次没有需要报送的单位可以延期。"
REVIEW_EXT_CONFIRM = "确认修改已截止或已锁定轮次的记录"
REVIEW_EXT_CONFIRM_HELP = "已截止或已锁定的轮次：延期或撤销会改变单位的迟报天数和年度考核扣分，须勾选确认。"
REVIEW_EXT_LIST = "本轮次的延期"
REVIEW_EXT_NONE = "本轮次没有延期。"
REVIEW_EXT_REVOKE_PICK = "选择要撤销的延期"
REVIEW_EXT_REVOKE_REASON = "撤销理由"
REVIEW_EXT_REVOKE_SUBMIT = "撤销延期"
REVIEW_PREVIOUS = "上季度"
REVIEW_SIGNED_OFF = "单位审核：{name} 于 {at}"
REVIEW_SIGN_OFF_COMMENT = "单位审核意见：{comment}"

# ---------------------------------------------------------------- 单位审核 (the unit's sign-off account)
PAGE_SIGNOFF = "单位审核"
SIGNOFF_HELP = (
    "本单位填报员上传并通过校验的报送，经您审核确认后才报送办公室；如需修改，请退回填报员并写明意见。"
)
SIGNOFF_EMPTY = "没有待单位审核的报送。"
SIGNOFF_PICK = "选择待审核的报送"
SIGNOFF_COMMENT = "审核意见（退回时必填）"
SIGNOFF_CONFIRM = "审核确认，报送办公室"
SIGNOFF_SEND_BACK = "退回填报员修改"
REPORT_AWAITING_SIGN_OFF = "本单位设有单位审核人：上传通过校验后，须经单位审核确认才报送办公室。"
REPORT_SENT_BACK = "单位审核人于 {at} 退回了第 {version} 版，意见：{comment}。请修改后重新上传。"

_more_columns(
    {
        "id": "报送编号",
        "round": "轮次",
        "version": "版本",
        "file_name": "文件名",
        "uploaded_by": "上传人",
        "uploaded_at": "上传时间",
        "status_label": "状态",
        "days_late": "逾期天数",
        "error_count": "错误数",
        "warning_count": "警告数",
        "decision_label": "审核结论",
        "signed_off_by": "单位审核人",
        "signed_off_at": "单位审核时间",
        "review_comment": "审核意见",
        "reviewer": "审核人",
        "reviewed_at": "审核时间",
        "item_comments": "逐项意见数",
        "evidence": "佐证材料数",
        "indicator": "指标代码",
        "indicator_name": "指标名称",
        "measure_unit": "计量单位",
        "reported": "本期值",
        "previous_value": "上季度已通过值",
        "change": "变化",
        "note": "说明",
        "task": "任务代码",
        "task_title": "任务名称",
        "task_role_label": "牵头/配合",
        "progress_label": "进展状态",
        "percent": "完成进度（%）",
        "previous_progress_label": "上季度状态",
        "previous_percent": "上季度进度（%）",
        "narrative": "进展情况",
        "problems": "存在问题",
        "next_steps": "下步打算",
        "kind": "类别",
        "field_label": "内容",
        "before": "修改前",
        "after": "修改后",
        "item_kind_label": "意见对象",
        "item_code": "指标/任务代码",
        "comment": "意见",
        "media_type": "文件类型",
        "size_kb": "大小（KB）",
        "extension_id": "延期编号",
        "evidence_id": "佐证编号",
        "type_label": "文件类型",
        "version_label": "版本",
        "extension_reason": "延期理由",
        "granted_by": "批准人",
        "granted_at": "批准时间",
        "ended_by": "撤销或替代人",
        "ended_at": "撤销或替代时间",
        "end_reason": "撤销理由",
    }
)


# --- 完成情况, 指标监测, 年度考核 (office and evaluator pages) ---------------------------------------
PAGE_COMPLETION = "完成情况"
PAGE_MONITORING = "指标监测"
PAGE_ASSESSMENT = "年度考核"
PAGE_OUTBOX = "通知发送记录"
OUTBOX_FILTER = "状态"
OUTBOX_EMPTY = "还没有通知。运行 portal remind --round 轮次 排队催报提醒；审核、退回和延期会自动排队通知。"
OUTBOX_SUMMARY = (
    "共 {total} 条：已发送 {sent} 条，待发送 {pending} 条，失败待重试 {failed} 条，已停止重试 {gave_up} 条。"
)
OUTBOX_HELP = "通知由 portal outbox send 发送（可由定时任务每几分钟运行一次）；发送失败的会按间隔自动重试。"
OUTBOX_COLUMNS = {
    "created_at": "排队时间",
    "event_label": "通知类型",
    "round": "轮次",
    "unit": "单位代码",
    "unit_name": "单位名称",
    "office": "办公室",
    "channel_label": "渠道",
    "recipient": "收件人",
    "subject": "标题",
    "state_label": "状态",
    "attempts": "已尝试次数",
    "last_error": "失败原因",
    "next_attempt_at": "下次尝试",
    "sent_at": "发送时间",
}

ALL = "全部"
FILTER_PLAN = "规划"
FILTER_UNIT_KIND = "单位类型"
FILTER_ROUND = "调度轮次"
FILTER_UNIT = "责任单位"
FILTER_PACE = "进度状态"
FILTER_INDICATOR_KIND = "指标类型"
NO_ROUNDS = "还没有调度轮次。请先在“系统管理”中新建轮次。"

# 完成情况
COMPLETION_EXPECTED = "应报单位"
COMPLETION_REPORTED = "已报送"
COMPLETION_RATE = "报送率"
COMPLETION_MISSING = "未报送"
COMPLETION_LATE = "迟报"
COMPLETION_MATRIX = "各单位报送情况（单位 × 轮次）"
COMPLETION_MATRIX_HELP = (
    "颜色表示状态：红 未报送，黄 已报送-待审，橙 已退回，绿 已通过；括号内为迟报天数或逾期。"
)
COMPLETION_CHART = "各轮次报送情况"
COMPLETION_BY_KIND = "按单位类型"
COMPLETION_NO_UNITS = "所选范围内没有需要报送的单位。"
MISSING_HEADING = "催报名单"
MISSING_NONE = "所选范围内的应报单位均已报送。"
MISSING_DUE_SOON = "其中三天内到期或已逾期 {n} 个。"
MISSING_EXPORT = "导出催报名单（Excel）"
MISSING_FILE = "催报名单-{round}.xlsx"
BULLETIN_EXPORT = "导出季度通报（Excel）"
BULLETIN_FILE = "季度通报-{round}.xlsx"
BULLETIN_DOCX_FILE = "季度通报-{round}.docx"
BULLETIN_HEADING = "季度通报"
BULLETIN_PLAN = "通报的规划（由其办公室印发）"
BULLETIN_HIGHLIGHTS = "工作亮点（摘自各单位审核通过的进展情况，可修改，每行一条）"
BULLETIN_PROBLEMS = "存在问题（摘自各单位审核通过的存在问题，可修改，每行一条）"
BULLETIN_REQUIREMENTS = "下步要求（由办公室填写，每行一条）"
BULLETIN_DOC_NUMBER = "文号序号（可留空，印发时手填）"
BULLETIN_EXPORT_DOCX = "导出季度通报（Word 正文）"
QUOTE_RULES_HEADING = "亮点和存在问题的摘录规则"
QUOTE_RULES_OF = "{office}的摘录规则（{state}）；保存后重新摘录，摘录结果仍可在下方修改。"
QUOTE_RULES_DEFAULT = "默认规则"
QUOTE_RULES_OWN = "本办公室已保存"
QUOTE_RULES_READ_ONLY_NOTE = "由{office}设置，您的账号只能查看。"
QUOTE_RULES_NO_OFFICE = "所选规划不属于同一办公室，按默认规则摘录；请选择一个规划后再调整规则。"
QUOTE_RULES_READ_ONLY = "无权调整季度通报摘录规则：{office}的规则由该办公室设置，您的账号对其只读。"
QUOTE_RULES_NOT_SAVED = "摘录规则未保存："
QUOTE_RULES_SAVED = "已保存{office}的摘录规则，亮点和存在问题已按新规则重新摘录。"
QUOTE_RULES_SAVE = "保存规则并重新摘录"
QUOTE_RULES_HIGHLIGHTS = "亮点"
QUOTE_RULES_PROBLEMS = "存在问题"
LATE_BY = "迟报{days}天"
OVERDUE = "已逾期"
DUE_SOON = "三天内到期"
DAYS_OVERDUE = "已逾期 {days} 天"
DUE_TODAY = "今天截止"
DAYS_LEFT = "还剩 {days} 天"
CHART_ROUND = "轮次"
CHART_UNITS = "单位数"
CHART_STATE = "状态"
CHART_RATE = "报送率"

# 指标监测
KPI_TOTAL = "指标数"
KPI_TABLE = "指标进度"
KPI_RED_LIST = "滞后指标（红色清单）"
KPI_RED_NONE = "所选范围内没有滞后指标。"
KPI_UNREPORTED_LIST = "本期未报/未审核指标"
KPI_UNREPORTED_HELP = "这些指标本轮还没有审核通过的数值，不计入滞后；实际值是此前季度的值，见“数据轮次”。"
KPI_NONE = "所选范围内没有指标。"
KPI_HISTORY = "指标进度走势"
KPI_PICK = "选择指标（可多选）"
KPI_HISTORY_HELP = "实线为各季度审核通过的实际值，虚线为按进度应达到的期望值；没有审核通过数据的季度留空。"
CHART_VALUE = "数值"
CHART_SERIES = "数据"
SERIES_ACTUAL = "实际值"
SERIES_EXPECTED = "期望值"

# 年度考核
ASSESS_PLAN = "规划"
ASSESS_YEAR = "考核年度"
ASSESS_COMPUTING = "正在计算年度考核得分……"
ASSESS_SUMMARY = "考核汇总"
ASSESS_SCHEME = "评分方案：{source}。只计入审核通过的数据。"
ASSESS_NO_UNITS = "本规划没有承担任务或指标的单位。"
ASSESS_NO_PLANS = "尚未导入任何规划。"
ASSESS_CHART = "各单位总分"
ASSESS_DETAIL = "单位得分明细"
ASSESS_UNIT = "选择单位"
ASSESS_UNIT_SCORE = "总分 {total:.2f} 分，排名第 {rank} 名，等次：{grade}。"
ASSESS_INDICATORS = "指标完成"
ASSESS_TASKS = "任务推进"
ASSESS_ROUNDS = "报送质量"
ASSESS_BONUS = "加分项"
ASSESS_NO_BONUS = "没有加分项。"
ASSESS_BONUS_ALL = "各单位加分项"
ASSESS_NOT_APPLICABLE = "“—”：该单位未承担此类指标或任务，不计此项得分（与年度考核表一致）。"
# A unit's detail tab with nothing in it says so (an empty grid would say "empty").
ASSESS_PART_EMPTY = {
    ASSESS_INDICATORS: "该单位没有考核指标。",
    ASSESS_TASKS: "该单位没有承担任务。",
    ASSESS_ROUNDS: "该单位没有应报送的轮次。",
    ASSESS_BONUS: "该单位没有加分项。",
}
ASSESS_EXPORT = "导出年度考核表（Excel）"
ASSESS_FILE = "年度考核表-{plan}-{year}.xlsx"
BONUS_ADD = "录入加分项"
BONUS_UNIT = "加分单位"
BONUS_POINTS_RANGE = "加分（分，大于 0，不超过 {max:g}）"
BONUS_POINTS_PLACEHOLDER = "填写分值"
BONUS_REASON = "加分理由"
BONUS_SUBMIT = "录入"
BONUS_WITHDRAW_PICK = "选择要撤销的加分项"
BONUS_WITHDRAW = "撤销加分项"
BONUS_ADDED = "已录入加分项 {id}。"
BONUS_WITHDRAWN = "已撤销加分项 {id}。"
BONUS_NOT_FOUND = "没有编号为 {id} 的有效加分项。"
CHART_TOTAL = "总分"
CHART_UNIT = "单位"
CHART_GRADE = "等次"
# 年度考核 · 扣分项、一票否决、定性评价 (evaluators) and 自评分 (units; page 年度自评)
ASSESS_QUALITATIVE = "定性评价"
ENTRIES_HEADING = "扣分项、一票否决和定性评价"
ENTRIES_UNIT = "单位"
DEDUCTION_HEADING = "扣分项"
DEDUCTION_NONE = "没有扣分项。"
DEDUCTION_CODE = "扣分项目"
DEDUCTION_REASON = "扣分理由"
DEDUCTION_EVIDENCE = "佐证（文件名称、文号等，可不填）"
DEDUCTION_SUBMIT = "录入扣分"
DEDUCTION_WITHDRAW_PICK = "选择要撤销的扣分项"
DEDUCTION_WITHDRAW = "撤销扣分项"
DEDUCTION_ADDED = "已录入扣分项 {id}（{name}，扣 {points} 分）。"
DEDUCTION_WITHDRAWN = "已撤销扣分项 {id}，记录仍保留。"
DEDUCTION_NOT_FOUND = "没有编号为 {id} 的有效扣分项。"
VETO_HEADING = "一票否决"
VETO_NONE = "没有一票否决。"
VETO_REASON_CODE = "否决事由"
VETO_REASON = "情况说明"
VETO_EVIDENCE = "佐证（文件名称、文号等，可不填）"
VETO_SUBMIT = "录入一票否决"
VETO_WITHDRAW_PICK = "选择要撤销的一票否决"
VETO_WITHDRAW = "撤销一票否决"
VETO_ADDED = "已录入一票否决 {id}（{reason_code}），该单位等次定为{grade}。"
VETO_WITHDRAWN = "已撤销一票否决 {id}，记录仍保留。"
VETO_NOT_FOUND = "没有编号为 {id} 的有效一票否决。"
QUALITATIVE_HEADING = "定性评价"
QUALITATIVE_NONE_IN_SCHEME = "评分方案未设定性评价项。"
QUALITATIVE_NONE = "尚未评定性评价分。"
QUALITATIVE_ITEM = "评价项目"
QUALITATIVE_SCORE = "评分"
QUALITATIVE_NOTE = "评语（可不填）"
QUALITATIVE_SUBMIT = "保存定性评价"
QUALITATIVE_SET = "已记录定性评价 {id}：{unit}“{item}”{score} 分。"
SELF_SCORE_HEADING = "自评分对照"
SELF_SCORE_NONE = "尚无单位填报自评分。"
SELF_SCORE_FLAGGED = "差异较大的项目"
SELF_SCORE_SET = "已记录自评分 {id}：{component} {score} 分。"
PAGE_SELF_SCORE = "年度自评"
SELF_PAGE_HELP = (
    "按评分方案的各项分值填报本单位的年度自评分，考核评价员评分时与考核分对照；可重复填报，以最后一次为准。"
)
SELF_PAGE_NO_PLANS = "本单位没有承担任何规划的任务或指标，无需自评。"
SELF_PAGE_UNIT = "本单位：{name}"
SELF_PAGE_COMPONENT = "自评项目"
SELF_PAGE_SCORE = "自评分"
SELF_PAGE_SUBMIT = "保存自评分"

_more_columns(
    {
        "kind_label": "单位类型",
        "contact": "联系人",
        "phone": "联系电话",
        "emails": "电子邮箱",
        "webhook": "群机器人地址",
        "days_left_text": "剩余时间",
        "extended_to": "本轮延期至",
        "reminder": "提示",
        "rejected_attempts": "未通过校验次数",
        "plan_name": "规划",
        "indicator_kind": "指标类型",
        "owner_name": "责任单位",
        "target_value": "目标值",
        "target_year": "目标年",
        "actual": "实际值",
        "actual_round": "数据轮次",
        "expected": "期望值",
        "ratio_text": "完成进度",
        "pace_label": "进度状态",
        "rank": "排名",
        "grade": "等次",
        "total": "总分",
        "indicators_score": "指标完成",
        "tasks_score": "任务推进",
        "reporting_score": "报送质量",
        "deductions": "报送扣分",
        "bonus": "加分",
        "points": "得分",
        "basis": "计算过程",
        "source": "数据来源（报送记录、版本、单元格或行）",
        "entered_by_name": "录入人",
        "weight": "权重",
        "task_number": "原文编号",
        "title": "任务名称",
        "task_role": "本单位角色",
        "task_status_label": "填报状态",
        "state_text": "报送情况",
        "round_days_late": "迟报天数",
        "returns": "退回次数",
        "deduction": "扣分",
        "bonus_id": "编号",
        "reason": "加分理由",
        "entered_by": "录入人",
        "entered_at": "录入时间",
        "counted_ratio": "计分完成率",
        "entry_id": "编号",
        "deduction_code": "扣分项代码",
        "deduction_name": "扣分项目",
        "deduction_points": "扣分",
        "entry_reason": "理由",
        "entry_evidence": "佐证",
        "veto_reason_code": "否决事由",
        "qualitative_item": "评价项目",
        "item_points": "分值",
        "entered_score": "评分",
        "entry_note": "评语",
        "component_name": "自评项目",
        "self_score": "自评分",
        "self_flag_text": "差异较大的项目",
        "units_expected": "应报",
        "units_reported": "已报送",
        "units_late": "迟报",
        "rate_text": "报送率",
    }
)

# 系统管理 · 备份 (portal.backup)
TAB_BACKUP = "备份与恢复"
BACKUP_HELP = "备份包含数据仓库、上报原件、设置和模板签名密钥，请像保管密码一样保管备份文件。"
BACKUP_CREATE = "立即备份"
BACKUP_CREATED = "已创建备份"
BACKUP_LIST_EMPTY = "还没有备份。"
BACKUP_DOWNLOAD = "下载"
BACKUP_RESTORE_HEADING = "从备份恢复"
BACKUP_RESTORE_HELP = "恢复会整体替换现有数据（原数据移到 backups/ 下保留）；恢复后所有人需要重新登录。"
BACKUP_RESTORE_FILE = "备份文件（.zip）"
BACKUP_RESTORE_FORCE = "我确认用备份覆盖现有数据"
BACKUP_RESTORE_FOREIGN = "恢复来自其他部署的备份（签名无法用本部署的密钥核对）"
BACKUP_RESTORE_FOREIGN_WARNING = (
    "只在确知备份来源时勾选：无法核对签名的备份可能被人改过（例如植入管理员账号），"
    "恢复后本部署的数据和账号（以及备份中带有的签名密钥）都会换成备份里的。"
)
BACKUP_RESTORE = "恢复"

# 系统管理 · 操作日志 and 责任单位; 指标监测 · 任务进展; 年度考核 · 考核方案 (the four actions' services)
TAB_AUDIT = "操作日志"
AUDIT_FILTER_ACTION = "操作"
AUDIT_FILTER_ACTOR = "操作人"
AUDIT_LIMIT = "显示最近条数"
AUDIT_SINCE = "起始日期"
AUDIT_UNTIL = "截止日期"
AUDIT_DATES_REVERSED = "起始日期晚于截止日期，请重新选择日期范围。"
AUDIT_EMPTY = "没有符合条件的操作记录。"
# Audited action codes that are not in the permission table (portal.permissions labels the rest).
AUDIT_ACTION_LABELS = {
    "unit.update": "修改责任单位",
    "account.create": "创建账号",
    "account.deactivate": "停用账号",
    "account.activate": "启用账号",
    "account.reset_password": "重置密码",
    "account.unlock": "解除锁定",
    "account.scope": "修改账号范围",
    "auth.sign_in": "登录",
    "auth.sign_in_failed": "登录失败",
    "auth.lock": "账号锁定",
    "auth.sign_out": "退出登录",
    "auth.session_expired": "登录过期",
    "auth.password_change": "修改密码",
    "round.create": "新建轮次",
    "round.state": "变更轮次状态",
    "round.due_date": "修改截止日期",
    "round.extension": "批准延期报送",
    "submission.upload": "上传填报数据",
    "submission.approve": "审核通过",
    "submission.return": "审核退回",
    "submission.send_back": "单位审核退回填报员",
    "assessment.bonus.add": "录入加分项",
    "assessment.bonus.withdraw": "撤销加分项",
    "outbox.remind": "排队催报提醒",
    "round.extension.revoke": "撤销延期",
    "evidence.remove": "移除佐证材料",
    "assessment.deduction.add": "录入扣分项",
    "assessment.deduction.withdraw": "撤销扣分项",
    "assessment.veto.add": "录入一票否决",
    "assessment.veto.withdraw": "撤销一票否决",
    "assessment.qualitative.set": "录入定性评价分",
    "assessment.self_score.set": "录入单位自评分",
    "assessment.finalize": "年度考核定稿",
    "assessment.reopen": "年度考核重新评定",
    "token.create": "创建接口令牌",
    "token.revoke": "撤销接口令牌",
    "api.read": "通过接口读取开放数据",
    "problem.add": "问题立项",
    "problem.assign": "问题交办",
    "problem.answer": "答复交办的问题",
    "problem.close": "问题销号",
    "problem.return": "退回问题答复",
}

TAB_UNITS = "责任单位"
UNIT_PICK = "选择单位"
UNIT_EDIT = "修改联系人、联系电话、通知邮箱、群机器人和启用状态"
UNIT_EMAILS_HELP = "接收催报、退回和审核通知的邮箱，多个用分号隔开。"
UNIT_WEBHOOK_HELP = "企业微信或钉钉群机器人的 Webhook 地址；钉钉加签时在地址后加 #secret=密钥。"
UNIT_BAD_EMAIL = "电子邮箱“{value}”格式不对，应为 name@example.org 这样的地址，多个用分号隔开。"
UNIT_BAD_WEBHOOK = "群机器人地址“{value}”不是网址，应以 https:// 开头（从企业微信或钉钉群设置中复制）。"
UNIT_ACTIVE = "启用（停用后不再计入应报单位）"
UNIT_SAVE = "保存"
UNIT_NOTHING_GIVEN = "没有要修改的内容。"
UNIT_UNCHANGED = "责任单位 {code} {name} 的信息没有变化。"
UNIT_UPDATED = "已修改责任单位 {code} {name}：{what}。"
UNIT_ACTIVATED = "启用"
UNIT_DEACTIVATED = "停用（不再计入应报单位）"
UNIT_TEXT_TOO_LONG = "{field}不能超过 {max} 个字。"

TASK_BOARD = "任务进展"
TASK_TOTAL = "任务数"
TASK_OVERDUE = "滞后或逾期任务"
TASK_OVERDUE_NONE = "所选范围内没有滞后或逾期的任务。"
TASK_NONE = "所选范围内没有任务。"
TASK_NOT_REPORTED = "未报送"
TASK_PAST_DUE = "已过完成年限"
TASK_BEHIND = "有单位报告滞后"
TASK_CHART = "任务状态分布（按牵头单位填报）"
CHART_TASKS = "任务数"
CHART_STATUS = "状态"

SCHEME_HEADING = "考核方案"
SCHEME_HELP = "当前对 {plan} {year} 年生效的评分方案（TOML）。可下载修改后上传；上传的方案校验通过后才会保存，只对该规划该年度生效。"
SCHEME_DOWNLOAD = "下载考核方案"
SCHEME_FILE = "考核方案-{plan}-{year}.toml"
SCHEME_UPLOAD = "上传修改后的考核方案（.toml）"
SCHEME_SAVE = "校验并保存"
SCHEME_SAVED = "已保存 {plan} {year} 年的考核方案（{file}），重新计算后生效。"
SCHEME_NOT_SAVED = "考核方案有错误，未保存："
SCHEME_NOT_TEXT = "文件不是 UTF-8 编码的文字"
ASSESS_SOURCES = "数据来源：本单位得分所依据的审核通过的报送记录"
ASSESS_SOURCE_PICK = "下载报送原件"
ASSESS_SOURCE_LABEL = "报送记录 {id}：{unit} {round} 第 {version} 版（{uploaded_at}）"
SCHEME_NOT_NUMBER = "表格中有不是有限数字的分值或比例，请检查。"
SCHEME_EDIT = "用表格编辑方案"
SCHEME_EDIT_HELP = (
    "按表格修改 {plan} {year} 年的评分方案，保存时与上传文件一样逐项校验；有错误时不保存，并指出是哪一项。"
)
SCHEME_EDIT_BROKEN = "现有方案文件有错误，下表显示的是不含该文件的方案："
SCHEME_TAB_TABLES = "表格编辑"
SCHEME_TAB_TEXT = "高级：TOML 文本"
SCHEME_GENERAL = "基本设置"
SCHEME_COMPONENTS = "指标与任务的计分规则"
SCHEME_BANDS = "分档（完成率达到下限即得该档比例的分值，低于最后一档不得分）"
SCHEME_ITEMS = "单项设置（某个指标或任务另设分值、规则；空白表示沿用上表）"
SCHEME_DEDUCTIONS = "扣分项目录"
SCHEME_VETO = "一票否决事由"
SCHEME_QUALITATIVE = "定性评价项"
SCHEME_LEVELS = "等次分数线（从高到低）"
SCHEME_QUOTA = "等次名额比例"
SCHEME_GROUPS = "排名分组（按自定义分组时使用；成员写单位类型或单位代码，用顿号分隔）"
SCHEME_TEXT_EDIT = "方案文本（TOML）"
SCHEME_TEXT_SAVE = "校验并保存文本"
SCHEME_TABLE_SAVE = "校验并保存表格"
SCHEME_COLUMNS = {
    "component": "考核项",
    "rule": "计分规则",
    "floor": "起评线",
    "ratio_cap": "完成率上限",
    "item_points": "单项分值（×权重）",
    "min": "完成率下限",
    "fraction": "得分比例",
    "code": "代码",
    "points": "分值",
    "name": "名称",
    "max_total": "合计上限",
    "reason": "否决事由",
    "grade": "等次",
    "share": "名额比例",
    "group": "组名",
    "members": "成员",
}
SCHEME_YEAR_OUTSIDE = "{year} 年不在规划 {plan} 的规划期（{start}—{end} 年）内。"

_more_columns(
    {
        "logged_at": "时间",
        "actor": "操作人",
        "action": "操作代码",
        "action_label": "操作",
        "target": "对象",
        "detail": "详情",
        "detail_text": "详情",
        "parent": "上级单位",
        "assumed": "系统推定",
        "lead_name": "牵头单位",
        "lead_status_label": "牵头单位状态",
        "lead_percent": "牵头单位进度（%）",
        "helpers_text": "配合单位状态",
        "helpers_reported_text": "配合单位已报",
        "overdue_text": "滞后原因",
        "due_year": "完成年限",
    }
)

# 下级汇总 (portal.monitoring.rollup): an upper office's offices side by side
PAGE_ROLLUP = "下级汇总"
ROLLUP_OFFICE = "汇总的办公室"
ROLLUP_NO_OFFICES = "您的管辖范围内没有下辖办公室负责的规划，没有可汇总的内容。"
ROLLUP_INTRO = "{office}下辖各地，按各自规划汇总；数字与各地“完成情况”“指标监测”页面一致，下级数据只读。"
ROLLUP_WITHOUT_PLANS = "以下下辖办公室尚无规划，未列入："
ROLLUP_TABLE = "各地报送与指标进度（{round}）"
ROLLUP_CHART = "各轮次报送率"
ROLLUP_SHARED = "共同指标"
ROLLUP_SHARED_HELP = (
    "各规划中名称相近的同类指标并列比较：实际值为截至本轮最新审核通过的值，期望值为序时进度。"
)
ROLLUP_SHARED_NONE = "所汇总的规划中没有同类的共同指标。"
ROLLUP_SHARED_ABSENT = "未设此类指标："
ROLLUP_DRILL = "查看各地详情（只读）"
ROLLUP_OPEN_COMPLETION = "{city} · {plan} 完成情况"
ROLLUP_OPEN_MONITORING = "{city} · {plan} 指标监测"
CHART_SERIES_PLAN = "地区 · 规划"
CHART_LATE = "迟报单位"

_more_columns(
    {
        "city_name": "下辖办公室",
        "kpi_total": "指标数",
    }
    | {p.value: p.label for p in Pace}  # pace counts, headed as 指标监测 names them
)

# 年度考核: 公示 → 定稿 (portal/assessment/lifecycle.py)
LC_HEADING = "公示与定稿"
LC_STAGE = "考核阶段：{summary}"
LC_DAYS = "公示天数（自然日，含今天）"
LC_CONFIRM_PUBLISH = "我已核对考核结果，确认开始公示（公示期内考核数据锁定）"
LC_PUBLISH = "开始公示"
LC_CONFIRM_FINALIZE = "我已核对全部异议的答复，确认定稿（定稿后考核数据锁定）"
LC_FINALIZE = "定稿"
LC_REOPEN_REASON = "重新评定的理由"
LC_CONFIRM_REOPEN = "确认重新评定（当前版本保留备查，考核数据恢复可修改）"
LC_REOPEN = "重新评定"
LC_OBJECTIONS = "异议"
LC_NO_OBJECTIONS = "没有异议。"
LC_ANSWER_PICK = "选择要答复的异议"
LC_ANSWER_DECISION = "答复结论"
LC_ACCEPT, LC_REJECT = "采纳", "不采纳"
LC_REPLY = "答复意见（不采纳的须写明理由）"
LC_ANSWER = "答复"
LC_VERSIONS = "版本记录"
LC_EVIDENCE_DOWNLOAD = "下载异议佐证材料"
UNIT_RESULT_HEADING = "本单位考核结果"
UNIT_RESULT_NO_PLANS = "本单位没有承担任何规划的任务或指标。"
UNIT_RESULT_NOT_PUBLISHED = "本年度考核结果尚未公示。公示后可在此查看本单位的得分明细并提出异议。"
UNIT_RESULT_SCORE = "总分 {total:.2f} 分，在 {count} 个被考核单位中排名第 {rank} 名，等次：{grade}。"
UNIT_OBJECTION_HEADING = "提出异议"
UNIT_OBJECTION_HELP = "对本单位的考核结果有异议的，请在公示期（至{until}）内写明理由提出，可附佐证材料。"
UNIT_OBJECTION_TEXT = "异议内容和理由"
UNIT_OBJECTION_FILE = "佐证材料（可选）"
UNIT_OBJECTION_SUBMIT = "提交异议"

_more_columns(
    {
        "objection_id": "异议编号",
        "text": "异议内容",
        "evidence_name": "佐证材料",
        "filed_by": "提出人",
        "filed_at": "提出时间",
        "answer_label": "答复结论",
        "reply": "答复意见",
        "answered_by": "答复人",
        "answered_at": "答复时间",
        "stage": "阶段",
        "version_reason": "本版本的理由",
        "published_by": "公示人",
        "published_at": "公示时间",
        "publicity_from": "公示开始",
        "publicity_to": "公示截止",
        "finalized_by": "定稿人",
        "finalized_at": "定稿时间",
        "reopened_by": "重新评定人",
        "reopened_at": "重新评定时间",
        "reopen_reason": "重新评定理由",
        "component": "考核内容",
        "item": "考核项目",
        "rule": "评分标准",
        "completion": "完成程度",
        "score": "考核分",
        "line_points": "分值",
    }
)


# ---------------------------------------------------------------- 问题整改 (issue 18: 问题库, 交办 → 销号)

PAGE_PROBLEMS = "问题整改"
PROBLEMS_HELP_UNIT = (
    "办公室交办给本单位的问题：请在反馈期限前答复整改情况，可附佐证材料；被退回的请按退回理由重新答复。"
)
PROBLEMS_HELP_OFFICE = (
    "各单位报送的存在问题可以立项，交办责任单位并限期反馈；单位答复后销号或退回。逾期：过了反馈期限仍未销号。"
)
PROBLEMS_PLAN = "规划"
PROBLEMS_ALL_PLANS = "全部规划"
PROBLEMS_REGISTER_DOWNLOAD = "下载问题台账（Excel）"
PROBLEMS_REGISTER_FILE = "问题台账.xlsx"
PROBLEMS_OPEN = "未销号"
PROBLEMS_OVERDUE = "逾期未销号"
PROBLEMS_CLOSED = "已销号"
PROBLEMS_NONE = "没有问题。"
PROBLEMS_CHART = "各单位未销号和逾期问题"
PROBLEMS_CHART_KIND = "类别"
PROBLEMS_CHART_COUNT = "问题数"
PROBLEMS_TAB_LIST = "问题清单"
PROBLEMS_TAB_SOURCES = "从报送立项"
PROBLEMS_TAB_NEW = "办公室立项"
PROBLEMS_PICK = "选择问题"
PROBLEMS_TRAIL = "办理过程"
PROBLEMS_SOURCE = "来源"
PROBLEMS_TEXT = "问题描述"
PROBLEMS_DUE = "反馈期限"
PROBLEMS_ASSIGN_TO = "交办单位"
PROBLEMS_ASSIGN = "交办"
PROBLEMS_CLOSE = "销号"
PROBLEMS_RETURN = "退回"
PROBLEMS_COMMENT = "销号意见或退回理由"
PROBLEMS_ANSWER_TEXT = "答复（整改情况）"
PROBLEMS_ANSWER_FILE = "佐证材料（可选）"
PROBLEMS_ANSWER = "提交答复"
PROBLEMS_EVIDENCE_DOWNLOAD = "下载佐证材料"
PROBLEMS_SOURCES_NONE = "所选范围内没有可立项的存在问题。"
PROBLEMS_SOURCE_PICK = "选择一条存在问题"
PROBLEMS_TAKE_UP = "立项"
PROBLEMS_TITLE = "问题标题（不填则取存在问题的开头）"
PROBLEMS_NEW_TITLE = "问题标题"
PROBLEMS_NEW_UNIT = "涉及单位"
PROBLEMS_NEW_SOURCE = "问题来源（如：2025年三季度问诊）"
PROBLEMS_NEW_SAVE = "立项"
PROBLEMS_OVERDUE_MARK = "逾期"
PROBLEMS_TAKEN = "已立项"

_more_columns(
    {
        "problem_id": "问题编号",
        "problem_title": "问题",
        "problem_text": "问题描述",
        "assignee": "交办单位代码",
        "assignee_name": "交办单位",
        "feedback_due": "反馈期限",
        "overdue_mark": "是否逾期",
        "source_label": "来源",
        "last_answer": "最新答复",
        "created_by": "立项人",
        "updated_at": "最近办理时间",
        "event_at": "时间",
        "step_label": "办理环节",
        "event_text": "内容",
        "submission_id": "报送编号",
        "open": "未销号",
        "overdue": "逾期",
    }
)

# ---------------------------------------------------------------- 名单与培育库 (issue 18)
LISTS_TAB = "名单与培育库"
LISTS_HELP = "只统计审核通过的报送中的名单；同一企业按统一社会信用代码只计一次，取其最靠后的培育阶段。"
LISTS_ENTERPRISES = "企业培育库"
LISTS_ENTERPRISE_COUNT = "库内企业数"
LISTS_STAGE_TABLE = "各区县各培育阶段企业数"
LISTS_NO_ENTERPRISES = "所选范围内还没有审核通过的企业名单。"
LISTS_MOVES = "本季度培育阶段变化（与上次审核通过的名单相比）"
LISTS_NO_MOVES = "本季度没有培育阶段发生变化的企业。"
LISTS_PROJECTS = "重点项目"
LISTS_NO_PROJECTS = "所选范围内还没有审核通过的项目名单。"
LISTS_DOUBLE_COUNTS = "名单重复计数"
LISTS_DOUBLE_COUNTS_HELP = "同一名单项在本轮由两个单位计入同一指标；请核实应由哪个单位计数。"
LISTS_NO_DOUBLE_COUNTS = "本轮没有发现重复计数的名单项。"

_more_columns(
    {
        "district": "所在区县",
        "entered": "入库",
        "nurtured": "培育",
        "applied": "申报",
        "certified": "认定",
        "stage_total": "合计",
        "item_key": "统一社会信用代码或编号",
        "from_stage_label": "原培育阶段",
        "to_stage_label": "现培育阶段",
        "from_round": "上次审核通过的轮次",
        "total_investment": "总投资（万元）",
        "quarter_investment": "本季度投资完成额（万元）",
        "cumulative_investment": "累计投资完成额（万元）",
        "progress": "形象进度",
        "list_type_label": "名单类型",
        "other_unit_name": "另一报送单位",
    }
)
