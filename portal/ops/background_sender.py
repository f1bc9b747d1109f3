"""The outbox sender inside `portal serve` (setting outbox_send_seconds, 0 = off): a daemon thread
that does what `portal outbox send` from cron does, every N seconds, as the platform itself.

It holds the warehouse only as `send_outbox` does, in short claim/mark transactions, never while
a mail server or robot is talked to; pages keep working while it delivers. A failure (a missing
warehouse, a busy lock, a fault) is logged and the next round tries again: the server never stops
for it. Only one sender should run (docs/operations.md); the lease keeps a second from sending a
message twice, yet two senders are no faster.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass

from portal.accounts.auth import system_actor
from portal.core.context import Portal
from portal.core.errors import PortalError
from portal.core.settings import load_settings
from portal.notify.sender import SendResult, send_outbox

log = logging.getLogger(__name__)


def send_round(home: str | os.PathLike | None = None) -> SendResult | None:
    """One round of delivery; settings are re-read each round (a new smtp_host applies at once).
    None when the round failed, which is logged, never raised."""
    try:
        return send_outbox(Portal.open(home), system_actor())
    except PortalError as exc:  # said in words a person can act on; no traceback needed
        log.warning("background outbox sender: %s", exc.message)
    except Exception:
        log.exception("background outbox sender: unexpected failure")
    return None


def run(home: str | os.PathLike | None, seconds: float, stop: threading.Event) -> None:
    """Deliver at once, then every `seconds`, until `stop` is set."""
    while not stop.is_set():
        result = send_round(home)
        if result is not None and (result.sent or result.failed or result.gave_up):
            log.info(
                "background outbox sender: sent %s, failed %s, gave up %s",
                result.sent,
                result.failed,
                result.gave_up,
            )
        stop.wait(seconds)


@dataclass
class BackgroundSender:
    thread: threading.Thread
    stop_event: threading.Event

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the loop to end after its current round; a round mid-delivery is left to finish
        (daemon thread: the process may exit without it, the lease redelivers at most one)."""
        self.stop_event.set()
        self.thread.join(timeout)


def start(home: str | os.PathLike | None = None) -> BackgroundSender | None:
    """Start the sender when outbox_send_seconds is set; None (nothing started) when it is 0."""
    try:
        settings = load_settings(home)
    except PortalError as exc:  # every page says it too; the server still starts
        log.warning("background outbox sender not started: %s", exc.message)
        return None
    if not settings.outbox_send_seconds:
        return None
    stop = threading.Event()
    thread = threading.Thread(
        target=run,
        args=(settings.home, settings.outbox_send_seconds, stop),
        name="outbox-sender",
        daemon=True,
    )
    thread.start()
    log.info("background outbox sender: every %s s", settings.outbox_send_seconds)
    return BackgroundSender(thread, stop)
