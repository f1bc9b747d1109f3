"""Backups of PORTAL_HOME: a consistent snapshot (zip + manifest of checksums) and an all-or-nothing restore.

Backup: under the warehouse lock the database is checkpointed and copied (the only moment other
writers wait; the copy of a file, not a dump); then the copy and the rest of the home go into a
zip outside the lock. Stored uploads need no lock: they are content-addressed and immutable, and
an upload's bytes are stored before its submission commits, so every file the snapshot refers to
is there (a file stored after the snapshot is an orphan, harmless). Left out: `backups/` and
`exports/` (derived, or recursive), the lock file and temp files. secret.key is IN by default:
templates already handed out carry its signature, and a restore onto a new machine without it
would refuse every one of them; the warehouse already holds account password hashes, so the
backup file is secret either way (written 0600). `include_secret=False` leaves it out.

Restore: checksums verified while extracting into a staging folder beside the data, the staged
database opened, then — under the warehouse lock, with a marker that makes every other opener
stop with a Chinese message — each top-level item is swapped in by rename. An error rolls the
renames back; a killed restore is rolled back by the next `portal restore`. The replaced data is
kept under backups/before-restore-<time>/.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import duckdb

from portal.core.context import Portal
from portal.core.errors import PortalError
from portal.core.outcome import Outcome
from portal.core.permissions import require
from warehouse.db import SCHEMA_VERSION, Warehouse
from warehouse.faults import checkpoint

FORMAT = "portal-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DB_NAME = "warehouse.duckdb"
SECRET_NAME = "secret.key"
SKIPPED_DIRS = {"backups", "exports"}  # derived data, or backups of backups
STORED_SUFFIXES = {".xlsx", ".zip", ".docx", ".pdf", ".png", ".jpg", ".jpeg", ".gz"}  # compressed already
CHUNK = 1 << 20

Progress = Callable[[int], None]


class BackupError(PortalError):
    """A refusal or failure with a Chinese message; `usage` marks a wrong request (exit code 2)."""


@dataclass
class BackupResult:
    path: Path
    files: int
    size: int  # bytes of content (before compression)
    schema_version: int
    includes_secret: bool
    lock_seconds: float  # how long writers were held off


@dataclass
class RestoreResult:
    files: int
    size: int
    schema_version: int
    replaced: Path | None  # where the data it replaced was moved, if any
    messages: list[str] = field(default_factory=list)


def default_backup_path(portal: Portal) -> Path:
    return portal.settings.backups_dir / f"portal-backup-{dt.datetime.now():%Y%m%d-%H%M%S}.zip"


def _skipped(rel: PurePosixPath) -> bool:
    top = rel.parts[0]
    return (
        top in SKIPPED_DIRS
        or top.startswith(DB_NAME)  # the database goes in from its snapshot; .wal, .lock, .restoring never
        or any(part.startswith(".") for part in rel.parts)  # temp files, staging folders
        or rel.name.endswith(".tmp")
    )


def _home_files(home: Path, include_secret: bool) -> list[tuple[str, Path]]:
    found = []
    for path in sorted(home.rglob("*")):
        rel = PurePosixPath(path.relative_to(home).as_posix())
        if not path.is_file() or path.is_symlink() or _skipped(rel):
            continue
        if str(rel) == SECRET_NAME and not include_secret:
            continue
        found.append((str(rel), path))
    return found


def _snapshot_database(wh: Warehouse, into: Path) -> tuple[int, float]:
    """Checkpoint and copy the database under the lock; (schema version, seconds the lock was held)."""
    with wh.exclusive():
        started = time.monotonic()
        con = duckdb.connect(str(wh.path))
        try:
            con.execute("CHECKPOINT")
            version = con.execute("SELECT max(version) FROM schema_version").fetchall()[0][0]
        finally:
            con.close()
        shutil.copyfile(wh.path, into)
        wal = wh.path.with_name(wh.path.name + ".wal")
        if wal.exists():  # none after a checkpoint and close; kept whole if there is one anyway
            shutil.copyfile(wal, into.with_name(into.name + ".wal"))
        return version, time.monotonic() - started


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def create_backup(
    portal: Portal,
    output: Path | None = None,
    include_secret: bool = True,
    actor: str | None = None,
    progress: Progress | None = None,
    total: Callable[[int], None] | None = None,
) -> BackupResult:
    """Write a backup zip of PORTAL_HOME to `output` (default backups/portal-backup-<time>.zip).

    `total(bytes)` is called once before writing, `progress(bytes)` as content is written.
    """
    settings, wh = portal.settings, portal.warehouse
    if not wh.exists():
        raise BackupError(
            f"数据目录 {settings.home} 中没有数据仓库,无可备份;请先运行 portal init。", usage=True
        )
    if include_secret:
        settings.secret()  # make sure the key the templates are signed with exists and is in the backup
    output = Path(output) if output else default_backup_path(portal)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"无法创建备份文件所在目录 {output.parent}:{exc.strerror}", usage=True) from None
    if actor:
        with wh.transaction() as con:  # before the snapshot, so the backup records its own making
            portal.audit(con, actor, "backup.create", output.name, f"secret={include_secret}")
    work = Path(tempfile.mkdtemp(prefix=".backup-", dir=settings.home))
    tmp = output.with_name(f".{output.name}.{os.getpid()}.tmp")
    try:
        version, held = _snapshot_database(wh, work / DB_NAME)
        checkpoint("backup.snapshot_taken")
        entries = [(DB_NAME, work / DB_NAME)]
        if (work / f"{DB_NAME}.wal").exists():
            entries.append((f"{DB_NAME}.wal", work / f"{DB_NAME}.wal"))
        entries += _home_files(settings.home, include_secret)
        if total:
            total(sum(p.stat().st_size for _, p in entries))
        manifest = []
        with zipfile.ZipFile(tmp, "w", allowZip64=True) as zf:
            for name, path in entries:
                compress = (
                    zipfile.ZIP_STORED
                    if Path(name).suffix.lower() in STORED_SUFFIXES
                    else zipfile.ZIP_DEFLATED
                )
                info = zipfile.ZipInfo(name, date_time=time.localtime(path.stat().st_mtime)[:6])
                info.compress_type = compress
                with open(path, "rb") as src, zf.open(info, "w", force_zip64=True) as dst:
                    sha256, size = _copy_hashing(src, dst, progress)
                manifest.append({"path": name, "size": size, "sha256": sha256})
            zf.writestr(
                MANIFEST,
                json.dumps(
                    {
                        "format": FORMAT,
                        "format_version": FORMAT_VERSION,
                        "created_at": dt.datetime.now().isoformat(timespec="seconds"),
                        "schema_version": version,
                        "includes_secret": include_secret,
                        "files": manifest,
                    },
                    ensure_ascii=False,
                    indent=1,
                ),
            )
        os.chmod(tmp, 0o600)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, output)
        _fsync_dir(output.parent)
    except OSError as exc:
        raise BackupError(f"无法写入备份文件 {output}:{exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)
    return BackupResult(
        output, len(manifest), sum(m["size"] for m in manifest), version, include_secret, held
    )


# ---------------------------------------------------------------------------------------- restore


def read_manifest(archive: Path) -> dict:
    """The manifest of a backup file; BackupError(usage) if it is not one."""
    if not archive.is_file():
        raise BackupError(f"找不到备份文件 {archive}", usage=True)
    try:
        with zipfile.ZipFile(archive) as zf:
            manifest = json.loads(zf.read(MANIFEST))
    except (zipfile.BadZipFile, KeyError, ValueError):
        raise BackupError(
            f"{archive} 不是本平台的备份文件(缺少或无法读取 {MANIFEST})。", usage=True
        ) from None
    if manifest.get("format") != FORMAT or not isinstance(manifest.get("files"), list):
        raise BackupError(f"{archive} 不是本平台的备份文件。", usage=True)
    if manifest.get("format_version", 0) > FORMAT_VERSION:
        raise BackupError(
            f"备份文件格式版本 {manifest['format_version']} 高于本程序支持的版本,请升级平台程序。"
        )
    if (manifest.get("schema_version") or 0) > SCHEMA_VERSION:
        raise BackupError(
            f"备份中数据仓库的结构版本为 {manifest['schema_version']},高于本程序支持的 {SCHEMA_VERSION};"
            "请先升级平台程序再恢复。"
        )
    return manifest


def _copy_hashing(src: BinaryIO, dst: BinaryIO, progress: Progress | None) -> tuple[str, int]:
    """Stream `src` into `dst`; (SHA-256 hex digest, byte count) of what went through."""
    digest, size = hashlib.sha256(), 0
    while chunk := src.read(CHUNK):
        digest.update(chunk)
        dst.write(chunk)
        size += len(chunk)
        if progress:
            progress(len(chunk))
    return digest.hexdigest(), size


def _safe_name(name: str) -> PurePosixPath:
    rel = PurePosixPath(name)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts or "\\" in name:
        raise BackupError(f"备份文件已损坏或被篡改:不安全的路径 {name!r}。")
    return rel


def _extract_verified(archive: Path, manifest: dict, into: Path, progress: Progress | None) -> int:
    """Extract every listed file, checking size and SHA-256 as it streams; the byte count."""
    size_total = 0
    with zipfile.ZipFile(archive) as zf:
        for entry in manifest["files"]:
            rel = _safe_name(entry["path"])
            target = into / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with zf.open(entry["path"]) as src, open(target, "wb") as dst:
                    sha256, size = _copy_hashing(src, dst, progress)
                    dst.flush()
                    os.fsync(dst.fileno())
            except KeyError:
                raise BackupError(f"备份文件不完整:缺少 {entry['path']}。") from None
            except (zipfile.BadZipFile, zlib_error()) as exc:
                raise BackupError(f"备份文件已损坏:{entry['path']} 无法读取({exc})。") from None
            if size != entry["size"] or sha256 != entry["sha256"]:
                raise BackupError(f"备份文件已损坏:{entry['path']} 的校验值与清单不符。")
            size_total += size
    return size_total


def zlib_error() -> type[Exception]:
    import zlib

    return zlib.error


def _has_data(portal: Portal) -> bool:
    uploads = portal.settings.uploads_dir
    if uploads.exists() and any(p.is_file() for p in uploads.rglob("*")):
        return True
    if not portal.warehouse.exists():
        return False
    with portal.warehouse.connect() as con:
        names = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'main' AND table_type = 'BASE TABLE' AND table_name <> 'schema_version'"
            ).fetchall()
        ]
        return any(con.execute(f'SELECT count(*) FROM "{n}"').fetchall()[0][0] for n in names)


def _journal_write(marker: Path, journal: dict) -> None:
    tmp = marker.with_name(marker.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(journal, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, marker)
    _fsync_dir(marker.parent)


def _roll_back(home: Path, journal: dict) -> None:
    """Put the data the journal moved aside back in place (idempotent: safe after any interruption)."""
    old, staging = Path(journal["old"]), Path(journal["staging"])
    for item in journal["items"]:
        current, aside = home / item, old / item
        if item in journal["existing"]:
            if aside.exists() or aside.is_symlink():
                if current.exists():  # the backup's version already swapped in: take it out again
                    if (staging / item).exists():
                        _remove(current)
                    else:
                        os.replace(current, staging / item)
                os.replace(aside, current)
        elif current.exists() and not (staging / item).exists():
            os.replace(current, staging / item)  # came from the backup: take it out again


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def recover_interrupted(portal: Portal) -> bool:
    """Undo a restore that was killed while swapping; True if there was one."""
    wh = portal.warehouse
    with wh.exclusive():
        if not wh.restore_marker.exists():
            return False
        journal = json.loads(wh.restore_marker.read_text(encoding="utf-8"))
        _roll_back(portal.settings.home, journal)
        wh.restore_marker.unlink()
        shutil.rmtree(journal["work"], ignore_errors=True)
        return True


def restore_backup(
    portal: Portal,
    archive: Path,
    force: bool = False,
    progress: Progress | None = None,
    total: Callable[[int], None] | None = None,
) -> RestoreResult:
    """Replace the data under PORTAL_HOME with a verified backup; all or nothing."""
    archive = Path(archive)
    manifest = read_manifest(archive)
    home, wh = portal.settings.home, portal.warehouse
    messages = []
    home.mkdir(parents=True, exist_ok=True)
    if recover_interrupted(portal):
        messages.append("上次被中断的恢复已撤销,原数据已还原。")
    if not force and _has_data(portal):
        raise BackupError(
            f"数据目录 {home} 中已有数据。如确认用备份覆盖,请加 --force(原数据会移到 backups/ 下保留)。",
            usage=True,
        )
    if total:
        total(sum(int(e["size"]) for e in manifest["files"]))
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    work = Path(tempfile.mkdtemp(prefix=f".restore-{stamp}-", dir=home))
    staging, old = work / "new", work / "old"
    staging.mkdir()
    old.mkdir()
    try:
        size = _extract_verified(archive, manifest, staging, progress)
        if (staging / SECRET_NAME).exists():
            os.chmod(staging / SECRET_NAME, 0o600)
        if not (staging / DB_NAME).is_file():
            raise BackupError("备份文件不完整:没有数据仓库文件。")
        try:
            con = duckdb.connect(str(staging / DB_NAME))
            try:
                version = con.execute("SELECT max(version) FROM schema_version").fetchall()[0][0]
            finally:
                con.close()
        except duckdb.Error as exc:
            raise BackupError(f"备份中的数据仓库无法打开:{exc}") from None
        checkpoint("restore.staged")
        replaced = _swap(portal, staging, old, work, stamp)
    except OSError as exc:
        shutil.rmtree(work, ignore_errors=True)
        raise BackupError(f"恢复失败,原数据保持不变:{exc.strerror or exc}。") from None
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    shutil.rmtree(work, ignore_errors=True)
    with wh.connect() as con:  # migrates a backup of an older version
        version = con.execute("SELECT max(version) FROM schema_version").fetchall()[0][0]
    if replaced:
        messages.append(f"原数据已移到 {replaced}。")
    if not manifest.get("includes_secret"):
        messages.append("备份中没有签名密钥 secret.key,沿用本机的密钥;此前发出的模板可能无法通过签名校验。")
    return RestoreResult(len(manifest["files"]), size, version, replaced, messages)


def _swap(portal: Portal, staging: Path, old: Path, work: Path, stamp: str) -> Path | None:
    home, wh = portal.settings.home, portal.warehouse
    items = sorted(p.name for p in staging.iterdir())
    # A stale write-ahead log beside the restored file would be replayed into it: always move it aside.
    items = sorted(set(items) | {f"{DB_NAME}.wal"})
    with wh.exclusive():
        existing = [i for i in items if (home / i).exists() or (home / i).is_symlink()]
        journal = {
            "work": str(work),
            "staging": str(staging),
            "old": str(old),
            "items": items,
            "existing": existing,
        }
        _journal_write(wh.restore_marker, journal)
        try:
            for item in items:
                if item in existing:
                    os.replace(home / item, old / item)
                checkpoint("restore.swapping")
                if (staging / item).exists():
                    os.replace(staging / item, home / item)
            _fsync_dir(home)
        except BaseException:
            _roll_back(home, journal)
            wh.restore_marker.unlink(missing_ok=True)
            raise
        wh.restore_marker.unlink()
        _fsync_dir(home)
    if not existing:
        return None
    kept = portal.settings.backups_dir / f"before-restore-{stamp}"
    kept.parent.mkdir(parents=True, exist_ok=True)
    os.replace(old, kept)
    return kept


# ------------------------------------------------------------------- for the admin page (signed in)


def create_backup_as(portal: Portal, account, include_secret: bool = True) -> BackupResult:
    require(account, "backup.create")
    return create_backup(portal, include_secret=include_secret, actor=account.username)


def list_backups_as(portal: Portal, account) -> list[tuple[str, int, dt.datetime]]:
    """(file name, bytes, modified) of the backups under PORTAL_HOME/backups, newest first."""
    require(account, "backup.download")
    folder = portal.settings.backups_dir
    if not folder.exists():
        return []
    found = [p for p in folder.glob("*.zip") if p.is_file() and not p.name.startswith(".")]
    found.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    return [(p.name, p.stat().st_size, dt.datetime.fromtimestamp(p.stat().st_mtime)) for p in found]


def read_backup_as(portal: Portal, account, name: str) -> bytes:
    """The bytes of one backup file in PORTAL_HOME/backups (a bare file name; nothing else is served)."""
    require(account, "backup.download")
    folder = portal.settings.backups_dir
    path = folder / name
    if Path(name).name != name or path.suffix != ".zip" or not path.is_file():
        raise BackupError(f"没有名为 {name} 的备份文件。", usage=True)
    with portal.warehouse.transaction() as con:
        portal.audit(con, account.username, "backup.download", name)
    return path.read_bytes()


def restore_backup_as(portal: Portal, account, data: bytes, force: bool = False) -> Outcome:
    """Restore from an uploaded backup file; the restored warehouse records who restored it."""
    require(account, "backup.restore")
    home = portal.settings.home
    home.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".upload-", suffix=".zip", dir=home)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        result = restore_backup(portal, Path(name), force=force)
    except BackupError as exc:
        return Outcome(False, exc.message)
    finally:
        Path(name).unlink(missing_ok=True)
    with portal.warehouse.transaction() as con:
        portal.audit(con, account.username, "backup.restore", None, f"files={result.files}")
    return Outcome(True, "已从备份恢复:" + f"文件 {result.files} 个。" + "".join(result.messages))
