"""The reader pool: workers that stay warm, run under a memory limit, and are replaced when they die."""

from __future__ import annotations

import os
import signal

import pytest

from templates_xlsx import isolation
from templates_xlsx.isolation import ReaderCrashed, ReaderPool
from templates_xlsx.upload import read_upload
from tests.validators import hostile
from tests.xlsx_fill import fill_valid


@pytest.fixture(scope="module")
def pool():
    readers = ReaderPool(size=1)
    yield readers
    readers.close()


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_an_isolated_read_gives_what_an_in_process_read_gives(pool, template):
    data = fill_valid(template, indicators={"JZ-K01": "１２０"})
    here, there = read_upload(data), pool.call("upload", data)
    assert there.issues == here.issues and there.meta == here.meta
    for key, parsed in here.sheets.items():
        assert there.sheets[key].frame.equals(parsed.frame) and there.sheets[key].letters == parsed.letters


def test_the_worker_stays_warm_between_reads(pool, template):
    first = pool.call("pid")
    pool.call("upload", template)
    assert pool.call("pid") == first != os.getpid()


def test_a_worker_runs_under_the_address_space_limit(pool):
    with open(f"/proc/{pool.call('pid')}/limits") as fh:
        line = next(row for row in fh if row.startswith("Max address space"))
    assert line.split()[3] == str(isolation.MEMORY_LIMIT_MB * 1024 * 1024)


def test_a_worker_killed_between_reads_is_replaced(pool, template):
    pid = pool.call("pid")
    (worker,) = pool._idle
    os.kill(pid, signal.SIGKILL)
    worker.process.wait(5)
    assert pool.call("upload", template).readable
    assert pool.call("pid") != pid


def test_a_reader_that_aborts_costs_one_call_and_the_next_read_works(pool, template):
    far = hostile.with_cells("指标填报", ["XFD1048576"])(template)
    pid = pool.call("pid")
    with pytest.raises(ReaderCrashed) as crashed:
        pool.call("upload", far, check_sizes=False)
    assert "信号 6" in crashed.value.detail  # calamine's allocation failure aborts (SIGABRT)
    assert _gone(pid)
    assert pool.call("upload", far).issues[0].code == "sheet-too-large"


def test_a_read_overrunning_its_time_is_abandoned_and_its_worker_killed(template):
    slow = ReaderPool(size=1, timeout=1e-4)
    try:
        with pytest.raises(ReaderCrashed, match="秒仍未完成"):
            slow.call("upload", template)
        assert slow._idle == []
    finally:
        slow.close()


def test_an_exception_in_the_worker_is_raised_in_the_caller(pool):
    from templates_xlsx.reader import WorkbookUnreadable

    with pytest.raises(WorkbookUnreadable):
        pool.call("registry", b"PK\x03\x04 not a zip")
    assert pool.call("pid")  # the worker survived it


def test_a_crash_becomes_the_files_issue(monkeypatch, template):
    def crash(*args, **kwargs):
        raise ReaderCrashed("进程异常终止,信号 9")

    monkeypatch.setattr(isolation.pool(), "call", crash)
    parsed = isolation.read_upload(template)
    assert [i.code for i in parsed.issues] == ["file-reader-crashed"] and not parsed.readable
    assert "信号 9" in parsed.issues[0].message
    sheets, issues = isolation.read_registry(template)
    assert [i.code for i in issues] == ["file-reader-crashed"] and all(
        s.frame.height == 0 for s in sheets.values()
    )
