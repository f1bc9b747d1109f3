"""Stage 1: is this upload a plain .xlsx we may open? Checked on the raw bytes, before any parser.

Every refusal is an Issue (file-*), never an exception: wrong formats people really send (old
.xls, .xlsm, .ods, HTML saved as .xls, CSV, PDF), password-encrypted workbooks, zip bombs, XML
with DTD/entity declarations (XXE, billion laughs), archives whose entry names are ambiguous
(two entries of one name: zipfile silently reads the last) or path-like (../x, /x, x\\y),
external links and data connections (DDE, UNC paths: opening the file reaches out), embedded
objects (OLE, ActiveX), and files that are simply broken.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from xml.etree import ElementTree

from schemas.issues import Issue

MB = 1024 * 1024

# First bytes of an OLE2 compound file: Excel 97-2003 .xls, and also encrypted .xlsx (the
# encrypted package is wrapped in an OLE container with EncryptionInfo/EncryptedPackage streams).
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"

# Members smaller than this are never called bombs for their ratio alone: a few hundred KB of
# repetitive XML may legitimately compress 500:1 and is harmless.
RATIO_MIN_BYTES = 1 * MB

# Bytes read at a time when streaming a member; an entity declaration is found across chunk edges
# by keeping the tail of the previous chunk.
CHUNK = 256 * 1024
_OVERLAP = 16

# Parts whose text is XML (everything else, e.g. images, is only counted).
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")
_UTF16_DTD_MARKERS = tuple(m.decode().encode("utf-16-le") for m in _DTD_MARKERS)

_MACRO_CONTENT_TYPES = (b"macroEnabled", b"vbaProject")

# Entry names that are not plain relative part names: parent steps, absolute or drive paths,
# backslashes, control characters. No Office application writes them; extractors and other
# readers may resolve them outside the package.
_PATH_LIKE = re.compile(r"(^|/)\.\.(/|$)|^/|^[A-Za-z]:|\\|[\x00-\x1f]")

# Parts and relationship types that make a workbook reach outside itself when opened (external
# workbook links, DDE, data connections and web queries) or carry executable content.
_EXTERNAL_PARTS = ("xl/externallinks/", "xl/connections.xml", "xl/querytables/")
_EMBEDDED_PARTS = ("xl/embeddings/", "xl/activex/")
_EXTERNAL_REL_TYPES = ("/externallink", "/externallinkpath", "/connections", "/querytable")
_EMBEDDED_REL_TYPES = ("/oleobject", "/package", "/control", "/activexcontrolbinary")
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


@dataclass(frozen=True)
class Limits:
    """Caps from the settings (max_upload_mb, max_uncompressed_mb, max_compression_ratio)."""

    max_upload_mb: float = 10
    max_uncompressed_mb: float = 200
    max_compression_ratio: float = 200

    @classmethod
    def from_settings(cls, settings) -> Limits:
        return cls(
            max_upload_mb=settings.max_upload_mb,
            max_uncompressed_mb=settings.max_uncompressed_mb,
            max_compression_ratio=settings.max_compression_ratio,
        )


def _mb(n: float) -> str:
    return f"{n / MB:.1f}".rstrip("0").rstrip(".")


def check_file(data: bytes, limits: Limits | None = None) -> list[Issue]:
    """Issues that make the bytes unsafe or impossible to open; empty when the reader may proceed."""
    limits = limits or Limits()
    if not data:
        return [Issue.make("file-empty")]
    if len(data) > limits.max_upload_mb * MB:
        return [Issue.make("file-too-large", size_mb=_mb(len(data)), limit_mb=_mb(limits.max_upload_mb * MB))]
    if data.startswith(OLE_MAGIC):
        return [_ole_issue(data)]
    if not data.startswith(ZIP_MAGIC):
        if data.startswith(EMPTY_ZIP_MAGIC):
            return [Issue.make("file-not-xlsx", detail="是一个空的压缩包")]
        return [Issue.make("file-not-xlsx", detail=_sniff(data))]
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        ValueError,
        EOFError,
        NotImplementedError,
    ) as exc:
        return [Issue.make("file-unreadable", detail=f"压缩包不完整或已损坏（{_reason(exc)}）")]
    issues = _name_issues(members)
    if issues:
        return issues
    names = {m.filename for m in members}
    kind = _not_xlsx_kind(archive, names)
    if kind:
        return [Issue.make("file-not-xlsx", detail=kind)]
    if any(m.flag_bits & 0x1 for m in members):
        return [Issue.make("file-encrypted")]
    if "xl/vbaProject.bin" in names or any(n.endswith("vbaProject.bin") for n in names):
        return [Issue.make("file-macro-enabled")]
    issues = _part_issues(names) or _size_issues(members, limits)
    if issues:
        return issues
    return _scan_parts(archive, members, limits) or _relationship_issues(archive, members)


def _name_issues(members: list[zipfile.ZipInfo]) -> list[Issue]:
    """Entry names that are ambiguous (duplicates, compared as OPC does: case-insensitively) or
    path-like; checked first, since every later check looks parts up by name."""
    seen: set[str] = set()
    for m in members:
        if _PATH_LIKE.search(m.filename):
            return [Issue.make("file-zip-path", detail=ascii(m.filename)[1:-1])]
        folded = m.filename.casefold()
        if folded in seen:
            return [Issue.make("file-zip-duplicate", detail=m.filename)]
        seen.add(folded)
    return []


def _part_issues(names: set[str]) -> list[Issue]:
    for name in sorted(names):
        lower = name.lower()
        if lower.startswith(_EXTERNAL_PARTS):
            return [Issue.make("file-external-link", detail=name)]
        if lower.startswith(_EMBEDDED_PARTS) or "oleobject" in lower.rsplit("/", 1)[-1]:
            return [Issue.make("file-embedded-object", detail=name)]
    return []


def _relationship_issues(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> list[Issue]:
    """Relationships that point outside the package or at embedded objects. Hyperlinks to web
    addresses are fine (a clerk may paste one into 备注); to a UNC or file: path they are not:
    Windows fetches those on open and hands the server the user's credentials."""
    for m in members:
        if not m.filename.lower().endswith(".rels"):
            continue
        try:
            root = ElementTree.fromstring(archive.read(m))
        except (ElementTree.ParseError, zipfile.BadZipFile, zlib.error, OSError, ValueError) as exc:
            return [_broken(m, exc)]
        for rel in root.iter(f"{_NS_PKG_REL}Relationship"):
            kind = rel.get("Type", "").lower()
            target = rel.get("Target", "")
            external = rel.get("TargetMode", "").lower() == "external"
            if kind.endswith(_EMBEDDED_REL_TYPES):
                return [Issue.make("file-embedded-object", detail=f"{m.filename}:{target}")]
            if kind.endswith(_EXTERNAL_REL_TYPES) or _is_path_target(target):
                return [Issue.make("file-external-link", detail=target or m.filename)]
            if external and not kind.endswith("/hyperlink"):
                return [Issue.make("file-external-link", detail=target)]
    return []


def _is_path_target(target: str) -> bool:
    """UNC (\\\\host\\share, //host/share) or local-file targets."""
    text = target.strip().lower()
    return text.startswith(("\\\\", "//", "file:", "smb:")) or bool(re.match(r"^[a-z]:[\\/]", text))


def _ole_issue(data: bytes) -> Issue:
    # Directory entry names in an OLE file are UTF-16LE; an encrypted OOXML package has these two.
    if "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data:
        return Issue.make("file-encrypted")
    return Issue.make("file-xls-legacy")


def _sniff(data: bytes) -> str:
    """What the bytes look like instead, in words a clerk recognises."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"%pdf"):
        return "是 PDF 文件"
    if head.startswith((b"<!doctype html", b"<html", b"<table", b"<meta")) or b"<html" in head:
        return "是网页（HTML）文件，常见于系统导出的“伪 .xls”"
    if head.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in head:
        return "是 Excel 2003 XML 表格"
    if head.startswith((b"rar!", b"7z\xbc\xaf")):
        return "是 RAR/7z 压缩包"
    if head.startswith(b"{\\rtf"):
        return "是 RTF 文档"
    try:
        data[:4096].decode("utf-8")
        text = True
    except UnicodeDecodeError:
        text = False
    if text or _mostly_text(data[:4096]):
        return "是纯文本（如 CSV）文件"
    return "文件内容不是 Excel 工作簿"


def _mostly_text(chunk: bytes) -> bool:
    try:
        chunk.decode("gb18030")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in chunk


def _not_xlsx_kind(archive: zipfile.ZipFile, names: set[str]) -> str | None:
    if "mimetype" in names:
        try:
            mimetype = archive.read("mimetype")[:200]
        except Exception:
            mimetype = b""
        if b"opendocument.spreadsheet" in mimetype:
            return "是 OpenDocument 表格（.ods）"
        if b"opendocument" in mimetype:
            return "是 OpenDocument 文档"
    if "[Content_Types].xml" not in names:
        return "压缩包中没有 [Content_Types].xml，不是 Office 文档"
    if "xl/workbook.bin" in names:
        return "是二进制工作簿（.xlsb）"
    if "word/document.xml" in names:
        return "是 Word 文档"
    if "ppt/presentation.xml" in names:
        return "是 PowerPoint 演示文稿"
    if "xl/workbook.xml" not in names:
        return "缺少 xl/workbook.xml"
    return None


def _size_issues(members: list[zipfile.ZipInfo], limits: Limits) -> list[Issue]:
    """Caps on what the central directory declares; `_scan_parts` enforces them on actual bytes."""
    total = sum(m.file_size for m in members)
    if total > limits.max_uncompressed_mb * MB:
        return [Issue.make("file-zip-bomb", detail=f"解压后共 {_mb(total)} MB")]
    for m in members:
        if m.file_size >= RATIO_MIN_BYTES and m.file_size > limits.max_compression_ratio * max(
            m.compress_size, 1
        ):
            ratio = m.file_size / max(m.compress_size, 1)
            return [Issue.make("file-zip-bomb", detail=f"部件 {m.filename} 压缩比 {ratio:.0f}:1")]
    return []


def _scan_parts(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], limits: Limits) -> list[Issue]:
    """Decompress every part once, counting real bytes, and look for DTDs and macro content types."""
    budget = int(limits.max_uncompressed_mb * MB)
    seen = 0
    for m in members:
        if m.is_dir():
            continue
        is_xml = m.filename.lower().endswith(_XML_SUFFIXES)
        tail = b""
        head = b""
        try:
            with archive.open(m) as fh:
                while True:
                    chunk = fh.read(CHUNK)
                    if not chunk:
                        break
                    seen += len(chunk)
                    if seen > budget:
                        return [Issue.make("file-zip-bomb", detail=f"解压后超过 {_mb(budget)} MB")]
                    if not is_xml:
                        continue
                    if len(head) < 4:
                        head = (head + chunk)[:4]
                    window = tail + chunk
                    if _has_dtd(window, head):
                        return [Issue.make("file-xml-entity", detail=m.filename)]
                    if m.filename == "[Content_Types].xml" and any(t in window for t in _MACRO_CONTENT_TYPES):
                        return [Issue.make("file-macro-enabled")]
                    tail = window[-_OVERLAP * 2 :]
        except NotImplementedError as exc:
            return [Issue.make("file-unreadable", detail=f"部件 {m.filename} 的压缩方式不受支持（{exc}）")]
        except RuntimeError as exc:  # a password-protected member
            return [Issue.make("file-encrypted")] if "encrypted" in str(exc) else [_broken(m, exc)]
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
            return [_broken(m, exc)]
    return []


def _has_dtd(window: bytes, head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(head) >= 2 and head[1:2] == b"\x00"):
        return any(marker in window for marker in _UTF16_DTD_MARKERS) or any(
            m.decode().encode("utf-16-be") in window for m in _DTD_MARKERS
        )
    upper = window.upper() if b"<!" in window else b""
    return any(marker in upper for marker in _DTD_MARKERS)


def _broken(member: zipfile.ZipInfo, exc: BaseException) -> Issue:
    return Issue.make("file-unreadable", detail=f"部件 {member.filename} 已损坏（{_reason(exc)}）")


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
