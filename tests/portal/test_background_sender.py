"""`portal serve` delivering the outbox itself (setting outbox_send_seconds): the real loop against
a real SMTP server on loopback, started and stopped as the serving process does."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time

import pytest

from portal.core.context import Portal
from portal.core.settings import SettingsError, load_settings
from portal.notify import log as notify_log
from portal.ops import background_sender
from portal.ops.init import init_portal
from tests.conftest import ROOT
from tests.portal.notify_servers import SmtpServer
from tests.serving import free_port, wait_until_healthy
from warehouse import outbox
from warehouse.outbox import Message


@pytest.fixture
def smtp(monkeypatch):
    server = SmtpServer().start()
    monkeypatch.setenv("PORTAL_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PORTAL_SMTP_PORT", str(server.port))
    yield server
    server.stop()


def _queue(portal: Portal, key: str, to: str) -> None:
    with portal.warehouse.transaction() as con:
        message = Message(key, "due_soon", "email", to, "【测试】通知", "正文", round="2025Q3")
        outbox.enqueue(con, [message], portal.settings.now())


def _wait_for(condition, seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_outbox_send_seconds_is_off_by_default_and_read_from_the_environment(portal_home, monkeypatch):
    assert load_settings().outbox_send_seconds == 0
    monkeypatch.setenv("PORTAL_OUTBOX_SEND_SECONDS", "60")
    assert load_settings().outbox_send_seconds == 60
    monkeypatch.setenv("PORTAL_OUTBOX_SEND_SECONDS", "-1")
    with pytest.raises(SettingsError, match="PORTAL_OUTBOX_SEND_SECONDS"):
        load_settings()


def test_with_zero_seconds_no_sender_starts(empty_portal, smtp):
    _queue(empty_portal, "k1", "u1@example.org")
    assert background_sender.start() is None
    assert "outbox-sender" not in {t.name for t in threading.enumerate()}
    time.sleep(0.5)
    assert smtp.inbox == []


def test_the_background_sender_delivers_every_round_until_stopped(empty_portal, smtp, monkeypatch):
    monkeypatch.setenv("PORTAL_OUTBOX_SEND_SECONDS", "1")
    _queue(empty_portal, "k1", "u1@example.org")

    sender = background_sender.start()
    try:
        assert sender is not None and sender.thread.daemon
        assert _wait_for(lambda: len(smtp.to("u1@example.org")) == 1)
        _queue(empty_portal, "k2", "u2@example.org")  # queued later: the next round takes it
        assert _wait_for(lambda: len(smtp.to("u2@example.org")) == 1)
    finally:
        sender.stop()
    assert not sender.thread.is_alive()
    assert len(smtp.inbox) == 2  # each once
    assert {r["state"] for r in notify_log.outbox_rows(empty_portal)} == {"sent"}


def test_a_failing_round_is_logged_and_the_next_round_delivers(portal_home, smtp, caplog):
    # No warehouse yet: every round fails (WarehouseMissing), the loop keeps going.
    stop = threading.Event()
    caplog.set_level(logging.WARNING, logger="portal.ops.background_sender")
    loop = threading.Thread(target=background_sender.run, args=(portal_home, 0.2, stop), daemon=True)
    loop.start()
    try:
        assert _wait_for(lambda: len(caplog.records) >= 2)
        assert loop.is_alive()
        assert all("background outbox sender" in r.getMessage() for r in caplog.records)
        portal, _ = init_portal(Portal.open(portal_home, secret_key="test-secret"))
        _queue(portal, "k1", "u1@example.org")
        assert _wait_for(lambda: len(smtp.to("u1@example.org")) == 1)
    finally:
        stop.set()
        loop.join(5)
    assert not loop.is_alive()


def test_a_round_never_raises(portal_home, caplog):
    caplog.set_level(logging.WARNING, logger="portal.ops.background_sender")
    assert background_sender.send_round(portal_home) is None
    [record] = caplog.records
    assert record.levelno == logging.WARNING and "portal init" in record.getMessage()


@pytest.mark.slow  # a real `portal serve` (~10 s)
def test_portal_serve_with_outbox_send_seconds_delivers_queued_mail(empty_portal, smtp):
    _queue(empty_portal, "k1", "u1@example.org")
    port = free_port()
    env = os.environ | {"PORTAL_HOME": str(empty_portal.settings.home), "PORTAL_OUTBOX_SEND_SECONDS": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "portal", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert wait_until_healthy(f"http://127.0.0.1:{port}", proc, 60)
        assert _wait_for(lambda: len(smtp.to("u1@example.org")) == 1, 30)
    finally:
        proc.terminate()
        out = proc.communicate(timeout=20)[0].decode()
    assert proc.returncode is not None, out
    assert {r["state"] for r in notify_log.outbox_rows(empty_portal)} == {"sent"}
