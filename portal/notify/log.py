"""The send log: what the outbox sent, what failed and why, what waits (page 通知发送记录, `portal outbox list`)."""

from __future__ import annotations

import polars as pl

from portal.core.context import Portal
from portal.core.permissions import require, scope_of, visible_units
from portal.notify.channels import CHANNEL_LABELS, shown_address
from warehouse import outbox

STATE_LABELS = {
    outbox.PENDING: "待发送",
    outbox.FAILED: "发送失败，等待重试",
    outbox.GAVE_UP: "多次失败，已停止重试",
    outbox.SENT: "已发送",
}
EVENT_LABELS = {
    "due_soon": "催报提醒",
    "overdue": "逾期提醒",
    "returned": "退回修改",
    "approved": "审核通过",
    "extension": "延期批准",
    "extension_revoked": "延期撤销",
    "digest": "每周汇总",
    "problem_assigned": "问题交办",
    "problem_returned": "问题退回",
}


def _within(row: dict, units: frozenset[str], offices: frozenset[str] | None) -> bool:
    """A message about a unit belongs to that unit; one without (a digest) to its office."""
    if row["unit"] is not None:
        return row["unit"] in units
    return offices is None or row["office"] in offices


def outbox_rows(portal: Portal, state: str | None = None, account=None) -> list[dict]:
    """The log as plain rows (codes, ISO times), recipients shown without robot keys or secrets.
    With `account` (outbox.view), only the messages about units it reads, or (with no unit) to
    offices it reads; without, the whole log (the server's operator on the command line)."""
    units = offices = None
    if account is not None:
        require(account, "outbox.view")
        units = visible_units(account, "outbox.view")
        offices = scope_of(account).offices()
    with portal.warehouse.connect() as con:
        frame = outbox.messages(con, state)
    rows = []
    for r in frame.to_dicts():
        if units is not None and not _within(r, units, offices):
            continue
        r["recipient"] = shown_address(r["channel"], r["recipient"])
        for key in ("next_attempt_at", "created_at", "sent_at"):
            r[key] = r[key].isoformat(sep=" ", timespec="seconds") if r[key] else None
        rows.append(r)
    return rows


def send_log(portal: Portal, account, state: str | None = None) -> pl.DataFrame:
    """The send log for the office, newest first, with Chinese words for states, events and
    channels: only the messages within the account's scope."""
    rows = outbox_rows(portal, state, account)
    for r in rows:
        r["state_label"] = STATE_LABELS.get(r["state"], r["state"])
        r["event_label"] = EVENT_LABELS.get(r["event"], r["event"])
        r["channel_label"] = CHANNEL_LABELS.get(r["channel"], r["channel"])
        if r["state"] == outbox.SENT:
            r["next_attempt_at"] = None
    columns = [
        "created_at",
        "event_label",
        "round",
        "unit",
        "unit_name",
        "office",
        "channel_label",
        "recipient",
        "subject",
        "state_label",
        "attempts",
        "last_error",
        "next_attempt_at",
        "sent_at",
        "state",
    ]
    if not rows:
        return pl.DataFrame(schema={c: pl.String for c in columns})
    return pl.DataFrame(rows).select(columns)
