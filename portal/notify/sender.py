"""`portal outbox send`: deliver the messages that are due, with retries and exponential backoff.

The warehouse is never held while a server is talked to: a short transaction claims a batch
(leasing it for LEASE, so a second sender leaves it alone), each message is delivered with no
connection open, and another short transaction marks it sent, or failed with its reason and the
time of the next try. A sender killed between delivering and marking leaves the message claimed;
after the lease it is delivered again, so a kill costs at most one duplicate (docs/operations.md).

Sending needs reminder.send: an office's account delivers only the messages of the units and
offices it acts for; the platform (the server's operator) delivers everything.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from portal.core.context import Portal
from portal.core.permissions import require, scope_of, visible_units
from portal.notify.channels import DINGTALK, EMAIL, WECOM, DeliveryFailed, deliver
from warehouse import outbox
from warehouse.faults import checkpoint

log = logging.getLogger(__name__)

# The first retry after a minute, then doubling: 1, 2, 4 … minutes, capped at six hours, so a mail
# server down for a night is retried a few times an hour at first and every few hours later.
BACKOFF_FIRST = dt.timedelta(minutes=1)
BACKOFF_MAX = dt.timedelta(hours=6)
# Twelve tries span about a day and a half (1+2+…+256 minutes, then 6-hourly): long enough for a
# weekend outage to be noticed, short enough that a wrong address stops being retried.
MAX_ATTEMPTS = 12
# How long a claimed message is left alone by other senders: far longer than one delivery
# (NETWORK_TIMEOUT is 20 s), short enough that a killed sender's messages go out again soon.
LEASE = dt.timedelta(minutes=10)
# Messages claimed per transaction.
BATCH = 20


def backoff(attempts: int) -> dt.timedelta:
    """The wait before the next try after `attempts` failed tries (1 → one minute)."""
    return min(BACKOFF_FIRST * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0
    gave_up: int = 0
    failures: list[tuple[int, str]] = field(default_factory=list)  # (message id, reason)


def send_outbox(
    portal: Portal, account, now: dt.datetime | None = None, limit: int | None = None
) -> SendResult:
    """Deliver every message due at `now` (default: the portal's clock) that `account` may send.
    Email waits while no smtp_host is set (the messages stay pending); webhooks go regardless."""
    require(account, "reminder.send")
    units = visible_units(account, "reminder.send")
    offices = scope_of(account).offices(act=True)
    settings = portal.settings
    at = now or settings.now()
    channels = [WECOM, DINGTALK] + ([EMAIL] if settings.smtp_host else [])
    result = SendResult()
    while limit is None or result.sent + result.failed + result.gave_up < limit:
        with portal.warehouse.transaction() as con:
            batch = outbox.claim(con, at, LEASE, BATCH, channels, units, offices)
        if not batch:
            break
        for message in batch:
            try:
                deliver(
                    settings, message.id, message.channel, message.recipient, message.subject, message.body
                )
            except DeliveryFailed as exc:
                tries = message.attempts + 1
                retry = at + backoff(tries) if tries < MAX_ATTEMPTS else None
                with portal.warehouse.transaction() as con:
                    outbox.mark_failed(con, message.id, exc.reason, retry)
                result.failures.append((message.id, exc.reason))
                if retry is None:
                    result.gave_up += 1
                else:
                    result.failed += 1
                log.warning("outbox %s: %s", message.id, exc.reason)
                continue
            checkpoint("outbox.delivered")  # the server has it, the outbox does not know yet
            with portal.warehouse.transaction() as con:
                outbox.mark_sent(con, message.id, settings.now() if now is None else at)
            result.sent += 1
    return result
