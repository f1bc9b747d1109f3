"""Original upload bytes, kept forever under PORTAL_HOME by content hash (the same file is stored once)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def store(root: Path, data: bytes, suffix: str = ".xlsx") -> tuple[str, Path]:
    """Write `data` to root/ab/abcdef….xlsx atomically (temp file, fsync, rename); return (hash, path)."""
    digest = content_hash(data)
    path = root / digest[:2] / f"{digest}{suffix}"
    if path.exists() and path.stat().st_size == len(data):
        return digest, path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return digest, path


def load(root: Path, digest: str, suffix: str = ".xlsx") -> bytes:
    return (root / digest[:2] / f"{digest}{suffix}").read_bytes()
