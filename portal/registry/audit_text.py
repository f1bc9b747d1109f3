"""操作日志 in words: an audit line's detail as the services write it (`role=unit_reporter`,
`validated→approved`, JSON such as `{"from": "validated", …}`) turned into Chinese for the page.

The log itself keeps the codes (they are what the CLI, exports and tests key on); only what the
page shows is translated. A key or value this table does not know is shown as written.
"""

from __future__ import annotations

import json
import re

from schemas.enums import ProblemState, Role, RoundState, SubmissionStatus

KEY_LABELS = {
    "role": "角色",
    "unit": "单位",
    "scope": "范围",
    "round": "轮次",
    "plan": "规划",
    "kind": "单位类型",
    "status": "状态",
    "from": "原状态",
    "to": "新状态",
    "comment": "意见",
    "items": "逐项意见数",
    "late": "迟报天数",
    "file": "文件",
    "submission": "报送编号",
    "task": "任务",
    "size": "大小",
    "type": "文件类型",
    "id": "编号",
    "points": "分值",
    "reason": "理由",
    "due": "截止日期",
    "files": "文件数",
    "foreign": "来自其他部署",
    "secret": "含签名密钥",
    "units": "单位数",
    "new": "新排队通知数",
    "unreachable": "无法送达单位数",
    "plans": "规划数",
    "tasks": "任务数",
    "indicators": "指标数",
    "offices": "办公室数",
    "rounds": "轮次数",
    "contact": "联系人",
    "phone": "联系电话",
    "emails": "电子邮箱",
    "webhook": "群机器人地址",
    "active": "启用",
    "title": "问题",
    "source": "来源",
}
# Single words some details consist of (a failed sign-in's reason, a download's kind, an export's format).
WORD_LABELS = {
    "unknown": "用户名不存在",
    "inactive": "账号已停用",
    "locked": "账号已锁定",
    "bad-password": "密码错误",
    "original": "报送原件",
    "annotated": "标注问题的工作簿",
    "xlsx": "Excel",
    "docx": "Word",
    "json": "JSON",
    "True": "是",
    "False": "否",
    "None": "无",
}
_VOCABULARIES = (SubmissionStatus, RoundState, Role, ProblemState)
_KEY = re.compile(r"(?:^|(?<=\s))([a-z_]+)=")  # `key=` at the start or after a space
_CHANGE = re.compile(r"^([a-z_]+): (.*)$")  # "contact: '张三' -> '李四'" (unit.update)
_ARROW = re.compile(r"\s*(?:→|->)\s*")


def value_text(value: object) -> str:
    """A stored value in words: a status, round state or role by its label; 是/否; else as written."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None:
        return "无"
    text = str(value)
    if text in WORD_LABELS:
        return WORD_LABELS[text]
    for vocabulary in _VOCABULARIES:
        member = vocabulary.from_label(text)
        if member is not None and member.value == text:
            return member.label
    if _ARROW.search(text):  # "validated→approved", "2025-10-15→2025-10-20"
        return " → ".join(value_text(part) for part in _ARROW.split(text))
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":  # a repr'd string
        return text[1:-1]
    return text


def _pairs(text: str) -> list[tuple[str, str]] | None:
    """`role=unit_reporter unit=JZKF-CXCY reason=会议 说明` as pairs; a value runs to the next key."""
    marks = list(_KEY.finditer(text))
    if not marks or marks[0].start() != 0:
        return None
    ends = [m.start() for m in marks[1:]] + [len(text)]
    return [(m.group(1), text[m.end() : end].strip()) for m, end in zip(marks, ends, strict=True)]


def _pair(key: str, value: object) -> str:
    return f"{KEY_LABELS.get(key, key)}：{value_text(value) if value != '' else '无'}"


def detail_text(detail: str | None) -> str:
    """An audit line's detail for people: JSON objects and `key=value` lists by their Chinese
    names, separated by "；"; any other text with its codes translated where they stand alone."""
    if not detail:
        return ""
    text = detail.strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict):
            return "；".join(_pair(k, v) for k, v in data.items())
    pairs = _pairs(text)
    if pairs is not None:
        return "；".join(_pair(k, v) for k, v in pairs)
    changes = [_CHANGE.match(part) for part in text.split("; ")]
    if all(changes):
        return "；".join(_pair(m.group(1), m.group(2)) for m in changes)
    return value_text(text)
