"""The annual assessment's scoring scheme: TOML files under PORTAL_HOME/scoring, per plan and year.

A file per plan and year (not a sheet in the registry workbook): the scheme is owned by the
evaluators, not by the office that maintains the registry; it is nested (grade levels, status
fractions) and wants comments explaining each number; and changing it must not re-import the
registry. A plan's file only needs the keys that differ: it is merged over the shipped default.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from portal.core.toml_text import toml_error_text
from schemas.issues import Issue, Report

DEFAULT_NAME = "scoring_default.toml"
SCHEME_DIR = "scoring"

# Tolerance for sums of decimal fractions written in a file (0.7 + 0.3).
_EPS = 1e-9
# how a key the files leave out is shown in a message
_MISSING = "（缺失）"

IF_NOTHING_ASSIGNED = ("reweight", "zero", "full")
RULES = ("linear", "bands", "pass_fail")
TASK_MEASURES = ("status", "schedule")
RANKING_BY = ("all", "kind", "groups")
SELF_COMPONENTS = ("indicators", "tasks", "reporting", "qualitative")
STATUS_SOURCES = ("own", "lead")
TASK_STATUSES = ("completed", "in_progress", "behind", "not_started")


@dataclass(frozen=True)
class GradeLevel:
    name: str
    min: float


@dataclass(frozen=True)
class Band:
    min: float  # completion at or above this ratio earns `fraction` of the item's points
    fraction: float


@dataclass(frozen=True)
class Rule:
    """How a completion ratio becomes a fraction of an item's points."""

    name: str  # linear | bands | pass_fail
    floor: float = 0.0  # linear: completion below it scores 0
    bands: tuple[Band, ...] = ()

    @property
    def wording(self) -> str:
        """The 评分标准 in the words of a published table."""
        if self.name == "pass_fail":
            return "完成得满分，未完成不得分"
        if self.name == "bands":
            parts = [f"完成率≥{b.min:.0%}得{b.fraction:.0%}" for b in self.bands]
            return "，".join(parts) + "，其余不得分"
        floor = f"，低于{self.floor:.0%}不得分" if self.floor else ""
        return f"按完成率计分{floor}"


def _pct(x: float) -> str:
    return f"{x * 100:.4f}".rstrip("0").rstrip(".") + "%"


def _earns(fraction: float) -> str:
    if fraction >= 1 - 1e-9:
        return "得满分"
    return "不得分" if fraction <= 1e-9 else f"得{_pct(fraction)}"


def criterion(rule: Rule, subject: str = "完成率", ratio_cap: float | None = None) -> str:
    """The 评分标准 of a published 评分细则, as one Chinese sentence: how `subject` (完成率, or a
    task's 完成度) becomes a share of the item's points under `rule`."""
    if rule.name == "pass_fail":
        return f"{subject}达到100%得满分，未达到不得分"
    if rule.name == "bands":
        parts, upper = [], None
        for band in rule.bands:
            span = f"{subject}≥{_pct(band.min)}" if upper is None else f"{_pct(band.min)}–{_pct(upper)}"
            parts.append(span + _earns(band.fraction))
            upper = band.min
        if upper is not None and upper > 1e-9:
            parts.append(f"低于{_pct(upper)}不得分")
        return "，".join(parts)
    text = f"按{subject}计分（{subject}×分值）"
    if ratio_cap and ratio_cap > 1 + 1e-9:
        text += f"，{subject}最高按{_pct(ratio_cap)}计"
    if rule.floor > 1e-9:
        text += f"，低于{_pct(rule.floor)}不得分"
    return text


def task_criterion(rule: Rule, scheme: ScoringScheme) -> str:
    """A task's 评分标准: how its 完成度 is measured (序时进度 or status), then the rule."""
    if scheme.task_measure == "schedule":
        lead = "已完成或进度达到序时进度的得满分；落后的"
        if rule.name == "linear":  # the common case, in the fewest words
            floor = f"，低于{_pct(rule.floor)}不得分" if rule.floor > 1e-9 else ""
            return f"{lead}按填报进度÷序时进度的比例计分{floor}"
        lead += "，完成度＝填报进度÷序时进度，"
    else:
        f = scheme.status_fraction
        lead = (
            f"按填报状态折算完成度（已完成 {f['completed']:g}、推进中 {f['in_progress']:g}、"
            f"滞后 {f['behind']:g}、未启动 {f['not_started']:g}），"
        )
    return lead + criterion(rule, "完成度")


@dataclass(frozen=True)
class ItemRule:
    """A per-item override: `[indicators.items."CODE"]` or `[tasks.items."CODE"]`."""

    points: float | None
    rule: Rule | None


@dataclass(frozen=True)
class DeductionKind:
    code: str
    name: str
    points: float  # per entry
    max_total: float  # per unit, all entries of this kind together


@dataclass(frozen=True)
class QualitativeItem:
    name: str
    points: float


@dataclass(frozen=True)
class ScoringScheme:
    full_marks: float
    indicator_points: float
    task_points: float
    reporting_points: float
    if_nothing_assigned: str
    ratio_cap: float
    status_source: str
    status_fraction: dict[str, float]
    lead_share: float
    helpers_share: float
    per_late_day: float
    per_late_round: float
    per_returned: float
    per_missing_round: float
    bonus_max: float
    levels: tuple[GradeLevel, ...]
    below: str
    sources: tuple[str, ...] = ()
    indicator_rule: Rule = Rule("linear")
    indicator_item_points: float = 0.0
    indicator_items: dict[str, ItemRule] = field(default_factory=dict)
    task_measure: str = "status"
    task_rule: Rule = Rule("linear")
    task_item_points: float = 0.0
    task_items: dict[str, ItemRule] = field(default_factory=dict)
    deductions: tuple[DeductionKind, ...] = ()
    veto_reasons: tuple[str, ...] = ()
    veto_grade: str = ""
    quota: dict[str, float] = field(default_factory=dict)
    qualitative: tuple[QualitativeItem, ...] = ()
    self_flag: float = 5.0
    ranking_by: str = "all"
    ranking_groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)  # the merged keys, for the JSON output

    @property
    def indicators_absolute(self) -> bool:
        """Item points are absolute (summed) rather than a weighted share of the component."""
        return self.indicator_item_points > 0 or any(
            i.points is not None for i in self.indicator_items.values()
        )

    @property
    def tasks_absolute(self) -> bool:
        return self.task_item_points > 0 or any(i.points is not None for i in self.task_items.values())

    @property
    def qualitative_points(self) -> float:
        return sum(q.points for q in self.qualitative)

    def deduction(self, code: str) -> DeductionKind | None:
        return next((d for d in self.deductions if d.code == code), None)

    def next_grade(self, name: str) -> str:
        names = [lv.name for lv in self.levels] + [self.below]
        i = names.index(name)
        return names[min(i + 1, len(names) - 1)]

    def as_dict(self) -> dict[str, Any]:
        """The scheme as nested keys (as a TOML file spells them) plus the files it came from."""
        nested: dict[str, Any] = {}
        for path, value in self.values.items():
            head, sep, code = path.partition(".items.")
            keys = [*head.split("."), "items", code] if sep else path.split(".")
            node = nested
            for key in keys[:-1]:
                node = node.setdefault(key, {})
            node[keys[-1]] = value
        return {"sources": list(self.sources), **nested}

    @property
    def source_label(self) -> str:
        """Which files made this scheme, for the exported table's footer."""
        return " + ".join(self.sources)

    def grade(self, total: float) -> str:
        for level in self.levels:
            if total >= level.min - _EPS:
                return level.name
        return self.below


# --- the keys a scheme file may hold -------------------------------------------------------------


def _number(lo: float | None = None, hi: float | None = None, lo_open: bool = False):
    def check(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return "应为数字"
        if lo is not None and (value <= lo if lo_open else value < lo):
            return f"应{'大于' if lo_open else '不小于'} {lo:g}"
        if hi is not None and value > hi:
            return f"应不大于 {hi:g}"
        return None

    return check


def _choice(*allowed: str):
    def check(value: Any) -> str | None:
        if value not in allowed:
            return "只能是 " + "、".join(f'"{a}"' for a in allowed)
        return None

    return check


def _text(value: Any) -> str | None:
    return None if isinstance(value, str) and value.strip() else "应为非空的文字"


def _levels(value: Any) -> str | None:
    if not isinstance(value, list) or not value:
        return "应至少有一档 [[grades.levels]]"
    for i, level in enumerate(value, start=1):
        if not isinstance(level, dict) or set(level) != {"name", "min"}:
            return f"第 {i} 档应恰好包含 name 和 min 两项"
        if _text(level["name"]) or _number()(level["min"]):
            return f"第 {i} 档的 name 应为文字、min 应为数字"
    return None


def _bands(value: Any) -> str | None:
    if not isinstance(value, list) or not value:
        return "应至少有一档，如 [{min = 1.0, fraction = 1.0}, {min = 0.8, fraction = 0.8}]"
    for i, band in enumerate(value, start=1):
        if not isinstance(band, dict) or set(band) != {"min", "fraction"}:
            return f"第 {i} 档应恰好包含 min 和 fraction 两项"
        if _number(0)(band["min"]) or _number(0, 1)(band["fraction"]):
            return f"第 {i} 档的 min 应为不小于 0 的数字、fraction 应为 0 到 1 之间的数字"
    mins = [b["min"] for b in value]
    fractions = [b["fraction"] for b in value]
    if any(a <= b for a, b in zip(mins, mins[1:], strict=False)):
        return "各档的 min 应从高到低排列且互不相同"
    if any(a < b for a, b in zip(fractions, fractions[1:], strict=False)):
        return "完成率低的档次得分比例（fraction）不能高于完成率高的档次"
    return None


def _texts(value: Any) -> str | None:
    if not isinstance(value, list) or any(_text(v) for v in value):
        return '应为文字列表，如 ["发生重大安全生产事故"]'
    if len(set(value)) != len(value):
        return "列表中有重复项"
    return None


def _table_list(keys: dict[str, Callable[[Any], str | None]], example: str):
    """A list of tables ([[deductions]], [[qualitative]]) whose entries hold exactly `keys`, the
    first key unique among them."""

    def check(value: Any) -> str | None:
        if not isinstance(value, list):
            return f"应写成若干 [[…]] 表，如 {example}"
        seen = set()
        for i, entry in enumerate(value, start=1):
            if not isinstance(entry, dict) or set(entry) != set(keys):
                return f"第 {i} 项应恰好包含 {'、'.join(keys)}"
            for key, key_check in keys.items():
                if reason := key_check(entry[key]):
                    return f"第 {i} 项的 {key} {reason}"
            first = entry[next(iter(keys))]
            if first in seen:
                return f"第 {i} 项的 {next(iter(keys))} “{first}”与前面重复"
            seen.add(first)
        return None

    return check


# Keys of one per-item override table, [indicators.items."CODE"] / [tasks.items."CODE"].
ITEM_FIELDS: dict[str, Callable[[Any], str | None]] = {
    "points": _number(0),
    "rule": _choice(*RULES),
    "floor": _number(0, 1),
    "bands": _bands,
}


def _item(value: Any) -> list[tuple[str, Any, str]]:
    """(sub-key, value, reason) for each wrong key of one item override ("" sub-key: the table itself)."""
    if not isinstance(value, dict):
        return [("", value, '应写成一个表，如 [indicators.items."JZ-1"] 下写 points = 10')]
    found = []
    for key, sub in value.items():
        check = ITEM_FIELDS.get(key)
        if check is None:
            found.append((key, None, ""))
        elif reason := check(sub):
            found.append((key, sub, reason))
    return found


# Key path → check returning a Chinese reason when the value is wrong (None when fine).
FIELDS: dict[str, Callable[[Any], str | None]] = {
    "full_marks": _number(0, lo_open=True),
    "points.indicators": _number(0),
    "points.tasks": _number(0),
    "points.reporting": _number(0),
    "points.if_nothing_assigned.mode": _choice(*IF_NOTHING_ASSIGNED),
    # Below 1 full marks would be out of reach even when every target is met.
    "indicators.ratio_cap": _number(1),
    "indicators.rule": _choice(*RULES),
    "indicators.floor": _number(0, 1),
    "indicators.bands": _bands,
    "indicators.item_points": _number(0),
    "tasks.status_source": _choice(*STATUS_SOURCES),
    "tasks.measure": _choice(*TASK_MEASURES),
    "tasks.rule": _choice(*RULES),
    "tasks.floor": _number(0, 1),
    "tasks.bands": _bands,
    "tasks.item_points": _number(0),
    **{f"tasks.status_fraction.{s}": _number(0, 1) for s in TASK_STATUSES},
    "tasks.split.lead": _number(0, 1),
    "tasks.split.helpers": _number(0, 1),
    "reporting.per_late_day": _number(0),
    "reporting.per_late_round": _number(0),
    "reporting.per_returned": _number(0),
    "reporting.per_missing_round": _number(0),
    "bonus.max_total": _number(0),
    "grades.below": _text,
    "grades.levels": _levels,
    "deductions": _table_list(
        {
            "code": _text,
            "name": _text,
            "points": _number(0, lo_open=True),
            "max_total": _number(0, lo_open=True),
        },
        '[[deductions]] code = "DB" name = "督办事项逾期" points = 1 max_total = 3',
    ),
    "veto.reasons": _texts,
    "veto.grade": _text,
    "qualitative": _table_list(
        {"name": _text, "points": _number(0, lo_open=True)}, '[[qualitative]] name = "工作创新" points = 5'
    ),
    "self_score.flag_difference": _number(0),
    "ranking.by": _choice(*RANKING_BY),
}

# Tables whose keys are names chosen by the scheme's author (item codes, grade names, group
# names): "PREFIX.*" matches any key below PREFIX; their checks see one entry's value.
PATTERNS: dict[str, Callable[[Any], str | None]] = {
    "grades.quota.*": _number(0, 1, lo_open=True),
    "ranking.groups.*": _texts,
}
ITEM_TABLES = ("indicators.items.*", "tasks.items.*")


def _pattern(path: str) -> str | None:
    for pattern in (*PATTERNS, *ITEM_TABLES):
        if path.startswith(pattern[:-1]) and len(path) > len(pattern) - 1:
            return pattern
    return None


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"a": {"b": 1}} → {"a.b": 1}; lists of tables (grades.levels) stay whole."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and path not in FIELDS and _pattern(path) is None:
            out |= _flatten(value, path + ".")
        else:
            out[path] = value
    return out


def flatten(data: dict[str, Any]) -> dict[str, Any]:
    """A file's keys as the flat paths layers are merged by (later layers override per path)."""
    return _flatten(data)


def _shown(value: Any) -> str:
    """A value as it is spelled in TOML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return f'"{value}"' if isinstance(value, str) else str(value)


def check_layer(data: dict[str, Any], file: str) -> list[Issue]:
    """Unknown keys and wrongly typed values in one file, each with its key path."""
    issues = []
    for path, value in _flatten(data).items():
        pattern = _pattern(path)
        if pattern in ITEM_TABLES:
            for key, sub, reason in _item(value):
                where = f"{path}.{key}" if key else path
                if not reason:
                    issues.append(Issue.make("scheme-unknown-key", column=where, file=file))
                else:
                    issues.append(
                        Issue.make(
                            "scheme-bad-value", column=where, value=_shown(sub), file=file, detail=reason
                        )
                    )
            continue
        check = PATTERNS.get(pattern) if pattern else FIELDS.get(path)
        if check is None:
            issues.append(Issue.make("scheme-unknown-key", column=path, file=file))
        elif reason := check(value):
            issues.append(
                Issue.make("scheme-bad-value", column=path, value=_shown(value), file=file, detail=reason)
            )
    return issues


def check_scheme(values: dict[str, Any], file: str) -> list[Issue]:
    """Rules between keys of the merged scheme: sums, orders."""
    issues = []
    pts = [values[f"points.{k}"] for k in ("indicators", "tasks", "reporting")]
    qualitative = sum(q["points"] for q in values["qualitative"])
    parts = [("指标完成", pts[0]), ("任务推进", pts[1]), ("报送质量", pts[2])]
    parts += [("定性评价", qualitative)] if values["qualitative"] else []
    total = sum(p for _, p in parts)
    if abs(total - values["full_marks"]) > _EPS:
        issues.append(
            Issue.make(
                "scheme-points-sum",
                file=file,
                total=f"{total:g}",
                parts=" + ".join(f"{name} {p:g}" for name, p in parts),
                full_marks=f"{values['full_marks']:g}",
            )
        )

    def bad(path: str, detail: str) -> None:
        value = values.get(path, _MISSING)
        issues.append(
            Issue.make("scheme-bad-value", column=path, value=_shown(value), file=file, detail=detail)
        )

    absolute = {
        c: values[f"{c}.item_points"] > 0
        or any(
            isinstance(v, dict) and "points" in v for k, v in values.items() if k.startswith(f"{c}.items.")
        )
        for c in ("indicators", "tasks")
    }
    if any(absolute.values()) and values["points.if_nothing_assigned.mode"] == "reweight":
        bad(
            "points.if_nothing_assigned.mode",
            "按单项分值计分（item_points 或 items 中给了 points）时不能把空缺项的分值折算到其他项，"
            '只能是 "zero" 或 "full"',
        )
    lead, helpers = values["tasks.split.lead"], values["tasks.split.helpers"]
    if abs(lead + helpers - 1) > _EPS:
        issues.append(
            Issue.make(
                "scheme-split-sum",
                file=file,
                lead=f"{lead:g}",
                helpers=f"{helpers:g}",
                total=f"{lead + helpers:g}",
            )
        )
    levels = values["grades.levels"]
    mins = [level["min"] for level in levels]
    names = [level["name"] for level in levels] + [values["grades.below"]]
    ordered = all(a > b for a, b in zip(mins, mins[1:], strict=False))
    in_range = all(0 < m <= values["full_marks"] for m in mins)
    if not (ordered and in_range and len(set(names)) == len(names)):
        detail = "、".join(f"{level['name']} ≥ {level['min']:g}" for level in levels)
        detail += f"，其余为{values['grades.below']}"
        issues.append(
            Issue.make(
                "scheme-grades-order", file=file, detail=detail, full_marks=f"{values['full_marks']:g}"
            )
        )
    fractions = [values[f"tasks.status_fraction.{s}"] for s in TASK_STATUSES]
    if any(a < b for a, b in zip(fractions, fractions[1:], strict=False)):
        labels = ("已完成", "推进中", "滞后", "未启动")
        detail = "、".join(f"{label} {f:g}" for label, f in zip(labels, fractions, strict=True))
        issues.append(Issue.make("scheme-fractions-order", file=file, detail=detail))
    names = [level["name"] for level in values["grades.levels"]] + [values["grades.below"]]
    if len(set(names)) != len(names):
        return issues  # the grades themselves are wrong (said above); veto and quotas name them
    if values["veto.grade"] not in names:
        bad("veto.grade", "应是等次之一：" + "、".join(names))
    for path, _share in values.items():
        if path.startswith("grades.quota.") and path.removeprefix("grades.quota.") not in names[:-1]:
            bad(path, "只能为 [[grades.levels]] 中的等次设名额比例：" + "、".join(names[:-1]))
    if values["ranking.by"] == "groups" and not any(p.startswith("ranking.groups.") for p in values):
        bad("ranking.by", '设为 "groups" 时须在 [ranking.groups] 中写出各组，如 部门 = ["department"]')
    return issues


# --- finding and loading ---------------------------------------------------------------------------


def scheme_files(home: Path, plan: str, year: int) -> list[Path]:
    """The files that apply to a plan and year, most general first (each overrides the previous)."""
    folder = home / SCHEME_DIR
    candidates = [folder / "default.toml", folder / f"{plan}.toml", folder / f"{plan}-{year}.toml"]
    return [p for p in candidates if p.is_file()]


def default_text() -> str:
    return resources.files("portal.assessment").joinpath(DEFAULT_NAME).read_text(encoding="utf-8")


@dataclass
class SchemeResult:
    scheme: ScoringScheme | None
    report: Report


def parse_layers(layers: list[tuple[str, str]]) -> SchemeResult:
    """(file name, TOML text) layers, most general first → one checked scheme, or the issues found."""
    report = Report()
    merged: dict[str, Any] = {}
    for name, text in layers:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            report.add(Issue.make("scheme-unreadable", file=name, detail=toml_error_text(exc)))
            continue
        report.extend(check_layer(data, name))
        merged |= _flatten(data)
    if not report.ok:
        return SchemeResult(None, report)
    missing = [path for path in FIELDS if path not in merged]
    for path in missing:  # only when the shipped default itself is broken
        report.add(
            Issue.make("scheme-bad-value", column=path, value=_MISSING, file=layers[0][0], detail="缺少此项")
        )
    if missing:
        return SchemeResult(None, report)
    names = " + ".join(name for name, _ in layers)
    report.extend(check_scheme(merged, names))
    if not report.ok:
        return SchemeResult(None, report)
    m = merged
    scheme = ScoringScheme(
        full_marks=float(m["full_marks"]),
        indicator_points=float(m["points.indicators"]),
        task_points=float(m["points.tasks"]),
        reporting_points=float(m["points.reporting"]),
        if_nothing_assigned=m["points.if_nothing_assigned.mode"],
        ratio_cap=float(m["indicators.ratio_cap"]),
        status_source=m["tasks.status_source"],
        status_fraction={s: float(m[f"tasks.status_fraction.{s}"]) for s in TASK_STATUSES},
        lead_share=float(m["tasks.split.lead"]),
        helpers_share=float(m["tasks.split.helpers"]),
        per_late_day=float(m["reporting.per_late_day"]),
        per_late_round=float(m["reporting.per_late_round"]),
        per_returned=float(m["reporting.per_returned"]),
        per_missing_round=float(m["reporting.per_missing_round"]),
        bonus_max=float(m["bonus.max_total"]),
        levels=tuple(GradeLevel(level["name"], float(level["min"])) for level in m["grades.levels"]),
        below=m["grades.below"],
        sources=tuple(name for name, _ in layers),
        indicator_rule=_rule(m, "indicators"),
        indicator_item_points=float(m["indicators.item_points"]),
        indicator_items=_items(m, "indicators"),
        task_measure=m["tasks.measure"],
        task_rule=_rule(m, "tasks"),
        task_item_points=float(m["tasks.item_points"]),
        task_items=_items(m, "tasks"),
        deductions=tuple(
            DeductionKind(d["code"], d["name"], float(d["points"]), float(d["max_total"]))
            for d in m["deductions"]
        ),
        veto_reasons=tuple(m["veto.reasons"]),
        veto_grade=m["veto.grade"],
        quota={
            p.removeprefix("grades.quota."): float(v) for p, v in m.items() if p.startswith("grades.quota.")
        },
        qualitative=tuple(QualitativeItem(q["name"], float(q["points"])) for q in m["qualitative"]),
        self_flag=float(m["self_score.flag_difference"]),
        ranking_by=m["ranking.by"],
        ranking_groups={
            p.removeprefix("ranking.groups."): tuple(v)
            for p, v in m.items()
            if p.startswith("ranking.groups.")
        },
        values=dict(m),
    )
    return SchemeResult(scheme, report)


def _bands_of(raw: list[dict]) -> tuple[Band, ...]:
    return tuple(Band(float(b["min"]), float(b["fraction"])) for b in raw)


def _rule(m: dict[str, Any], component: str) -> Rule:
    return Rule(m[f"{component}.rule"], float(m[f"{component}.floor"]), _bands_of(m[f"{component}.bands"]))


def _items(m: dict[str, Any], component: str) -> dict[str, ItemRule]:
    """Per-item overrides; an item naming only some of rule/floor/bands takes the rest from the component."""
    base = _rule(m, component)
    out = {}
    for path, item in m.items():
        if not path.startswith(f"{component}.items."):
            continue
        rule = None
        if {"rule", "floor", "bands"} & set(item):
            rule = Rule(
                item.get("rule", base.name),
                float(item.get("floor", base.floor)),
                _bands_of(item["bands"]) if "bands" in item else base.bands,
            )
        points = float(item["points"]) if "points" in item else None
        out[path.removeprefix(f"{component}.items.")] = ItemRule(points, rule)
    return out


def load_scheme(home: Path, plan: str, year: int) -> SchemeResult:
    """The scheme for a plan and year: the shipped default overridden by the files under home/scoring."""
    layers = [("默认方案", default_text())]
    for path in scheme_files(home, plan, year):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            report = Report([Issue.make("scheme-unreadable", file=path.name, detail=str(exc))])
            return SchemeResult(None, report)
        layers.append((f"{SCHEME_DIR}/{path.name}", text))
    return parse_layers(layers)
