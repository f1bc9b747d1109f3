"""Every Chinese word the pages show that is not a service's message: titles, widget labels, columns.

Pages import this as `L`; a wording change happens here only.
"""

from __future__ import annotations

import polars as pl

APP_TITLE = "科技创新任务调度考核平台"

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
SESSION_EXPIRED = "登录已过期或已失效,请重新登录。"
SIGNED_OUT = "已退出登录。"

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
HOME_NOT_SUBMITTED = "尚未报送"
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
NO_UNIT = "(不绑定单位)"
CREATE = "创建"
ACCOUNT_PICK = "选择账号"
DEACTIVATE = "停用"
ACTIVATE = "启用"
RESET_PASSWORD = "重置密码"
ONE_TIME_PASSWORD = "一次性密码(只显示这一次,请转交本人):"
ROUND_PICK = "选择轮次"
ROUND_OPEN = "重新开放"
ROUND_CLOSE = "截止"
ROUND_LOCK = "锁定"
ROUND_DUE = "新的截止日期"
ROUND_SET_DUE = "修改截止日期"
ROUND_NEW = "新建轮次(如 2025Q4)"
ROUND_CREATE = "新建并开放"
REGISTRY_UPLOAD = "上传任务分解表(.xlsx)"
REGISTRY_IMPORT = "导入(全部替换)"
REGISTRY_IMPORT_HELP = "有任何错误则一行也不导入;导入会替换现有的规划、单位、任务和指标。"
REGISTRY_EXPORT_XLSX = "导出任务分解表(Excel)"
REGISTRY_EXPORT_JSON = "导出任务分解表(JSON)"
REGISTRY_FILE_XLSX = "任务分解表.xlsx"
REGISTRY_FILE_JSON = "任务分解表.json"
REGISTRY_LOADED = "导入完成:"
REGISTRY_NOT_LOADED = "有错误,未导入任何数据。请按下表逐条修改后重新上传。"

# 我的账号
ACCOUNT_HEADING = "我的账号"
MUST_CHANGE = "您正在使用他人设置的一次性密码,请先修改密码后再继续使用。"
OLD_PASSWORD = "原密码"
NEW_PASSWORD = "新密码"
CONFIRM_PASSWORD = "再次输入新密码"
CHANGE_PASSWORD = "修改密码"

# Column headers of the tables pages show (service frames use English column names).
COLUMNS = {
    "username": "用户名",
    "display_name": "姓名或单位名称",
    "role_label": "角色",
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


def headed(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """The chosen columns of a service frame, ready to show: Chinese headers, dates as text, no "None"."""
    shown = frame.select(columns).with_columns(
        pl.col(pl.Date).dt.strftime("%Y-%m-%d"),
        pl.col(pl.Datetime).dt.strftime("%Y-%m-%d %H:%M"),
    )
    shown = shown.with_columns(pl.col(pl.String).fill_null(""))
    return shown.rename({c: COLUMNS[c] for c in columns})


# 系统管理 · 备份 (portal.backup)
TAB_BACKUP = "备份与恢复"
BACKUP_HELP = "备份包含数据仓库、上报原件、设置和模板签名密钥,请像保管密码一样保管备份文件。"
BACKUP_CREATE = "立即备份"
BACKUP_CREATED = "已创建备份"
BACKUP_LIST_EMPTY = "还没有备份。"
BACKUP_DOWNLOAD = "下载"
BACKUP_RESTORE_HEADING = "从备份恢复"
BACKUP_RESTORE_HELP = "恢复会整体替换现有数据(原数据移到 backups/ 下保留);恢复后所有人需要重新登录。"
BACKUP_RESTORE_FILE = "备份文件(.zip)"
BACKUP_RESTORE_FORCE = "我确认用备份覆盖现有数据"
BACKUP_RESTORE = "恢复"
