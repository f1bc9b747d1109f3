"""Warehouse.beside: a page's or session's reads run in worker threads, each on a cursor of its own of
the same instance, while the caller works on its connection (issue 23: the roll-up's two large reads
overlap)."""

import threading

import pytest

from tests.warehouse.fixtures import one_table_warehouse


@pytest.fixture
def wh(tmp_path):
    wh = one_table_warehouse(tmp_path, lock_timeout=2)
    with wh.transaction() as con:
        con.execute("INSERT INTO t VALUES (1), (2)")
    return wh


def _read(wh) -> tuple[int, int, str]:
    """What a service does: connect() and read; with the connection's id and the thread's name."""
    with wh.connect() as con:
        return con.execute("SELECT sum(x) FROM t").fetchall()[0][0], id(con), threading.current_thread().name


def test_inside_a_session_each_call_reads_in_a_worker_on_a_cursor_of_its_own(wh):
    """The session holds the write lock (outside a page run); the workers read without it."""
    with wh.session() as con:
        with wh.beside() as run:
            first, second = run(_read, wh), run(_read, wh)
            mine = _read(wh)
        results = [first.result(timeout=10), second.result(timeout=10)]
    assert mine == (3, id(con), threading.current_thread().name)
    assert [r[0] for r in results] == [3, 3]
    assert all(r[1] != id(con) and r[2].startswith("warehouse-beside") for r in results)


def test_a_worker_may_not_write(wh):
    def write():
        with wh.transaction() as con:
            con.execute("INSERT INTO t VALUES (5)")

    with wh.session():
        with wh.beside() as run:
            refused = run(write)
        with pytest.raises(RuntimeError, match="may not write"):
            refused.result(timeout=10)
    with wh.connect() as con:
        assert con.execute("SELECT sum(x) FROM t").fetchall() == [(3,)]


def test_inside_a_transaction_each_call_runs_at_once_on_the_callers_connection_and_sees_its_writes(wh):
    with wh.transaction() as con:
        con.execute("INSERT INTO t VALUES (10)")
        with wh.beside() as run:
            done = run(_read, wh)
            assert done.done()  # ran before run() returned
        assert done.result() == (13, id(con), threading.current_thread().name)


def test_without_a_held_connection_each_call_runs_at_once_and_its_error_comes_with_the_result(wh):
    def fails():
        raise ValueError("boom")

    with wh.beside() as run:
        read, failed = run(_read, wh), run(fails)
    assert read.result()[0] == 3 and read.result()[2] == threading.current_thread().name
    with pytest.raises(ValueError, match="boom"):
        failed.result()


def test_the_workers_cursors_are_closed_on_the_way_out(wh):
    kept = []

    def keep():
        with wh.connect() as con:
            kept.append(con)

    with wh.session(), wh.beside() as run:
        run(keep).result(timeout=10)
    with pytest.raises(Exception, match="(?i)closed"):
        kept[0].execute("SELECT 1")
