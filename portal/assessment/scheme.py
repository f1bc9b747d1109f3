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
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from schemas.issues import Issue, Report

DEFAULT_NAME = "scoring_default.toml"
SCHEME_DIR = "scoring"

# Tolerance for sums of decimal fractions written in a file (0.7 + 0.3).
_EPS = 1e-9

IF_NOTHING_ASSIGNED = ("reweight", "zero", "full")
STATUS_SOURCES = ("own", "lead")
TASK_STATUSES = ("completed", "in_progress", "behind", "not_started")


@dataclass(frozen=True)
class GradeLevel:
    name: str
    min: float


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


# Key path → check returning a Chinese reason when the value is wrong (None when fine).
FIELDS: dict[str, Callable[[Any], str | None]] = {
    "full_marks": _number(0, lo_open=True),
    "points.indicators": _number(0),
    "points.tasks": _number(0),
    "points.reporting": _number(0),
    "points.if_nothing_assigned.mode": _choice(*IF_NOTHING_ASSIGNED),
    # Below 1 full marks would be out of reach even when every target is met.
    "indicators.ratio_cap": _number(1),
    "tasks.status_source": _choice(*STATUS_SOURCES),
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
}


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"a": {"b": 1}} → {"a.b": 1}; lists of tables (grades.levels) stay whole."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and path not in FIELDS:
            out |= _flatten(value, path + ".")
        else:
            out[path] = value
    return out


def _shown(value: Any) -> str:
    """A value as it is spelled in TOML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return f'"{value}"' if isinstance(value, str) else str(value)


def check_layer(data: dict[str, Any], file: str) -> list[Issue]:
    """Unknown keys and wrongly typed values in one file, each with its key path."""
    issues = []
    for path, value in _flatten(data).items():
        check = FIELDS.get(path)
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
    if abs(sum(pts) - values["full_marks"]) > _EPS:
        issues.append(
            Issue.make(
                "scheme-points-sum",
                file=file,
                total=f"{sum(pts):g}",
                indicators=f"{pts[0]:g}",
                tasks=f"{pts[1]:g}",
                reporting=f"{pts[2]:g}",
                full_marks=f"{values['full_marks']:g}",
            )
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
        detail += f",其余为{values['grades.below']}"
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
            report.add(Issue.make("scheme-unreadable", file=name, detail=str(exc)))
            continue
        report.extend(check_layer(data, name))
        merged |= _flatten(data)
    if not report.ok:
        return SchemeResult(None, report)
    missing = [path for path in FIELDS if path not in merged]
    for path in missing:  # only when the shipped default itself is broken
        report.add(
            Issue.make("scheme-bad-value", column=path, value="(缺失)", file=layers[0][0], detail="缺少此项")
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
    )
    return SchemeResult(scheme, report)


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
