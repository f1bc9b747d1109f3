"""The shared instance kept open for a moment after the last run ends (warehouse.db.DEFAULT_LINGER):
the next run does not open the file again, yet the file is whole meanwhile, another process or a
backup gets it at once, a file changed behind our back is opened anew, and nothing is left held."""

import shutil
import subprocess
import sys
import textwrap
import time

import duckdb
import pytest

from tests.warehouse.fixtures import one_table_warehouse
from warehouse.db import DEFAULT_LINGER, Warehouse


@pytest.fixture
def wh(tmp_path):
    warehouse = one_table_warehouse(tmp_path, lock_timeout=10, linger=30)
    yield warehouse
    Warehouse(warehouse.path, linger=0)  # back to closing when idle, then close what lingers
    with warehouse.exclusive():
        pass


def _other_process(script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *args], capture_output=True, text=True, timeout=60
    )


def test_the_default_keeps_an_idle_instance_a_moment_not_for_long():
    assert 0 < DEFAULT_LINGER <= 5


def test_operations_one_after_another_open_the_file_once(wh, opens):
    for k in range(5):
        with wh.transaction() as con:
            con.execute("INSERT INTO t VALUES (?)", [k])
        with wh.connect() as con:
            assert con.execute("SELECT count(*) FROM t").fetchall() == [(k + 1,)]
    assert opens == []  # the instance the fixture opened is still the one in use


def test_an_idle_instance_closes_once_its_time_is_up(tmp_path):
    warehouse = Warehouse(tmp_path / "warehouse.duckdb", linger=0.3)
    with warehouse.connect(create=True):
        pass
    assert warehouse._shared.con is not None
    deadline = time.monotonic() + 5
    while warehouse._shared.con is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert warehouse._shared.con is None
    con = duckdb.connect(str(warehouse.path))  # the file is free: DuckDB's own lock is gone too
    con.close()


def test_the_file_alone_holds_every_commit_while_the_instance_lingers(wh, tmp_path):
    """The log is folded into the file when the last run ends, so a copy of the file alone is whole."""
    with wh.transaction() as con:
        con.execute("INSERT INTO t SELECT range FROM range(1000)")
    assert wh._shared.con is not None
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(wh.path, copy)
    con = duckdb.connect(str(copy), read_only=True)
    try:
        assert con.execute("SELECT count(*), sum(x) FROM t").fetchall() == [(1000, 499500)]
    finally:
        con.close()


def test_another_process_gets_the_file_at_once_from_an_idle_instance(wh):
    with wh.transaction() as con:
        con.execute("INSERT INTO t VALUES (1)")
    assert wh._shared.con is not None  # lingering for 30 s
    started = time.monotonic()
    done = _other_process(
        """
        import sys
        from warehouse.db import Warehouse
        with Warehouse(sys.argv[1], lock_timeout=10).transaction() as con:
            con.execute("INSERT INTO t VALUES (2)")
        print("done")
        """,
        str(wh.path),
    )
    assert done.returncode == 0 and done.stdout.strip() == "done", done.stderr
    assert time.monotonic() - started < 10  # not the 30 s of lingering: it queued and we let go
    with wh.connect() as con:  # opened again: the other process's row is there
        assert con.execute("SELECT sum(x) FROM t").fetchall() == [(3,)]


def test_exclusive_closes_an_idle_instance_at_once(wh):
    with wh.connect() as con:
        con.execute("SELECT 1").fetchall()
    assert wh._shared.con is not None
    started = time.monotonic()
    with wh.exclusive():
        assert wh._shared.con is None
        con = duckdb.connect(str(wh.path))  # the file is ours to copy or replace
        con.close()
    assert time.monotonic() - started < 5


def test_a_file_replaced_while_the_instance_is_idle_is_opened_anew(wh, tmp_path):
    """A copy put in place by hand (a restore without the portal) is what the next run reads."""
    other = Warehouse(tmp_path / "other" / "warehouse.duckdb", linger=0)
    with other.connect(create=True) as con:
        con.execute("CREATE TABLE t (x INTEGER)")
        con.execute("INSERT INTO t VALUES (42)")
    with wh.connect() as con:
        assert con.execute("SELECT count(*) FROM t").fetchall() == [(0,)]
    replacement = tmp_path / "replacement.duckdb"
    shutil.copyfile(other.path, replacement)
    replacement.replace(wh.path)  # a new file in its place: another inode
    with wh.connect() as con:
        assert con.execute("SELECT sum(x) FROM t").fetchall() == [(42,)]


def test_a_process_that_ends_with_an_idle_instance_leaves_the_file_whole_and_free(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    done = _other_process(
        """
        import sys, time
        from warehouse.db import Warehouse
        wh = Warehouse(sys.argv[1], linger=60)
        with wh.connect(create=True) as con:
            con.execute("CREATE TABLE t AS SELECT range AS x FROM range(10)")
        started = time.monotonic()
        print("idle" if wh._shared.con is not None else "closed")
        """,
        str(path),
    )
    assert done.returncode == 0 and done.stdout.strip() == "idle", done.stderr
    assert not path.with_name(path.name + ".wal").exists()
    con = duckdb.connect(str(path))  # neither DuckDB's lock nor ours is left behind
    try:
        assert con.execute("SELECT count(*) FROM t").fetchall() == [(10,)]
    finally:
        con.close()


def test_a_cursor_given_back_with_rows_unread_is_handed_out_ready(wh):
    """A caller that read one row of several leaves the cursor kept for the next run: the rest is
    dropped when it is given back, or every query of that run would be refused."""
    with wh.connect() as con:
        con.execute("SELECT * FROM range(5)").fetchone()
    with wh.connect() as con:
        assert con.sql("SELECT count(*) FROM t").fetchall() == [(0,)]
