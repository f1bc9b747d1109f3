"""Pages are tested with AppTest on a private copy of the demo warehouse, one account per role."""

import os
import shutil

import pytest
from apptest_support import PEOPLE
from board_support import reported_home

from portal.accounts.auth import create_account
from portal.core.context import Portal
from tests.conftest import _built_once


@pytest.fixture(scope="session", autouse=True)
def _app_scripts_compiled_once():
    """What every AppTest run redoes although nothing it depends on changes during a test run, done
    once per test process: the scan of every installed distribution's metadata for Streamlit
    components (each AppTest's first run: ~0.1 s of CPU, ~1 s of wall on the loaded machine) and
    the reading, magic rewriting and compiling of the app's and pages' scripts (a new ScriptCache
    for every run of every AppTest). Each run still executes the scripts afresh; the scripts
    under portal/ui and pages/ are not written by any test."""
    from streamlit.components.v2 import manifest_scanner
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    scan, found = manifest_scanner.scan_component_manifests, manifest_scanner.scan_component_manifests()
    shared = ScriptCache()
    manifest_scanner.scan_component_manifests = lambda max_workers=None: list(found)
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared
    yield
    manifest_scanner.scan_component_manifests = scan
    app_test.ScriptCache = local_script_runner.ScriptCache = ScriptCache


def _with_people(source, home) -> None:
    """`source` copied into `home` with PEOPLE's accounts (known passwords) added in one transaction,
    on the demo's own clock (no PORTAL_TODAY a test may have set)."""
    shutil.copytree(source, home, dirs_exist_ok=True)
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("PORTAL_")}
    try:
        portal = Portal.open(home)
        with portal.warehouse.transaction() as con:
            for username, (role, unit) in PEOPLE.items():
                create_account(portal, con, username, f"{username} 测试", role, unit, f"pw-{username}-123")
    finally:
        os.environ.update(saved)


def _over(portal: Portal, built) -> Portal:
    """The built home copied over `portal`'s (a private copy: the test may change it)."""
    shutil.copytree(built, portal.settings.home, dirs_exist_ok=True)
    return portal


@pytest.fixture(scope="session")
def _site_home(_demo_home, tmp_path_factory):
    """The demo with PEOPLE's accounts, built once per test run (shared by the xdist workers like the
    demo): creating five accounts in every test was ~0.4 s of CPU each, copying the file ~5 ms."""
    return _built_once(tmp_path_factory, "site-demo-home", lambda home: _with_people(_demo_home, home))


@pytest.fixture
def site(demo_portal, _site_home, fast_hashes):
    """The demo portal with one account per role, known passwords, PORTAL_HOME pointing at it."""
    return _over(demo_portal, _site_home)


@pytest.fixture(scope="session")
def _reported(_demo_home, tmp_path_factory):
    """The demo with board_support's two reports, built once per test run (shared by the xdist
    workers like the demo itself); every test gets a private copy (reported_site)."""
    return _built_once(tmp_path_factory, "reported-demo-home", lambda home: reported_home(_demo_home, home))


@pytest.fixture(scope="session")
def _reported_site_home(_reported, tmp_path_factory):
    """`_reported` with PEOPLE's accounts, built once per test run."""
    return _built_once(tmp_path_factory, "reported-site-home", lambda home: _with_people(_reported, home))


@pytest.fixture
def reported_site(_reported_site_home, portal_home, fast_hashes):
    """The demo portal as `site`, with the two real reports of board_support in its warehouse
    (built once per test run); the board pages' modules use it as their `site`."""
    shutil.copytree(_reported_site_home, portal_home, dirs_exist_ok=True)
    return Portal.open(portal_home)
