"""The scoring scheme as tables an evaluator edits on the 年度考核 page, and back to the same TOML file.

The page only draws: this module turns the merged scheme (`ScoringScheme.values`, flat key paths)
into plain rows (dicts with Chinese choice labels), turns edited rows back into nested keys, writes
them as TOML (no TOML writer is installed; the scheme only holds numbers, texts, lists and tables)
and saves through the same check as an uploaded file (board.save_scheme_as's layering), naming the
field in Chinese beside its key for every refusal. Nothing is written when anything is refused.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

from portal.assessment.board import save_scheme_as, scheme_layers
from portal.assessment.scheme import TASK_STATUSES, default_text, flatten, parse_layers
from portal.core import labels as L
from portal.core.context import Portal
from portal.core.outcome import Outcome
from portal.core.permissions import require
from schemas.issues import Issue

COMPONENTS = {"indicators": "指标完成", "tasks": "任务推进"}
RULE_LABELS = {"bands": "分档计分", "linear": "按完成率计分", "pass_fail": "完成得满分"}
MODE_LABELS = {"zero": "记 0 分", "full": "记满分", "reweight": "折算到其他项"}
MEASURE_LABELS = {"schedule": "对照序时进度", "status": "按填报状态折算"}
SOURCE_LABELS = {"own": "按本单位填报", "lead": "按牵头单位填报"}
RANKING_LABELS = {"all": "全部单位一组", "kind": "按单位类型分组", "groups": "按自定义分组"}
STATUS_LABELS = dict(zip(TASK_STATUSES, ("已完成", "推进中", "滞后", "未启动"), strict=True))

# The scalar keys of the 基本设置 form, in the order shown, with their Chinese labels.
GENERAL: dict[str, str] = {
    "full_marks": "满分",
    "points.indicators": "指标完成分值",
    "points.tasks": "任务推进分值",
    "points.reporting": "报送质量分值",
    "points.if_nothing_assigned.mode": "未承担某项考核内容时",
    "tasks.measure": "任务完成度算法",
    "tasks.status_source": "任务进展依据",
    **{f"tasks.status_fraction.{s}": f"按状态计分·{label}" for s, label in STATUS_LABELS.items()},
    "tasks.split.lead": "牵头单位分享比例",
    "tasks.split.helpers": "配合单位分享比例（合计）",
    "reporting.per_late_day": "迟报每天扣分",
    "reporting.per_late_round": "迟报每次扣分",
    "reporting.per_returned": "退回每次扣分",
    "reporting.per_missing_round": "未报送每季度扣分",
    "bonus.max_total": "加分上限",
    "self_score.flag_difference": "自评分差异提示（分）",
    "ranking.by": "排名分组",
    "grades.below": "最低等次名称",
    "veto.grade": "一票否决后的等次",
}
# Keys of GENERAL chosen from a list: the label of each value.
CHOICES: dict[str, dict[str, str]] = {
    "points.if_nothing_assigned.mode": MODE_LABELS,
    "tasks.measure": MEASURE_LABELS,
    "tasks.status_source": SOURCE_LABELS,
    "ranking.by": RANKING_LABELS,
}
TEXT_KEYS = ("grades.below", "veto.grade")

# Every key path's Chinese name, for refusals ("指标完成·分档（indicators.bands）").
KEY_LABELS: dict[str, str] = {
    **GENERAL,
    **{f"{c}.rule": f"{name}·计分规则" for c, name in COMPONENTS.items()},
    **{f"{c}.floor": f"{name}·起评线" for c, name in COMPONENTS.items()},
    **{f"{c}.bands": f"{name}·分档" for c, name in COMPONENTS.items()},
    **{f"{c}.item_points": f"{name}·单项分值" for c, name in COMPONENTS.items()},
    **{f"{c}.items": f"{name}·单项设置" for c, name in COMPONENTS.items()},
    "indicators.ratio_cap": "指标完成·完成率上限",
    "deductions": "扣分项目录",
    "veto.reasons": "一票否决事由",
    "qualitative": "定性评价项",
    "grades.levels": "等次分数线",
    "grades.quota": "等次名额比例",
    "ranking.groups": "排名分组",
}


def key_label(path: str) -> str:
    """The Chinese name of a key path (the longest known prefix: items and quotas name their entry)."""
    parts = path.split(".")
    for n in range(len(parts), 0, -1):
        head = ".".join(parts[:n])
        if head in KEY_LABELS:
            rest = ".".join(parts[n:])
            return KEY_LABELS[head] + (f"“{rest}”" if rest else "")
    return ""


def explain(issue: Issue) -> str:
    """An issue's message with the field's Chinese name before it, when it names a key."""
    label = key_label(issue.column) if issue.column else ""
    return f"【{label}】{issue.message}" if label else issue.message


# --- scheme values ↔ tables ---------------------------------------------------------------------------


@dataclass
class SchemeTables:
    """The scheme as the editor shows it. Rows are plain dicts; choices hold their Chinese labels."""

    general: dict[str, Any]  # GENERAL key path → value (choices as labels)
    components: list[dict]  # component, rule, floor, ratio_cap (indicators only), item_points
    bands: list[dict]  # component, min, fraction (in order, per component)
    items: list[dict]  # component, code, points, rule, floor (blank: from the component)
    deductions: list[dict]  # code, name, points, max_total
    veto_reasons: list[dict]  # reason
    qualitative: list[dict]  # name, points
    levels: list[dict]  # name, min
    quota: list[dict]  # grade, share
    groups: list[dict]  # group, members (codes or unit kinds, separated by 、 or commas)
    item_bands: dict[str, list[dict]] = field(default_factory=dict)  # "component.code" → bands kept


def _label(labels: dict[str, str], value: Any) -> Any:
    return labels.get(value, value)


def _code(labels: dict[str, str], value: Any) -> Any:
    """A label back to its code; anything else as it is (the check then names the key)."""
    back = {v: k for k, v in labels.items()}
    return back.get(value, value)


def tables_from_values(values: dict[str, Any]) -> SchemeTables:
    """The merged scheme's flat key paths (`ScoringScheme.values`) as the editor's tables."""
    general = {}
    for path in GENERAL:
        value = values.get(path)
        general[path] = _label(CHOICES[path], value) if path in CHOICES else value
    components, bands, items, item_bands = [], [], [], {}
    for c, name in COMPONENTS.items():
        components.append(
            {
                "component": name,
                "rule": _label(RULE_LABELS, values.get(f"{c}.rule")),
                "floor": values.get(f"{c}.floor"),
                "ratio_cap": values.get(f"{c}.ratio_cap"),
                "item_points": values.get(f"{c}.item_points"),
            }
        )
        bands += [{"component": name, **band} for band in values.get(f"{c}.bands", [])]
        prefix = f"{c}.items."
        for path, item in values.items():
            if not path.startswith(prefix) or not isinstance(item, dict):
                continue
            code = path.removeprefix(prefix)
            items.append(
                {
                    "component": name,
                    "code": code,
                    "points": item.get("points"),
                    "rule": _label(RULE_LABELS, item["rule"]) if "rule" in item else None,
                    "floor": item.get("floor"),
                }
            )
            if "bands" in item:
                item_bands[f"{c}.{code}"] = item["bands"]
    return SchemeTables(
        general=general,
        components=components,
        bands=bands,
        items=items,
        deductions=[dict(d) for d in values.get("deductions", [])],
        veto_reasons=[{"reason": r} for r in values.get("veto.reasons", [])],
        qualitative=[dict(q) for q in values.get("qualitative", [])],
        levels=[dict(lv) for lv in values.get("grades.levels", [])],
        quota=[
            {"grade": p.removeprefix("grades.quota."), "share": v}
            for p, v in values.items()
            if p.startswith("grades.quota.")
        ],
        groups=[
            {"group": p.removeprefix("ranking.groups."), "members": "、".join(v)}
            for p, v in values.items()
            if p.startswith("ranking.groups.")
        ],
        item_bands=item_bands,
    )


def _blank(value: Any) -> bool:
    """An empty cell as the table editor gives it back: None, NaN or blank text."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _cell(value: Any) -> Any:
    """A cell's value as TOML should hold it: whole numbers stay numbers, texts are trimmed."""
    if isinstance(value, str):
        return value.strip()
    if hasattr(value, "item") and not isinstance(value, list | dict):  # numpy scalars from a frame
        value = value.item()
    return value


def _rows(rows: list[dict], keys: tuple[str, ...]) -> list[dict]:
    """Rows with only `keys`, blank cells left out and wholly blank rows dropped (the editor's
    empty new line)."""
    out = []
    for row in rows:
        kept = {k: _cell(row.get(k)) for k in keys if not _blank(row.get(k))}
        if kept:
            out.append(kept)
    return out


def _component_of(label: Any) -> str | None:
    return _code(COMPONENTS, label) if _code(COMPONENTS, label) in COMPONENTS else None


def values_from_tables(t: SchemeTables) -> dict[str, Any]:
    """The tables as the nested keys of a scheme file (every key, so the file stands on its own)."""
    data: dict[str, Any] = {}

    def put(path: str, value: Any) -> None:
        keys = path.split(".")
        node = data
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value

    for path, value in t.general.items():
        if _blank(value) and path not in TEXT_KEYS:
            continue  # the check reports the key as missing (缺少此项)
        value = _code(CHOICES[path], value) if path in CHOICES else _cell(value)
        put(path, "" if _blank(value) else value)
    for row in t.components:
        c = _component_of(row.get("component"))
        if c is None:
            continue
        for key in ("rule", "floor", "item_points") + (("ratio_cap",) if c == "indicators" else ()):
            value = row.get(key)
            if not _blank(value):
                put(f"{c}.{key}", _code(RULE_LABELS, _cell(value)) if key == "rule" else _cell(value))
    for c, name in COMPONENTS.items():
        put(
            f"{c}.bands",
            _rows([b for b in t.bands if b.get("component") == name], ("min", "fraction")),
        )
    for row in t.items:
        c = _component_of(row.get("component"))
        code = _cell(row.get("code"))
        if c is None or _blank(code):
            continue
        item = {k: _cell(row[k]) for k in ("points", "rule", "floor") if not _blank(row.get(k))}
        if "rule" in item:
            item["rule"] = _code(RULE_LABELS, item["rule"])
        if f"{c}.{code}" in t.item_bands:
            item["bands"] = t.item_bands[f"{c}.{code}"]
        data.setdefault(c, {}).setdefault("items", {})[str(code)] = item
    data["deductions"] = _rows(t.deductions, ("code", "name", "points", "max_total"))
    data["qualitative"] = _rows(t.qualitative, ("name", "points"))
    put("veto.reasons", [r["reason"] for r in _rows(t.veto_reasons, ("reason",))])
    put("grades.levels", _rows(t.levels, ("name", "min")))
    for row in _rows(t.quota, ("grade", "share")):
        data.setdefault("grades", {}).setdefault("quota", {})[str(row.get("grade", ""))] = row.get("share")
    for row in _rows(t.groups, ("group", "members")):
        members = [m for m in re.split(r"[、，,;；\s]+", str(row.get("members", ""))) if m]
        data.setdefault("ranking", {}).setdefault("groups", {})[str(row.get("group", ""))] = members
    order = {key: i for i, key in enumerate(_ORDER)}
    return dict(sorted(data.items(), key=lambda kv: order.get(kv[0], len(order))))


# Top-level keys in the order of the shipped default (a file reads the same way).
_ORDER = ("full_marks", "qualitative", "deductions", "points", "indicators", "tasks", "reporting")
_ORDER += ("bonus", "veto", "self_score", "ranking", "grades")


# --- TOML ------------------------------------------------------------------------------------------

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")
# Lists of tables written inline (short rows read better on one line each); others as [[...]].
_INLINE_LISTS = ("bands",)


def _key(key: str) -> str:
    return key if _BARE.match(key) else json.dumps(key, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not a TOML number: {value}")
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a TOML basic string: same escapes
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list | tuple):
        if value and all(isinstance(v, dict) for v in value):
            return "[\n" + "".join(f"    {_value(v)},\n" for v in value) + "]"
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise ValueError(f"not a TOML value: {value!r}")


def _is_table_list(key: str, value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, dict) for v in value)
        and key not in _INLINE_LISTS
    )


def _table(lines: list[str], data: dict[str, Any], path: list[str]) -> None:
    """Keys of one table, then its sub-tables, then its lists of tables (TOML's required order)."""
    plain = {k: v for k, v in data.items() if not isinstance(v, dict) and not _is_table_list(k, v)}
    tables = {k: v for k, v in data.items() if isinstance(v, dict)}
    lists = {k: v for k, v in data.items() if _is_table_list(k, v)}
    for key, value in plain.items():
        lines.append(f"{_key(key)} = {_value(value)}")
    for key, value in tables.items():
        sub = [*path, key]
        lines += ["", "[" + ".".join(_key(k) for k in sub) + "]"]
        _table(lines, value, sub)
    for key, entries in lists.items():
        sub = [*path, key]
        for entry in entries:
            lines += ["", "[[" + ".".join(_key(k) for k in sub) + "]]"]
            _table(lines, entry, sub)


def toml_text(data: dict[str, Any], note: str = "") -> str:
    """Nested keys as a TOML file; `note` becomes the comment on top."""
    lines = [f"# {line}" for line in note.splitlines()]
    _table(lines, data, [])
    return "\n".join(lines).lstrip("\n") + "\n"


EDITOR_NOTE = (
    "年度考核评分方案（由“年度考核”页面的方案编辑器保存于 {when}）。\n"
    "各项含义见默认方案文件 portal/assessment/scoring_default.toml 和 docs/assessment-scheme.md。"
)


# --- the page's use cases -------------------------------------------------------------------------


@dataclass
class SchemeEditor:
    """What the editor opens with: the tables of the scheme in force, and why the file was set aside
    when it is itself broken (then the tables show the scheme without it)."""

    tables: SchemeTables
    problems: list[str]


def scheme_tables_as(portal: Portal, account, plan: str, year: int) -> SchemeEditor:
    """The scheme in force for `plan` and `year` as tables (assessment.configure)."""
    require(account, "assessment.configure", plan=plan)
    below, own = scheme_layers(portal, plan, int(year))
    checked = parse_layers([*below, *own])
    if checked.scheme is not None:
        return SchemeEditor(tables_from_values(checked.scheme.values), [])
    problems = [explain(i) for i in checked.report.errors]
    fallback = parse_layers(below).scheme or parse_layers([("默认方案", default_text())]).scheme
    return SchemeEditor(tables_from_values(fallback.values), problems)


def _inherited_removed(below: list[tuple[str, str]], data: dict[str, Any]) -> list[str]:
    """Entries named by the author (items, quotas, groups) that a file below this one sets and the
    edit leaves out: the layering keeps them, so deleting them here would silently not work."""
    kept = flatten(data)
    refused = []
    for name, text in below:
        try:
            lower = flatten(tomllib.loads(text))
        except tomllib.TOMLDecodeError:
            continue
        for path in lower:
            named = path.startswith(("indicators.items.", "tasks.items.", "grades.quota.", "ranking.groups."))
            if named and path not in kept:
                label = key_label(path)
                refused.append(
                    f"【{label}】该项来自{name}，在本规划本年度的方案中不能删除；"
                    "可以修改它的取值（名额比例不限名额可设为 1），或修改该文件。"
                )
    return refused


def save_scheme_tables_as(portal: Portal, account, plan: str, year: int, tables: SchemeTables) -> Outcome:
    """Write the edited tables as scoring/{plan}-{year}.toml, through the same check and audit as an
    uploaded file (board.save_scheme_as); refusals name each field in Chinese and its key."""
    require(account, "assessment.configure", plan=plan)
    data = values_from_tables(tables)
    below, _ = scheme_layers(portal, plan, int(year))
    removed = _inherited_removed(below, data)
    if removed:
        return Outcome(False, L.SCHEME_NOT_SAVED + " ".join(removed))
    try:
        text = toml_text(data, EDITOR_NOTE.format(when=portal.settings.today().isoformat()))
    except ValueError:
        return Outcome(False, L.SCHEME_NOT_SAVED + L.SCHEME_NOT_NUMBER)
    return save_scheme_as(portal, account, plan, int(year), text.encode("utf-8"), describe=explain)
