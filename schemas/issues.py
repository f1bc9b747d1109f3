"""The one catalogue of issue codes, and the Issue/Report model every stage yields into.

Consumers key on `code`; the Chinese wording may change. A message template is filled from
the issue's own fields (sheet, cell, column, value) and from extra parameters of the check.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from schemas.enums import Severity

E, W = Severity.ERROR, Severity.WARNING


@dataclass(frozen=True)
class IssueType:
    code: str
    severity: Severity
    stage: str
    title: str
    template: str
    hint: str


_CATALOGUE: list[IssueType] = [
    # --- stage: file safety ---
    IssueType(
        "file-empty", E, "file", "文件为空", "上传的文件是空的（0 字节）。", "请重新保存工作簿后再上传。"
    ),
    IssueType(
        "file-too-large",
        E,
        "file",
        "文件过大",
        "文件大小 {size_mb} MB，超过上限 {limit_mb} MB。",
        "请删除多余的工作表、图片后另存为 .xlsx 再上传。",
    ),
    IssueType(
        "file-not-xlsx",
        E,
        "file",
        "不是 .xlsx 文件",
        "文件不是有效的 Excel 工作簿（.xlsx）：{detail}。",
        "请使用平台下载的模板填写，并在 Excel/WPS 中“另存为 Excel 工作簿（*.xlsx）”。",
    ),
    IssueType(
        "file-xls-legacy",
        E,
        "file",
        "旧版 .xls 格式",
        "文件是旧版 Excel 97-2003 格式（.xls）。",
        "请在 Excel/WPS 中另存为“Excel 工作簿（*.xlsx）”后再上传。",
    ),
    IssueType(
        "file-encrypted",
        E,
        "file",
        "文件已加密",
        "工作簿设置了打开密码，平台无法读取。",
        "请在 Excel 中取消“用密码进行加密”后另存再上传（工作表保护无需取消）。",
    ),
    IssueType(
        "file-macro-enabled",
        E,
        "file",
        "包含宏",
        "工作簿包含宏（VBA 工程），出于安全原因不予接收。",
        "请另存为不含宏的“Excel 工作簿（*.xlsx）”后再上传。",
    ),
    IssueType(
        "file-zip-bomb",
        E,
        "file",
        "压缩内容异常",
        "文件解压后体积异常（{detail}），疑似压缩炸弹。",
        "请使用平台模板重新填写；如确有大量内容，请联系办公室。",
    ),
    IssueType(
        "file-xml-entity",
        E,
        "file",
        "包含外部实体",
        "工作簿的 XML 部件 {detail} 含有 DTD/外部实体声明，不予接收。",
        "请将内容复制到新下载的模板中再上传。",
    ),
    IssueType(
        "file-zip-duplicate",
        E,
        "file",
        "部件名重复",
        "文件压缩包中有两个同名部件 {detail}，无法确定以哪一个为准，不予接收。",
        "请用 Excel/WPS 打开后另存为新的 .xlsx 再上传；不要用其他工具修改文件内容。",
    ),
    IssueType(
        "file-zip-path",
        E,
        "file",
        "部件名含路径",
        "文件压缩包中的部件名 {detail} 含有“../”、绝对路径、盘符或反斜杠，不是正常保存的工作簿，不予接收。",
        "请使用平台下载的模板填写，在 Excel/WPS 中另存为 .xlsx 后再上传。",
    ),
    IssueType(
        "file-external-link",
        E,
        "file",
        "包含外部链接",
        "工作簿含有外部链接或数据连接（{detail}），打开时会访问其他文件、程序或网络地址，不予接收。",
        "请在 Excel 中点“数据 → 编辑链接 → 断开链接”，删除数据连接和指向共享文件夹的超链接，另存后再上传。",
    ),
    IssueType(
        "file-embedded-object",
        E,
        "file",
        "包含嵌入对象",
        "工作簿嵌入了对象或控件（{detail}），出于安全原因不予接收。",
        "请删除插入的文档、图标或控件后另存再上传；需要提供的材料请作为佐证材料单独上传。",
    ),
    IssueType(
        "sheet-too-large",
        E,
        "file",
        "工作表过大",
        "工作表“{sheet}”的内容延伸到 {cell}，超出可处理的范围（最多 {max_rows} 行、到 {max_col} 列），文件未读取。",
        "请删除 {cell} 等表格区域以外的多余内容：选中多余的行或列后右键“删除”（只清除内容不够），保存后再上传。",
    ),
    IssueType(
        "file-reader-crashed",
        E,
        "file",
        "文件读取失败",
        "读取工作簿的程序未能完成（{detail}），文件未读取；常见原因是文件内容过大或结构异常。",
        "请用 Excel/WPS 打开文件，删除多余的工作表和表格区域以外的内容，另存为 .xlsx 后再上传；仍不行请把文件发给平台管理员。",
    ),
    IssueType(
        "file-unreadable",
        E,
        "file",
        "文件无法打开",
        "无法读取工作簿：{detail}。",
        "请确认文件未损坏：用 Excel/WPS 打开并另存为 .xlsx 后再上传。",
    ),
    # --- stage: structure ---
    IssueType(
        "sheet-missing",
        E,
        "structure",
        "缺少工作表",
        "缺少工作表“{sheet}”。",
        "请勿删除或重命名模板中的工作表；可重新下载模板后填写。",
    ),
    IssueType(
        "header-missing",
        E,
        "structure",
        "缺少表头列",
        "工作表“{sheet}”缺少列“{column}”。",
        "请勿删除、移动或改名模板的表头；可重新下载模板后填写。",
    ),
    IssueType(
        "meta-missing",
        E,
        "structure",
        "缺少模板信息",
        "工作簿缺少模板信息（隐藏表 {sheet} 或其中的 {column}）。",
        "请使用平台下载的模板填写，不要把内容复制到自建表格中。",
    ),
    IssueType(
        "signature-invalid",
        E,
        "structure",
        "模板签名无效",
        "模板签名校验失败：工作簿不是平台生成的，或预填内容被改动。",
        "请重新下载本单位本轮次的模板，把填报内容复制进去后再上传。",
    ),
    IssueType(
        "template-version-unsupported",
        E,
        "structure",
        "模板版本过旧",
        "模板版本 {value} 不再支持（当前支持 {supported}）。",
        "请下载最新模板重新填写。",
    ),
    IssueType(
        "wrong-unit",
        E,
        "structure",
        "单位不符",
        "这是“{value}”的模板，不是本单位（{expected}）的。",
        "请下载本单位的模板填写。",
    ),
    IssueType(
        "wrong-round",
        E,
        "structure",
        "轮次不符",
        "这是 {value} 轮次的模板，当前上报的是 {expected}。",
        "请下载当前轮次的模板填写。",
    ),
    IssueType(
        "unknown-unit",
        E,
        "structure",
        "单位不存在",
        "模板中的单位代码 {value} 在平台中不存在或已停用。",
        "请重新下载模板；如单位有调整请联系办公室。",
    ),
    IssueType(
        "round-not-open",
        E,
        "structure",
        "轮次未开放",
        "轮次 {value} 当前状态为“{state}”，不接收上报。",
        "如需补报，请联系领导小组办公室。",
    ),
    IssueType(
        "round-unknown",
        E,
        "structure",
        "轮次不存在",
        "轮次 {value} 在平台中不存在。",
        "请下载当前开放轮次的模板填写；轮次以平台公布的为准。",
    ),
    IssueType(
        "row-added",
        E,
        "structure",
        "新增了行",
        "第 {row} 行是模板之外新增的{item}“{value}”。",
        "请勿在模板中增加行；如需新增指标或任务请联系办公室。",
    ),
    IssueType(
        "row-removed",
        E,
        "structure",
        "删除了行",
        "{item}“{value}”所在的行被删除。",
        "请重新下载模板，保留全部预填行。",
    ),
    IssueType(
        "row-duplicated",
        E,
        "structure",
        "行重复",
        "{item}“{value}”出现了多次（第 {row} 行重复）。",
        "请删除重复的行，每个{item}只填一行。",
    ),
    IssueType(
        "row-recoded",
        E,
        "structure",
        "预填内容被改动",
        "预填的{column}被改为“{value}”，原为“{expected}”。",
        "预填列不可修改，请恢复原值或重新下载模板。",
    ),
    # --- stage: cells (reading and normalisation) ---
    IssueType(
        "number-full-width",
        W,
        "cells",
        "全角数字",
        "“{value}”含全角数字，已按 {normalised} 读取。",
        "请使用半角数字输入。",
    ),
    IssueType(
        "number-thousands-separator",
        W,
        "cells",
        "千分位分隔符",
        "“{value}”含千分位分隔符，已按 {normalised} 读取。",
        "数值单元格请直接输入数字，不加逗号。",
    ),
    IssueType(
        "number-percent-string",
        W,
        "cells",
        "百分号文本",
        "“{value}”是带百分号的文本，已按 {normalised}（%）读取。",
        "比率类指标请直接填写百分数的数值，如 15 表示 15%。",
    ),
    IssueType(
        "number-unit-suffix",
        W,
        "cells",
        "数值后带单位",
        "“{value}”带有计量单位，已按 {normalised} 读取。",
        "计量单位已在表中列明，请只填写数字。",
    ),
    IssueType("text-trimmed", W, "cells", "首尾空格", "“{value}”首尾有空格，已去除。", "无需处理。"),
    IssueType(
        "value-not-applicable", W, "cells", "视为未填", "“{value}”视为未填写。", "如有数值请直接填写数字。"
    ),
    IssueType(
        "excel-error-value",
        E,
        "cells",
        "公式错误值",
        "单元格是 Excel 错误值 {value}。",
        "请修正公式或直接填写数值。",
    ),
    IssueType(
        "formula-without-value",
        E,
        "cells",
        "公式无计算结果",
        "单元格是公式 {value}，但文件中没有计算结果。",
        "请在 Excel/WPS 中打开并保存一次（让公式计算），或直接填写数值。",
    ),
    IssueType(
        "formula-not-allowed",
        E,
        "cells",
        "含有公式",
        "单元格含有公式 {value}，平台只接收直接填写的数值或文字，未读取其计算结果。",
        "请复制该单元格后“选择性粘贴 → 数值”，或直接填写数值；不要引用其他单元格、文件或程序。",
    ),
    IssueType(
        "value-not-number",
        E,
        "cells",
        "不是数字",
        "“{value}”不是有效的数字。",
        "请填写数字，如 1200 或 15.5。",
    ),
    IssueType(
        "value-not-finite",
        E,
        "cells",
        "不是有效数值",
        "“{value}”不是有限的数值（无穷大或非数字），未读取。",
        "请填写实际的数字，如 1200 或 15.5；不要填写 1e999、inf 之类的值。",
    ),
    IssueType(
        "value-too-large",
        E,
        "cells",
        "数值超出范围",
        "“{value}”的绝对值超过 {limit}，超出平台可接受的范围，未读取。",
        "请核对数量级和计量单位（如“元”与“亿元”），填写实际的数值。",
    ),
    IssueType(
        "value-not-date",
        E,
        "cells",
        "不是日期",
        "“{value}”不是有效的日期。",
        "请按 2025-10-15 的格式填写日期。",
    ),
    # --- stage: rows (Pandera) ---
    IssueType("required-missing", E, "rows", "必填项为空", "“{column}”为必填项，当前为空。", "请补充填写。"),
    IssueType(
        "value-below-min",
        E,
        "rows",
        "数值过小",
        "“{column}”为 {value}，不能小于 {min_value}。",
        "请核对数值；确为负数的指标请联系办公室。",
    ),
    IssueType(
        "value-above-max",
        E,
        "rows",
        "数值过大",
        "“{column}”为 {value}，不能大于 {max_value}。",
        "请核对数值。",
    ),
    IssueType(
        "value-not-allowed",
        E,
        "rows",
        "不在可选范围",
        "“{column}”填写了“{value}”，只能填写：{allowed}。",
        "请从下拉列表中选择。",
    ),
    IssueType(
        "indicator-value-missing",
        E,
        "rows",
        "本期值未填",
        "“{column}”为空，且“备注/数据来源”中未说明原因。",
        "请填写本期值；确实无法提供的，请在“备注/数据来源”中说明原因。",
    ),
    IssueType(
        "narrative-required",
        E,
        "rows",
        "缺少进展情况",
        "任务状态为“{status}”时必须填写“{column}”。",
        "请简要说明本季度的进展；尚未启动的任务可选“未启动”。",
    ),
    IssueType(
        "value-wrong-type",
        E,
        "rows",
        "类型不符",
        "“{column}”的值“{value}”类型不符：{detail}。",
        "请按表头说明填写。",
    ),
    IssueType(
        "check-failed",
        E,
        "rows",
        "校验未通过",
        "“{column}”未通过校验 {detail}（值：{value}）。",
        "请按说明修正。",
    ),
    # --- stage: sets and history (Great Expectations) ---
    IssueType(
        "indicator-missing",
        E,
        "sets",
        "缺少指标",
        "本单位应填报的指标 {value} 不在表中。",
        "请重新下载模板，保留全部预填行。",
    ),
    IssueType(
        "indicator-duplicated", E, "sets", "指标重复", "指标 {value} 出现了多次。", "每个指标只填一行。"
    ),
    IssueType(
        "task-missing",
        E,
        "sets",
        "缺少任务",
        "本单位应填报的任务 {value} 不在表中。",
        "请重新下载模板，保留全部预填行。",
    ),
    IssueType("task-duplicated", E, "sets", "任务重复", "任务 {value} 出现了多次。", "每个任务只填一行。"),
    IssueType(
        "completed-not-100",
        E,
        "sets",
        "完成状态与进度不符",
        "任务状态为“已完成”，但完成进度为 {value}%。",
        "已完成的任务进度应为 100；未完成请改选“推进中”或“滞后”。",
    ),
    IssueType(
        "stock-declined",
        W,
        "sets",
        "数值下降",
        "本期值 {value} 低于上次审核通过的 {previous}（{previous_round}）。",
        "存量/累计类指标一般不下降；如属实请在“备注/数据来源”中说明原因。",
    ),
    IssueType(
        "ytd-flow-declined",
        W,
        "sets",
        "年内累计值下降",
        "年内累计值 {value} 低于本年上季度的 {previous}（{previous_round}）。",
        "年度流量按年初至今累计填报，一般不下降；如属实请在备注中说明。",
    ),
    IssueType(
        "value-implausible",
        W,
        "sets",
        "数值异常",
        "数值 {value} 超出合理范围（超过{basis} {reference} 的 {factor} 倍）。",
        "请核对单位和数量级（如“万元”与“亿元”）；如属实请在备注中说明。",
    ),
    # --- registry workbook ---
    IssueType(
        "duplicate-code",
        E,
        "registry",
        "代码重复",
        "{column}“{value}”重复出现（另见第 {other_row} 行）。",
        "代码必须唯一，请修改或删除重复行。",
    ),
    IssueType(
        "unknown-reference",
        E,
        "registry",
        "引用不存在",
        "{column}“{value}”在“{target}”表中不存在。",
        "请先在“{target}”表中添加，或改为已有的代码。",
    ),
    IssueType(
        "lead-unit-missing",
        E,
        "registry",
        "缺少牵头单位",
        "任务 {value} 没有牵头单位。",
        "每项任务必须指定一个牵头单位。",
    ),
    IssueType(
        "unit-tree-cycle",
        E,
        "registry",
        "单位层级循环",
        "单位 {value} 的上级关系形成了循环。",
        "请检查“上级单位”列。",
    ),
    IssueType(
        "office-tree-cycle",
        E,
        "registry",
        "办公室层级循环",
        "办公室 {value} 的上级关系形成了循环。",
        "请检查“上级办公室”列：沿上级一路向上，最终应到达一个没有上级的办公室。",
    ),
    IssueType(
        "plan-office-missing",
        E,
        "registry",
        "缺少所属办公室",
        "规划 {value} 没有所属办公室。",
        "每个规划必须属于一个办公室，请在“所属办公室”列填写“办公室”表中的代码。",
    ),
    IssueType(
        "owner-missing",
        E,
        "registry",
        "缺少责任单位",
        "指标 {value} 没有责任单位。",
        "每个指标至少指定一个责任单位。",
    ),
    IssueType(
        "code-confusable",
        E,
        "registry",
        "代码只差写法",
        "{column}“{value}”与第 {other_row} 行的“{other}”只差大小写、全角/半角或看不见的字符，会被当作同一个代码。",
        "代码必须明显不同：请统一写法，或修改其中一个。",
    ),
    IssueType(
        "text-control-character",
        E,
        "registry",
        "含有控制字符",
        "{column}含有控制字符（{chars}），据此生成的表格将无法打开。",
        "请删除该单元格中看不见的控制字符（可重新输入该单元格的内容）后再导入。",
    ),
    IssueType(
        "unit-delete-in-use",
        E,
        "registry",
        "不能删除在用单位",
        "单位 {value}（{name}）有 {submissions} 份报送记录、{accounts} 个账号，但导入的“单位”表中没有它；删除会使这些记录和账号失去所属单位。",
        "请在“单位”表中保留该单位，并把“是否启用”改为“否”以停用它，再重新导入。",
    ),
    IssueType(
        "registry-out-of-scope-change",
        E,
        "registry",
        "不能修改管辖范围以外的内容",
        "工作表“{sheet}”第 {row} 行的{item}“{value}”与平台上的不同，但它不属于您的账号负责的办公室，您不能修改它（办公室的上级、规划的所属办公室、单位的所属组织也只能在本办公室范围内调整）。",
        "请把该行恢复为平台上的内容后重新导入；您只能修改本办公室负责的规划（及其任务、指标）、单位和本办公室的信息。",
    ),
    IssueType(
        "registry-out-of-scope-add",
        E,
        "registry",
        "不能新增管辖范围以外的内容",
        "工作表“{sheet}”第 {row} 行新增的{item}“{value}”不属于您的账号负责的办公室，您不能新增它。",
        "请删去该行后重新导入；新增的规划须属于本办公室，新增的单位须以本办公室为所属组织，新的办公室由全平台管理员添加。",
    ),
    IssueType(
        "registry-out-of-scope-drop",
        E,
        "registry",
        "不能删除管辖范围以外的内容",
        "工作表“{sheet}”中没有{item}“{value}”，但它不属于您的账号负责的办公室，您不能删除它。",
        "导入会替换整个任务分解表：请使用包含全部内容的任务分解表，只修改本办公室负责的行，其余各行保持原样。",
    ),
    IssueType(
        "round-locked-change",
        E,
        "registry",
        "不能修改已锁定的轮次",
        "轮次 {value} 已锁定，导入不能修改它的{column}（现为“{current}”，表中为“{given}”）。",
        "已锁定的轮次不可更改：请把该行恢复为导出时的内容后重新导入。",
    ),
    # --- named lists (名单) behind list-backed indicators ---
    IssueType(
        "credit-code-length",
        E,
        "lists",
        "统一社会信用代码位数不对",
        "统一社会信用代码“{value}”有 {length} 位，应为 18 位。",
        "请按营业执照上的代码逐位填写，不要带空格或其他符号。",
    ),
    IssueType(
        "credit-code-charset",
        E,
        "lists",
        "统一社会信用代码含无效字符",
        "统一社会信用代码“{value}”含有代码中不会出现的字符（{chars}）。",
        "代码只由数字 0-9 和除 I、O、Z、S、V 以外的大写字母组成；请核对是否把字母 O 写成了数字 0 等。",
    ),
    IssueType(
        "credit-code-check-digit",
        E,
        "lists",
        "统一社会信用代码校验位不符",
        "统一社会信用代码“{value}”的第 18 位校验码应为 {expected}，与所填不符。",
        "请对照营业执照逐位核对代码，通常是某一位抄错了。",
    ),
    IssueType(
        "list-row-duplicated",
        E,
        "lists",
        "名单重复",
        "{item}“{value}”在指标 {indicator} 下重复出现，另见第 {other_row} 行。",
        "同一{item}在同一指标下只填一行，请删除重复的行。",
    ),
    IssueType(
        "list-indicator-unknown",
        E,
        "lists",
        "指标编号不在本表中",
        "指标编号“{value}”不是本单位以{list}名单计数的指标。",
        "请从下拉列表中选择：{allowed}。",
    ),
    IssueType(
        "list-sheet-missing",
        E,
        "lists",
        "缺少名单工作表",
        "指标 {indicator} 以{list}名单计数，但工作簿中没有“{sheet}”工作表。",
        "请使用平台下载的本轮模板，在“{sheet}”中逐行填写名单。",
    ),
    IssueType(
        "list-count-mismatch",
        E,
        "lists",
        "本期值与名单不符",
        "指标 {indicator} 的本期值为 {value}，而“{list_sheet}”中该指标的名单有 {count} 条。",
        "本期值应等于名单的条数：请补全名单或更正本期值。",
    ),
    IssueType(
        "list-new-count-mismatch",
        E,
        "lists",
        "新增数与名单不符",
        "指标 {indicator} 的本期值为 {value}，而“{list_sheet}”中该指标的名单有 {count} 条，"
        "比上次审核通过的名单（{previous_round}，{previous} 条）增加 {difference} 条。",
        "新增类指标的本期值应等于名单比上次审核通过的名单增加的条数：请核对名单或本期值。",
    ),
    IssueType(
        "list-claimed-elsewhere",
        W,
        "lists",
        "名单可能重复计数",
        "该{item}已由其他单位报送，请核实（指标 {indicator}，“{value}”）。",
        "同一{item}只应由一个单位计入该指标；如确属本单位，请在备注中说明。",
    ),
    # --- workflow ---
    IssueType(
        "unit-not-owner",
        E,
        "workflow",
        "无权填报",
        "本单位不是{item} {value} 的责任单位，不能填报。",
        "请只填写本单位负责的指标和任务。",
    ),
    # --- assessment: the scoring scheme file and evaluators' bonus items ---
    IssueType(
        "scheme-unreadable",
        E,
        "scheme",
        "评分方案无法读取",
        "评分方案文件 {file} 不是有效的 TOML：{detail}。",
        "请检查引号、等号和方括号是否成对，可参照默认方案文件 portal/scoring_default.toml 的写法。",
    ),
    IssueType(
        "scheme-unknown-key",
        E,
        "scheme",
        "评分方案有未知设置项",
        "评分方案文件 {file} 中有未知设置项“{column}”。",
        "请检查拼写；可用的设置项及说明见默认方案文件 portal/scoring_default.toml。",
    ),
    IssueType(
        "scheme-bad-value",
        E,
        "scheme",
        "评分方案设置值无效",
        "评分方案文件 {file} 中“{column}”的值 {value} 无效：{detail}。",
        "请按默认方案文件 portal/scoring_default.toml 中的说明修改。",
    ),
    IssueType(
        "scheme-points-sum",
        E,
        "scheme",
        "分值合计不等于满分",
        "各项分值合计 {total}（{parts}），不等于满分 {full_marks}（{file}）。",
        "请调整 [points] 中的分值（及 [[qualitative]] 各项的 points），使其之和等于 full_marks。",
    ),
    IssueType(
        "scheme-split-sum",
        E,
        "scheme",
        "牵头配合比例之和不为 1",
        "任务分值的牵头比例 {lead} 与配合比例 {helpers} 之和为 {total}，应为 1（{file}）。",
        "请调整 [tasks.split]，例如 lead = 0.7、helpers = 0.3。",
    ),
    IssueType(
        "scheme-grades-order",
        E,
        "scheme",
        "等次分数线顺序有误",
        "等次分数线应从高到低排列、互不相同、名称不重复，且在 0 到满分 {full_marks} 之间，当前为：{detail}（{file}）。",
        "请按“优秀 90、良好 80、合格 60”这样从高到低的顺序填写 [[grades.levels]]。",
    ),
    IssueType(
        "scheme-fractions-order",
        E,
        "scheme",
        "任务状态得分比例顺序有误",
        "任务状态得分比例应满足 已完成 ≥ 推进中 ≥ 滞后 ≥ 未启动，当前为：{detail}（{file}）。",
        "请调整 [tasks.status_fraction]。",
    ),
    IssueType(
        "assess-plan-unknown",
        E,
        "scheme",
        "规划不存在",
        # the words of portal.core.permissions.missing_plan: an unknown plan and one outside the
        # account's scope are refused alike
        "规划“{value}”不存在或不在您的管辖范围内，请核对规划代码。",
        "可用的规划代码：{known}。",
    ),
    IssueType(
        "assess-year-outside-plan",
        E,
        "scheme",
        "年度不在规划期内",
        "{value} 年不在规划 {plan} 的规划期 {start_year}–{end_year} 内。",
        "请选择规划期内的年度。",
    ),
    IssueType(
        "bonus-points-invalid",
        E,
        "scheme",
        "加分分值无效",
        "加分分值 {value} 无效：应大于 0 且不超过每个单位的加分上限 {max_total}。",
        "请填写大于 0 的分值；确需调整上限请修改评分方案 [bonus] max_total。",
    ),
    IssueType(
        "bonus-reason-missing",
        E,
        "scheme",
        "缺少加分理由",
        "加分必须写明理由。",
        "请简要写明加分依据，如获奖、通报表扬的文件名称。",
    ),
    IssueType(
        "bonus-unit-not-assessed",
        E,
        "scheme",
        "单位不在考核范围",
        "单位 {value} 在规划 {plan} 中没有承担任务或指标，不在考核范围内。",
        "请核对单位代码。",
    ),
    IssueType(
        "bonus-over-cap",
        W,
        "scheme",
        "加分超过上限",
        "单位 {value} 的加分合计 {total} 超过上限 {max_total}，计分时按 {max_total} 计。",
        "无需处理；如需调整上限请修改评分方案 [bonus] max_total。",
    ),
    IssueType(
        "entry-reason-missing",
        E,
        "scheme",
        "缺少理由",
        "{what}必须写明理由。",
        "请简要写明依据，如督办通知、通报或核查结论的文件名称。",
    ),
    IssueType(
        "entry-points-invalid",
        E,
        "scheme",
        "分值无效",
        "{what}的分值 {value} 无效：{detail}。",
        "请按评分方案中该项的分值范围填写。",
    ),
    IssueType(
        "entry-item-unknown",
        E,
        "scheme",
        "评分方案中没有此项",
        "评分方案的 {key} 中没有“{value}”，可选：{known}。",
        "请从评分方案列出的项中选择；如需增加，请考核评价员修改评分方案。",
    ),
    IssueType(
        "entry-unit-not-assessed",
        E,
        "scheme",
        "单位不在考核范围",
        "单位 {value} 在规划 {plan} 中没有承担任务或指标，不在考核范围内。",
        "请核对单位代码。",
    ),
    IssueType(
        "self-score-component-unknown",
        E,
        "scheme",
        "自评项目无效",
        "自评分的项目“{value}”无效，可选：{known}。",
        "请按评分方案中有分值的项目填报自评分。",
    ),
    IssueType(
        "deduction-cap-reached",
        W,
        "scheme",
        "扣分已达上限",
        "单位 {value} 的扣分项“{name}”此前已扣满上限 {max_total} 分，本条已记录，但计分时不再扣分。",
        "无需处理；如确需多扣，请修改评分方案 [[deductions]] 中该项的 max_total。",
    ),
    IssueType(
        "deduction-over-cap",
        W,
        "scheme",
        "扣分超过上限",
        "单位 {value} 的扣分项“{name}”合计 {total} 分，超过上限 {max_total} 分，计分时按 {max_total} 分计。",
        "无需处理；如确需多扣，请修改评分方案 [[deductions]] 中该项的 max_total。",
    ),
    # --- stage: evidence (佐证材料) ---
    IssueType(
        "evidence-empty",
        E,
        "evidence",
        "佐证材料为空",
        "佐证材料“{file}”是空文件（0 字节）。",
        "请确认文件已保存完整后再上传。",
    ),
    IssueType(
        "evidence-too-large",
        E,
        "evidence",
        "佐证材料过大",
        "佐证材料“{file}”大小 {size_mb} MB，超过上限 {limit_mb} MB。",
        "请压缩图片、删减页数或拆分为几个文件后再上传。",
    ),
    IssueType(
        "evidence-type-not-allowed",
        E,
        "evidence",
        "佐证材料类型不允许",
        "佐证材料“{file}”不是允许的文件类型（{detail}）。",
        "只接收 PDF、PNG/JPEG 图片和 Office 文件（docx、xlsx、pptx、doc、xls）；其他格式请先转换为 PDF。",
    ),
    IssueType(
        "evidence-type-mismatch",
        E,
        "evidence",
        "扩展名与内容不符",
        "佐证材料“{file}”的扩展名 {ext} 与文件实际内容（{kind}）不符。",
        "请在原软件中另存为正确的格式，不要直接修改扩展名。",
    ),
    IssueType(
        "evidence-macro",
        E,
        "evidence",
        "佐证材料包含宏",
        "佐证材料“{file}”包含宏（VBA 工程），出于安全原因不予接收。",
        "请另存为不含宏的格式（如 .docx、.xlsx 或 PDF）后再上传。",
    ),
    IssueType(
        "evidence-pdf-malformed",
        E,
        "evidence",
        "PDF 结构不完整",
        "佐证材料“{file}”不是完整的 PDF 文件：{detail}。",
        "请在原软件中重新“导出为 PDF”或“打印为 PDF”后再上传。",
    ),
    IssueType(
        "evidence-pdf-active",
        E,
        "evidence",
        "PDF 含脚本或附件",
        "佐证材料“{file}”含有脚本、启动程序的动作或内嵌附件（{detail}），出于安全原因不予接收。",
        "请用“打印为 PDF”重新生成不含脚本和附件的文件后再上传。",
    ),
    IssueType(
        "evidence-trailing-data",
        E,
        "evidence",
        "文件末尾夹带其他内容",
        "佐证材料“{file}”在{kind}的结束标记之后还附带了 {size} 字节其他内容。",
        "这类文件可能夹带程序或网页：请用原软件重新保存或导出后再上传。",
    ),
    IssueType(
        "evidence-polyglot",
        E,
        "evidence",
        "文件同时是两种格式",
        "佐证材料“{file}”既是{kind}，又是{other}，出于安全原因不予接收。",
        "请用原软件重新保存或导出后再上传。",
    ),
    IssueType(
        "evidence-image-malformed",
        E,
        "evidence",
        "图片结构不完整",
        "佐证材料“{file}”不是完整的{kind}：{detail}。",
        "请用看图软件打开后另存为 PNG 或 JPEG 图片再上传。",
    ),
    IssueType(
        "evidence-office-malformed",
        E,
        "evidence",
        "Office 文件结构不完整",
        "佐证材料“{file}”不是完整的 Office 文件：{detail}。",
        "请在 Office/WPS 中打开后另存为 .docx、.xlsx 或 .pptx 再上传。",
    ),
    IssueType(
        "evidence-executable",
        E,
        "evidence",
        "佐证材料内含程序",
        "佐证材料“{file}”内含可执行程序或脚本（{part}），出于安全原因不予接收。",
        "请删除文件中嵌入的程序或脚本后另存，或导出为 PDF 再上传。",
    ),
    IssueType(
        "evidence-embedded-object",
        E,
        "evidence",
        "佐证材料内嵌对象",
        "佐证材料“{file}”内嵌了对象或控件（{part}），出于安全原因不予接收。",
        "请删除嵌入的对象（或改为图片）后另存，或导出为 PDF 再上传。",
    ),
    IssueType(
        "evidence-zip-entry-unsafe",
        E,
        "evidence",
        "内部文件名异常",
        "佐证材料“{file}”的内部文件名异常（{part}：{detail}）。",
        "请在 Office/WPS 中打开后重新另存再上传。",
    ),
    IssueType(
        "evidence-zip-bomb",
        E,
        "evidence",
        "压缩内容异常",
        "佐证材料“{file}”解压后体积异常（{detail}），疑似压缩炸弹。",
        "请删除多余内容后重新保存；内容确实很多时，请拆分为几个文件或导出为 PDF。",
    ),
    IssueType(
        "evidence-task-unknown",
        E,
        "evidence",
        "任务不在本次报送中",
        "任务 {value} 不在报送记录 {submission} 中，不能挂接佐证材料。",
        "请从本次报送的任务中选择，或挂接到整份报送。",
    ),
    IssueType(
        "internal-error",
        E,
        "system",
        "系统内部错误",
        "校验时发生内部错误：{detail}。",
        "请稍后重试；如仍出现，请把文件发给平台管理员。",
    ),
]

CATALOGUE: dict[str, IssueType] = {t.code: t for t in _CATALOGUE}


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


@dataclass(frozen=True)
class Issue:
    """One problem at one place. `row` is the Excel row number (1-based) when known."""

    code: str
    severity: Severity
    message: str
    hint: str
    sheet: str | None = None
    cell: str | None = None
    column: str | None = None
    value: str | None = None
    row: int | None = None
    params: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def make(
        cls,
        code: str,
        *,
        sheet: str | None = None,
        cell: str | None = None,
        column: str | None = None,
        value: Any = None,
        row: int | None = None,
        severity: Severity | None = None,
        **params: Any,
    ) -> Issue:
        kind = CATALOGUE[code]
        shown = None if value is None else str(value)
        fill = _Blank(
            params, sheet=sheet or "", cell=cell or "", column=column or "", value=shown or "", row=row or ""
        )
        return cls(
            code=code,
            severity=severity or kind.severity,
            message=kind.template.format_map(fill),
            hint=kind.hint.format_map(fill),
            sheet=sheet,
            cell=cell,
            column=column,
            value=shown,
            row=row,
            params={k: str(v) for k, v in params.items()},
        )

    @property
    def is_error(self) -> bool:
        return self.severity == Severity.ERROR

    @property
    def where(self) -> str:
        """Where a person should look, in words: 工作表“指标填报” F7."""
        parts = []
        if self.sheet:
            parts.append(f"工作表“{self.sheet}”")
        if self.cell:
            parts.append(self.cell)
        return " ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": str(self.severity),
            "sheet": self.sheet,
            "cell": self.cell,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }


@dataclass
class Report:
    """Every issue found, from every stage, in the order found."""

    issues: list[Issue] = field(default_factory=list)

    def add(self, issue: Issue) -> None:
        self.issues.append(issue)

    def extend(self, issues: Iterable[Issue]) -> None:
        self.issues.extend(issues)

    @property
    def ok(self) -> bool:
        return not any(i.is_error for i in self.issues)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.is_error]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if not i.is_error]

    def flatten(self, fields: Sequence[str] = ("sheet", "cell", "code")) -> list[list[Any]]:
        return [[getattr(i, f) for f in fields] for i in self.issues]

    def codes(self) -> list[str]:
        return [i.code for i in self.issues]

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "issues": [i.as_dict() for i in self.issues]}

    def summary(self) -> str:
        if not self.issues:
            return "校验通过，未发现问题。"
        return f"发现 {len(self.errors)} 个错误、{len(self.warnings)} 个警告。"
