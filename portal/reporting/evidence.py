"""Supporting evidence (佐证材料): what a file really is, by its first bytes, and whether we take it.

A name says nothing about content, so the kind is read from magic bytes and the extension must
agree with it (a renamed .exe is not a PDF). Office files are zip containers (OOXML) or OLE
compound files (Word/Excel 97-2003); a macro project inside either is refused, as for uploads.
Accepted bytes go to the content store by hash under PORTAL_HOME/evidence.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePath

from schemas.issues import Issue

PDF = b"%PDF-"
PNG = b"\x89PNG\r\n\x1a\n"
JPEG = b"\xff\xd8\xff"
ZIP = b"PK\x03\x04"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class Kind:
    name: str  # what a person calls it, in Chinese
    media_type: str
    extensions: tuple[str, ...]  # the first is the one we store under


KINDS = {
    "pdf": Kind("PDF 文档", "application/pdf", (".pdf",)),
    "png": Kind("PNG 图片", "image/png", (".png",)),
    "jpeg": Kind("JPEG 图片", "image/jpeg", (".jpg", ".jpeg")),
    "docx": Kind(
        "Word 文档",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (".docx",),
    ),
    "xlsx": Kind(
        "Excel 工作簿", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)
    ),
    "pptx": Kind(
        "PowerPoint 演示文稿",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        (".pptx",),
    ),
    "doc": Kind("Word 97-2003 文档", "application/msword", (".doc",)),
    "xls": Kind("Excel 97-2003 工作簿", "application/vnd.ms-excel", (".xls",)),
}
ALLOWED_EXTENSIONS = sorted({e.lstrip(".") for k in KINDS.values() for e in k.extensions})

# OOXML: the folder of the main part says which application wrote it.
_OOXML_FOLDERS = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}


def evidence_dir(home: Path) -> Path:
    return home / "evidence"


@dataclass(frozen=True)
class Sniffed:
    kind: str | None  # a key of KINDS, or None when not a kind we accept
    detail: str = ""  # why not, in Chinese
    macro: bool = False


def _ooxml(data: bytes) -> Sniffed:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return Sniffed(None, "损坏的压缩文件")
    if "[Content_Types].xml" not in names:
        return Sniffed(None, "压缩包,不是 Office 文件")
    macro = any(n.lower().endswith("vbaproject.bin") for n in names)
    for folder, kind in _OOXML_FOLDERS.items():
        if any(n.startswith(folder) for n in names):
            return Sniffed(kind, macro=macro)
    return Sniffed(None, "无法识别的 Office 文件")


def _ole(data: bytes, ext: str) -> Sniffed:
    """A compound file is Word, Excel or anything else of the 97-2003 family: the name decides
    between the two we take; a VBA storage name anywhere in it means macros."""
    macro = "_VBA_PROJECT".encode("utf-16-le") in data
    if ext in (".doc", ".xls"):
        return Sniffed(ext.lstrip("."), macro=macro)
    return Sniffed(None, "Office 97-2003 复合文档,只接收 .doc 和 .xls")


def sniff(data: bytes, file_name: str) -> Sniffed:
    ext = PurePath(file_name or "").suffix.lower()
    if data.startswith(PDF):
        return Sniffed("pdf")
    if data.startswith(PNG):
        return Sniffed("png")
    if data.startswith(JPEG):
        return Sniffed("jpeg")
    if data.startswith(ZIP):
        return _ooxml(data)
    if data.startswith(OLE):
        return _ole(data, ext)
    return Sniffed(None, "无法识别的文件内容")


@dataclass(frozen=True)
class Checked:
    issues: list[Issue]
    kind: Kind | None = None

    @property
    def ok(self) -> bool:
        return not self.issues


def check(data: bytes, file_name: str, max_mb: int) -> Checked:
    """Type by magic bytes, extension agreeing with it, no macros, size within `max_mb`."""
    name = PurePath(file_name or "").name or "未命名文件"
    ext = PurePath(name).suffix.lower()
    if not data:
        return Checked([Issue.make("evidence-empty", file=name)])
    limit = max_mb * 1024 * 1024
    if len(data) > limit:
        return Checked(
            [
                Issue.make(
                    "evidence-too-large", file=name, size_mb=f"{len(data) / 1048576:.1f}", limit_mb=max_mb
                )
            ]
        )
    found = sniff(data, name)
    if found.kind is None:
        return Checked([Issue.make("evidence-type-not-allowed", file=name, detail=found.detail)])
    kind = KINDS[found.kind]
    if ext not in kind.extensions:
        return Checked([Issue.make("evidence-type-mismatch", file=name, ext=ext or "(无)", kind=kind.name)])
    if found.macro:
        return Checked([Issue.make("evidence-macro", file=name)])
    return Checked([], kind)
