"""Shared fixtures: a real PORTAL_HOME per test, and the demo warehouses built once per test run."""

from __future__ import annotations

import atexit
import contextlib
import functools
import io
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from filelock import FileLock

from portal.accounts import auth as _auth
from portal.core.context import Portal
from portal.ops.init import init_portal

ROOT = Path(__file__).resolve().parents[1]
IN_CI = bool(os.environ.get("CI"))


@pytest.fixture
def portal_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("PORTAL_HOME", str(home))
    for name in list(os.environ):
        if name.startswith("PORTAL_") and name != "PORTAL_HOME":
            monkeypatch.delenv(name)
    return home


@pytest.fixture
def empty_portal(portal_home) -> Portal:
    """`portal init` on a home holding a copy of a new, migrated warehouse (made once per process)
    rather than creating and migrating the file again in every test (~0.2 s of CPU)."""
    from tests.warehouse.fixtures import _empty_warehouse

    if not (portal_home / "warehouse.duckdb").exists():  # a test may have put the demo there first
        shutil.copyfile(_empty_warehouse(), portal_home / "warehouse.duckdb")
    portal, _ = init_portal(Portal.open(portal_home, secret_key="test-secret"))
    return portal


# Test modules that take longest, started first by the xdist workers (pyproject.toml runs with
# --no-loadscope-reorder, so the order below is the order the modules are handed out). The bundle
# module needs no demo: one worker installs the bundle while the other builds the filled demo
# (75 s in CI) for the walks, instead of both waiting on that one build as when the walks, the
# modules with the most tests, came first on both workers. Every other module keeps the order
# xdist gave it before (most tests first).
LONGEST_FIRST = (
    "tests/scripts/test_bundle.py",
    "tests/portal/test_authorization_walk.py",
    "tests/portal/test_scope_walk.py",
)


def _module(item: pytest.Item) -> str:
    return item.nodeid.split("::", 1)[0]


def pytest_collection_modifyitems(config, items: list[pytest.Item]) -> None:
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return  # a run without workers keeps the collection order
    counts: dict[str, int] = {}
    for item in items:
        counts[_module(item)] = counts.get(_module(item), 0) + 1
    rank = {module: i for i, module in enumerate(LONGEST_FIRST)}
    # sort is stable: the tests of a module keep their order
    items.sort(key=lambda item: (rank.get(_module(item), len(rank)), -counts[_module(item)]))


def _built_once(tmp_path_factory, name: str, build) -> Path:
    """A PORTAL_HOME that `build(home)` fills once per test run, shared by all xdist workers.

    Under xdist each worker has its own base temp directory inside the run's; the first worker to
    take the lock builds into the run's directory and writes the ready marker last, the others wait
    for the lock and reuse it. Tests never touch it: they get a private copy.
    """
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    home, ready = base / name, base / f"{name}.ready"
    with FileLock(base / f"{name}.lock"):
        if not ready.exists():
            shutil.rmtree(home, ignore_errors=True)  # a half-built home from a worker that failed
            home.mkdir()
            (home / "settings.toml").write_text('secret_key = "test-secret"\n', encoding="utf-8")
            build(home)
            ready.touch()
    return home


# Argon2 as production makes it (portal.accounts.auth), kept for the test that checks its strength.
PRODUCTION_HASHER = _auth._hasher
# The smallest argon2id parameters: the same code path (hash, verify, rehash when parameters
# change), milliseconds instead of ~0.1–0.5 s a hash. Only the test process uses it: a `portal`
# subprocess (run_cli, portal serve) hashes with the production parameters.
TEST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(scope="session", autouse=True)
def _cheap_hashes():
    """Every test process hashes passwords with TEST_HASHER (the demo's 20 accounts, each
    account a test makes, each sign-in); a test may still set its own (monkeypatch)."""
    saved = _auth._hasher
    _auth._hasher = TEST_HASHER
    yield
    _auth._hasher = saved


def _build_demo(home: Path) -> None:
    _, result = init_portal(Portal.open(home), demo=True, fill=False)
    assert result.registry is not None and result.registry.loaded, (
        result.registry and result.registry.report.issues
    )


@pytest.fixture(scope="session")
def _demo_home(tmp_path_factory) -> Path:
    return _built_once(tmp_path_factory, "demo-home", _build_demo)


@pytest.fixture
def demo_portal(_demo_home, portal_home) -> Portal:
    """A private copy of the demo warehouse (today = 2025-10-10, 2025Q3 open)."""
    shutil.copytree(_demo_home, portal_home, dirs_exist_ok=True)
    return Portal.open(portal_home)


@pytest.fixture(scope="session")
def _filled_demo_home(_demo_home, tmp_path_factory) -> Path:
    """`portal init --demo` run again on a copy of the demo (what `init --demo` does with fill on:
    the registry and accounts are already there, so only the past quarters are filled), rather
    than importing the registry and hashing the accounts a second time."""

    def build(home: Path) -> None:
        shutil.copytree(_demo_home, home, dirs_exist_ok=True)
        _, result = init_portal(Portal.open(home), demo=True)
        assert result.fill is not None and not result.fill.skipped

    return _built_once(tmp_path_factory, "filled-demo-home", build)


@pytest.fixture
def filled_demo_portal(_filled_demo_home, portal_home) -> Portal:
    """A private copy of the demo with its past quarters reported, reviewed and 2025Q3 partly
    reported (portal.demo_fill), as `portal init --demo` leaves it."""
    shutil.copytree(_filled_demo_home, portal_home, dirs_exist_ok=True)
    return Portal.open(portal_home)


def run_cli(*args: str, home: Path, input_bytes: bytes | None = None) -> subprocess.CompletedProcess:
    """The real `portal` command in a subprocess, as a script would call it."""
    env = os.environ | {"PORTAL_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "portal", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        input=input_bytes,
        timeout=300,
    )


def cli(*args: str, home: Path) -> subprocess.CompletedProcess:
    """The `portal` command run in this process (`portal.cli.main.main(argv)`) with PORTAL_HOME
    set to `home`: the same parsing, commands and exit codes as `run_cli`, without starting a new
    interpreter and importing the stack again. stdout and stderr come back as text.

    Keep `run_cli` for one smoke test per command (the real entry point, as a script calls it) and
    for tests that need a real process (crashes, locks held by another process)."""
    from portal.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    saved = os.environ.get("PORTAL_HOME")
    os.environ["PORTAL_HOME"] = str(home)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse's own usage errors and --help
                code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    finally:
        if saved is None:
            os.environ.pop("PORTAL_HOME", None)
        else:
            os.environ["PORTAL_HOME"] = saved
    return subprocess.CompletedProcess(["portal", *args], code, out.getvalue(), err.getvalue())


@functools.cache
def libreoffice_profile() -> str:
    """One LibreOffice user profile per test process, as a -env:UserInstallation URI: private (tests
    may run beside a desktop LibreOffice or another test run), made by the first conversion and
    reused by the next ones: each conversion starts a few seconds sooner (paired runs on the loaded
    machine: 9.1 → 6.3 s, and 36.8 → 31.2 s at load 39)."""
    profile = Path(tempfile.mkdtemp(prefix="kjcx-lo-profile-"))
    atexit.register(shutil.rmtree, profile, ignore_errors=True)
    return profile.as_uri()


def require_tool(name: str) -> str:
    """Path of a system tool the test needs: skipped on a dev machine without it, a failure in CI."""
    path = shutil.which(name)
    if path:
        return path
    if IN_CI:
        pytest.fail(f"{name} is not installed; .ci/run must install it")
    pytest.skip(f"{name} not installed")


@pytest.fixture
def fast_hashes(monkeypatch):
    """Argon2 with the smallest parameters: the same code path, milliseconds instead of ~0.3 s a hash.
    Every test has them now (_cheap_hashes); kept so a test may still say it relies on them."""
    monkeypatch.setattr(_auth, "_hasher", TEST_HASHER)


def account_in(portal: Portal, username: str, role, unit: str | None = None, offices=(), platform=None):
    """A real account row with a scope (offices, or the platform), returned as loaded. The demo
    already holds some such accounts (office_jzkf, eval_jzkf, office_xsss …): one of those is
    returned after checking it is the account asked for, its password set to the test one."""
    from portal.accounts.auth import acting_account, create_account, hash_password
    from warehouse import accounts

    with portal.warehouse.transaction() as con:
        if accounts.exists(con, username):
            accounts.set_password(
                con, username, hash_password(f"pw-{username}-123")
            )  # the known test password
        else:
            return create_account(
                portal,
                con,
                username,
                username,
                role,
                unit,
                f"pw-{username}-123",
                offices=offices,
                platform=platform,
            )
    account = acting_account(portal, username)
    assert (account.role, account.unit, account.scope.granted) == (role, unit, tuple(offices)), account
    return account


@pytest.fixture
def make_account(fast_hashes):
    """Create an account with a known password: make_account(portal, "rep1", Role.UNIT_REPORTER, "JZKF-CXCY")."""
    from portal.accounts.auth import create_account

    def make(portal: Portal, username: str, role, unit: str | None = None, password: str | None = None):
        with portal.warehouse.transaction() as con:
            return create_account(
                portal, con, username, f"{username} 测试", role, unit, password or f"pw-{username}-123"
            )

    return make


def _copied_then(source: Path, home: Path, fill) -> None:
    """`source` copied into `home`, then `fill(portal)` on it, on the demo's own clock (no PORTAL_*
    setting a test may have made, as `portal_home` clears them for a test)."""
    shutil.copytree(source, home, dirs_exist_ok=True)
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("PORTAL_")}
    try:
        fill(Portal.open(home))
    finally:
        os.environ.update(saved)


def built_from(tmp_path_factory, source: Path, name: str, fill) -> Path:
    """A home made once per test run under `name` (shared by the xdist workers like the demo): a
    copy of `source` (the demo, say) and `fill(portal)` on it. For what every test of a module
    set up the same way on its own copy of the demo (accounts, reports): each test then gets a
    private copy (`private_copy`, ~10 ms) instead of redoing it (an account transaction ~0.1 s of CPU,
    an upload validated and recorded ~1 s)."""
    return _built_once(tmp_path_factory, name, lambda home: _copied_then(source, home, fill))


def demo_with_accounts(tmp_path_factory, demo_home: Path, name: str, accounts) -> Path:
    """The demo with a module's fixed accounts ((username, role, unit, password) each), made in
    that order, one transaction each, exactly as `make_account` makes them; built once per run."""
    from portal.accounts.auth import create_account

    def make(portal: Portal) -> None:
        for username, role, unit, password in accounts:
            with portal.warehouse.transaction() as con:
                create_account(portal, con, username, f"{username} 测试", role, unit, password)

    return built_from(tmp_path_factory, demo_home, name, make)


def private_copy(built: Path, portal_home: Path) -> Portal:
    """A private copy of a home built once per run, opened as the test's PORTAL_HOME."""
    shutil.copytree(built, portal_home, dirs_exist_ok=True)
    return Portal.open(portal_home)


@pytest.fixture
def opens(monkeypatch):
    """How many times a warehouse file is opened (duckdb.connect) from here on: a page run's or a
    cached read's count of opens (tests/portal/test_readcache.py, tests/warehouse/test_page_run.py)."""
    import duckdb

    from warehouse import db

    count = []
    real = duckdb.connect
    monkeypatch.setattr(db.duckdb, "connect", lambda *a, **k: count.append(1) or real(*a, **k))
    return count
