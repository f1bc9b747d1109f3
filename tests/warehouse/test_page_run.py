"""One warehouse connection per page run, the change stamp, and the migration check once per file."""

import threading

import duckdb
import pytest

from tests.warehouse.fixtures import one_table_warehouse
from warehouse import db
from warehouse.db import Warehouse


@pytest.fixture
def wh(tmp_path):
    # linger=0: these tests count opens and closes (test_linger.py is about the instance kept open)
    return one_table_warehouse(tmp_path, lock_timeout=2, linger=0)


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


def test_other_threads_read_beside_the_run_on_the_same_instance_and_see_its_commits(wh, opens):
    seen = []

    def other():
        with wh.connect() as con:
            seen.append(con.execute("SELECT count(*) FROM t").fetchall()[0][0])

    with wh.page_run():
        with wh.transaction() as con:
            con.execute("INSERT INTO t VALUES (1)")
        thread = threading.Thread(target=other)
        thread.start()
        thread.join(5)
        assert not thread.is_alive() and seen == [1]  # not kept waiting for the run to end
    assert len(opens) == 1  # the other thread used the run's instance


def test_page_runs_in_flight_at_once_share_one_open_and_read_side_by_side(wh, opens):
    both_inside = threading.Barrier(2, timeout=5)
    counts, errors = [], []

    def run():
        try:
            with wh.page_run():
                with wh.connect() as con:
                    counts.append(con.execute("SELECT count(*) FROM t").fetchall()[0][0])
                both_inside.wait()  # each run holds its cursor while the other reads
                with wh.connect() as con:
                    counts.append(con.execute("SELECT count(*) FROM t").fetchall()[0][0])
        except BaseException as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert errors == [] and counts == [0, 0, 0, 0]
    assert len(opens) == 1


def test_a_cursor_given_back_while_others_run_is_handed_out_again_with_its_macros(wh, monkeypatch):
    from warehouse import views

    holding, leave = threading.Event(), threading.Event()

    def holder():
        with wh.page_run(), wh.connect() as con:
            con.execute("SELECT 1").fetchall()
            holding.set()
            leave.wait(5)

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert holding.wait(5)
        with wh.page_run(), wh.connect() as first:
            views.install_macros(first)
        defined = []
        monkeypatch.setattr(views, "load_sql", lambda name: defined.append(name) or "SELECT 1")
        with wh.page_run(), wh.connect() as second:
            views.install_macros(second)  # already there: nothing defined again
        assert second is first and defined == []
    finally:
        leave.set()
        thread.join(5)


def test_a_read_beside_an_open_write_sees_the_last_commit_and_is_not_held_up(wh):
    with wh.transaction() as con:
        con.execute("INSERT INTO t VALUES (1)")
    writing, done = threading.Event(), threading.Event()

    def writer():
        with wh.page_run(), wh.transaction() as con:
            con.execute("INSERT INTO t VALUES (2)")
            writing.set()
            done.wait(5)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert writing.wait(5)
        with wh.page_run(), wh.connect() as con:
            assert con.execute("SELECT sum(x) FROM t").fetchall() == [(1,)]  # not the uncommitted 2
    finally:
        done.set()
        thread.join(5)
    with wh.connect() as con:
        assert con.execute("SELECT sum(x) FROM t").fetchall() == [(3,)]


def test_writers_of_one_process_take_turns(wh):
    inside, order = threading.Event(), []
    done = threading.Event()

    def first():
        with wh.page_run(), wh.transaction() as con:
            con.execute("INSERT INTO t VALUES (1)")
            inside.set()
            done.wait(0.5)  # the second writer waits this long at least
            order.append("first commits")

    thread = threading.Thread(target=first)
    thread.start()
    assert inside.wait(5)
    with wh.page_run(), wh.transaction() as con:
        order.append("second begins")
        con.execute("INSERT INTO t VALUES (2)")
    thread.join(5)
    assert order == ["first commits", "second begins"]


def test_the_instance_is_closed_and_the_file_let_go_when_no_run_is_in_flight(wh):
    import os

    def open_here():
        found = []
        for fd in os.listdir("/proc/self/fd"):
            try:
                target = os.readlink(f"/proc/self/fd/{fd}")
            except OSError:
                continue
            if target.startswith(str(wh.path)):
                found.append(target)
        return found

    with wh.page_run():
        with wh.transaction() as con:
            con.execute("INSERT INTO t VALUES (1)")
        assert open_here()
    assert open_here() == []
    assert not wh.path.with_name(wh.path.name + ".wal").exists()  # folded into the file on close


def test_another_process_gets_the_file_while_page_runs_keep_coming(wh):
    """Runs overlap so the instance never falls idle on its own; the other process queues on the
    turnstile, no new run is let in, the runs in flight end and it gets the file in its wait."""
    import subprocess
    import sys
    import textwrap

    stop, errors, runs = threading.Event(), [], []
    relay, inside = threading.Condition(), [0]
    readers_wh = Warehouse(wh.path, lock_timeout=60)  # they wait while the other process works

    def keep_reading():
        while not stop.is_set():
            try:
                with readers_wh.page_run(), readers_wh.connect() as con:
                    con.execute("SELECT count(*) FROM t").fetchall()
                    runs.append(1)
                    with relay:  # leave only once a later run is in flight (or after 0.5 s)
                        inside[0] += 1
                        mine = inside[0]
                        relay.notify_all()
                        relay.wait_for(lambda mine=mine: inside[0] > mine or stop.is_set(), timeout=0.5)
            except BaseException as exc:  # noqa: BLE001 - asserted below
                errors.append(exc)

    readers = [threading.Thread(target=keep_reading) for _ in range(3)]
    for t in readers:
        t.start()
    other = textwrap.dedent(
        """
        import sys
        from warehouse.db import Warehouse
        with Warehouse(sys.argv[1], lock_timeout=10).transaction() as con:
            con.execute("INSERT INTO t VALUES (5)")
        print("done")
        """
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", other, str(wh.path)], capture_output=True, text=True, timeout=60
        )
    finally:
        stop.set()
        for t in readers:
            t.join(10)
    assert done.returncode == 0 and done.stdout.strip() == "done", done.stderr
    assert errors == [] and runs
    with wh.connect() as con:
        assert con.execute("SELECT sum(x) FROM t").fetchall() == [(5,)]


def test_exclusive_waits_for_the_runs_in_flight_and_closes_the_instance(wh):
    inside, leave, ended = threading.Event(), threading.Event(), []

    def run():
        with wh.page_run(), wh.connect() as con:
            con.execute("SELECT 1").fetchall()
            inside.set()
            leave.wait(5)
            ended.append("run")

    thread = threading.Thread(target=run)
    thread.start()
    assert inside.wait(5)
    threading.Timer(0.3, leave.set).start()
    with wh.exclusive():
        ended.append("exclusive")
        assert wh._shared.con is None and wh._shared.users == 0
    thread.join(5)
    assert ended == ["run", "exclusive"]


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
    monkeypatch.setattr(db, "_migrated", {})
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


def test_wanted_elsewhere_says_when_another_process_queues_for_the_file(wh):
    from filelock import FileLock

    with wh.page_run(), wh.connect():
        assert not wh.wanted_elsewhere()
        queue = FileLock(wh.lock_path.with_name(wh.lock_path.name + ".queue"), thread_local=False)
        with queue:  # what another process's take_file holds while it waits for the file
            assert wh.wanted_elsewhere()
        assert not wh.wanted_elsewhere()
