"""The warehouse lock: re-entrant within a thread, exclusive across threads and processes, bounded."""

import subprocess
import sys
import textwrap
import threading
import time

import pytest

from schemas.errors import Conflict, PortalError
from warehouse.db import Warehouse, WarehouseBusy

# Another process tries to take the warehouse with a 1-second wait and reports what happened.
_OTHER_PROCESS = textwrap.dedent(
    """
    import sys, time
    from warehouse.db import Warehouse, WarehouseBusy

    began = time.monotonic()
    try:
        with Warehouse(sys.argv[1], lock_timeout=1).exclusive():
            print("got", time.monotonic() - began)
    except WarehouseBusy as exc:
        print("busy", time.monotonic() - began, exc.message)
    """
)


def _other_process(path) -> tuple[str, float, str]:
    done = subprocess.run(
        [sys.executable, "-c", _OTHER_PROCESS, str(path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    outcome, seconds, *message = done.stdout.strip().split(maxsplit=2)
    return outcome, float(seconds), " ".join(message)


def test_a_nested_exclusive_hold_in_one_thread_returns_at_once(tmp_path):
    wh = Warehouse(tmp_path / "w.duckdb", lock_timeout=5)
    with wh.exclusive():
        began = time.monotonic()
        with wh.exclusive():
            inner = time.monotonic() - began
    assert inner < 0.5


def test_a_connection_inside_an_exclusive_hold_opens_at_once_and_the_lock_is_free_after(tmp_path):
    wh = Warehouse(tmp_path / "w.duckdb", lock_timeout=5)
    with wh.connect(create=True):  # only init creates a warehouse; connect() refuses a missing one
        pass
    with wh.exclusive():
        began = time.monotonic()
        with wh.transaction() as con:
            con.execute("INSERT INTO units (code, name, kind) VALUES ('U1', '单位一', 'department')")
        with wh.connect() as con:
            assert con.execute("SELECT count(*) FROM units").fetchall()[0][0] == 1
        inner = time.monotonic() - began
    assert inner < 5
    assert _other_process(wh.path)[0] == "got"


def test_another_process_waits_for_the_bounded_time_then_gets_the_chinese_busy_message(tmp_path):
    wh = Warehouse(tmp_path / "w.duckdb", lock_timeout=5)
    with wh.exclusive(), wh.exclusive():  # held twice: the other process still waits for both
        outcome, waited, message = _other_process(wh.path)
    assert outcome == "busy"
    assert 1.0 <= waited < 5
    assert message == "数据仓库正被另一个程序使用（1 秒内未释放），请稍后重试。"
    assert _other_process(wh.path)[0] == "got"  # released once the outer hold ends


def test_another_thread_of_the_same_process_waits_too(tmp_path):
    path = tmp_path / "w.duckdb"
    held, release = threading.Event(), threading.Event()

    def holder():
        with Warehouse(path).exclusive():
            held.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        held.wait(10)
        began = time.monotonic()
        with pytest.raises(WarehouseBusy) as refused, Warehouse(path, lock_timeout=0.5).exclusive():
            pass
        assert time.monotonic() - began >= 0.5
    finally:
        release.set()
        thread.join()
    assert isinstance(refused.value, Conflict) and isinstance(refused.value, PortalError)
    with Warehouse(path, lock_timeout=0.5).exclusive():  # free again
        pass
