"""`portal serve`: the real command serves the app, and stopping it stops the server (no orphan)."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from portal.context import Portal
from portal.serve import streamlit_command

ROOT = Path(__file__).resolve().parents[2]
# Generous bound for a cold Streamlit start on a slow CI machine; not a performance assertion.
START_TIMEOUT_S = 90


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode("utf-8", "replace")


def test_the_streamlit_command_is_offline_and_caps_uploads(demo_portal):
    command = streamlit_command(demo_portal, port=8600)
    flags = dict(zip(command[5::2], command[6::2], strict=False))
    assert flags["--browser.gatherUsageStats"] == "false"
    assert flags["--server.address"] == "127.0.0.1"
    assert flags["--server.port"] == "8600"
    assert flags["--server.maxUploadSize"] == "20"
    assert command[4].endswith("portal/app.py")


def test_portal_serve_answers_and_stops_with_its_process(demo_portal):
    port = free_port()
    env = os.environ | {"PORTAL_HOME": str(demo_portal.settings.home)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "portal", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        health = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                health = get(f"http://127.0.0.1:{port}/_stcore/health")
                break
            except OSError:
                time.sleep(0.5)
        assert health == (200, "ok"), f"portal serve did not answer (exit code {proc.poll()})"
        status, page = get(f"http://127.0.0.1:{port}/")
        assert status == 200 and "<html" in page.lower()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        proc.stdout.close()
    # The command became the server (exec), so stopping it freed the port: nothing left behind.
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0
    assert Portal.open(demo_portal.settings.home).warehouse.exists()
