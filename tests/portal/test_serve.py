import os
import socket
import subprocess
import sys
import urllib.error
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
    url = f"http://127.0.0.1:{port}"
    try:
        assert wait_until_healthy(url, proc, 60)
        with urllib.request.urlopen(f"{url}/", timeout=5) as r:
            assert r.status == 200 and b"<html" in r.read().lower()
            page_headers = r.headers
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as r:
            health_headers = r.headers
        refused = []
        for path in ("/_stcore/metrics", "/_stcore/metrics/", "/_stcore/metrics?families=session_events"):
            try:
                urllib.request.urlopen(f"{url}{path}", timeout=5)
            except urllib.error.HTTPError as exc:
                refused.append((exc.code, exc.read(), exc.headers["X-Frame-Options"]))
    finally:
        proc.terminate()
        out = proc.communicate(timeout=20)[0].decode()
    assert url in out
    for headers in (page_headers, health_headers):
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Content-Security-Policy"] == "frame-ancestors 'none'"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
    # Streamlit's metrics (sessions, caches) are not served to anyone, signed in or not.
    assert refused == [(404, b"", "DENY")] * 3
    # The command became the server (exec), so stopping it freed the port: nothing left behind.
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0


def test_the_streamlit_command_is_offline_and_caps_uploads(demo_portal):
    command = streamlit_command(demo_portal, port=8600)
    flags = dict(zip(command[5::2], command[6::2], strict=False))
    assert flags["--browser.gatherUsageStats"] == "false"
    assert flags["--server.address"] == "127.0.0.1"
    assert flags["--server.port"] == "8600"
    assert flags["--server.maxUploadSize"] == "500"  # restore_max_mb: a backup outgrows the others
    assert flags["--client.disableDataExport"] == "true"  # the grids' CSV export writes formulas
    assert flags["--client.showErrorDetails"] == "none"
    # no source watcher: it walks every module on the event loop after each run (deadline-day load)
    assert flags["--server.fileWatcherType"] == "none"
    assert command[4].endswith("portal/ui/asgi_app.py")
