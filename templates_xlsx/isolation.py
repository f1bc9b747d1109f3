"""Parse untrusted workbooks in a child process, so a reader crash costs one file, not the server.

calamine (fastexcel) is native code: a workbook that makes it abort (exit 134) or run out of
memory would take the Streamlit server, or a whole batch, with it. So reads run in a small pool
of persistent worker processes, each a fresh interpreter (fork+exec, never a fork of the threaded
server) limited to MEMORY_LIMIT_MB of address space (RLIMIT_AS). A worker that dies or
overruns TIMEOUT_S is killed and replaced; the file it was reading gets `file-reader-crashed` and
the rest of a batch goes on.

Workers start on first use (`warm()` starts them ahead) and stay warm: a read then costs the
pickling of the file's bytes and of the parsed frames, about a millisecond of CPU for a 50-row
template (scripts/bench_reader_isolation.py).
`ISOLATE = False`, or `isolate=False` where a caller offers it, reads in this process instead.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from schemas.issues import Issue

# Read uploads in worker processes unless a caller says otherwise (tests and benchmarks compare).
ISOLATE = True
# Workers kept warm. Reads take ~10 ms and the host has 2 shared cores: one worker serialises
# concurrent uploads with little waiting; raise it on a larger host.
WORKERS = 1
# Address space of a worker. One with polars, fastexcel (and openpyxl) imported maps ~550 MB before
# reading anything; a template within its budget needs a few MB more, a province registry
# (200,000 rows) a few hundred. A runaway allocation fails here, not on the host.
MEMORY_LIMIT_MB = 2048
# A read that takes longer is abandoned and its worker killed: a budget-sized template reads in
# milliseconds and a province registry in seconds.
TIMEOUT_S = 120.0
# Starting a worker: a fresh interpreter importing polars, fastexcel and openpyxl (~0.5 s idle,
# several seconds on a loaded host).
START_TIMEOUT_S = 60.0

# What a worker can be asked to do: task name → "module:function(data, **options)".
TASKS = {
    "upload": "templates_xlsx.upload:read_upload",
    "registry": "templates_xlsx.registry_book:read_registry",
    "pid": "templates_xlsx.isolation:worker_pid",
    # a large batch's files: file safety, then the read, in the worker (validators.checked_read)
    "checked-upload": "validators.checked_read:check_and_read",
}
# Imported by each worker before its first request, so the first upload read is not also an
# import (the registry reader, with openpyxl, is imported when first asked for).
_WARM_IMPORTS = ("templates_xlsx.upload",)


class ReaderCrashed(Exception):
    """The worker reading a file died or overran its time; `detail` says how, in Chinese."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


def _limit_memory(megabytes: int | None) -> None:
    if not megabytes:
        return
    import resource

    limit = int(megabytes) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def worker_pid(data: bytes = b"") -> int:
    """The worker's process id (for tests that kill a worker)."""
    return os.getpid()


def _resolve(task: str):
    module, _, name = TASKS[task].partition(":")
    return getattr(importlib.import_module(module), name)


def _serve(requests: Connection, replies: Connection, memory_limit_mb: int | None) -> None:
    """A worker's loop: (task, data, options) in, ("ok", result) or ("raise", exception) out;
    it ends when the parent closes its end (or dies)."""
    _limit_memory(memory_limit_mb)
    for module in _WARM_IMPORTS:
        importlib.import_module(module)
    replies.send(("ok", "ready"))
    while True:
        try:
            task, data, options = requests.recv()
        except (EOFError, OSError):
            return
        try:
            fn = _resolve(task)
            reply = ("ok", fn(data, **options))
        except Exception as exc:  # the caller decides what a failed read means
            reply = ("raise", portable(exc))
        replies.send(reply)


def portable(exc: Exception) -> Exception:
    """The exception itself if it survives pickling (to the parent), else its type and text."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")


def _exit_text(exitcode: int | None) -> str:
    """How a worker ended, for the file's issue: a signal (-6 is an abort, -9 a kill) or a code."""
    if exitcode is None:
        return "进程无响应"
    if exitcode < 0:
        return f"进程异常终止，信号 {-exitcode}"
    return f"进程异常退出，退出码 {exitcode}"


def _worker_main() -> None:
    """Entry point of a worker process: requests on stdin, replies on the original stdout (fd 1
    is pointed at stderr, so nothing a library prints can corrupt the replies)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; EOF ends us
    replies = os.dup(1)
    os.dup2(2, 1)
    _serve(Connection(0, writable=False), Connection(replies, readable=False), _memory_limit_from_env())


def _memory_limit_from_env() -> int | None:
    value = os.environ.get(_LIMIT_ENV, "")
    return int(value) if value.isdigit() and int(value) > 0 else None


_LIMIT_ENV = "XLSX_READER_MEMORY_LIMIT_MB"
_BOOT = "from templates_xlsx.isolation import _worker_main; _worker_main()"


class _Worker:
    """One worker: a fresh interpreter started with subprocess (fork+exec: no Python code runs in
    a forked copy of a threaded server, and unlike multiprocessing's spawn and forkserver the
    parent's __main__ is not imported again), talking pickles over its stdin/stdout pipes."""

    def __init__(self, memory_limit_mb: int | None, start_timeout: float = START_TIMEOUT_S):
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p or os.getcwd() for p in sys.path)
        env[_LIMIT_ENV] = str(memory_limit_mb or 0)
        self.process = subprocess.Popen(
            [sys.executable, "-c", _BOOT], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env
        )
        self._requests = Connection(os.dup(self.process.stdin.fileno()), readable=False)
        self._replies = Connection(os.dup(self.process.stdout.fileno()), writable=False)
        self.process.stdin.close()
        self.process.stdout.close()
        self._receive(start_timeout)  # "ready": imports done, or the worker could not start

    @property
    def pid(self) -> int:
        return self.process.pid

    def call(self, task: str, data: bytes, options: dict[str, Any], timeout: float) -> Any:
        try:
            self._requests.send((task, data, options))
        except OSError as exc:  # the worker is gone (broken pipe)
            self.kill()
            raise ReaderCrashed(_exit_text(self.process.returncode)) from exc
        status, payload = self._receive(timeout)
        if status == "raise":
            raise payload
        return payload

    def _receive(self, timeout: float) -> tuple[str, Any]:
        try:
            if not self._replies.poll(timeout):
                self.kill()
                raise ReaderCrashed(f"超过 {timeout:g} 秒仍未完成")
            return self._replies.recv()
        except (EOFError, OSError) as exc:
            self.kill()
            raise ReaderCrashed(_exit_text(self.process.returncode)) from exc

    @property
    def alive(self) -> bool:
        return self.process.poll() is None and not self._replies.closed

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)
        for conn in (self._requests, self._replies):
            if not conn.closed:
                conn.close()


@dataclass
class ReaderPool:
    """Up to `size` warm workers; a call takes an idle one (starting it if needed) and gives it
    back unless it died. Thread-safe: Streamlit serves each session in its own thread."""

    size: int = WORKERS
    memory_limit_mb: int | None = MEMORY_LIMIT_MB
    timeout: float = TIMEOUT_S

    def __post_init__(self) -> None:
        self._slots = threading.BoundedSemaphore(self.size)
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []

    def call(self, task: str, data: bytes = b"", **options: Any) -> Any:
        with self._slots:
            worker = self._take()
            try:
                return worker.call(task, data, options, self.timeout)
            finally:
                self._give(worker)  # kept only if still alive: a crashed worker is replaced

    def warm(self) -> None:
        """Start every worker now, so the first uploads do not wait for one. Each start holds a
        slot, so a call made meanwhile (warm() in a thread) waits for that worker, not a second."""
        for _ in range(self.size - len(self._idle)):
            with self._slots:
                self._give(self._take())

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.kill()

    def _take(self) -> _Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.alive:
                    return worker
                worker.kill()
        try:
            return _Worker(self.memory_limit_mb)
        except ReaderCrashed as exc:
            raise ReaderCrashed(f"进程无法启动：{exc.detail}") from exc

    def _give(self, worker: _Worker) -> None:
        if worker.alive:
            with self._lock:
                self._idle.append(worker)


_pool: ReaderPool | None = None
_pool_pid = 0
_pool_lock = threading.Lock()


def pool() -> ReaderPool:
    """The process's reader pool, made on first use with the module's settings."""
    global _pool, _pool_pid
    with _pool_lock:
        if _pool is None or _pool_pid != os.getpid():  # a forked child must not use its parent's
            _pool, _pool_pid = ReaderPool(), os.getpid()
            atexit.register(_close_own_pool)
        return _pool


def _close_own_pool() -> None:
    """At exit, stop (and reap) this process's workers; a forked child leaves its parent's alone."""
    if _pool is not None and _pool_pid == os.getpid():
        _pool.close()


def warm_in_background() -> threading.Thread:
    """Start the workers in a thread, so their interpreter starts while the caller imports its
    own stack (a cold `portal validate`: the two overlap on two cores)."""
    thread = threading.Thread(target=warm, name="reader-warm", daemon=True)
    thread.start()
    return thread


def warm() -> None:
    if ISOLATE:
        pool().warm()


# A batch of at least this many files is read by BATCH_WORKERS workers at once, started for the
# batch and stopped after it. A worker costs ~0.5 s CPU to start and a read ~10 ms (BENCHMARKS.md),
# so below ~100 files the reads taken off this process do not pay for the starts.
PARALLEL_MIN_FILES = 100
BATCH_WORKERS = max(2, os.cpu_count() or 1)


def read_uploads_ahead(datas: list[bytes], check_sizes: bool = True) -> Iterator[Callable[[], Any]]:
    """For a large batch: reads of every file start at once in a pool of BATCH_WORKERS workers;
    yields, in order, a callable that waits for that file's result (`read_upload`'s, or the
    exception the reader raised). The caller works on file i while the workers read the next ones."""
    from templates_xlsx.upload import unreadable

    return calls_ahead("upload", datas, lambda issue: unreadable([issue]), check_sizes=check_sizes)


def calls_ahead(
    task: str, datas: list[bytes], crashed: Callable[[Issue], Any], **options: Any
) -> Iterator[Callable[[], Any]]:
    """`task` over every file at once in a pool of BATCH_WORKERS workers started for the batch;
    yields, in order, a callable that waits for that file's result (what `crashed` makes of the
    `file-reader-crashed` issue when its worker died, or the exception the task raised)."""
    readers = ReaderPool(size=BATCH_WORKERS)
    threads = ThreadPoolExecutor(max_workers=BATCH_WORKERS, thread_name_prefix="reader")

    def one(data: bytes):
        try:
            return readers.call(task, data, **options)
        except ReaderCrashed as exc:
            return crashed(_crashed(exc))

    try:
        futures = [threads.submit(one, data) for data in datas]
        for future in futures:
            yield future.result
    finally:
        threads.shutdown(wait=True, cancel_futures=True)
        readers.close()


def _crashed(exc: ReaderCrashed) -> Issue:
    return Issue.make("file-reader-crashed", detail=exc.detail)


def read_upload(data: bytes, check_sizes: bool = True):
    """`templates_xlsx.upload.read_upload` in a worker; a crash is the file's issue, not ours."""
    from templates_xlsx.upload import unreadable

    try:
        return pool().call("upload", data, check_sizes=check_sizes)
    except ReaderCrashed as exc:
        return unreadable([_crashed(exc)])


def read_registry(data: bytes, check_sizes: bool = True):
    """`templates_xlsx.registry_book.read_registry` in a worker; a crash is an issue."""
    from schemas.sheets import REGISTRY_SHEETS
    from templates_xlsx.reader import empty_sheet

    try:
        return pool().call("registry", data, check_sizes=check_sizes)
    except ReaderCrashed as exc:
        return {spec.key: empty_sheet(spec) for spec in REGISTRY_SHEETS}, [_crashed(exc)]
