"""The one catalogue of notification texts (Chinese): every message names the round as
2025年第三季度 and its due date, and ends with the portal's address (settings.portal_url).

Each function returns (subject, body). The same text goes by email and to a group robot (where
the subject is the first line).
"""

from __future__ import annotations

import datetime as dt

from schemas.quarters import Quarter

FOOTER = "平台地址：{url}\n（本消息由科技创新任务调度考核平台自动发送，请勿直接回复。）"
ITEM_KINDS = {"indicator": "指标", "task": "任务"}


def _round(round_code: str) -> str:
    return Quarter.parse(round_code).label


def _date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _footer(url: str) -> str:
    return FOOTER.format(url=url)


def _owed(state: str) -> str:
    if state == "awaiting_sign_off":
        return "已上传报送、尚待本单位审核人确认"
    return "报送已被退回、尚未重新报送" if state == "returned" else "尚未报送"


def due_soon(unit_name: str, round_code: str, due: dt.date, days_left: int, state: str, url: str):
    when = "今天" if days_left == 0 else f"{days_left}天后"
    subject = f"【催报提醒】{_round(round_code)}调度报送将于{_date(due)}截止"
    body = (
        f"{unit_name}：\n"
        f"{_round(round_code)}科技创新任务调度报送将于{_date(due)}（{when}）截止，贵单位{_owed(state)}。"
        "请登录平台下载本单位填报模板，填好后上传。\n" + _footer(url)
    )
    return subject, body


def overdue(unit_name: str, round_code: str, due: dt.date, days_late: int, state: str, url: str):
    subject = f"【逾期提醒】{_round(round_code)}调度报送已于{_date(due)}截止"
    body = (
        f"{unit_name}：\n"
        f"{_round(round_code)}科技创新任务调度报送已于{_date(due)}截止，贵单位{_owed(state)}，"
        f"已逾期{days_late}天。请尽快登录平台上传；确有困难的，请联系办公室申请延期。\n" + _footer(url)
    )
    return subject, body


def returned(
    unit_name: str,
    round_code: str,
    due: dt.date,
    version: int,
    comment: str,
    items: list[tuple[str, str, str, str]],  # (kind, code, name, comment)
    url: str,
):
    lines = [
        f"{unit_name}：",
        f"贵单位{_round(round_code)}的调度报送（第{version}版）已被办公室退回，"
        f"请按以下意见修改后于{_date(due)}前重新上传。",
    ]
    if comment.strip():
        lines.append(f"退回意见：{comment.strip()}")
    if items:
        lines.append("逐项意见：")
        lines += [f"- {ITEM_KINDS.get(k, k)} {code} {name}：{text}" for k, code, name, text in items]
    subject = f"【退回修改】{_round(round_code)}调度报送（第{version}版）被退回"
    return subject, "\n".join(lines) + "\n" + _footer(url)


def approved(unit_name: str, round_code: str, due: dt.date, version: int, comment: str, url: str):
    subject = f"【审核通过】{_round(round_code)}调度报送（第{version}版）已通过"
    body = (
        f"{unit_name}：\n贵单位{_round(round_code)}的调度报送（第{version}版，截止日期{_date(due)}）"
        "已审核通过，无需再做处理。"
        + (f"\n审核意见：{comment.strip()}" if comment.strip() else "")
        + "\n"
        + _footer(url)
    )
    return subject, body


def extension(unit_name: str, round_code: str, old_due: dt.date, due: dt.date, reason: str, url: str):
    subject = f"【延期批准】{_round(round_code)}调度报送截止日期延至{_date(due)}"
    body = (
        f"{unit_name}：\n办公室已批准贵单位{_round(round_code)}调度报送延期：截止日期由{_date(old_due)}"
        f"延至{_date(due)}。理由：{reason.strip()}。请在新的截止日期前完成上传。\n" + _footer(url)
    )
    return subject, body


def extension_revoked(
    unit_name: str, round_code: str, revoked_due: dt.date, due: dt.date, reason: str, url: str
):
    subject = f"【延期撤销】{_round(round_code)}调度报送截止日期恢复为{_date(due)}"
    body = (
        f"{unit_name}：\n办公室已撤销贵单位{_round(round_code)}调度报送的延期（原延至{_date(revoked_due)}），"
        f"截止日期恢复为{_date(due)}。理由：{reason.strip()}。如有疑问请联系办公室。\n" + _footer(url)
    )
    return subject, body


def digest(
    office_name: str,
    round_code: str,
    due: dt.date,
    today: dt.date,
    expected: int,
    missing: list[str],
    awaiting: list[str],
    url: str,
):
    subject = f"【每周汇总】{_round(round_code)}调度报送情况（截止日期{_date(due)}）"
    lines = [
        f"{office_name}：",
        f"截至{_date(today)}，{_round(round_code)}调度应报送{expected}家，"
        f"尚未报送{len(missing)}家，待审核{len(awaiting)}家。",
        "尚未报送：" + ("、".join(missing) if missing else "无"),
        "待审核：" + ("、".join(awaiting) if awaiting else "无"),
        "请登录平台查看催报名单和审核队列。",
    ]
    return subject, "\n".join(lines) + "\n" + _footer(url)


def problem_assigned(unit_name: str, problem_id: int, title: str, text: str, due: dt.date, url: str):
    subject = f"【问题交办】请于{_date(due)}前反馈：{title}"
    body = (
        f"{unit_name}：\n办公室将以下问题交办贵单位（问题编号 {problem_id}），请于{_date(due)}前"
        f"登录平台“问题整改”页答复整改情况，可附佐证材料。\n问题：{title}\n情况：{text.strip()}\n"
        + _footer(url)
    )
    return subject, body


def problem_returned(unit_name: str, problem_id: int, title: str, reason: str, due: dt.date | None, url: str):
    when = f"请于{_date(due)}前" if due else "请尽快"
    subject = f"【问题退回】问题编号 {problem_id} 的答复被退回：{title}"
    body = (
        f"{unit_name}：\n贵单位对问题“{title}”（问题编号 {problem_id}）的答复已被办公室退回，"
        f"退回理由：{reason.strip()}。{when}登录平台“问题整改”页重新答复。\n" + _footer(url)
    )
    return subject, body
