"""The words on the 填报说明 sheet: how to fill, what each status and indicator kind means.

Kept apart from the builder so the office can reword them without touching layout code.
"""

from __future__ import annotations

from schemas.enums import IndicatorKind, TaskStatus

TITLE = "科技创新任务季度调度 填报模板"

STEPS = (
    "在“指标填报”表中，为每个指标填写“本期值”（黄色单元格），并在“备注/数据来源”中注明数据来源和统计口径。",
    "在“任务进展”表中，为每项任务选择“状态”，填写“完成进度（%）”和“进展情况”，如有问题和下步计划一并填写。",
    "只填写黄色单元格；白色单元格由办公室预填并已锁定，请勿修改。",
    "数值单元格只填数字，不要加单位、百分号或千分位逗号；没有数据的留空，不要填“无”或“—”。",
    "不要增加、删除、移动行，不要重命名或删除工作表，不要把内容复制到其他单位或其他轮次的模板中。",
    "保存为 Excel 工作簿（.xlsx）后在平台上传；平台会逐格校验，有问题会指出具体单元格，修改后重新上传即可。",
)

STATUS_MEANINGS: dict[TaskStatus, str] = {
    TaskStatus.NOT_STARTED: "截至本季度末尚未开始实施。可不填写进展情况。",
    TaskStatus.IN_PROGRESS: "已开始实施，基本按计划推进。",
    TaskStatus.COMPLETED: "任务目标已全部完成，完成进度应填 100。",
    TaskStatus.BEHIND: "进度落后于计划安排，请在“存在问题”中说明原因，在“下步计划”中写明措施。",
}

KIND_MEANINGS: dict[IndicatorKind, str] = {
    IndicatorKind.STOCK: "季度末的时点数，如“高新技术企业数”。",
    IndicatorKind.FLOW: "本年 1 月 1 日至本季度末的累计数（年初至今）。",
    IndicatorKind.CUMULATIVE: "自基期年起至本季度末的累计数。",
    IndicatorKind.RATE: "百分数的数值，15 表示 15%；增速可为负数的指标可填负数。",
    IndicatorKind.MILESTONE: "已实现填 1，未实现填 0。",
}

LEGEND_INPUT = "填报项：由本单位填写，可编辑。"
LEGEND_LOCKED = "预填内容：由办公室预填，已锁定。"

NOTES = (
    "工作表保护只为防止误改，不需要也不要尝试取消保护；模板内含校验信息，改动预填内容会导致上传不通过。",
    "数值可以从其他表格复制粘贴；粘贴后请检查是否带入了单位、空格或全角数字，平台会提示但最好在源头改正。",
)
