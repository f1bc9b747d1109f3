"""`portal serve`: Streamlit on the warehouse under PORTAL_HOME, offline, usage statistics off."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from portal.core.context import Portal

# The Streamlit app behind st.App with our security middleware (see portal/ui/asgi_app.py).
APP = Path(__file__).resolve().parents[1] / "ui" / "asgi_app.py"


def upload_cap_mb(s) -> int:
    """Streamlit's one server-wide upload limit: the largest of the page's uploaders (each uploader
    sets its own smaller limit: the report, an evidence file, a backup to restore)."""
    return max(s.max_upload_mb, s.evidence_max_mb, s.restore_max_mb)


def streamlit_command(portal: Portal, port: int | None = None, headless: bool = True) -> list[str]:
    s = portal.settings
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.port",
        str(port or s.port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        str(headless).lower(),
        "--server.maxUploadSize",
        str(upload_cap_mb(s)),
        "--browser.gatherUsageStats",
        "false",
        "--global.developmentMode",
        "false",
        "--client.toolbarMode",
        "minimal",
        "--theme.base",
        "light",
        "--theme.primaryColor",
        "#1f5fa8",
        # No exception text reaches the browser (before sign-in either): failures are shown as
        # their Chinese message by portal.ui; anything else is a fault, logged on the server.
        "--client.showErrorDetails",
        "none",
        # The grids' built-in "Download as CSV" writes = + - @ text unescaped (a spreadsheet runs it
        # as a formula); pages offer their own formula-safe .xlsx download instead.
        "--client.disableDataExport",
        "true",
        # No source watching: after every script run Streamlit's watcher walks every loaded module
        # (realpath of thousands of files) on the event loop, holding up every session's messages,
        # and keeps inotify threads per session. A served portal's code does not change under it.
        "--server.fileWatcherType",
        "none",
        "--server.runOnSave",
        "false",
    ]


def serve(portal: Portal, port: int | None = None, headless: bool = True) -> int:
    """Become the Streamlit server (exec): a signal to this process stops the server, no orphan."""
    env = os.environ | {
        "PORTAL_HOME": str(portal.settings.home),
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    url = f"http://127.0.0.1:{port or portal.settings.port}"
    print(
        f"科技创新任务调度考核平台已启动：{url}  （数据目录 {portal.settings.home}，按 Ctrl+C 停止）",
        flush=True,
    )
    command = streamlit_command(portal, port, headless)
    # Every setting is on the command line, so the app serves the same from any directory
    # (a wheel install has no .streamlit/config.toml beside it).
    os.execve(command[0], command, env)  # the serve process becomes Streamlit: signals reach it directly
    return 0
