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

Signed: the manifest names the deployment (key fingerprint, home, host) and carries every file's
size and SHA-256; `manifest.sig` is HMAC-SHA256 over the manifest's bytes with the deployment's key
(`settings.secret()`). Restore checks the signature before it writes anything: a backup signed with
this deployment's key is ours; a home with no key and no data (a new machine) takes the key the
backup carries; anything else (another deployment, a `--no-secret` backup whose key is not here,
an unsigned backup) needs `foreign=True` and is named in the refusal; a backup that claims our key
but does not verify is refused always (tampered).

Restore: checksums verified while extracting into a staging folder beside the data, the staged
database opened, then — under the warehouse lock, with a marker that makes every other opener
stop with a Chinese message — each top-level item is swapped in by rename. An error rolls the
renames back; a killed restore is rolled back by the next `portal restore`. The replaced data is
kept under backups/before-restore-<time>/.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import shutil
import socket
import tempfile
import time
import tomllib
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import duckdb

from portal.core import labels as L
from portal.core.context import Portal
from portal.core.errors import PortalError
from portal.core.outcome import Outcome
from portal.core.permissions import require
from warehouse import approved
from warehouse import sessions as web_sessions
from warehouse import tokens as api_tokens
from warehouse.db import (
    SCHEMA_VERSION,
    Warehouse,
    WarehouseError,
    flush_wal,
    has_rows,
    incomplete,
    schema_version,
)
from warehouse.faults import checkpoint

FORMAT = "portal-backup"
FORMAT_VERSION = 2  # 2: signed (manifest.sig) and naming its deployment; 1 restores only as foreign
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
DB_NAME = "warehouse.duckdb"
SECRET_NAME = "secret.key"
SKIPPED_DIRS = {"backups", "exports"}  # derived data, or backups of backups
STORED_SUFFIXES = {".xlsx", ".zip", ".docx", ".pdf", ".png", ".jpg", ".jpeg", ".gz"}  # compressed already
CHUNK = 1 << 20
# A manifest line is ~150 bytes: 16 MB lists ~100,000 files; a bigger one is not ours.
MAX_MANIFEST_BYTES = 16 << 20
# settings.toml and secret.key are a few hundred bytes; read into memory before anything is staged.
MAX_KEY_FILE_BYTES = 64 << 10
# Room left on the disk beyond the backup's declared content (staging, the WAL, the audit line).
DISK_MARGIN_BYTES = 64 << 20
SETTINGS_NAME = "settings.toml"

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

    @property
    def file_bytes(self) -> int:
        """The size of the .zip as written (what a download takes); `size` is before compression."""
        return self.path.stat().st_size


@dataclass
class RestoreResult:
    files: int
    size: int
    schema_version: int
    replaced: Path | None  # where the data it replaced was moved, if any
    messages: list[str] = field(default_factory=list)


def key_fingerprint(key: bytes) -> str:
    """Names a key without revealing it (16 hex digits of a domain-separated SHA-256)."""
    return hashlib.sha256(b"portal-backup-key\0" + key).hexdigest()[:16]


def _signature(key: bytes, manifest_bytes: bytes) -> str:
    return hmac.new(key, manifest_bytes, hashlib.sha256).hexdigest()


def _key_of(settings) -> bytes | None:
    """The key this home signs with, if it has one yet (`settings.secret()` would create one)."""
    if settings.secret_key or (settings.home / SECRET_NAME).exists():
        return settings.secret()
    return None


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
    """Checkpoint and copy the database under the lock; (schema version, seconds the lock was held).
    The file is opened the way the warehouse checks it (whole, not truncated) before it is copied."""
    with wh.exclusive():
        started = time.monotonic()
        con = wh.open_unlocked()
        try:
            flush_wal(con)
            version = schema_version(con)
        finally:
            con.close()
        shutil.copyfile(wh.path, into)
        wal = wh.path.with_name(wh.path.name + ".wal")
        if wal.exists():  # none after a checkpoint and close; kept whole if there is one anyway
            shutil.copyfile(wal, into.with_name(into.name + ".wal"))
        return version, time.monotonic() - started


def _refuse_incomplete(path: Path, what: str) -> None:
    """BackupError unless the database file at `path` is whole (every block it uses is in it)."""
    try:
        con = duckdb.connect(str(path), read_only=True)
        try:
            problem = incomplete(con, path, thorough=True)
        finally:
            con.close()
    except duckdb.Error as exc:
        problem = str(exc)
    if problem:
        raise BackupError(f"{what}：{problem}。")


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
    wh.check()  # a missing or damaged warehouse is refused (WarehouseError), never backed up
    key = settings.secret()  # signs the manifest; the templates' key, created here if there is none yet
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
        _refuse_incomplete(work / DB_NAME, f"数据仓库 {wh.path} 不完整，不能备份")
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
            manifest_bytes = json.dumps(
                {
                    "format": FORMAT,
                    "format_version": FORMAT_VERSION,
                    "created_at": dt.datetime.now().isoformat(timespec="seconds"),
                    "deployment": {
                        "key_fingerprint": key_fingerprint(key),
                        "home": str(settings.home),
                        "hostname": socket.gethostname(),
                    },
                    "schema_version": version,
                    "includes_secret": include_secret,
                    "files": manifest,
                },
                ensure_ascii=False,
                indent=1,
            ).encode("utf-8")
            zf.writestr(MANIFEST, manifest_bytes)
            zf.writestr(SIGNATURE, _signature(key, manifest_bytes))
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


@dataclass
class _Signed:
    manifest: dict
    raw: bytes  # the manifest's bytes, as signed
    signature: str | None  # hex HMAC from manifest.sig; None in an unsigned (format 1) backup
    carried_key: bytes | None  # the key the backup brings (settings.toml's secret_key, else secret.key)


def read_manifest(archive: Path) -> dict:
    """The manifest of a backup file; BackupError(usage) if it is not one."""
    return _read_signed(archive).manifest


def _read_small(zf: zipfile.ZipFile, name: str, limit: int) -> bytes:
    info = zf.getinfo(name)  # KeyError if absent
    if info.file_size > limit:
        raise ValueError(name)
    with zf.open(info) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise ValueError(name)
    return data


def _read_signed(archive: Path) -> _Signed:
    """Manifest, signature and carried key, read into memory and checked for shape (nothing is
    written): BackupError(usage) if the file is not a backup, BackupError if it is a damaged one."""
    if not archive.is_file():
        raise BackupError(f"找不到备份文件 {archive}", usage=True)
    try:
        with zipfile.ZipFile(archive) as zf:
            raw = _read_small(zf, MANIFEST, MAX_MANIFEST_BYTES)
            manifest = json.loads(raw)
            names = zf.namelist()
            try:
                signature = _read_small(zf, SIGNATURE, 1024).decode("ascii").strip()
            except KeyError:
                signature = None
            sizes = {i.filename: i.file_size for i in zf.infolist()}
            if isinstance(manifest, dict) and isinstance(manifest.get("files"), list):
                _check_entries(archive, manifest["files"], names, sizes)
                carried = _carried_key(zf, manifest["files"])
            else:
                carried = None
    except (zipfile.BadZipFile, KeyError, ValueError, UnicodeDecodeError):
        raise BackupError(
            f"{archive} 不是本平台的备份文件（缺少或无法读取 {MANIFEST}）。", usage=True
        ) from None
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or not isinstance(manifest.get("files"), list)
    ):
        raise BackupError(f"{archive} 不是本平台的备份文件。", usage=True)
    if manifest.get("format_version", 0) > FORMAT_VERSION:
        raise BackupError(
            f"备份文件格式版本 {manifest['format_version']} 高于本程序支持的版本，请升级平台程序。"
        )
    if (manifest.get("schema_version") or 0) > SCHEMA_VERSION:
        raise BackupError(
            f"备份中数据仓库的结构版本为 {manifest['schema_version']}，高于本程序支持的 {SCHEMA_VERSION}；"
            "请先升级平台程序再恢复。"
        )
    return _Signed(manifest, raw, signature, carried)


def _check_entries(archive: Path, entries: list, names: list[str], sizes: dict[str, int]) -> None:
    """Every listed file once, under a safe name, with the size the zip's own directory gives it:
    a member longer than its declared size is refused here, before a byte of it is written."""
    if len(set(names)) != len(names):
        raise BackupError(f"备份文件 {archive} 已损坏或被篡改：其中有同名的重复条目。")
    seen = set()
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            raise BackupError(f"备份文件 {archive} 的清单已损坏。")
        path, size = entry["path"], entry.get("size")
        _safe_name(path)
        if path in seen or path in (MANIFEST, SIGNATURE):
            raise BackupError(f"备份文件 {archive} 已损坏或被篡改：清单中 {path} 重复出现。")
        seen.add(path)
        if not isinstance(size, int) or size < 0 or not isinstance(entry.get("sha256"), str):
            raise BackupError(f"备份文件 {archive} 的清单已损坏：{path} 没有有效的大小和校验值。")
        if path not in sizes:
            raise BackupError(f"备份文件不完整：缺少 {path}。")
        if sizes[path] != size:
            raise BackupError(
                f"备份文件已损坏或被篡改：{path} 在压缩包中有 {sizes[path]} 字节，清单记为 {size} 字节。"
            )


def _carried_key(zf: zipfile.ZipFile, entries: list) -> bytes | None:
    """The key a home restored from this backup would sign with: settings.toml's secret_key, else
    secret.key (the order of `Settings.secret()`); each checked against its manifest checksum."""
    listed = {e["path"]: e for e in entries}

    def member(name: str) -> bytes | None:
        if name not in listed:
            return None
        data = _read_small(zf, name, MAX_KEY_FILE_BYTES)
        if hashlib.sha256(data).hexdigest() != listed[name]["sha256"]:
            raise BackupError(f"备份文件已损坏：{name} 的校验值与清单不符。")
        return data

    settings_toml = member(SETTINGS_NAME)
    if settings_toml is not None:
        try:
            configured = tomllib.loads(settings_toml.decode("utf-8")).get("secret_key")
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            configured = None
        if configured:
            return str(configured).encode()
    key_file = member(SECRET_NAME)
    return key_file.strip() if key_file is not None else None


def _whose(manifest: dict) -> str:
    """Which deployment made a backup, as its manifest says."""
    made = manifest.get("deployment")
    when = manifest.get("created_at") or "时间不详"
    if not isinstance(made, dict):
        return f"来源不详（{when} 生成）"
    return (
        f"主机 {made.get('hostname') or '不详'} 上的数据目录 {made.get('home') or '不详'}"
        f"（密钥指纹 {made.get('key_fingerprint') or '不详'}，{when} 生成）"
    )


def _authenticate(portal: Portal, signed: _Signed, foreign: bool, has_data: bool) -> str | None:
    """Check the manifest's signature before anything is staged. None: the backup is this
    deployment's (or a new home takes the key it carries); a message: a foreign backup accepted
    because `foreign` was given. Refuses a foreign backup without `foreign`, and a tampered one always."""
    manifest, raw, signature, carried = signed.manifest, signed.raw, signed.signature, signed.carried_key
    tampered = BackupError("备份清单的签名不符：备份文件已被篡改或损坏。")
    own = _key_of(portal.settings)
    claimed = (
        (manifest.get("deployment") or {}).get("key_fingerprint")
        if isinstance(manifest.get("deployment"), dict)
        else None
    )
    if signature is None:
        problem = f"备份文件没有签名（旧版本平台生成，或签名被去掉），无法确认来源：{_whose(manifest)}"
    elif own is not None:
        if hmac.compare_digest(_signature(own, raw), signature):
            return None
        if claimed == key_fingerprint(own):
            raise tampered
        problem = (
            f"备份文件来自另一套部署：{_whose(manifest)}；"
            f"本部署的签名密钥指纹为 {key_fingerprint(own)}，与之不符"
        )
    elif carried is not None and not has_data:  # a new machine: the backup's own key verifies it
        if hmac.compare_digest(_signature(carried, raw), signature):
            return None
        raise tampered
    elif carried is None:
        problem = (
            f"备份文件不含签名密钥，本部署也还没有密钥，无法核对签名：{_whose(manifest)}。"
            f"如是本部署自己的备份，请先把原来的 {SECRET_NAME} 放回数据目录再恢复"
        )
    else:
        problem = f"本部署还没有签名密钥而已有数据，备份文件无法确认属于本部署：{_whose(manifest)}"
    if not foreign:
        raise BackupError(
            f"{problem}。确认来源可信、要用它恢复时，命令行请加 --foreign，"
            f"网页端请勾选“{L.BACKUP_RESTORE_FOREIGN}”。",
            usage=True,
        )
    carried_fails = carried is not None and not hmac.compare_digest(_signature(carried, raw), signature or "")
    if signature is not None and carried_fails:  # still catch damage in transit
        raise tampered
    return f"{problem}；已按要求恢复。"


class _OverLimit(Exception):
    pass


def _copy_hashing(
    src: BinaryIO, dst: BinaryIO, progress: Progress | None, limit: int | None = None
) -> tuple[str, int]:
    """Stream `src` into `dst`; (SHA-256 hex digest, byte count) of what went through.
    `_OverLimit` as soon as more than `limit` bytes come: the chunk that would pass it is not written."""
    digest, size = hashlib.sha256(), 0
    while chunk := src.read(CHUNK):
        if limit is not None and size + len(chunk) > limit:
            raise _OverLimit(size + len(chunk))
        digest.update(chunk)
        dst.write(chunk)
        size += len(chunk)
        if progress:
            progress(len(chunk))
    return digest.hexdigest(), size


def _safe_name(name: str) -> PurePosixPath:
    rel = PurePosixPath(name)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts or "\\" in name:
        raise BackupError(f"备份文件已损坏或被篡改：不安全的路径 {name!r}。")
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
                    sha256, size = _copy_hashing(src, dst, progress, limit=entry["size"])
                    dst.flush()
                    os.fsync(dst.fileno())
            except KeyError:
                raise BackupError(f"备份文件不完整：缺少 {entry['path']}。") from None
            except _OverLimit:
                raise BackupError(
                    f"备份文件已损坏或被篡改：{entry['path']} 超过清单所记的 {entry['size']} 字节，已停止解压。"
                ) from None
            except (zipfile.BadZipFile, zlib_error()) as exc:
                raise BackupError(f"备份文件已损坏：{entry['path']} 无法读取（{exc}）。") from None
            if size != entry["size"] or sha256 != entry["sha256"]:
                raise BackupError(f"备份文件已损坏：{entry['path']} 的校验值与清单不符。")
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
    try:
        portal.warehouse.check()
    except WarehouseError:
        return True  # damaged: restoring over it needs --force, and what is there is kept aside
    with portal.warehouse.connect() as con:
        return has_rows(con)


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
    if not wh.restore_marker.exists():  # the usual case: no lock taken, no lock file left behind
        return False
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
    foreign: bool = False,
) -> RestoreResult:
    """Replace the data under PORTAL_HOME with a verified backup; all or nothing. The manifest's
    signature is checked before anything is written; `foreign` accepts another deployment's backup."""
    archive = Path(archive)
    signed = _read_signed(archive)
    manifest = signed.manifest
    home, wh = portal.settings.home, portal.warehouse
    messages = []
    home.mkdir(parents=True, exist_ok=True)
    if recover_interrupted(portal):
        messages.append("上次被中断的恢复已撤销，原数据已还原。")
    has_data = _has_data(portal)
    accepted = _authenticate(portal, signed, foreign, has_data)
    if accepted:
        messages.append(accepted)
    if not force and has_data:
        raise BackupError(
            f"数据目录 {home} 中已有数据。如确认用备份覆盖，请加 --force（原数据会移到 backups/ 下保留）。",
            usage=True,
        )
    budget = sum(e["size"] for e in manifest["files"])
    free = shutil.disk_usage(home).free
    if budget + DISK_MARGIN_BYTES > free:
        raise BackupError(
            f"磁盘空间不足：恢复需要约 {(budget + DISK_MARGIN_BYTES) / 1048576:.0f} MB，"
            f"{home} 所在磁盘只剩 {free / 1048576:.0f} MB。"
        )
    if total:
        total(budget)
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
            raise BackupError("备份文件不完整：没有数据仓库文件。")
        _refuse_incomplete(staging / DB_NAME, "备份中的数据仓库已损坏或无法打开")
        checkpoint("restore.staged")
        replaced = _swap(portal, staging, old, work, stamp)
    except OSError as exc:
        shutil.rmtree(work, ignore_errors=True)
        raise BackupError(f"恢复失败，原数据保持不变：{exc.strerror or exc}。") from None
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    shutil.rmtree(work, ignore_errors=True)
    with wh.transaction() as con:  # migrates a backup of an older version
        version = schema_version(con)
        # Everyone signs in again: the sessions in the backup were open when it was made.
        web_sessions.revoke_all(con, dt.datetime.now(dt.UTC).replace(tzinfo=None), "restore")
        # API tokens too: one revoked after the backup was made would work again from the restored rows.
        tokens_revoked = api_tokens.revoke_all(con, "restore", dt.datetime.now(dt.UTC).replace(tzinfo=None))
        approved.rebuild(con)  # the derived tables from the restored submissions, whatever made the backup
    if replaced:
        messages.append(f"原数据已移到 {replaced}。")
    if tokens_revoked:
        messages.append(
            f"已撤销恢复出的 {tokens_revoked} 个接口令牌（备份之后撤销的令牌不能因恢复而重新生效），"
            "请用 portal token create 重新创建。"
        )
    if not manifest.get("includes_secret"):
        messages.append("备份中没有签名密钥 secret.key，沿用本机的密钥；此前发出的模板可能无法通过签名校验。")
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


def restore_backup_as(
    portal: Portal, account, data: bytes, force: bool = False, foreign: bool = False
) -> Outcome:
    """Restore from an uploaded backup file; the restored warehouse records who restored it."""
    require(account, "backup.restore")
    home = portal.settings.home
    home.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".upload-", suffix=".zip", dir=home)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        result = restore_backup(portal, Path(name), force=force, foreign=foreign)
    except BackupError as exc:
        return Outcome(False, exc.message)
    finally:
        Path(name).unlink(missing_ok=True)
    with portal.warehouse.transaction() as con:
        portal.audit(con, account.username, "backup.restore", None, f"files={result.files} foreign={foreign}")
    return Outcome(True, "已从备份恢复：" + f"文件 {result.files} 个。" + "".join(result.messages))
