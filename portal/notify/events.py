"""Events into the outbox, on the event's own connection and inside its transaction.

The review and extension use cases call `review_decided` / `extension_granted` /
`extension_revoked` as one line just before they commit: the message is stored if and only if the
decision is. Nothing here talks to a server; `portal outbox send` (portal.notify.sender) delivers later.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from portal.core.settings import Settings
from portal.notify import messages
from portal.notify.channels import EMAIL, webhook_channel
from schemas.text import email_addresses
from warehouse import extensions, outbox, rounds
from warehouse.outbox import Message


def unit_messages(
    con: duckdb.DuckDBPyConnection, units: list[str], event_key, event: str, round_code: str, text
) -> tuple[list[Message], list[str]]:
    """One message per address of each unit (its emails and its group robot): `event_key(unit)`
    and `text(unit, name) -> (subject, body)`. Also the units with no address at all."""
    found = outbox.unit_addresses(con, units)
    out: list[Message] = []
    unreachable: list[str] = []
    for unit in units:
        if unit not in found:
            continue
        name, emails, webhook = found[unit]
        targets = [(EMAIL, a) for a in email_addresses(emails)]
        if (webhook or "").strip():
            targets.append((webhook_channel(webhook.strip()), webhook.strip()))
        if not targets:
            unreachable.append(unit)
            continue
        subject, body = text(unit, name)
        key = event_key(unit)
        out += [
            Message(key, event, channel, to, subject, body, round=round_code, unit=unit)
            for channel, to in targets
        ]
    return out, unreachable


def _to_unit(con, settings: Settings, unit: str, key: str, event: str, round_code, words, *args) -> int:
    """Queue one event to one unit: each of its addresses, under the one `key`, the text
    `words(unit_name, *args) -> (subject, body)`; returns messages queued. Reviews, extensions
    and the 问题库 steps each send such a message."""
    found, _ = unit_messages(
        con, [unit], lambda _u: key, event, round_code, lambda _u, name: words(name, *args)
    )
    return outbox.enqueue(con, found, settings.now())


def review_decided(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    submission_id: int,
    decision: str,
    comment: str,
    remarks: list[tuple[str, str, str]],  # (kind, code, comment) per item
) -> int:
    """Queue 退回 (with the item comments) or 通过 to the submission's unit; returns messages queued."""
    unit, round_code, version = outbox.submission_unit_round(con, submission_id)
    head = (round_code, extensions.due_date(con, round_code, unit), version, comment or "")
    if decision == "return":
        names = outbox.item_names(con) if remarks else {}
        items = [(kind, code, names.get((kind, code), ""), text) for kind, code, text in remarks]
        event, words = "returned", (messages.returned, *head, items)
    else:
        event, words = "approved", (messages.approved, *head)
    key = f"{event}/{submission_id}"
    return _to_unit(con, settings, unit, key, event, round_code, *words, settings.portal_url)


def extension_granted(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    round_code: str,
    unit: str,
    due: dt.date,
    reason: str,
) -> int:
    """Queue 延期批准 (from the round's due date to `due`) to the unit; returns messages queued."""
    old_due = rounds.get(con, round_code).due_date
    key = f"extension/{round_code}/{unit}/{due.isoformat()}"
    words = (messages.extension, round_code, old_due, due, reason, settings.portal_url)
    return _to_unit(con, settings, unit, key, "extension", round_code, *words)


def extension_revoked(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    extension_id: int,
    round_code: str,
    unit: str,
    revoked_due: dt.date,
    reason: str,
) -> int:
    """Queue 延期撤销 (the due date is the round's again) to the unit; returns messages queued."""
    due = rounds.get(con, round_code).due_date
    key = f"extension-revoked/{extension_id}"
    words = (messages.extension_revoked, round_code, revoked_due, due, reason, settings.portal_url)
    return _to_unit(con, settings, unit, key, "extension_revoked", round_code, *words)


def problem_step(
    con: duckdb.DuckDBPyConnection, settings: Settings, item: dict, event_id: int, step: str, text: str
) -> int:
    """Queue 问题交办 (`step` "assign") or 问题退回 ("return") to the item's assignee; returns
    messages queued. `item` is the item as it is after the step (assignee, due_date, title, text)."""
    problem = item["problem_id"]
    if step == "assign":
        event, words = "problem_assigned", (messages.problem_assigned, problem, item["title"], item["text"])
    else:
        event, words = "problem_returned", (messages.problem_returned, problem, item["title"], text)
    key = f"{event}/{problem}/{event_id}"
    return _to_unit(
        con, settings, item["assignee"], key, event, None, *words, item["due_date"], settings.portal_url
    )
