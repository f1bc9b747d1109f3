"""`portal remind`: queue the due-soon and overdue reminders of a round, and each office's weekly digest.

Who owes the round comes from the one standing rule (standings() in warehouse/sql/submissions.sql,
through warehouse.views.completion): units expected to report that have not (missing or
returned). A unit within `remind_days` of its effective due date gets 催报提醒 once per due date,
a unit past it 逾期提醒 once per due date; an office with a group robot gets one digest per ISO
week. Everything goes into the outbox in one transaction, idempotent on (event, recipient), so
running the command again (cron, a systemd timer, a retry) queues nothing new.

Reminders are sent by an account (reminder.send): an office's account reminds only the units and
offices it acts for; the platform (the server's operator running the command) reminds them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from portal.core.context import Portal
from portal.core.errors import Conflict
from portal.core.permissions import require, scope_of, visible_units
from portal.notify import messages
from portal.notify.channels import webhook_channel
from portal.notify.events import unit_messages
from schemas.enums import RoundState
from schemas.quarters import Quarter
from warehouse import offices, outbox
from warehouse.outbox import Message
from warehouse.views import completion, round_info


@dataclass
class Queued:
    event: str
    unit: str | None
    office: str | None
    channel: str
    recipient: str
    subject: str
    new: bool  # False: already queued by an earlier run (nothing is sent twice)


@dataclass
class RemindResult:
    round: str
    dry_run: bool
    messages: list[Queued] = field(default_factory=list)
    unreachable: list[tuple[str, str]] = field(default_factory=list)  # (unit, name): no address at all

    @property
    def new(self) -> int:
        return sum(m.new for m in self.messages)


def _digests(
    con, portal: Portal, round_code: str, units: pl.DataFrame, due, acting: frozenset[str] | None
) -> list[Message]:
    """One digest per office with a robot, among the offices `acting` (None: every office)."""
    today = portal.settings.today()
    year, week, _ = today.isocalendar()
    out = []
    for code, name, webhook in outbox.office_webhooks(con):
        if acting is not None and code not in acting:
            continue
        mine = set(offices.units_of_offices(con, [code]))
        rows = units.filter(pl.col("unit").is_in(list(mine)))
        if rows.is_empty():
            continue
        missing = rows.filter(~pl.col("reported"))["name"].to_list()
        awaiting = rows.filter(pl.col("state") == "validated")["name"].to_list()
        subject, body = messages.digest(
            name, round_code, due, today, rows.height, missing, awaiting, portal.settings.portal_url
        )
        key = f"digest/{round_code}/{code}/{year}-W{week:02d}"
        out.append(
            Message(key, "digest", webhook_channel(webhook), webhook, subject, body, round_code, None, code)
        )
    return out


class RoundNotOpen(Conflict):
    """The round is closed or locked: reminders are for open rounds only."""


def remind(portal: Portal, account, round_code: str, *, dry_run: bool = False) -> RemindResult:
    """Queue (or with `dry_run`, only list) the reminders of an open round as of today, for the
    units and offices `account` acts for (PermissionDenied for a role without reminder.send)."""
    require(account, "reminder.send")
    units_acting = visible_units(account, "reminder.send")
    offices_acting = scope_of(account).offices(act=True)
    code = str(Quarter.parse(round_code))
    settings = portal.settings
    today = settings.today()
    result = RemindResult(code, dry_run)
    with portal.warehouse.transaction() as con:
        rnd = round_info(con, code)
        if rnd.state != RoundState.OPEN:
            raise RoundNotOpen(
                f"轮次 {code} 不在填报中（当前{RoundState(rnd.state).label}），不再发送催报提醒。"
            )
        board = completion(con, code, today)
        owing = board.missing.filter(pl.col("days_left") <= settings.remind_days)
        if units_acting is not None:
            owing = owing.filter(pl.col("unit").is_in(list(units_acting)))
        rows = {r["unit"]: r for r in owing.to_dicts()}

        def event_of(unit):
            return "overdue" if rows[unit]["days_left"] < 0 else "due_soon"

        def text(unit, name):
            r = rows[unit]
            if r["days_left"] < 0:
                return messages.overdue(
                    name, code, r["due_date"], -r["days_left"], r["state"], settings.portal_url
                )
            return messages.due_soon(
                name, code, r["due_date"], r["days_left"], r["state"], settings.portal_url
            )

        queued: list[Message] = []
        unreachable: list[str] = []
        for event in ("due_soon", "overdue"):
            units = [u for u in rows if event_of(u) == event]
            found, lost = unit_messages(
                con,
                units,
                lambda u, e=event: f"{e}/{code}/{u}/{rows[u]['due_date'].isoformat()}",
                event,
                code,
                text,
            )
            queued += found
            unreachable += lost
        queued += _digests(con, portal, code, board.units, rnd.due_date, offices_acting)
        already = outbox.queued_keys(con, [(m.event_key, m.recipient) for m in queued])
        result.messages = [
            Queued(
                m.event,
                m.unit,
                m.office,
                m.channel,
                m.recipient,
                m.subject,
                (m.event_key, m.recipient) not in already,
            )
            for m in queued
        ]
        result.unreachable = [(u, rows[u]["name"]) for u in unreachable]
        if not dry_run:
            outbox.enqueue(con, queued, settings.now())
            portal.audit(
                con,
                account.audit_name,
                "outbox.remind",
                code,
                f"new={result.new} unreachable={len(unreachable)}",
            )
    return result
