"""Zip entries deflated ahead of time: the same bytes `ZipFile.writestr` writes, compressed elsewhere.

A workbook's fixed parts (the theme, the relationships, a round's shared styles) are the same
for every template, and a round's .zip holds 2,000 workbooks each compressed by the worker that
built it: `deflate` once (or in that worker), `write_deflated` many times. The entry written is
what `writestr(name, data)` on a `ZIP_DEFLATED` archive writes (default level, the time of
writing, mode 0600): tests/templates_xlsx/test_rawzip.py compares them byte for byte.
"""

from __future__ import annotations

import time
import zipfile
import zlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Deflated:
    """A member's data compressed as zipfile would: raw deflate, default level."""

    crc: int
    size: int  # uncompressed
    data: bytes  # compressed

    @classmethod
    def of(cls, data: bytes) -> Deflated:
        compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
        return cls(zlib.crc32(data), len(data), compressor.compress(data) + compressor.flush())


def write_deflated(archive: zipfile.ZipFile, name: str, member: Deflated) -> None:
    """Append `member` as `name` to an archive opened for writing on a seekable file (BytesIO, a
    file), as `archive.writestr(name, data)` would: the header carries the sizes and CRC."""
    if archive.compression != zipfile.ZIP_DEFLATED or archive.compresslevel is not None:
        raise ValueError("write_deflated needs a ZIP_DEFLATED archive at the default level")
    if member.size * 1.05 > zipfile.ZIP64_LIMIT:
        raise ValueError("members this large are written by writestr")
    info = zipfile.ZipInfo(name, date_time=time.localtime(time.time())[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    info.file_size = member.size
    info.compress_size = len(member.data)
    info.CRC = member.crc
    # What ZipFile._open_to_write and _ZipWriteFile.close do for a seekable file, sizes known up front.
    archive.fp.seek(archive.start_dir)
    info.header_offset = archive.fp.tell()
    archive._writecheck(info)
    archive._didModify = True
    archive.fp.write(info.FileHeader(False))
    archive.fp.write(member.data)
    archive.filelist.append(info)
    archive.NameToInfo[info.filename] = info
    archive.start_dir = archive.fp.tell()
