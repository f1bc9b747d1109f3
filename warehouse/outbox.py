"""The outbox: messages written in the event's own transaction, delivered later by a sender.

`enqueue` runs on the caller's connection inside its transaction (a review, an extension, a
reminder run) and adds nothing for an (event_key, recipient) already queued. The sender never
holds the warehouse while it talks to a mail server: `claim` (one short transaction) leases the
messages due now by moving their next_attempt_at past the lease, the caller delivers them with
no connection open, and `mark_sent` / `mark_failed` record each outcome in another short
transaction. A sender killed between delivery and marking leaves the message claimed; once the
lease runs out it is delivered again: at most one duplicate per kill (docs/operations.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb
import polars as pl

PENDING, FAILED, GAVE_UP, SENT = "pending", "failed", "gave_up", "sent"
STATES = (PENDING, FAILED, GAVE_UP, SENT)


@dataclass(frozen=True)
class Message:
    """One message to one recipient, as queued."""

    event_key: str
    event: str
    channel: str  # email, wecom, dingtalk
    recipient: str
    subject: str
    body: str
    round: str | None = None
    unit: str | None = None
    office: str | None = None


@dataclass(frozen=True)
class Claimed:
    id: int
    channel: str
    recipient: str
    subject: str
    body: str
    attempts: int  # tries before this one


_QUEUED_COLUMNS = ("event_key", "event", "round", "unit", "office", "channel", "recipient", "subject", "body")


def enqueue(con: duckdb.DuckDBPyConnection, messages: list[Message], now: dt.datetime) -> int:
    """Queue `messages` (call inside the event's transaction); returns how many were new.

    One statement for all of them, in order (as `executemany` row by row did: the first of two
    with the same event key and recipient is kept, each row draws its id): `executemany` and the
    two counts around it cost ~7 ms a review, a tenth of `portal init --demo`'s fill."""
    if not messages:
        return 0
    incoming = pl.DataFrame(
        [[getattr(m, c) for c in _QUEUED_COLUMNS] for m in messages],
        schema={c: pl.Utf8 for c in _QUEUED_COLUMNS},
        orient="row",
    )
    con.register("incoming_messages", incoming.to_arrow())
    try:
        added = con.execute(
            f"""
            INSERT INTO outbox ({", ".join(_QUEUED_COLUMNS)}, next_attempt_at, created_at)
            SELECT {", ".join(_QUEUED_COLUMNS)}, $now, $now FROM incoming_messages
            ON CONFLICT (event_key, recipient) DO NOTHING
            RETURNING id
            """,
            {"now": now},
        ).fetchall()
    finally:
        con.unregister("incoming_messages")
    return len(added)


def queued_keys(con: duckdb.DuckDBPyConnection, keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of the (event_key, recipient) pairs are already in the outbox (for a dry run)."""
    if not keys:
        return set()
    rows = con.execute(
        "SELECT event_key, recipient FROM outbox WHERE (event_key, recipient) IN "
        "(SELECT unnest(?) AS k, unnest(?) AS r)",
        [[k for k, _ in keys], [r for _, r in keys]],
    ).fetchall()
    return {(k, r) for k, r in rows}


def claim(
    con: duckdb.DuckDBPyConnection,
    now: dt.datetime,
    lease: dt.timedelta,
    limit: int,
    channels: list[str],
    units: Iterable[str] | None = None,
    offices: Iterable[str] | None = None,
) -> list[Claimed]:
    """Lease up to `limit` messages on `channels` due at `now` (call inside a transaction): their
    next attempt moves to now + lease, so a second sender running meanwhile leaves them alone.
    With `units`/`offices`, only messages about those units, or (with no unit) to those offices."""
    everything = units is None and offices is None
    rows = con.execute(
        """
        SELECT id, channel, recipient, subject, body, attempts FROM outbox
        WHERE state IN ('pending', 'failed') AND next_attempt_at <= ? AND list_contains(?, channel)
          AND (? OR list_contains(?, unit) OR (unit IS NULL AND list_contains(?, office)))
        ORDER BY next_attempt_at, id LIMIT ?
        """,
        [now, list(channels), everything, list(units or []), list(offices or []), limit],
    ).fetchall()
    if rows:
        con.execute(
            "UPDATE outbox SET next_attempt_at = ? WHERE list_contains(?, id)",
            [now + lease, [r[0] for r in rows]],
        )
    return [Claimed(*r) for r in rows]


def mark_sent(con: duckdb.DuckDBPyConnection, message_id: int, now: dt.datetime) -> None:
    con.execute(
        "UPDATE outbox SET state = 'sent', attempts = attempts + 1, sent_at = ?, last_error = NULL "
        "WHERE id = ?",
        [now, message_id],
    )


def mark_failed(
    con: duckdb.DuckDBPyConnection, message_id: int, error: str, next_attempt: dt.datetime | None
) -> None:
    """One more failed try; `next_attempt` None gives the message up."""
    con.execute(
        "UPDATE outbox SET attempts = attempts + 1, last_error = ?, state = ?, "
        "next_attempt_at = coalesce(?, next_attempt_at) WHERE id = ?",
        [error, FAILED if next_attempt else GAVE_UP, next_attempt, message_id],
    )


def messages(con: duckdb.DuckDBPyConnection, state: str | None = None, limit: int = 500) -> pl.DataFrame:
    """The send log, newest first: every column but the body."""
    return con.sql(
        """
        SELECT o.id, o.event, o.round, o.unit, u.name AS unit_name, o.office, o.channel, o.recipient,
               o.subject, o.state, o.attempts, o.next_attempt_at, o.last_error, o.created_at, o.sent_at
        FROM outbox o LEFT JOIN units u ON u.code = o.unit
        WHERE $state IS NULL OR o.state = $state
        ORDER BY o.created_at DESC, o.id DESC LIMIT $limit
        """,
        params={"state": state, "limit": limit},
    ).pl()


def body_of(con: duckdb.DuckDBPyConnection, message_id: int) -> str | None:
    rows = con.execute("SELECT body FROM outbox WHERE id = ?", [message_id]).fetchall()
    return rows[0][0] if rows else None


# ---------------------------------------------------------------- who is reached where


def unit_addresses(
    con: duckdb.DuckDBPyConnection, units: list[str]
) -> dict[str, tuple[str, str | None, str | None]]:
    """unit → (name, emails text, webhook) for the units asked (unknown units left out)."""
    rows = con.execute(
        "SELECT code, name, emails, webhook FROM units WHERE list_contains(?, code)", [list(units)]
    ).fetchall()
    return {code: (name, emails, webhook) for code, name, emails, webhook in rows}


def office_webhooks(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """(code, name, webhook) of every office with a group robot, in registry order."""
    return con.execute(
        "SELECT code, name, webhook FROM offices WHERE coalesce(webhook, '') <> '' ORDER BY rowid"
    ).fetchall()


def submission_unit_round(con: duckdb.DuckDBPyConnection, submission_id: int) -> tuple[str, str, int] | None:
    """(unit, round, version) of a submission; None when there is no such id."""
    rows = con.execute(
        "SELECT unit, round, version FROM submissions WHERE id = ?", [int(submission_id)]
    ).fetchall()
    return rows[0] if rows else None


def item_names(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    """(kind, code) → name of every indicator and task (item comments name what they are about)."""
    rows = con.execute(
        "SELECT 'indicator', code, name FROM indicators UNION ALL SELECT 'task', code, title FROM tasks"
    ).fetchall()
    return {(k, c): n for k, c, n in rows}
