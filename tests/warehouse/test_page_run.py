"""One warehouse connection per page run, the change stamp, and the migration check once per file."""

import threading

import duckdb
import pytest

from warehouse import db
from warehouse.db import Warehouse


@pytest.fixture
def wh(tmp_path):
    warehouse = Warehouse(tmp_path / "warehouse.duckdb", lock_timeout=2)
    with warehouse.connect(create=True) as con:
        con.execute("CREATE TABLE t (x INTEGER)")
    return warehouse


def test_a_page_run_opens_the_file_once_for_all_its_reads_and_writes(wh, opens):
    with wh.page_run():
        for _ in range(5):
            with wh.connect() as con:
                con.execute("SELECT count(*) FROM t").fetchall()
        with wh.transaction() as con:
            con.execute("INSERT INTO t VALUES (1)")
        with wh.connect() as con:
            assert con.execute("SELECT count(*) FROM t").fetchall() == [(1,)]
    assert len(opens) == 1


def test_a_page_run_that_reads_nothing_opens_nothing(wh, opens):
    with wh.page_run():
        pass
    assert opens == []


def test_other_threads_wait_for_the_run_and_then_see_its_writes(wh):
    seen = []

    def other():
        with wh.connect() as con:
            seen.append(con.execute("SELECT count(*) FROM t").fetchall()[0][0])

    with wh.page_run():
        with wh.transaction() as con:
            con.execute("INSERT INTO t VALUES (1)")
        thread = threading.Thread(target=other)
        thread.start()
        thread.join(0.3)
        assert thread.is_alive() and seen == []  # the run holds the warehouse
    thread.join(5)
    assert seen == [1]


def test_release_lets_others_in_and_goes_back_to_one_open_per_operation(wh, opens):
    done = threading.Event()

    def other():
        with wh.connect() as con:
            con.execute("SELECT 1").fetchall()
        done.set()

    with wh.page_run():
        with wh.connect() as con:
            con.execute("SELECT 1").fetchall()
        wh.release()
        threading.Thread(target=other).start()
        assert done.wait(5)  # not kept waiting for the rest of the run
        with wh.connect() as con:
            con.execute("SELECT 1").fetchall()
    assert len(opens) == 3  # the run's, the other thread's, one for the operation after release


def test_exclusive_inside_a_page_run_closes_the_runs_connection_first(wh):
    with wh.page_run():
        with wh.connect() as con:
            con.execute("SELECT 1").fetchall()
        with wh.exclusive(), pytest.raises(duckdb.ConnectionException):
            con.execute("SELECT 1")  # closed: a restore may now replace the file
        with wh.connect() as again:
            assert again.execute("SELECT count(*) FROM t").fetchall() == [(0,)]


def test_a_session_inside_a_page_run_keeps_the_runs_connection(wh, opens):
    with wh.page_run():
        with wh.session() as first:
            pass
        with wh.connect() as second:
            assert second is first
    assert len(opens) == 1


def test_the_stamp_stays_for_reads_and_moves_with_every_write(wh):
    before = wh.stamp()
    with wh.connect() as con:
        con.execute("SELECT count(*) FROM t").fetchall()
    assert wh.stamp() == before
    with wh.page_run():
        with wh.transaction() as con:
            con.execute("INSERT INTO t VALUES (1)")
        inside = wh.stamp()
        assert inside != before  # the write-ahead log grew, before the connection closes
    assert wh.stamp() not in (before, inside)  # closing folded the log into the file


def test_a_write_from_another_process_moves_the_stamp(wh):
    before = wh.stamp()
    con = duckdb.connect(str(wh.path))  # as the DuckDB shell or another program would
    con.execute("INSERT INTO t VALUES (7)")
    con.close()
    assert wh.stamp() != before


def test_closing_after_a_write_tells_the_listeners_the_content_is_unchanged(wh, monkeypatch):
    told = []
    monkeypatch.setattr(db, "stamp_listeners", [lambda *moved: told.append(moved)])
    with wh.transaction() as con:
        con.execute("INSERT INTO t VALUES (1)")
    [(path, committed, closed)] = told
    assert path == str(wh.path) and closed == wh.stamp()
    assert committed[2] is not None and closed[2] is None  # from the log written to the file alone


def test_the_schema_is_checked_once_per_file_in_a_process(wh, monkeypatch):
    calls = []
    real = db.migrate
    monkeypatch.setattr(db, "migrate", lambda con, *a: calls.append(1) or real(con, *a))
    monkeypatch.setattr(db, "_migrated", set())
    for _ in range(3):
        with wh.connect() as con:
            con.execute("SELECT 1").fetchall()
    assert len(calls) == 1


def test_a_file_put_in_the_warehouses_place_is_checked_again(wh, tmp_path, monkeypatch):
    with wh.connect() as con:
        con.execute("SELECT 1").fetchall()
    old = duckdb.connect(str(tmp_path / "old.duckdb"))  # an unmigrated file, restored in place
    old.execute("CREATE TABLE t (x INTEGER)")
    old.close()
    (tmp_path / "old.duckdb").replace(wh.path)
    with wh.connect() as con:
        assert db.schema_version(con) == db.SCHEMA_VERSION
