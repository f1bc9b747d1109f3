"""Opening the DuckDB warehouse: migrations, one writer at a time, transactions that really commit.

DuckDB lets one process hold the file, so every operation opens the file, works in a short
transaction and closes it again, behind a file lock (other processes: the CLI beside
`portal serve`) and a thread lock (Streamlit sessions in one process). Both are re-entrant within
a thread: an operation that already holds the warehouse (a restore inside `exclusive()`, say) can
call another that takes it again. A caller that cannot get the lock within `lock_timeout` gets
`WarehouseBusy` with a Chinese message, never a corrupt file.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import duckdb
from filelock import FileLock, Timeout

from schemas.errors import Conflict, PortalError
from warehouse.faults import checkpoint

# Seconds a caller waits for the warehouse before giving up; a load takes well under a second.
DEFAULT_LOCK_TIMEOUT = 30.0


class WarehouseError(PortalError):
    """A fault of the warehouse itself, with a message a person can act on (Chinese)."""


class WarehouseBusy(WarehouseError, Conflict):
    """Another program or session held the warehouse for longer than the bounded wait."""


class WarehouseTooNew(WarehouseError):
    pass


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every migration shipped, in order."""
    found = []
    for entry in resources.files("warehouse.migrations").iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    return sorted(found)


_MIGRATIONS = migrations()
SCHEMA_VERSION = max(v for v, _, _ in _MIGRATIONS)

_locks: dict[str, tuple[threading.RLock, FileLock]] = {}
_locks_guard = threading.Lock()


def _process_locks(path: Path, lock_path: Path) -> tuple[threading.RLock, FileLock]:
    """One thread lock and one file lock per warehouse file in this process. The FileLock must be
    the same object for every caller: its count of nested holds is per object (and per thread),
    and a second object would wait for the first's flock like another process does."""
    key = str(path.resolve())
    with _locks_guard:
        if key not in _locks:
            _locks[key] = (threading.RLock(), FileLock(lock_path, thread_local=True))
        return _locks[key]


def _applied(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(highest version, number of versions) recorded; (0, 0) for a file never migrated.
    Reads the table first and lists the catalog only when that fails: a catalog listing costs
    ~12 ms, a third of every open. (A missing table may fail as a Python replacement scan.)"""
    try:
        highest, count = con.execute("SELECT max(version), count(*) FROM schema_version").fetchall()[0]
    except duckdb.Error:
        has_table = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = 'schema_version'"
        ).fetchall()[0][0]
        if has_table:
            raise
        return 0, 0
    return highest or 0, count


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    return _applied(con)[0]


def migrate(con: duckdb.DuckDBPyConnection, target: int | None = None) -> int:
    """Bring the schema up to `target` (default: the newest), one transaction per migration."""
    target = SCHEMA_VERSION if target is None else target
    current, count = _applied(con)
    if current > SCHEMA_VERSION:
        raise WarehouseTooNew(
            f"数据仓库的结构版本为 {current},高于本程序支持的 {SCHEMA_VERSION}。"
            "请升级平台程序后再打开,切勿用旧版本程序写入。"
        )
    if current == target and count == len(_MIGRATIONS):
        return current
    if current == 0:
        con.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)"
        )
    applied = (
        {r[0] for r in con.execute("SELECT version FROM schema_version").fetchall()} if current else set()
    )
    for version, name, sql in _MIGRATIONS:
        if version not in applied and version <= target:
            with transaction(con):
                con.execute(sql)  # DuckDB runs a script of several statements as it is
                con.execute("INSERT INTO schema_version VALUES (?, ?, now())", [version, name])
                checkpoint(f"migrate.{version:04d}.before_commit")
            checkpoint(f"migrate.{version:04d}.committed")
    return schema_version(con)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN … COMMIT, or ROLLBACK and re-raise: DuckDB's commit after a failed statement stores nothing."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


class Warehouse:
    """A DuckDB file under PORTAL_HOME; every use is a short `with wh.connect() as con:`."""

    def __init__(self, path: str | os.PathLike, lock_timeout: float = DEFAULT_LOCK_TIMEOUT):
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self._held = threading.local()  # this thread's connection while inside `session()`

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    @property
    def restore_marker(self) -> Path:
        """Present while `portal restore` swaps files in (and after a restore that was killed)."""
        return self.path.with_name(self.path.name + ".restoring")

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """The warehouse to ourselves without a connection: for copying or replacing its files."""
        with self._locked():
            yield

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """The thread lock, then the file lock; both re-entrant within a thread, both bounded."""
        tlock, flock = _process_locks(self.path, self.lock_path)
        deadline = time.monotonic() + self.lock_timeout  # one bound for both waits
        if not tlock.acquire(timeout=self.lock_timeout):
            raise WarehouseBusy(f"数据仓库正忙({self.lock_timeout:.0f} 秒内未能获得访问权),请稍后重试。")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                flock.acquire(timeout=max(0.0, deadline - time.monotonic()))
            except Timeout:
                raise WarehouseBusy(
                    f"数据仓库正被另一个程序使用({self.lock_timeout:.0f} 秒内未释放),请稍后重试。"
                ) from None
            try:
                yield
            finally:
                flock.release()
        finally:
            tlock.release()

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """An exclusive connection, migrated to the current schema, closed on exit."""
        held = getattr(self._held, "con", None)
        if held is not None:
            yield held
            return
        with self._locked():
            if self.restore_marker.exists():
                raise WarehouseError(
                    f"数据仓库 {self.path} 正在从备份恢复,或上次恢复被中断。"
                    "请等待恢复完成;若恢复已中断,请重新运行 portal restore(会先还原原数据)。"
                )
            con = self._open()
            try:
                migrate(con)
                yield con
            finally:
                con.close()

    def _open(self) -> duckdb.DuckDBPyConnection:
        """Connect, retrying while a program outside our lock (a DuckDB shell, say) holds the file."""
        deadline = time.monotonic() + self.lock_timeout
        while True:
            try:
                return duckdb.connect(str(self.path))
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower():
                    raise WarehouseError(f"无法打开数据仓库 {self.path}:{exc}") from exc
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(
                        f"无法打开数据仓库 {self.path}:文件被其他程序占用"
                        f"({self.lock_timeout:.0f} 秒内未释放),请稍后重试。({exc})"
                    ) from exc
                time.sleep(0.1)

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self.connect() as con:
            with transaction(con):
                yield con
            checkpoint("warehouse.committed")  # committed (in the WAL), connection not yet closed

    @contextmanager
    def session(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Hold one connection (and the locks) for a run of operations in this thread: every
        `connect()`/`transaction()` inside reuses it. For bulk jobs such as the demo fill, where
        opening and closing the file for each of hundreds of small operations (~80 ms each) would
        dominate; other threads and processes wait for the whole run, so keep it to batch work."""
        if getattr(self._held, "con", None) is not None:
            yield self._held.con
            return
        with self.connect() as con:
            self._held.con = con
            try:
                yield con
            finally:
                self._held.con = None

    def exists(self) -> bool:
        return self.path.exists()
