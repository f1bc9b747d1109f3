"""The wheel built from the checkout, installed into a new venv outside it, serves the demo.

The new venv gets the project from the wheel only (`--no-deps`); its dependencies come from the
running interpreter's site-packages through a .pth file, so nothing is downloaded and nothing of the
checkout is on its path. Every command runs from an unrelated directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.serving import free_port, wait_until_healthy

pytestmark = pytest.mark.slow

# What a wheel build never needs and a working checkout may hold (large or stale: setuptools reuses
# build/lib, so a module deleted from the tree would still ship from there).
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "var", "build", "*.egg-info", "test-artifacts", "__pycache__", ".ruff_cache", "tests"
)


def _run(args: list, cwd: Path, env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done


@dataclass(frozen=True)
class Installed:
    venv: Path
    env: dict  # PORTAL_HOME in a temp dir, no PYTHON* variables
    cwd: Path  # an unrelated empty directory

    def run(self, *args) -> subprocess.CompletedProcess:
        return _run([self.venv / "bin" / args[0], *args[1:]], self.cwd, self.env)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    """The wheel installed into a fresh venv, and `portal init --demo --no-fill` run from it."""
    base = tmp_path_factory.mktemp("wheel")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PORTAL_", "VIRTUAL_ENV"))}
    env["PORTAL_HOME"] = str(base / "home")

    source = base / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", base / "dist", source], base, env)
    (wheel,) = (base / "dist").glob("kjcx_portal-*.whl")

    venv = base / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], base, env)
    purelib = _run(
        [venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], base, env
    ).stdout.strip()
    (Path(purelib) / "running_interpreter_deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    # --ignore-installed: through the .pth, pip sees the running venv's (editable) kjcx-portal and
    # would otherwise try to uninstall it from there.
    _run(
        [sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "-q"]
        + ["--no-deps", "--no-index", "--ignore-installed", wheel],
        base,
        env,
    )
    elsewhere = base / "elsewhere"
    elsewhere.mkdir()
    installed = Installed(venv, env, elsewhere)
    assert "已导入演示规划" in installed.run("portal", "init", "--demo", "--no-fill").stdout
    return installed


def test_the_installed_packages_come_from_the_new_venv_not_the_checkout(installed):
    code = "import pages, portal, warehouse; print(portal.__file__); print(pages.__file__)"
    out = installed.run("python", "-c", code).stdout.split()
    assert len(out) == 2
    for module_file in map(Path, out):
        assert module_file.is_relative_to(installed.venv), module_file
        assert not module_file.is_relative_to(ROOT), module_file


def test_portal_serve_from_the_wheel_answers_from_any_directory(installed):
    port = free_port()
    server = subprocess.Popen(
        [installed.venv / "bin" / "portal", "serve", "--port", str(port)],
        cwd=installed.cwd,
        env=installed.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert wait_until_healthy(f"http://127.0.0.1:{port}", server, 60)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
            assert r.status == 200 and b"<html" in r.read().lower()
    finally:
        server.terminate()
        out = server.communicate(timeout=20)[0].decode()
    assert f"http://127.0.0.1:{port}" in out


def test_the_installed_app_script_finds_its_pages_and_icon(installed):
    """The health check answers before any script runs: run the installed app itself (AppTest)."""
    code = (
        "from importlib import resources\n"
        "from streamlit.testing.v1 import AppTest\n"
        "app = resources.files('portal.ui').joinpath('app.py')\n"
        "at = AppTest.from_file(str(app), default_timeout=60).run()\n"
        "assert not at.exception, at.exception\n"
        "assert resources.files('portal.ui').joinpath('assets', 'icon.png').is_file()\n"
        "print(app)\n"
        "print(*[w.key for w in at.text_input])\n"
    )
    app, keys = installed.run("python", "-c", code).stdout.strip().splitlines()
    assert Path(app).is_relative_to(installed.venv)
    assert keys.split() == ["login_username", "login_password"]
