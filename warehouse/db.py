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
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from importlib import resources
from pathlib import Path

import duckdb
from filelock import FileLock, Timeout

from schemas.errors import Conflict, PortalError
from warehouse.faults import checkpoint

# Seconds a caller waits for the warehouse before giving up; a load takes well under a second.
DEFAULT_LOCK_TIMEOUT = 30.0
# A DuckDB file starts with three 4 KiB headers (one main, two alternating database headers);
# block n follows at FILE_HEADERS_BYTES + n × block_size, so a whole file holds every block it uses.
FILE_HEADERS_BYTES = 3 * 4096
# What DuckDB says when a block it needs is beyond the end of the file or fails its checksum.
_DAMAGE_SIGNS = ("could not read enough bytes", "corrupt database file", "checksum")
# How many backups a "missing or damaged warehouse" message names (newest first).
BACKUPS_NAMED = 5


class WarehouseError(PortalError):
    """A fault of the warehouse itself, with a message a person can act on (Chinese)."""


class WarehouseBusy(WarehouseError, Conflict):
    """Another program or session held the warehouse for longer than the bounded wait."""


class WarehouseTooNew(WarehouseError):
    pass


class WarehouseMissing(WarehouseError):
    """No warehouse file where one should be: only `portal init` and `portal restore` create it."""


class WarehouseCorrupt(WarehouseError):
    """The file is there but is not a whole DuckDB database (truncated, overwritten, damaged)."""


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


_held: dict[str, threading.local] = {}


def _thread_state(path: Path) -> threading.local:
    key = str(path.resolve())
    with _locks_guard:
        return _held.setdefault(key, threading.local())


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
                _fill_derived(con, version)
                con.execute("INSERT INTO schema_version VALUES (?, ?, now())", [version, name])
                checkpoint(f"migrate.{version:04d}.before_commit")
            checkpoint(f"migrate.{version:04d}.committed")
    return schema_version(con)


def _fill_derived(con: duckdb.DuckDBPyConnection, version: int) -> None:
    """Fill a table a migration adds that is derived from others, from its one definition (a macro
    of warehouse/sql), in the migration's own transaction."""
    if version in (18, 19, 20):
        from warehouse import approved  # late: approved imports the views, which need no migration

        if version == 18:  # the table as 0018 made it; 0020 adds the cell and refills it
            approved.rebuild(con, ["approved_values"], approved.COLUMNS_0018)
        else:
            approved.rebuild(con, ["approved_tasks" if version == 19 else "approved_values"])


def flush_wal(con: duckdb.DuckDBPyConnection) -> None:
    """Write the write-ahead log into the database file (DuckDB's CHECKPOINT), so the file alone is whole."""
    con.execute("CHECKPOINT")


def has_rows(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether any table other than schema_version and portal_macros (the macros' digest) holds a
    row (an empty, just-created warehouse has none)."""
    names = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_type = 'BASE TABLE' AND table_name NOT IN ('schema_version', 'portal_macros')"
        ).fetchall()
    ]
    return any(con.execute(f'SELECT count(*) FROM "{n}"').fetchall()[0][0] for n in names)


def damaged(exc: BaseException) -> bool:
    """Whether a DuckDB error means the file itself is damaged (not a bad query, not a lock)."""
    return isinstance(exc, duckdb.Error) and any(sign in str(exc).lower() for sign in _DAMAGE_SIGNS)


def incomplete(con: duckdb.DuckDBPyConnection, path: Path, thorough: bool = False) -> str | None:
    """Why the database file just opened on `con` is not whole (Chinese), or None.

    A truncated file opens (DuckDB reads blocks lazily) and fails on some later query. Compare the
    file's length with the highest block it uses: the catalog's blocks always (<1 ms); with
    `thorough`, every table's too (~100 ms for the demo: for backups and the sign-in page, not for
    every open). Skipped while a write-ahead log is pending: its blocks are not in the file yet."""
    wal = Path(f"{path}.wal")
    if wal.exists() and wal.stat().st_size:
        return None
    try:
        block_size = con.execute("SELECT block_size FROM pragma_database_size()").fetchall()[0][0]
        used = [con.execute("SELECT max(block_id) FROM pragma_metadata_info()").fetchall()[0][0]]
        if thorough:
            tables = con.execute(
                "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database()"
            ).fetchall()
            for schema, table in tables:
                used.append(
                    con.execute(
                        "SELECT max(block_id) FROM pragma_storage_info(?)", [f'"{schema}"."{table}"']
                    ).fetchall()[0][0]
                )
    except duckdb.Error as exc:
        return str(exc)
    highest = max((b for b in used if b is not None and b >= 0), default=-1)
    needed, size = FILE_HEADERS_BYTES + (highest + 1) * block_size, Path(path).stat().st_size
    if size < needed:
        return f"文件只有 {size} 字节，而其中的数据需要至少 {needed} 字节，文件不完整（被截断）"
    return None


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


# Told (path, stamp before, stamp after) when the warehouse's stamp moved without its content
# changing (a connection closed: DuckDB folds the write-ahead log into the file), so whoever keeps
# answers under a stamp (portal.core.readcache) can keep them.
stamp_listeners: list[Callable[[str, tuple, tuple], None]] = []


def stamp_moved(path: Path, before: tuple, after: tuple) -> None:
    if before != after:
        for listener in stamp_listeners:
            listener(str(path), before, after)


_migrated: set[tuple] = set()  # files (path, device, inode, size, mtime) already at SCHEMA_VERSION
# {path: stamp} of each file when last seen holding the current shared macros
# (warehouse.views.install_macros), and when last found whole (`incomplete`): checked again only
# once the file changed (one stamp per file kept, so a long-running server does not collect them).
_macros_current: dict[str, tuple] = {}
_whole: dict[str, tuple] = {}


class Warehouse:
    """A DuckDB file under PORTAL_HOME; every use is a short `with wh.connect() as con:`."""

    def __init__(
        self,
        path: str | os.PathLike,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        backups_dir: str | os.PathLike | None = None,
    ):
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self.backups_dir = Path(backups_dir) if backups_dir else None  # named when the file is gone
        # This thread's connection while inside `session()` or `page_run()`: one per file, shared by
        # every Warehouse object of it (a page opens its own Portal, inside the app's run).
        self._held = _thread_state(self.path)

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    @property
    def restore_marker(self) -> Path:
        """Present while `portal restore` swaps files in (and after a restore that was killed)."""
        return self.path.with_name(self.path.name + ".restoring")

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """The warehouse to ourselves without a connection: for copying or replacing its files.
        A page run's connection (`page_run`) is closed first: a restore must not swap the file
        under it."""
        self.release()
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
    def connect(self, create: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """An exclusive connection, migrated to the current schema, closed on exit.

        Only `create=True` (portal init) makes a new file; otherwise a missing file is
        `WarehouseMissing`, never silently replaced by an empty warehouse."""
        held = getattr(self._held, "con", None)
        if held is not None:
            yield held
            return
        if not create and not self.path.exists():  # before the lock, which would leave a lock file
            self._refuse_missing()
        if getattr(self._held, "run", None) is not None:  # inside page_run(): open once, keep it
            con = self._open_for_run()
            self._held.depth = getattr(self._held, "depth", 0) + 1
            try:
                yield con
            except duckdb.Error as exc:
                if damaged(exc):
                    raise self._corrupt(str(exc)) from exc
                raise
            finally:
                self._held.depth -= 1
            return
        with self._locked():
            self._refuse_restoring()
            con = self.open_unlocked(create=create)
            try:
                self._migrate_once(con)
                yield con
            except duckdb.Error as exc:
                if damaged(exc):  # a block beyond the end of the file, say: a message, not a traceback
                    raise self._corrupt(str(exc)) from exc
                raise
            finally:
                self._close(con)

    def _close(self, con: duckdb.DuckDBPyConnection) -> None:
        """Close (under the lock): a checkpoint may rewrite the file, the content stays the same."""
        before = self.stamp()
        con.close()
        stamp_moved(self.path, before, self.stamp())

    def _migrate_once(self, con: duckdb.DuckDBPyConnection) -> None:
        """`migrate`, unless this very file (path, inode, size and time: a restore or a copy put in
        its place is another file) was already brought to SCHEMA_VERSION in this process."""
        try:
            st = os.stat(self.path)
            key = (str(self.path.resolve()), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
        except OSError:
            key = None
        if (key is None or key not in _migrated) and migrate(con) == SCHEMA_VERSION and key is not None:
            _migrated.add(key)
        self._macros_once(con)

    def _macros_once(self, con: duckdb.DuckDBPyConnection) -> None:
        """The shared macros, stored in the file, checked once per stamp of the file (~1 ms) instead
        of defined on every connection (~35 ms); installed when the file's are older or missing."""
        from warehouse import views  # late: views imports the warehouse modules

        path = str(self.path.resolve())
        if _macros_current.get(path) != self.stamp():
            views.install_macros(con)
            _macros_current[path] = self.stamp()  # after any write the install made
        views.macros_ready(con)

    def _open_for_run(self) -> duckdb.DuckDBPyConnection:
        """The page run's connection, opened (with the locks taken) at its first use."""
        if getattr(self._held, "con", None) is not None:
            return self._held.con
        run: ExitStack = self._held.run
        run.enter_context(self._locked())
        self._refuse_restoring()
        con = self.open_unlocked()
        run.callback(self._close, con)
        try:
            self._migrate_once(con)
        except BaseException:
            run.close()
            raise
        self._held.con = con
        return con

    @contextmanager
    def page_run(self) -> Iterator[None]:
        """One connection for a page run, opened at the first read and closed at the end, instead of
        one open (~30-100 ms of CPU) per query. Other sessions wait for the run (at most a page,
        ~1 s); work that takes long without the warehouse (validating an upload) calls `release()`
        first, and `exclusive()` does so itself. Nested in a `session()` it just uses that one."""
        if getattr(self._held, "con", None) is not None or getattr(self._held, "run", None) is not None:
            yield
            return
        self._held.run = ExitStack()
        try:
            yield
        finally:
            self.release()

    def release(self) -> None:
        """End this thread's page-run connection (if any) and go back to one open per operation for
        the rest of the run: before long work that does not need the warehouse, so others get it."""
        run: ExitStack | None = getattr(self._held, "run", None)
        if run is None or getattr(self._held, "depth", 0):  # in use by a caller up the stack: keep it
            return
        self._held.run = None
        self._held.con = None
        run.close()

    def _refuse_restoring(self) -> None:
        if self.restore_marker.exists():
            raise WarehouseError(
                f"数据仓库 {self.path} 正在从备份恢复，或上次恢复被中断。"
                "请等待恢复完成；若恢复已中断，请重新运行 portal restore（会先还原原数据）。"
            )

    def _refuse_missing(self) -> None:
        self._refuse_restoring()  # a restore moves the file aside for a moment: say so instead
        raise WarehouseMissing(
            f"找不到数据仓库文件 {self.path}。平台不会自动新建空的数据仓库（以免把丢失的数据当作“没有数据”）；"
            f"{self._backups_hint()}"
        )

    def _backups_hint(self) -> str:
        """What to do next, naming the backups there are (zips and data kept by earlier restores)."""
        folder = self.backups_dir
        found = []
        if folder is not None and folder.is_dir():
            found = [
                p
                for p in folder.iterdir()
                if not p.name.startswith(".")
                and ((p.is_file() and p.suffix == ".zip") or (p.is_dir() and (p / self.path.name).is_file()))
            ]
            found.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        if not found:
            where = f"（{folder} 中没有）" if folder is not None else ""
            return (
                f"没有找到可用的备份{where}。如有别处保存的备份，请用 portal restore 备份文件.zip --force 恢复；"
                "确实要从头开始，请运行 portal init。"
            )
        named = "、".join(
            p.name + ("（上次恢复前的原数据）" if p.is_dir() else "") for p in found[:BACKUPS_NAMED]
        )
        more = f"等 {len(found)} 份" if len(found) > BACKUPS_NAMED else f"共 {len(found)} 份"
        return (
            f"{folder} 中的备份（{more}，最新的在前）：{named}。"
            "请用 portal restore 备份文件.zip --force 恢复（上次恢复前的原数据可直接复制回来）；"
            "确实要从头开始，请运行 portal init。"
        )

    def open_unlocked(self, create: bool = False, thorough: bool = False) -> duckdb.DuckDBPyConnection:
        """A connection to a whole database file (not migrated): for callers already inside
        `exclusive()`; `connect()` is the way for everyone else. Retries while a program outside our
        lock (a DuckDB shell, say) holds the file; a missing or damaged file is refused."""
        if not create and not self.path.exists():
            self._refuse_missing()
        deadline = time.monotonic() + self.lock_timeout
        while True:
            try:
                con = duckdb.connect(str(self.path))
                break
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower():
                    raise self._corrupt(str(exc)) from exc
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(
                        f"无法打开数据仓库 {self.path}:文件被其他程序占用"
                        f"({self.lock_timeout:.0f} 秒内未释放),请稍后重试。({exc})"
                    ) from exc
                time.sleep(0.1)
            except duckdb.Error as exc:
                raise self._corrupt(str(exc)) from exc
        try:
            self._check_whole(con, thorough)
        except BaseException:
            con.close()
            raise
        return con

    def _check_whole(self, con: duckdb.DuckDBPyConnection, thorough: bool = False) -> None:
        """`incomplete`, once per stamp of the file for the quick check (a file that changes gets a
        new stamp: truncated, replaced, written)."""
        path, stamp = str(self.path.resolve()), self.stamp()
        if not thorough and _whole.get(path) == stamp:
            return
        problem = incomplete(con, self.path, thorough)
        if problem:
            raise self._corrupt(problem)
        _whole[path] = stamp

    def _corrupt(self, detail: str) -> WarehouseCorrupt:
        return WarehouseCorrupt(
            f"数据仓库文件 {self.path} 已损坏或不完整，无法打开（{detail}）。请勿再向其中写入；{self._backups_hint()}"
        )

    def check(self) -> None:
        """Open the warehouse and check every table's blocks are in the file (~100 ms); raises
        `WarehouseMissing`, `WarehouseCorrupt`, … For backups and the sign-in page."""
        if not self.path.exists():
            self._refuse_missing()
        with self._locked():
            self._refuse_restoring()
            self.open_unlocked(thorough=True).close()

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
            if getattr(self._held, "run", None) is not None:  # the page run's connection: it stays
                yield con
                return
            self._held.con = con
            try:
                yield con
            finally:
                self._held.con = None

    def stamp(self) -> tuple:
        """What changes whenever the warehouse does, read without opening it (~10 µs): the
        database file's and its write-ahead log's inode, size and times. A read leaves them as
        they are; a commit (here or in another process) grows the log, a checkpoint rewrites the
        file, a restore puts another file in place."""
        marks: list = [self.restore_marker.exists()]
        for path in (self.path, Path(f"{self.path}.wal")):
            try:
                st = os.stat(path)
                marks.append((st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
            except OSError:
                marks.append(None)
        return tuple(marks)

    def exists(self) -> bool:
        return self.path.exists()
