"""A process killed (SIGKILL) at any point of a write leaves the warehouse as before or with the whole change.

Each test runs the real `portal` command in a subprocess with PORTAL_FAULT_AT naming a checkpoint
(warehouse.faults), so the process dies there without any cleanup, then reopens the warehouse as
the platform would and compares every table with a snapshot.
"""

from __future__ import annotations

import signal

import duckdb
import pytest

from portal.cli.main import command_line_account
from portal.core.context import Portal
from portal.ops.init import DEMO_ACCOUNTS
from portal.reporting.submissions import ingest
from tests.portal.reliability_support import ROUND, cli, copy_home, files_under, filled, snapshot
from warehouse.db import SCHEMA_VERSION

pytestmark = pytest.mark.slow  # real processes killed at chosen points

UNIT = "JZKF-CXCY"
KILLED = -signal.SIGKILL


def _office(portal):
    """The demo office as the killed commands act (`--user office`), so audit lines compare equal."""
    return command_line_account(portal, "office")


@pytest.fixture(scope="module")
def reference(_demo_home, tmp_path_factory):
    """The warehouse after one clean upload of UNIT's workbook (timestamps left out)."""
    home = copy_home(_demo_home, tmp_path_factory.mktemp("reference"))
    portal = Portal.open(home)
    result = ingest(
        portal, _office(portal), filled(_demo_home, UNIT), "cxcy.xlsx", unit=UNIT, round_code=ROUND
    )
    assert result.accepted, result.report.issues
    return snapshot(home, drop_times=True)


def _ingest_killed_at(point: str, home, workbook: bytes, tmp_path):
    path = tmp_path / "cxcy.xlsx"
    path.write_bytes(workbook)
    done = cli(
        "ingest",
        str(path),
        "--unit",
        UNIT,
        "--round",
        ROUND,
        "--user",
        "office",
        home=home,
        env={"PORTAL_FAULT_AT": point},
    )
    assert done.returncode == KILLED, (done.returncode, done.stderr.decode()[-2000:])


@pytest.mark.parametrize(
    "point",
    [
        "filestore.tmp_written",  # the upload half written to a temp file
        "ingest.stored",  # the original kept, nothing validated yet
        "ingest.validated",  # validated, no transaction yet
        "ingest.recorded_in_transaction",  # submission, values, progress, issues inserted, not committed
        "ingest.before_commit",  # the audit line written too, COMMIT not reached
    ],
)
def test_a_kill_before_the_commit_leaves_the_warehouse_exactly_as_before(
    point, _demo_home, reference, tmp_path
):
    home = copy_home(_demo_home, tmp_path / "home")
    before = snapshot(home)
    workbook = filled(_demo_home, UNIT)

    _ingest_killed_at(point, home, workbook, tmp_path)

    assert snapshot(home) == before
    # What is left on disk is harmless: at most the stored original (an orphan) or a temp file.
    leftovers = files_under(home / "uploads")
    assert all(name.endswith((".xlsx", ".tmp")) for name in leftovers)
    portal = Portal.open(home)
    retry = ingest(portal, _office(portal), workbook, "cxcy.xlsx", unit=UNIT, round_code=ROUND)
    assert retry.accepted and not retry.duplicate
    assert snapshot(home, drop_times=True) == reference


@pytest.mark.parametrize(
    "point",
    [
        "warehouse.committed",  # COMMIT done (write-ahead log), the connection never closed
        "ingest.chunk_done",  # committed and closed, the command not finished
    ],
)
def test_a_kill_after_the_commit_keeps_the_whole_submission(point, _demo_home, reference, tmp_path):
    home = copy_home(_demo_home, tmp_path / "home")
    workbook = filled(_demo_home, UNIT)

    _ingest_killed_at(point, home, workbook, tmp_path)

    assert snapshot(home, drop_times=True) == reference
    portal = Portal.open(home)
    retry = ingest(portal, _office(portal), workbook, "cxcy.xlsx", unit=UNIT, round_code=ROUND)
    assert retry.duplicate  # recognised, not recorded twice
    assert snapshot(home, drop_times=True) == reference


def test_a_batch_killed_between_two_chunks_keeps_the_first_whole_and_a_rerun_adds_the_second(
    _demo_home, tmp_path
):
    units = [UNIT, "JZKF-JFJ"]
    folder = tmp_path / "batch"
    folder.mkdir()
    for i, unit in enumerate(units):
        (folder / f"{i}-{unit}.xlsx").write_bytes(filled(_demo_home, unit))
    clean = copy_home(_demo_home, tmp_path / "clean")
    assert cli("ingest", str(folder), "--round", ROUND, "--user", "office", home=clean).returncode == 0
    home = copy_home(_demo_home, tmp_path / "home")

    done = cli(
        "ingest",
        str(folder),
        "--round",
        ROUND,
        "--user",
        "office",
        home=home,
        env={"PORTAL_FAULT_AT": "ingest.chunk_done", "PORTAL_INGEST_CHUNK": "1"},
    )

    assert done.returncode == KILLED
    with Portal.open(home).warehouse.connect() as con:
        recorded = con.execute("SELECT unit FROM submissions WHERE round = ?", [ROUND]).fetchall()
    assert recorded == [(units[0],)]
    rerun = cli("ingest", str(folder), "--round", ROUND, "--user", "office", home=home)
    assert rerun.returncode == 0, rerun.stdout.decode()
    assert "未重复登记" in rerun.stdout.decode()
    assert snapshot(home, drop_times=True) == snapshot(clean, drop_times=True)


def _version_on_disk(home) -> int:
    """The schema version as the file holds it, without letting the platform migrate it."""
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    try:
        return con.execute("SELECT max(version) FROM schema_version").fetchall()[0][0]
    finally:
        con.close()


@pytest.mark.parametrize(
    ("point", "version"), [("migrate.0002.before_commit", 1), ("migrate.0002.committed", 2)]
)
def test_a_kill_during_a_migration_leaves_whole_migrations_and_init_finishes_the_rest(
    point, version, portal_home, tmp_path
):
    done = cli("init", home=portal_home, env={"PORTAL_FAULT_AT": point})
    assert done.returncode == KILLED

    assert _version_on_disk(portal_home) == version
    again = cli("init", home=portal_home)
    assert again.returncode == 0, again.stderr.decode()
    clean = tmp_path / "clean"
    clean.mkdir()
    assert cli("init", home=clean).returncode == 0
    assert _version_on_disk(portal_home) == SCHEMA_VERSION
    assert snapshot(portal_home, drop_times=True) == snapshot(clean, drop_times=True)


def test_a_demo_init_killed_after_the_registry_is_finished_by_running_it_again(portal_home):
    (portal_home / "settings.toml").write_text('secret_key = "test-secret"\n', encoding="utf-8")
    done = cli(
        "init", "--demo", "--no-fill", home=portal_home, env={"PORTAL_FAULT_AT": "warehouse.committed"}
    )
    assert done.returncode == KILLED

    again = cli("init", "--demo", "--no-fill", home=portal_home)

    assert again.returncode == 0, again.stderr.decode()
    counts = {}
    with Portal.open(portal_home).warehouse.connect() as con:
        for table in ("plans", "units", "tasks", "indicators", "rounds", "users"):
            counts[table] = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    assert counts == {
        "plans": 5,
        "units": 63,
        "tasks": 104,
        "indicators": 78,
        "rounds": 7,
        "users": len(DEMO_ACCOUNTS),
    }
