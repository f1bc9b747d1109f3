"""`portal status`: who has reported in a round, as a Chinese table for people or JSON for scripts."""

from __future__ import annotations

import unicodedata
from typing import Any

import polars as pl

from portal.core import labels as L
from portal.core.context import Portal
from portal.core.permissions import require, visible_units
from schemas.enums import ReportState, UnitKind
from schemas.quarters import Quarter
from warehouse.views import Completion, completion


def asked_round(portal: Portal, round_code: str | None) -> str:
    """The round a command asks for, or else the quarter being reported today (RoundCodeError for a
    malformed code)."""
    return str(Quarter.parse(round_code) if round_code else Quarter.reported_on(portal.settings.today()))


def round_status(portal: Portal, actor, round_code: str | None = None) -> Completion:
    """Completion of `round_code` (default: the quarter being reported today) on the portal's clock,
    once `actor` may see completion. Raises RoundCodeError for a malformed code, UnknownRound for a
    round not in the warehouse. Only the units `actor` may read."""
    require(actor, "completion.view")
    readable = visible_units(actor, "completion.view")
    code = asked_round(portal, round_code)
    with portal.warehouse.connect() as con:
        board = completion(con, code, portal.settings.today())
    return board if readable is None else board.only(pl.Series(list(readable), dtype=pl.String))


def _kind_label(kind: str) -> str:
    member = UnitKind.from_label(kind)
    return member.label if member else kind


def status_json(c: Completion) -> dict[str, Any]:
    """Codes, not labels: `state` is a ReportState value (missing/validated/returned/approved)."""
    units = [
        {
            "unit": u["unit"],
            "name": u["name"],
            "kind": u["kind"],
            "state": u["state"],
            "reported": u["reported"],
            "days_late": u["days_late"],
            "due_date": u["due_date"].isoformat(),
        }
        for u in c.units.to_dicts()
    ]
    missing = [
        {
            "unit": u["unit"],
            "name": u["name"],
            "kind": u["kind"],
            "state": u["state"],
            "contact": u["contact"],
            "phone": u["phone"],
            "due_date": u["due_date"].isoformat(),
            "days_left": u["days_left"],
            "due_soon": u["due_soon"],
            "rejected_attempts": u["rejected_attempts"],
        }
        for u in c.missing.to_dicts()
    ]
    return {
        "round": c.round,
        "due_date": c.due_date.isoformat(),
        "expected": c.expected,
        "reported": c.reported,
        "rate": None if c.rate is None else round(c.rate, 4),
        "units": units,
        "missing": missing,
    }


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    """Columns aligned for a terminal, counting a Chinese character as two columns."""
    cells = [headers] + [["" if v is None else str(v) for v in row] for row in rows]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(headers))]
    return "\n".join(
        "  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in cells
    )


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.1%}"


def _timeliness(u: dict) -> str:
    if not u["reported"]:
        if u["state"] == ReportState.MISSING and u["rejected_attempts"]:
            return f"上传 {u['rejected_attempts']} 次均未通过校验"
        return "—"
    return "按时" if u["days_late"] == 0 else f"迟报 {u['days_late']} 天"


def _days_left(u: dict) -> str:
    days = u["days_left"]
    if days < 0:
        return f"已逾期 {-days} 天"
    return "今天截止" if days == 0 else f"还剩 {days} 天"


def status_text(c: Completion) -> str:
    lines = [
        f"{c.round} 报送情况（截止日期 {c.due_date.isoformat()}，今天 {c.today.isoformat()}）",
        f"应报单位 {c.expected} 个，已报送 {c.reported} 个，报送率 {_percent(c.rate)}",
    ]
    if not c.expected:
        lines.append("本轮没有需要报送的单位。")
        return "\n".join(lines)
    states = list(ReportState)
    lines += ["", "按单位类型："]
    lines.append(
        _table(
            ["类型", "应报", "已报送", *[s.label for s in states], "报送率"],
            [
                [_kind_label(k["kind"]), k["expected"], k["reported"], *[k[s.value] for s in states]]
                + [_percent(k["rate"])]
                for k in c.by_kind.to_dicts()
            ],
        )
    )
    lines += ["", "各单位报送状态："]
    lines.append(
        _table(
            ["单位代码", "单位名称", "类型", "状态", "截止日期", "报送情况"],
            [
                [
                    u["unit"],
                    u["name"],
                    _kind_label(u["kind"]),
                    L.report_state_text(u["state"], u["rejected_attempts"]),
                    u["due_date"].isoformat() + ("（延期）" if u["extended"] else ""),
                    _timeliness(u),
                ]
                for u in c.units.to_dicts()
            ],
        )
    )
    lines += [
        "",
        f"催报名单（未报送或被退回 {c.missing.height} 个，其中三天内到期或已逾期 {c.due_soon.height} 个）：",
    ]
    if c.missing.is_empty():
        lines.append("无，全部单位均已报送。")
    else:
        lines.append(
            _table(
                ["单位代码", "单位名称", "状态", "联系人", "电话", "截止日期", "剩余时间", ""],
                [
                    [
                        u["unit"],
                        u["name"],
                        L.report_state_text(u["state"], u["rejected_attempts"]),
                        u["contact"] or "—",
                        u["phone"] or "—",
                        u["due_date"].isoformat(),
                        _days_left(u),
                        "★ 即将到期" if u["due_soon"] and u["days_left"] >= 0 else "",
                    ]
                    for u in c.missing.to_dicts()
                ],
            )
        )
    return "\n".join(lines)
