"""The issue-code catalogue rendered as Markdown, so docs/issue-codes.md is generated, never edited.

`python scripts/gen_issue_codes.py` writes the file; a test fails when it differs from `render()`.
"""

from __future__ import annotations

from schemas.issues import CATALOGUE

# Stage keys of the catalogue, in pipeline order, with what a reader of the docs calls them.
STAGE_TITLES: dict[str, str] = {
    "file": "文件安全（stage 1: file safety）",
    "structure": "结构（stage 2: structure）",
    "cells": "单元格读取与规范化（reading and normalisation）",
    "rows": "逐行校验（stage 3: rows, Pandera）",
    "sets": "集合与历史（stage 4: sets and history, Great Expectations）",
    "lists": "名单（list sheets behind list-backed indicators）",
    "registry": "任务分解表（registry workbook）",
    "scheme": "考核评分方案（assessment scoring scheme）",
    "workflow": "报送流程（workflow）",
    "evidence": "佐证材料（evidence files）",
    "system": "系统（system）",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render() -> str:
    lines = [
        "# 问题代码 / Issue codes",
        "",
        "<!-- Generated from schemas/issues.py by `python scripts/gen_issue_codes.py`; do not edit. -->",
        "",
        "每个问题都有稳定的代码（程序按代码处理，中文措辞可能调整）、级别（错误阻止入库，警告不阻止）、",
        "消息模板（花括号中的字段由问题本身填入）和处理建议。",
        "",
        "Every issue has a stable code (consumers key on it; the wording may change), a severity (an",
        "error blocks loading, a warning does not), a message template filled from the issue's fields,",
        "and a hint.",
        "",
    ]
    stages = list(STAGE_TITLES) + sorted({t.stage for t in CATALOGUE.values()} - set(STAGE_TITLES))
    for stage in stages:
        kinds = [t for t in CATALOGUE.values() if t.stage == stage]
        if not kinds:
            continue
        lines += [
            f"## {STAGE_TITLES.get(stage, stage)}",
            "",
            "| 代码 | 级别 | 标题 | 消息模板 | 处理建议 |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| `{t.code}` | {t.severity.label} | {_cell(t.title)} | {_cell(t.template)} | {_cell(t.hint)} |"
            for t in kinds
        ]
        lines.append("")
    return "\n".join(lines)
