import os
import socket
import subprocess
import sys
import urllib.request

from portal.ops.serve import streamlit_command
from tests.conftest import ROOT
from tests.serving import free_port, wait_until_healthy


def test_portal_serve_answers_on_the_demo_warehouse(demo_portal):
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
        assert wait_until_healthy(f"http://127.0.0.1:{port}", proc, 60)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
            assert r.status == 200 and b"<html" in r.read().lower()
    finally:
        proc.terminate()
        out = proc.communicate(timeout=20)[0].decode()
    assert f"http://127.0.0.1:{port}" in out
    # The command became the server (exec), so stopping it freed the port: nothing left behind.
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0


def test_the_streamlit_command_is_offline_and_caps_uploads(demo_portal):
    command = streamlit_command(demo_portal, port=8600)
    flags = dict(zip(command[5::2], command[6::2], strict=False))
    assert flags["--browser.gatherUsageStats"] == "false"
    assert flags["--server.address"] == "127.0.0.1"
    assert flags["--server.port"] == "8600"
    assert flags["--server.maxUploadSize"] == "20"
    assert command[4].endswith("portal/ui/app.py")
