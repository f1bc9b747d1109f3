"""Opening the DuckDB warehouse: migrations, one writer at a time, transactions that really commit.

DuckDB lets one process hold the file. In a process, one database instance is shared by every run
in flight (a page run, an operation, a session: each its own cursor, reading side by side, DuckDB's
MVCC keeping each query's view whole); writes are serialised by an in-process write lock. The
instance holds the file lock against other processes (the CLI beside `portal serve`) and is closed
`DEFAULT_LINGER` seconds after the last run in flight ends, or at once when another process queues
for the file (the turnstile lock).
`exclusive()` (restore, backup) waits for every run to end and the instance to close. Holds are
re-entrant within a thread. A caller that cannot get the warehouse within `lock_timeout` gets
`WarehouseBusy` with a Chinese message, never a corrupt file.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import duckdb
from filelock import FileLock, Timeout

from schemas.errors import Conflict, PortalError
from warehouse.faults import checkpoint

try:
    import fcntl
except ImportError:  # Windows: no probe; the instance still closes when the runs end
    fcntl = None  # type: ignore[assignment]

# Seconds a caller waits for the warehouse before giving up; a load takes well under a second.
DEFAULT_LOCK_TIMEOUT = 30.0
# Seconds the shared instance stays open once the last run in flight ends, so the next page run,
# command step or API call does not open and close the file again (~45 ms at province scale, the
# stored macros checked, the file's pages read anew). Another process queueing for the file,
# `exclusive()` or the end of the process closes it at once. 0: close when idle (tests that change
# the file behind the portal's back say so).
DEFAULT_LINGER = 2.0
# How often an idle instance looks whether another process queues for the file (~20 µs a look).
LINGER_POLL = 0.1
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

_shared_guard = threading.Lock()
_shared: dict[str, _Shared] = {}
# The cursors (and private connections) handed out, by id: `transaction(con)` finds its warehouse's
# write lock and data version through them.
_owners: dict[int, _Shared] = {}


def _busy_here(timeout: float) -> WarehouseBusy:
    return WarehouseBusy(f"数据仓库正忙（{timeout:.0f} 秒内未能获得访问权），请稍后重试。")


def _busy_elsewhere(timeout: float) -> WarehouseBusy:
    return WarehouseBusy(f"数据仓库正被另一个程序使用（{timeout:.0f} 秒内未释放），请稍后重试。")


class _Shared:
    """This process's hold on one warehouse file: the one DuckDB instance shared by the runs in
    flight, how many there are, the file lock the instance (or `exclusive()`) holds, the write lock,
    and the data version.

    Other processes queue on a turnstile file before waiting for the file lock; a run that finds the
    turnstile held admits nobody new ("draining"), so the instance closes once the runs in flight
    end and the other process gets the file within its bounded wait."""

    def __init__(self, path: Path, lock_path: Path):
        self.path = path
        self.cond = threading.Condition(threading.Lock())
        self.con: duckdb.DuckDBPyConnection | None = None
        self.users = 0  # cursors handed out
        # Cursors given back while the instance stays open, handed out again: a cursor keeps the
        # session's TEMP macros (warehouse/views.py), ~20-40 ms to define on a fresh one.
        self.idle: list[duckdb.DuckDBPyConnection] = []
        self.opening = False
        self.draining = False
        self.owner: int | None = None  # the thread inside exclusive()
        self.owner_depth = 0
        self.want_exclusive = 0  # threads waiting for exclusive(): admit nobody new meanwhile
        self.write = threading.RLock()
        self.lock_timeout = DEFAULT_LOCK_TIMEOUT  # the latest Warehouse object's, for the write lock
        # Not thread-local: the instance's hold is taken by the run that opens it and given back by
        # the one that closes it, possibly another thread. One object per file and process: a second
        # one would wait for the first's flock like another process does.
        self.flock = FileLock(lock_path, thread_local=False)
        self.turnstile_path = lock_path.with_name(lock_path.name + ".queue")
        self.turnstile = FileLock(self.turnstile_path, thread_local=False)
        # The data version: bumped by every commit not declared bookkeeping and by every change of
        # the file's stamp this process did not make itself (another process, a restore).
        self.version = 0
        self.seen: tuple | None = None  # the stamp the version was last settled at
        self.writing = 0  # transactions in flight here (their commit is settled by them)
        # An idle instance kept open (`DEFAULT_LINGER`): since when, the file's stamp then (a file
        # changed or replaced behind our back meanwhile is opened anew), and the thread closing it.
        self.linger = DEFAULT_LINGER
        self.idle_since = 0.0
        self.idle_stamp: tuple | None = None
        self.closer: threading.Thread | None = None

    def close_instance(self) -> None:
        """Close the idle shared instance and give the file lock back (under the condition's lock).
        Closing checkpoints: the stamp moves, the content does not (the data version stays)."""
        self.draining = False
        if self.con is None:
            return
        con, self.con = self.con, None
        idle, self.idle = self.idle, []
        try:
            for cur in idle:
                cur.close()
            self.rewritten(con.close)
        finally:
            self.flock.release()

    def rewritten(self, fold: Callable[[], object]) -> tuple:
        """Run `fold` (a close or a checkpoint: DuckDB folds the log into the file, the content
        stays) and keep the data version across the stamp's move (under the condition's lock);
        the stamp after it."""
        before = _stamp_of(self.path)
        fold()
        after = _stamp_of(self.path)
        if self.seen == before:
            self.seen = after
        stamp_moved(self.path, before, after)
        return after

    def wanted_closed(self) -> bool:
        """Whether an idle instance must close now rather than linger (under the condition's lock):
        lingering is off, or another process, `exclusive()` or a draining run waits for the file."""
        return (
            self.linger <= 0
            or self.draining
            or self.want_exclusive
            or self.owner is not None
            or self.other_waits()
        )

    def idle_or_close(self) -> None:
        """The last run in flight has ended (under the condition's lock): keep the instance open
        for `linger` seconds, its log folded into the file first (the file stays whole for a copy),
        or close it now when someone waits for the file or lingering is off."""
        if self.con is None or self.wanted_closed():
            self.close_instance()
            return
        try:
            after = self.rewritten(lambda: self.con.execute("CHECKPOINT"))
        except duckdb.Error:
            self.close_instance()  # a checkpoint refused (a transaction left open): close as before
            return
        self.idle_since, self.idle_stamp = time.monotonic(), after
        if self.closer is None:
            self.closer = threading.Thread(target=self._close_when_due, name="warehouse-linger", daemon=True)
            self.closer.start()

    def _close_when_due(self) -> None:
        """The closer of an idle instance: closes it once `linger` has passed since the last run
        ended, or at once when another process queues or `exclusive()` waits; ends when the
        instance is closed or in use again (the next run's end starts another)."""
        with self.cond:
            try:
                while self.con is not None and not self.users and not self.opening:
                    if time.monotonic() - self.idle_since >= self.linger or self.wanted_closed():
                        self.close_instance()
                        self.cond.notify_all()
                        break
                    self.cond.wait(LINGER_POLL)
            finally:
                self.closer = None

    def stale(self) -> bool:
        """Whether the idle instance's file changed since it went idle (a restore by hand, a copy
        put in its place, a test's own connection): such an instance is closed and opened anew."""
        return self.idle_stamp is not None and _stamp_of(self.path) != self.idle_stamp

    def other_waits(self) -> bool:
        """Whether another process holds the turnstile, i.e. queues for the file (~20 µs)."""
        if fcntl is None:
            return False
        try:
            fd = os.open(self.turnstile_path, os.O_RDONLY)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        finally:
            os.close(fd)  # closing drops the probe's own lock
        return False

    def take_file(self, parent: Path, deadline: float, timeout: float) -> None:
        """The file lock, queueing on the turnstile first so a process holding the file sees us."""
        parent.mkdir(parents=True, exist_ok=True)
        try:
            self.turnstile.acquire(timeout=max(0.0, deadline - time.monotonic()))
        except Timeout:
            raise _busy_elsewhere(timeout) from None
        try:
            self.flock.acquire(timeout=max(0.0, deadline - time.monotonic()))
        except Timeout:
            raise _busy_elsewhere(timeout) from None
        finally:
            self.turnstile.release()


# Cursors kept for reuse per instance (about the runs in flight at once on a busy day).
MAX_IDLE_CURSORS = 16


def _clean(cur: duckdb.DuckDBPyConnection) -> bool:
    """Whether a cursor given back is fit to hand out again: no transaction left open on it (a
    reader must not get an old snapshot). Only `transaction()` begins one here."""
    return id(cur) not in _open_transactions


def _settled(cur: duckdb.DuckDBPyConnection) -> bool:
    """Drop what a caller left unread (a `fetchone()` of several rows): the next run handed this
    cursor would be refused every query until it was read to the end. False: close it instead."""
    try:
        cur.abort()
    except duckdb.Error:
        return False
    return True


_open_transactions: set[int] = set()  # connections between BEGIN and a COMMIT or ROLLBACK that worked


def in_transaction(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether `con` is inside `transaction()`: another cursor would not see what it wrote."""
    return id(con) in _open_transactions


@contextmanager
def side_by_side(
    con: duckdb.DuckDBPyConnection,
    workers: int = 2,
    cursor: Callable[
        [duckdb.DuckDBPyConnection], duckdb.DuckDBPyConnection
    ] = duckdb.DuckDBPyConnection.cursor,
) -> Iterator[Callable[..., Future]]:
    """`run(fn, *args)` starts fn(cursor, *args) in a worker thread on a new cursor of `con`'s
    database, beside the caller's work on `con`: DuckDB and Polars release the GIL, so large reads
    overlap on the second core (issue 23). Each query reads the committed data, as it would on
    `con`; inside a transaction another cursor would not see its writes, so there each call runs at
    once as fn(con, *args). A call's error is raised by its result(). Every cursor is closed on the
    way out, after every call has ended. `cursor(con)` makes each cursor (views.cursor_of marks it
    as holding the macros)."""
    if in_transaction(con):
        yield lambda fn, *args: _at_once(fn, con, *args)
        return
    cursors: list[duckdb.DuckDBPyConnection] = []
    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="warehouse-beside") as pool:

            def run(fn: Callable, *args) -> Future:
                cursors.append(cursor(con))  # made on the caller's thread, as `con` is used
                return pool.submit(fn, cursors[-1], *args)

            yield run
    finally:
        for cur in cursors:
            cur.close()


def _at_once(fn: Callable, *args) -> Future:
    """fn(*args) run now, as a settled Future: its result, or its error raised by result()."""
    done: Future = Future()
    try:
        done.set_result(fn(*args))
    except BaseException as exc:  # raised where the caller asks for the result, as a worker's is
        done.set_exception(exc)
    return done


@atexit.register
def _close_idle_instances() -> None:
    """At exit, close the instances still lingering (their file lock and a clean close)."""
    with _shared_guard:
        held = list(_shared.values())
    for shared in held:
        with shared.cond:
            if shared.con is not None and not shared.users and shared.owner is None:
                shared.close_instance()


def _shared_of(path: Path, lock_path: Path) -> _Shared:
    key = str(path.resolve())
    with _shared_guard:
        if key not in _shared:
            _shared[key] = _Shared(path, lock_path)
        return _shared[key]


_held: dict[str, threading.local] = {}


def _thread_state(path: Path) -> threading.local:
    key = str(path.resolve())
    with _shared_guard:
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
            f"数据仓库的结构版本为 {current}，高于本程序支持的 {SCHEMA_VERSION}。"
            "请升级平台程序后再打开，切勿用旧版本程序写入。"
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
    from warehouse import approved, assessment_facts  # late: they import the views, which need no migration

    if version == 18:  # the table as 0018 made it; 0020 adds the cell and refills it
        approved.rebuild(con, ["approved_values"], approved.COLUMNS_0018)
    elif version in (19, 20):
        approved.rebuild(con, ["approved_tasks" if version == 19 else "approved_values"])
    elif version == 21:  # both, in round order
        approved.rebuild(con)
    elif version == assessment_facts.MIGRATION:
        assessment_facts.rebuild(con)


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
def transaction(
    con: duckdb.DuckDBPyConnection, bookkeeping: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN … COMMIT, or ROLLBACK and re-raise: DuckDB's commit after a failed statement stores nothing.

    On a warehouse's connection it holds the process's write lock from BEGIN to COMMIT (writers one
    at a time, readers beside them) and settles the data version: `bookkeeping=True` says the
    transaction writes only what no kept page answer reads (sessions, sign-in counts, their audit
    lines), so page caches stay; every other commit is a data change and drops them."""
    shared = _owners.get(id(con))
    if shared is None:  # a connection of our own making (a backup's copy, a test)
        with _plain_transaction(con):
            yield con
        return
    with _writing(shared, bookkeeping) as wrote:
        with _plain_transaction(con):
            yield con
        wrote.append(True)


@contextmanager
def _plain_transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    con.execute("BEGIN TRANSACTION")
    _open_transactions.add(id(con))
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        _open_transactions.discard(id(con))
        raise
    con.execute("COMMIT")
    _open_transactions.discard(id(con))


_written = threading.local()  # .stamps: {id(_Shared): the stamp after this thread's last transaction}


@contextmanager
def _writing(shared: _Shared, bookkeeping: bool) -> Iterator[list]:
    """The write lock around one transaction, with the data version settled before and after: at
    BEGIN the stamp holds every earlier commit (a change not ours counts as data); after COMMIT the
    move is ours alone (no other writer here, no other process while we hold the file)."""
    path = shared.path
    if not shared.write.acquire(timeout=shared.lock_timeout):  # bounded like every other wait
        raise _busy_here(shared.lock_timeout)
    try:
        with shared.cond:
            before = _stamp_of(path)
            if before != shared.seen:
                shared.version += 1
                shared.seen = before
            shared.writing += 1
        wrote: list = []
        try:
            yield wrote
        finally:
            with shared.cond:
                after = _stamp_of(path)
                if wrote and not bookkeeping:
                    shared.version += 1
                shared.seen = after
                shared.writing -= 1
            if not hasattr(_written, "stamps"):
                _written.stamps = {}
            _written.stamps[id(shared)] = after
    finally:
        shared.write.release()


# Told (path, stamp before, stamp after) when the warehouse's stamp moved without its content
# changing (a connection closed: DuckDB folds the write-ahead log into the file), so whoever keeps
# answers under a stamp (portal.core.readcache) can keep them.
stamp_listeners: list[Callable[[str, tuple, tuple], None]] = []


def stamp_moved(path: Path, before: tuple, after: tuple) -> None:
    if before != after:
        for listener in stamp_listeners:
            listener(str(path), before, after)


# {path: stamp} of each file when last brought to SCHEMA_VERSION (the database file's own device,
# inode, size and time: a restore or a copy put in its place is another file), when last seen
# holding the current shared macros (warehouse.views.install_macros), and when last found whole
# (`incomplete`): checked again only once the file changed (one stamp per file kept, so a
# long-running server does not collect them).
_migrated: dict[str, tuple] = {}
_macros_current: dict[str, tuple] = {}
_whole: dict[str, tuple] = {}


class Warehouse:
    """A DuckDB file under PORTAL_HOME; every use is a short `with wh.connect() as con:`."""

    def __init__(
        self,
        path: str | os.PathLike,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        backups_dir: str | os.PathLike | None = None,
        linger: float | None = None,
    ):
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self.backups_dir = Path(backups_dir) if backups_dir else None  # named when the file is gone
        # This thread's cursor while inside `session()`, `page_run()` or an operation: one per file,
        # shared by every Warehouse object of it (a page opens its own Portal, inside the app's run).
        self._held = _thread_state(self.path)
        self._shared = _shared_of(self.path, self.lock_path)
        self._shared.lock_timeout = lock_timeout
        if linger is not None:  # one setting per file and process, kept until another says otherwise
            self._shared.linger = linger

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
        This thread's page-run cursor is given back first, every other run in flight is waited for
        and the shared instance closed: a restore must not swap the file under it."""
        shared, me = self._shared, threading.get_ident()
        if shared.owner == me:
            shared.owner_depth += 1
            try:
                yield
            finally:
                shared.owner_depth -= 1
            return
        self.release()
        deadline = time.monotonic() + self.lock_timeout  # one bound for both waits
        with shared.cond:
            shared.want_exclusive += 1
            try:
                while shared.owner is not None or shared.users or shared.opening:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise _busy_here(self.lock_timeout)
                    shared.cond.wait(left)
                shared.close_instance()  # idle: nothing in flight, close it now
                shared.owner, shared.owner_depth = me, 1
            finally:
                shared.want_exclusive -= 1
                shared.cond.notify_all()
        try:
            shared.take_file(self.path.parent, deadline, self.lock_timeout)
        except BaseException:
            with shared.cond:
                shared.owner, shared.owner_depth = None, 0
                shared.cond.notify_all()
            raise
        try:
            yield
        finally:
            shared.flock.release()
            with shared.cond:
                shared.owner, shared.owner_depth = None, 0
                shared.cond.notify_all()

    def _join(self, create: bool = False) -> duckdb.DuckDBPyConnection:
        """A cursor on this process's shared instance (opened, with the file lock, by the first run
        in flight); bounded by `lock_timeout`. Nobody new is let in while `exclusive()` waits or
        another process queues for the file, so the instance closes and they get it."""
        shared = self._shared
        deadline = time.monotonic() + self.lock_timeout
        with shared.cond:
            while True:
                if shared.owner is None and not (shared.want_exclusive or shared.opening or shared.draining):
                    if shared.con is not None and not shared.users and shared.stale():
                        shared.close_instance()  # changed behind our back while idle: open it anew
                    if shared.con is None:
                        shared.opening = True  # we open it; others wait for us
                        break
                    if not shared.other_waits():
                        shared.users += 1
                        cur = self._cursor(shared.con)
                        return cur
                    shared.draining = True  # another process queues: let the runs in flight end
                    if not shared.users:
                        shared.close_instance()
                        continue
                left = deadline - time.monotonic()
                if left <= 0:
                    raise _busy_here(self.lock_timeout)
                shared.cond.wait(left)
        try:
            shared.take_file(self.path.parent, deadline, self.lock_timeout)
            try:
                self._refuse_restoring()
                con = self.open_unlocked(create=create)
                try:
                    self._migrate_once(con)
                except BaseException:
                    con.close()
                    raise
            except BaseException:
                shared.flock.release()
                raise
        except BaseException:
            with shared.cond:
                shared.opening = False
                shared.cond.notify_all()
            raise
        with shared.cond:
            shared.con, shared.opening, shared.idle_stamp = con, False, None
            shared.users += 1
            shared.cond.notify_all()
            return self._cursor(con)

    def _cursor(self, con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
        """A cursor of the shared instance, a kept one if any (under the condition's lock)."""
        from warehouse import views  # late: views imports the warehouse modules

        cur = self._shared.idle.pop() if self._shared.idle else con.cursor()
        _owners[id(cur)] = self._shared
        views.macros_ready(cur)  # the instance's stored macros were checked when it was opened
        return cur

    def _leave(self, cur: duckdb.DuckDBPyConnection) -> None:
        """Give a cursor back; the last run in flight closes the instance and the file lock."""
        shared = self._shared
        with shared.cond:
            _owners.pop(id(cur), None)
            try:
                shared.users -= 1
                keep = shared.users or shared.linger > 0  # the last one too while the instance lingers
                if keep and len(shared.idle) < MAX_IDLE_CURSORS and _clean(cur) and _settled(cur):
                    shared.idle.append(cur)
                else:
                    _open_transactions.discard(id(cur))
                    cur.close()
            finally:
                if not shared.users:
                    shared.idle_or_close()
                shared.cond.notify_all()

    @contextmanager
    def connect(self, create: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection (a cursor of the process's shared instance), migrated to the current schema.

        Outside a page run or session this is one operation: it holds the write lock throughout (a
        read and the write it decides stay together, as they always did); inside a page run the
        run's cursor is used and only transactions take the write lock, so page runs read side by
        side. Only `create=True` (portal init) makes a new file; otherwise a missing file is
        `WarehouseMissing`, never silently replaced by an empty warehouse."""
        held = getattr(self._held, "con", None)
        if held is not None:
            self._held.depth = getattr(self._held, "depth", 0) + 1
            try:
                yield held
            except duckdb.Error as exc:
                if damaged(exc):
                    raise self._corrupt(str(exc)) from exc
                raise
            finally:
                self._held.depth -= 1
            return
        if not create and not self.path.exists():  # before the lock, which would leave a lock file
            self._refuse_missing()
        if self._shared.owner == threading.get_ident():  # inside exclusive(): a connection of our own
            with self._private(create) as con:
                yield con
            return
        if getattr(self._held, "run", False):  # inside page_run(): join once, keep the cursor
            self._held.con = self._join()
            with self.connect() as con:
                yield con
            return
        cur = self._join(create)
        try:
            if not self._shared.write.acquire(timeout=self.lock_timeout):
                raise _busy_here(self.lock_timeout)
            try:
                self._held.con = cur
                try:
                    with self.connect() as con:
                        yield con
                finally:
                    self._held.con = None
            finally:
                self._shared.write.release()
        finally:
            self._leave(cur)

    @contextmanager
    def _private(self, create: bool) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection opened and closed inside `exclusive()` (the file lock is ours already)."""
        self._refuse_restoring()
        con = self.open_unlocked(create=create)
        _owners[id(con)] = self._shared
        self._held.con = con
        try:
            self._migrate_once(con)
            with self.connect() as same:
                yield same
        finally:
            self._held.con = None
            _owners.pop(id(con), None)
            self._close(con)

    def _close(self, con: duckdb.DuckDBPyConnection) -> None:
        """Close (holding the file): a checkpoint may rewrite the file, the content stays the same."""
        with self._shared.cond:
            self._shared.rewritten(con.close)

    def _migrate_once(self, con: duckdb.DuckDBPyConnection) -> None:
        """`migrate`, unless this very file (path, inode, size and time: a restore or a copy put in
        its place is another file) was already brought to SCHEMA_VERSION in this process."""
        path = str(self.path.resolve())
        try:
            st = os.stat(self.path)
            key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
        except OSError:
            key = None
        if (key is None or _migrated.get(path) != key) and migrate(con) == SCHEMA_VERSION and key is not None:
            _migrated[path] = key
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

    @contextmanager
    def page_run(self) -> Iterator[None]:
        """One cursor of the shared instance for a page run, taken at the first read and given back
        at the end, instead of one per query. Page runs of other sessions read beside it (issue
        23); work that takes long without the warehouse (validating an upload) calls `release()`
        first, so another process or a restore is not kept waiting. Nested in a `session()` it
        just uses that one."""
        if getattr(self._held, "con", None) is not None or getattr(self._held, "run", False):
            yield
            return
        self._held.run = True
        try:
            yield
        finally:
            self.release()

    def release(self) -> None:
        """Give back this thread's page-run cursor (if any) and go back to one operation at a time
        for the rest of the run: before long work that does not need the warehouse."""
        if not getattr(self._held, "run", False) or getattr(self._held, "depth", 0):
            return  # no run, or its cursor in use by a caller up the stack: keep it
        self._held.run = False
        cur, self._held.con = getattr(self._held, "con", None), None
        if cur is not None:
            self._leave(cur)

    def wanted_elsewhere(self) -> bool:
        """Whether another process queues for the file or `exclusive()` (a backup, a restore) waits
        here (~20 µs): work holding a page-run cursor between its transactions gives it back then."""
        return bool(self._shared.want_exclusive) or self._shared.other_waits()

    def last_commit_stamp(self) -> tuple | None:
        """The stamp right after this thread's last transaction on this warehouse ended (taken
        under the write lock): what that transaction read is the warehouse's at this stamp."""
        return getattr(_written, "stamps", {}).get(id(self._shared))

    def data_version(self) -> tuple:
        """What changes whenever the warehouse's data does, and not for bookkeeping (sessions,
        sign-in counts): the process's count of data commits, settled against the file's stamp
        (~10 µs, without opening DuckDB), so a change by another process or a restore counts too.
        While a transaction of ours is in flight an unsettled stamp gives a one-off value (nothing
        is kept under it)."""
        shared = self._shared
        with shared.cond:
            now = self.stamp()
            if now != shared.seen:
                if shared.writing:
                    return ("unsettled", object())
                shared.version += 1
                shared.seen = now
            return ("data", shared.version)

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
                        f"无法打开数据仓库 {self.path}：文件被其他程序占用"
                        f"（{self.lock_timeout:.0f} 秒内未释放），请稍后重试。（{exc}）"
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
        with self.connect() as con:
            self._check_whole(con, thorough=True)

    @contextmanager
    def beside(self, workers: int = 2) -> Iterator[Callable[..., Future]]:
        """`run(fn, *args)` starts fn(*args) in a worker thread (`side_by_side`), beside the caller's
        own work, with the worker's `connect()` a cursor of its own of this thread's connection (a
        page run's or a session's): for a page's large reads through the services (issue 23: the
        roll-up's two). The workers only read: the caller may hold the write lock, so a transaction
        in a worker is refused. Without a connection held here, or inside a transaction, each call
        runs at once on the caller's thread."""
        con = getattr(self._held, "con", None)
        if con is None or in_transaction(con):
            yield lambda fn, *args: _at_once(fn, *args)
            return

        def on_cursor(cur: duckdb.DuckDBPyConnection, fn: Callable, args: tuple):
            self._held.con, self._held.depth, self._held.beside = cur, 0, True
            try:
                return fn(*args)
            finally:
                self._held.con, self._held.beside = None, False

        with side_by_side(con, workers) as run:
            yield lambda fn, *args: run(on_cursor, fn, args)

    @contextmanager
    def transaction(self, bookkeeping: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A transaction on this thread's connection; `bookkeeping` as for `transaction(con)`."""
        if getattr(self._held, "beside", False):
            raise RuntimeError("a read beside the caller (Warehouse.beside) may not write")
        with self.connect() as con:
            with transaction(con, bookkeeping):
                yield con
            checkpoint("warehouse.committed")  # committed (in the WAL), connection not yet closed

    @contextmanager
    def session(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Hold one connection (and the write lock) for a run of operations in this thread: every
        `connect()`/`transaction()` inside reuses it. For bulk jobs such as the demo fill, where a
        cursor and the write lock taken for each of hundreds of small operations would add up;
        other writers and processes wait for the whole run, so keep it to batch work. Inside a page
        run it is the run's cursor."""
        with self.connect() as con:
            yield con

    def stamp(self) -> tuple:
        """What changes whenever the warehouse does, read without opening it (~10 µs): the
        database file's and its write-ahead log's inode, size and times. A read leaves them as
        they are; a commit (here or in another process) grows the log, a checkpoint rewrites the
        file, a restore puts another file in place. Bookkeeping moves it too: page caches key on
        `data_version()`."""
        return _stamp_of(self.path)

    def exists(self) -> bool:
        return self.path.exists()


def _stamp_of(path: Path) -> tuple:
    marks: list = [path.with_name(path.name + ".restoring").exists()]
    for part in (path, Path(f"{path}.wal")):
        try:
            st = os.stat(part)
            marks.append((st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
        except OSError:
            marks.append(None)
    return tuple(marks)
