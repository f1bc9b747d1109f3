"""The rules that choose the 季度通报's 亮点 and 存在问题 from units' own approved text, as data an
office adjusts: one TOML file per issuing office, PORTAL_HOME/bulletin/<OFFICE>.toml (like the
scoring schemes under PORTAL_HOME/scoring; the offices table needs no new column). A missing file
means the defaults, which are the rules the bulletin always had. Every refusal names the key in
Chinese beside it, and nothing is written when anything is refused.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from portal.core.toml_text import toml_error_text
from schemas.enums import TaskStatus

RULES_DIR = "bulletin"
STATUS_LABELS = {
    TaskStatus.COMPLETED.value: "已完成",
    TaskStatus.IN_PROGRESS.value: "推进中",
    TaskStatus.BEHIND.value: "滞后",
    TaskStatus.NOT_STARTED.value: "未启动",
}
ORDER_LABELS = {"lag": "按超前或落后序时进度的幅度", "registry": "按任务分解表顺序"}
NONE_TEXTS = ("无", "暂无", "没有", "无问题", "暂无问题", "—", "-", "/", "无。", "暂无。")
MAX_QUOTES = 20


@dataclass(frozen=True)
class PartRules:
    """How one part (亮点 or 存在问题) is chosen."""

    max: int = 3  # at most this many quotes
    statuses: tuple[str, ...] = ()  # task statuses that qualify (reported by the lead unit)
    min_length: int = 0  # texts shorter than this (characters, spaces not counted) are left out
    prefer: tuple[str, ...] = ()  # texts with one of these words come first
    exclude: tuple[str, ...] = ()  # texts with one of these words are never quoted
    order: str = "lag"  # lag: furthest ahead (亮点) / behind (问题) first; registry: the plan's order


@dataclass(frozen=True)
class QuoteRules:
    """亮点: tasks at least `min_ahead` points ahead of 序时进度 with a qualifying status and a
    进展情况; 存在问题: tasks with a qualifying status, or behind 序时进度 when `behind_schedule`,
    with a 存在问题 that does not only say "none" (`skip`)."""

    highlights: PartRules = field(
        default_factory=lambda: PartRules(
            statuses=(TaskStatus.COMPLETED.value, TaskStatus.IN_PROGRESS.value, TaskStatus.NOT_STARTED.value)
        )
    )
    problems: PartRules = field(default_factory=lambda: PartRules(statuses=(TaskStatus.BEHIND.value,)))
    min_ahead: float = 0.0  # 亮点: percentage points ahead of 序时进度, at least
    behind_schedule: bool = True  # 存在问题: a task behind 序时进度 qualifies whatever its status
    skip: tuple[str, ...] = NONE_TEXTS  # 存在问题 texts that mean "none" (compared without spaces and 。)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for part in ("highlights", "problems"):
            for key in ("statuses", "prefer", "exclude"):
                data[part][key] = list(data[part][key])
        data["skip"] = list(self.skip)
        return data


DEFAULT_RULES = QuoteRules()

# Every key's Chinese name, for the form and for refusals.
PART_LABELS = {"highlights": "亮点", "problems": "存在问题"}
KEY_LABELS = {
    **{
        f"{part}.{key}": f"{name}·{label}"
        for part, name in PART_LABELS.items()
        for key, label in (
            ("max", "最多条数"),
            ("statuses", "计入的任务状态"),
            ("min_length", "最短字数"),
            ("prefer", "优先摘录的关键词"),
            ("exclude", "不摘录的关键词"),
            ("order", "排序"),
        )
    },
    "min_ahead": "亮点·至少超前序时进度的百分点",
    "behind_schedule": "存在问题·落后序时进度的任务也计入",
    "skip": "存在问题·视为“无”的写法",
}


def key_label(key: str) -> str:
    return f"{KEY_LABELS.get(key, key)}（{key}）"


class RulesError(ValueError):
    """Rules refused; `problems` are Chinese sentences naming the key."""

    def __init__(self, problems: list[str]):
        super().__init__("".join(problems))
        self.problems = problems


def _words(value: Any, key: str, bad: list[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.replace("，", "、").replace(",", "、").split("、")
    if isinstance(value, tuple):  # a default
        value = list(value)
    if not isinstance(value, list) or not all(isinstance(w, str) for w in value):
        bad.append(f'{key_label(key)}应为词语的列表，如 ["突破", "首台"]。')
        return ()
    return tuple(dict.fromkeys(w.strip() for w in value if w.strip()))


def _int(value: Any, key: str, lo: int, hi: int, bad: list[str]) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        bad.append(f"{key_label(key)}应为 {lo} 到 {hi} 之间的整数，现为“{value}”。")
        return lo
    return value


def _part(data: Any, part: str, default: PartRules, bad: list[str]) -> PartRules:
    if data is None:
        return default
    if not isinstance(data, dict):
        bad.append(f"{key_label(part)}应为一节（[{part}]）。")
        return default
    unknown = sorted(set(data) - {"max", "statuses", "min_length", "prefer", "exclude", "order"})
    for key in unknown:
        bad.append(f"不认识的设置项“{part}.{key}”。")
    values = asdict(default) | data
    statuses = _words(values["statuses"], f"{part}.statuses", bad)
    for s in statuses:
        if s not in STATUS_LABELS:
            bad.append(
                f"{key_label(f'{part}.statuses')}中的“{s}”不是任务状态，可选 "
                + "、".join(f"{k}（{v}）" for k, v in STATUS_LABELS.items())
                + "。"
            )
    order = values["order"]
    if order not in ORDER_LABELS:
        bad.append(
            f"{key_label(f'{part}.order')}应为 lag（{ORDER_LABELS['lag']}）或 registry（{ORDER_LABELS['registry']}），现为“{order}”。"
        )
        order = default.order
    return PartRules(
        max=_int(values["max"], f"{part}.max", 0, MAX_QUOTES, bad),
        statuses=tuple(s for s in statuses if s in STATUS_LABELS),
        min_length=_int(values["min_length"], f"{part}.min_length", 0, 500, bad),
        prefer=_words(values["prefer"], f"{part}.prefer", bad),
        exclude=_words(values["exclude"], f"{part}.exclude", bad),
        order=order,
    )


def rules_from_dict(data: dict[str, Any]) -> QuoteRules:
    """Rules from nested keys over the defaults; RulesError naming every bad key."""
    bad: list[str] = []
    if not isinstance(data, dict):
        raise RulesError(["规则应为若干“键 = 值”。"])
    for key in sorted(set(data) - {"highlights", "problems", "min_ahead", "behind_schedule", "skip"}):
        bad.append(f"不认识的设置项“{key}”。")
    d = DEFAULT_RULES
    highlights = _part(data.get("highlights"), "highlights", d.highlights, bad)
    problems = _part(data.get("problems"), "problems", d.problems, bad)
    min_ahead = data.get("min_ahead", d.min_ahead)
    if isinstance(min_ahead, bool) or not isinstance(min_ahead, int | float) or not -100 <= min_ahead <= 100:
        bad.append(f"{key_label('min_ahead')}应为 -100 到 100 之间的数，现为“{min_ahead}”。")
        min_ahead = d.min_ahead
    behind = data.get("behind_schedule", d.behind_schedule)
    if not isinstance(behind, bool):
        bad.append(f"{key_label('behind_schedule')}应为 true 或 false，现为“{behind}”。")
        behind = d.behind_schedule
    skip = _words(data.get("skip", list(d.skip)), "skip", bad)
    if bad:
        raise RulesError(bad)
    return QuoteRules(highlights, problems, float(min_ahead), behind, skip)


def rules_from_text(text: str, file: str = "规则文件") -> QuoteRules:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError([f"{file}不是有效的 TOML：{toml_error_text(exc)}"]) from None
    return rules_from_dict(data)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a TOML basic string


def rules_text(rules: QuoteRules) -> str:
    """The rules as the TOML file stores them (read back by rules_from_text to the same rules)."""
    data = rules.as_dict()
    lines = ["# 季度通报摘录规则（亮点、存在问题），由通报页面保存", ""]
    for key in ("min_ahead", "behind_schedule", "skip"):
        lines.append(f"{key} = {_toml_value(data[key])}  # {KEY_LABELS[key]}")
    for part in ("highlights", "problems"):
        lines += ["", f"[{part}]  # {PART_LABELS[part]}"]
        for key, value in data[part].items():
            lines.append(f"{key} = {_toml_value(value)}  # {KEY_LABELS[f'{part}.{key}']}")
    return "\n".join(lines) + "\n"


def rules_path(home: Path, office: str) -> Path:
    return Path(home) / RULES_DIR / f"{office}.toml"


def load_rules(home: Path, office: str | None) -> QuoteRules:
    """The office's saved rules, or the defaults when it has none (or is None). A file edited by
    hand into something invalid raises RulesError naming the file and the keys."""
    if not office:
        return DEFAULT_RULES
    path = rules_path(home, office)
    if not path.is_file():
        return DEFAULT_RULES
    return rules_from_text(path.read_text(encoding="utf-8"), f"{RULES_DIR}/{path.name}")


def write_rules(home: Path, office: str, rules: QuoteRules) -> Path:
    """Write atomically (a half-written file is never read)."""
    path = rules_path(home, office)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".toml.part")
    partial.write_text(rules_text(rules), encoding="utf-8")
    os.replace(partial, path)
    return path
