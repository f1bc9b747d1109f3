"""Supporting evidence (佐证材料): what a file really is, by its structure, and whether we take it.

A name says nothing about content, and neither do the first bytes alone: `%PDF-` followed by a
zip, or a PNG signature followed by a script, is still a zip or a script. So each kind we take is
walked to its end marker, and anything after it is refused:
- PDF: header, objects, a `startxref` pointing at a cross-reference table or stream, the last
  `%%EOF` at the very end; no JavaScript, launch actions or embedded files (also inside object
  streams); not a zip or a web page at the same time.
- PNG: every chunk with its CRC from IHDR to IEND, the image data inflating to exactly the size
  the header declares, nothing after IEND, no markup in text chunks.
- JPEG: the marker walk from SOI to EOI (further whole images may follow, as phones write them).
- OOXML (docx/xlsx/pptx): the zip listing: no duplicate or path-like entries, sizes within limits,
  the main part's content type decides the kind, and no macro project, macro content type,
  program, script, OLE object or ActiveX control among the parts.
- Word/Excel 97-2003: the compound file's directory: WordDocument or Workbook decides the kind; a
  `Macros`/`VBA`/`_VBA_PROJECT` storage or an embedded object is refused (olefile reads it).
Accepted bytes go to the content store by hash under PORTAL_HOME/evidence.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

import olefile

from portal.core import filestore
from portal.core.errors import InvalidInput
from schemas.issues import Issue
from schemas.text import safe_file_name

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

# OOXML: the content type of the main part says which application wrote it.
_OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": "pptx",
}
# Content types and part names that carry macros (VBA projects, Word's vbaData, Excel 4 macro sheets).
_MACRO_TYPE_WORDS = ("macroenabled", "vbaproject", "vbadata", "macrosheet")
_MACRO_PARTS = frozenset({"vbaproject.bin", "vbadata.xml", "vbadata.bin", "vbaprojectsignature.bin"})
# Parts that are programs or scripts Windows would run.
_EXECUTABLE_SUFFIXES = frozenset(
    [
        ".exe",
        ".dll",
        ".bat",
        ".cmd",
        ".com",
        ".scr",
        ".pif",
        ".cpl",
        ".msi",
        ".js",
        ".jse",
        ".vbs",
        ".vbe",
        ".wsf",
        ".wsh",
        ".ps1",
        ".hta",
        ".jar",
        ".lnk",
        ".sh",
    ]
)
_EXECUTABLE_TYPES = ("x-msdownload", "x-msdos-program", "x-executable", "javascript", "vbscript")
# Embedded workbooks behind charts are ordinary; they are checked like an upload of their own.
_EMBEDDED_OOXML = {".xlsx": "xlsx", ".docx": "docx", ".pptx": "pptx"}
_OLE_MACRO_STORAGES = frozenset({"macros", "vba", "_vba_project", "_vba_project_cur"})
_OLE_OBJECT_NAMES = frozenset({"objectpool", "\x01ole10native"})  # Word's embeddings, packages

# Zip budgets for an evidence file (far above any real document, far below a bomb):
MAX_ZIP_ENTRIES = 5_000  # a 300-slide deck with media has a few thousand parts
MAX_ZIP_UNPACKED = 512 * 1024 * 1024  # 512 MB declared in all
MAX_ZIP_RATIO = 200  # per part of 1 MB or more; XML rarely compresses past 100:1
_CONTENT_TYPES_LIMIT = 1024 * 1024  # [Content_Types].xml of a real file is a few KB

# PNG: a decoded image above this many pixels is a decompression bomb, not a photo of a meeting.
MAX_PIXELS = 100_000_000
# Bytes a browser sniffs for markup: a file that is also a web page is refused.
_SNIFF_LEN = 1024
_MARKUP = re.compile(rb"<\s*(?:!doctype\s+html|html|script|svg|iframe|body|object|embed)\b", re.I)
_WHITESPACE = b" \t\r\n\x00\x0c"


def evidence_dir(home: Path) -> Path:
    return home / "evidence"


@dataclass(frozen=True)
class Refusal:
    code: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Sniffed:
    kind: str | None  # a key of KINDS, or None when the content is refused
    refusal: Refusal | None = None


def _no(code: str, **params: object) -> Sniffed:
    return Sniffed(None, Refusal(code, {k: str(v) for k, v in params.items()}))


# ----------------------------------------------------------------------------- PDF

_PDF_HEADER = re.compile(rb"%PDF-[12]\.\d")
_PDF_OBJECT = re.compile(rb"(?<![0-9])\d{1,10}\s+\d{1,5}\s+obj\b")
_PDF_STARTXREF = re.compile(rb"startxref\s+(\d{1,12})\s*%%EOF[\s\x00]*$")
_PDF_NAME = re.compile(rb"/[^\s/<>\[\]()%{}]+")
_PDF_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_STREAM = re.compile(rb"<<(.{0,2000}?)>>\s*stream\r?\n", re.S)
_PDF_STREAM_BODY = re.compile(rb"stream\r?\n.*?endstream", re.S)
# Names of actions and objects that run code or carry files (the spec's, and Acrobat's).
_PDF_ACTIVE = {
    b"/JavaScript": "JavaScript 脚本",
    b"/JS": "JavaScript 脚本",
    b"/Launch": "启动程序的动作",
    b"/EmbeddedFile": "内嵌文件",
    b"/EmbeddedFiles": "内嵌文件",
    b"/RichMedia": "多媒体插件",
}
_PDF_INFLATE_BUDGET = 64 * 1024 * 1024  # object streams inflated in all, for the name scan


def _pdf_names(chunk: bytes) -> Iterator[bytes]:
    for raw in _PDF_NAME.findall(chunk):
        yield _PDF_HEX.sub(lambda m: bytes([int(m.group(1), 16)]), raw) if b"#" in raw else raw


def _pdf_object_streams(data: bytes) -> Iterator[bytes]:
    """Inflated object streams: where a compressed PDF keeps its dictionaries (and could hide /JS)."""
    budget = _PDF_INFLATE_BUDGET
    for match in _PDF_STREAM.finditer(data):
        head = match.group(1)
        if b"/ObjStm" not in head or b"/FlateDecode" not in head:
            continue
        inflater = zlib.decompressobj()
        try:
            body = inflater.decompress(data[match.end() : match.end() + budget], budget)
        except zlib.error:
            continue
        budget -= len(body)
        yield body
        if budget <= 0:
            return


def _pdf(data: bytes) -> Sniffed:
    if not _PDF_HEADER.match(data):
        return _no("evidence-pdf-malformed", detail="文件头不是 PDF 版本标记")
    end = data.rfind(b"%%EOF")
    if end < 0:
        return _no("evidence-pdf-malformed", detail="缺少文件结束标记 %%EOF")
    tail = data[end + 5 :]
    if tail.strip(_WHITESPACE):
        return _no("evidence-trailing-data", kind="PDF 文档", size=len(tail))
    if _MARKUP.search(data[:_SNIFF_LEN]):
        return _no("evidence-polyglot", kind="PDF 文档", other="网页（HTML/SVG）")
    if _is_zip(data):
        return _no("evidence-polyglot", kind="PDF 文档", other="压缩包")
    if not _PDF_OBJECT.search(data):
        return _no("evidence-pdf-malformed", detail="没有任何 PDF 对象")
    found = _PDF_STARTXREF.search(data[max(0, end - 64) :])
    if not found:
        return _no("evidence-pdf-malformed", detail="结束处缺少交叉引用位置 startxref")
    offset = int(found.group(1))
    target = data[offset : offset + 40].lstrip(_WHITESPACE) if offset < len(data) else b""
    if not (target.startswith(b"xref") or _PDF_OBJECT.match(target)):
        return _no("evidence-pdf-malformed", detail="startxref 指向的位置不是交叉引用表")
    # Names are read from the objects, not from inside streams, where image bytes could spell "/JS".
    chunks = [_PDF_STREAM_BODY.sub(b"stream endstream", data), *_pdf_object_streams(data)]
    if not any(b"/Root" in chunk for chunk in chunks):
        return _no("evidence-pdf-malformed", detail="缺少文档目录 /Root")
    for chunk in chunks:
        for name in _pdf_names(chunk):
            if name in _PDF_ACTIVE:
                return _no("evidence-pdf-active", detail=_PDF_ACTIVE[name])
    return Sniffed("pdf")


# ----------------------------------------------------------------------------- PNG

_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
_PNG_TEXT = (b"tEXt", b"zTXt", b"iTXt")


def _png_data_size(width: int, height: int, depth: int, color: int, interlaced: bool) -> int:
    """Bytes the image data inflates to: per row a filter byte and the packed pixels (per pass
    of the Adam7 interlace when interlaced)."""
    bits = depth * _PNG_CHANNELS[color]

    def rows(w: int, h: int) -> int:
        return 0 if w == 0 or h == 0 else h * (1 + (w * bits + 7) // 8)

    if not interlaced:
        return rows(width, height)
    passes = (
        (0, 0, 8, 8),
        (4, 0, 8, 8),
        (0, 4, 4, 8),
        (2, 0, 4, 4),
        (0, 2, 2, 4),
        (1, 0, 2, 2),
        (0, 1, 1, 2),
    )
    return sum(rows((width - x + dx - 1) // dx, (height - y + dy - 1) // dy) for x, y, dx, dy in passes)


def _png(data: bytes) -> Sniffed:
    kind = "PNG 图片"
    pos, first, idat, header = len(PNG), True, [], None
    while True:
        if pos + 12 > len(data):
            return _no("evidence-image-malformed", kind=kind, detail="图片数据在结束块 IEND 之前中断")
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        end = pos + 12 + length
        if length > 0x7FFFFFFF or not ctype.isalpha() or end > len(data):
            return _no("evidence-image-malformed", kind=kind, detail=f"第 {pos} 字节处的数据块无效")
        body = data[pos + 8 : pos + 8 + length]
        if zlib.crc32(ctype + body) != struct.unpack(">I", data[end - 4 : end])[0]:
            name = ctype.decode("ascii")
            return _no("evidence-image-malformed", kind=kind, detail=f"数据块 {name} 的校验码不符")
        if first and (ctype != b"IHDR" or length != 13):
            return _no("evidence-image-malformed", kind=kind, detail="第一个数据块不是图像头 IHDR")
        first = False
        if ctype == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif ctype == b"IDAT":
            idat.append(body)
        elif ctype in _PNG_TEXT and _MARKUP.search(body):
            return _no("evidence-polyglot", kind=kind, other="网页（文字块中有 HTML/SVG 脚本）")
        pos = end
        if ctype == b"IEND":
            break
    if pos < len(data):
        return _no("evidence-trailing-data", kind=kind, size=len(data) - pos)
    width, height, depth, color, _, _, interlace = header
    if color not in _PNG_CHANNELS or not idat or width == 0 or height == 0:
        return _no("evidence-image-malformed", kind=kind, detail="图像头或图像数据缺失")
    if width * height > MAX_PIXELS:
        return _no("evidence-image-malformed", kind=kind, detail=f"图像 {width}×{height} 像素，超出上限")
    expected = _png_data_size(width, height, depth, color, bool(interlace))
    inflater = zlib.decompressobj()
    try:
        got = len(inflater.decompress(b"".join(idat), expected + 1))
    except zlib.error:
        return _no("evidence-image-malformed", kind=kind, detail="图像数据无法解压")
    if got != expected:
        return _no("evidence-image-malformed", kind=kind, detail="图像数据大小与图像头不符")
    return Sniffed("png")


# ----------------------------------------------------------------------------- JPEG

_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM and RST0-7 carry no length
_JPEG_FRAMES = frozenset({*range(0xC0, 0xC4), *range(0xC5, 0xC8), *range(0xC9, 0xCC), *range(0xCD, 0xD0)})


def _jpeg_end(data: bytes, pos: int) -> int | str:
    """Walk one image from its SOI at `pos`; the offset after its EOI, or why the walk failed."""
    pos += 2
    frame = scan = False
    while True:
        if pos + 2 > len(data):
            return "图片数据在结束标记 EOI 之前中断"
        if data[pos] != 0xFF:
            return f"第 {pos} 字节处应为段标记"
        marker = data[pos + 1]
        if marker == 0xFF:  # fill bytes before a marker
            pos += 1
            continue
        if marker == 0xD9:
            return pos + 2 if frame and scan else "缺少图像帧或扫描数据"
        if marker in _JPEG_STANDALONE:
            pos += 2
            continue
        if marker in (0x00, 0xD8) or pos + 4 > len(data):
            return f"第 {pos} 字节处的段标记无效"
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        if length < 2 or pos + 2 + length > len(data):
            return f"第 {pos} 字节处的段长度无效"
        frame = frame or marker in _JPEG_FRAMES
        pos += 2 + length
        if marker == 0xDA:  # entropy-coded data runs to the next marker that is not 00 or RSTn
            scan = True
            while True:
                pos = data.find(b"\xff", pos)
                if pos < 0 or pos + 1 >= len(data):
                    return "扫描数据在结束标记 EOI 之前中断"
                following = data[pos + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                    pos += 2 if following != 0xFF else 1
                    continue
                break


def _jpeg(data: bytes) -> Sniffed:
    kind, pos = "JPEG 图片", 0
    while True:
        end = _jpeg_end(data, pos)
        if isinstance(end, str):
            return _no("evidence-image-malformed", kind=kind, detail=end)
        rest = data[end:]
        if not rest.strip(_WHITESPACE):
            return Sniffed("jpeg")
        if not rest.startswith(
            JPEG
        ):  # phones append further whole images (MPF); anything else is not a photo
            return _no("evidence-trailing-data", kind=kind, size=len(rest))
        pos = end


# ----------------------------------------------------------------------------- OOXML


def _is_zip(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return bool(zf.infolist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return False


def _entry_problem(name: str) -> str | None:
    if "\\" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "是一个路径"
    if any(part in ("..", ".") for part in name.split("/")):
        return "含有上级目录“..”"
    if any(ord(ch) < 32 for ch in name):
        return "含有控制字符"
    return None


def _content_types(zf: zipfile.ZipFile) -> tuple[dict[str, str], dict[str, str]] | str:
    """(overrides by part name, defaults by extension), lower-cased; or why they cannot be read."""
    try:
        info = zf.getinfo("[Content_Types].xml")
    except KeyError:
        return "缺少内容类型清单 [Content_Types].xml"
    if info.file_size > _CONTENT_TYPES_LIMIT:
        return "内容类型清单过大"
    try:
        with zf.open(info) as handle:
            root = ElementTree.fromstring(handle.read(_CONTENT_TYPES_LIMIT + 1))
    except (
        ElementTree.ParseError,
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        NotImplementedError,
        RuntimeError,
    ):
        return "内容类型清单无法读取"
    overrides, defaults = {}, {}
    for element in root:
        tag = element.tag.rsplit("}", 1)[-1]
        content = (element.get("ContentType") or "").strip().lower()
        if tag == "Override" and element.get("PartName"):
            overrides[element.get("PartName").lstrip("/").lower()] = content
        elif tag == "Default" and element.get("Extension"):
            defaults[element.get("Extension").lower()] = content
    return overrides, defaults


def _ooxml(data: bytes, depth: int = 0) -> Sniffed:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return _no("evidence-office-malformed", detail="压缩结构损坏")
    with zf:
        return _ooxml_listing(data, zf, depth)


def _ooxml_listing(data: bytes, zf: zipfile.ZipFile, depth: int) -> Sniffed:
    infos = zf.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        return _no("evidence-zip-bomb", detail=f"{len(infos)} 个内部文件，超过上限 {MAX_ZIP_ENTRIES}")
    seen: set[str] = set()
    for info in infos:
        problem = _entry_problem(info.filename)
        if problem:
            return _no("evidence-zip-entry-unsafe", part=info.filename[:80], detail=problem)
        key = info.filename.lower()
        if key in seen:
            return _no("evidence-zip-entry-unsafe", part=info.filename[:80], detail="重复出现")
        seen.add(key)
        if info.file_size >= 1024 * 1024 and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
            return _no("evidence-zip-bomb", detail=f"{info.filename[:80]} 的压缩比超过 {MAX_ZIP_RATIO}:1")
    unpacked = sum(i.file_size for i in infos)
    if unpacked > MAX_ZIP_UNPACKED:
        return _no("evidence-zip-bomb", detail=f"解压后共 {unpacked / 1048576:.0f} MB")
    types = _content_types(zf)
    if isinstance(types, str):
        if "[Content_Types].xml".lower() not in seen:
            return _no("evidence-type-not-allowed", detail="压缩包，不是 Office 文件")
        return _no("evidence-office-malformed", detail=types)
    overrides, defaults = types
    parts = [i for i in infos if not i.is_dir() and i.filename != "[Content_Types].xml"]
    found_kind = None
    for info in parts:
        name = info.filename
        path = PurePosixPath(name.lower())
        ctype = overrides.get(name.lower()) or defaults.get(path.suffix.lstrip("."), "")
        if path.name in _MACRO_PARTS or any(w in ctype for w in _MACRO_TYPE_WORDS):
            return Sniffed(None, Refusal("evidence-macro", {"part": name}))
        if path.suffix in _EXECUTABLE_SUFFIXES or any(w in ctype for w in _EXECUTABLE_TYPES):
            return _no("evidence-executable", part=name)
        if "oleobject" in path.name or "activex" in name.lower() or "oleobject" in ctype:
            return _no("evidence-embedded-object", part=name)
        if "/embeddings/" in f"/{name.lower()}":
            embedded = _embedded(zf, info, path.suffix, depth)
            if embedded is not None:
                return embedded
        elif not name.lower().endswith((".xml", ".rels")) and _starts_with_program(zf, info):
            return _no("evidence-executable", part=name)
        if ctype in _OOXML_MAIN:
            if found_kind is not None:
                return _no("evidence-office-malformed", detail="含有多个主文档部件")
            found_kind = _OOXML_MAIN[ctype]
    if found_kind is None:
        return _no(
            "evidence-type-not-allowed",
            detail="无法识别的 Office 文件（不是 Word、Excel 或 PowerPoint 文档）",
        )
    return Sniffed(found_kind)


def _starts_with_program(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """A Windows program (MZ) or a script whatever the part is called."""
    try:
        with zf.open(info) as handle:
            head = handle.read(64)
    except (zipfile.BadZipFile, zlib.error, OSError, NotImplementedError, RuntimeError):
        return False
    return head.startswith(b"MZ") or head.lstrip().startswith(b"#!")


def _embedded(zf: zipfile.ZipFile, info: zipfile.ZipInfo, suffix: str, depth: int) -> Sniffed | None:
    """A workbook behind a chart is checked like an upload of its own; any other embedding is refused."""
    if suffix not in _EMBEDDED_OOXML or depth > 0:
        return _no("evidence-embedded-object", part=info.filename)
    try:
        with zf.open(info) as handle:
            inner = handle.read(MAX_ZIP_UNPACKED)
    except (zipfile.BadZipFile, zlib.error, OSError, NotImplementedError, RuntimeError):
        return _no("evidence-office-malformed", detail=f"内嵌文件 {info.filename} 无法读取")
    found = (
        _ooxml(inner, depth + 1)
        if inner.startswith(ZIP)
        else _no("evidence-embedded-object", part=info.filename)
    )
    if found.refusal is not None:
        return found
    return None


# ----------------------------------------------------------------------------- OLE (97-2003)


def _ole(data: bytes) -> Sniffed:
    """A compound file's directory: WordDocument or Workbook says which; macros or objects refuse it."""
    try:
        with olefile.OleFileIO(data) as ole:
            entries = ole.listdir(streams=True, storages=True)
    except Exception:  # noqa: BLE001 (olefile raises OSError, struct.error, IndexError… on a bad file)
        return _no("evidence-office-malformed", detail="复合文档目录损坏")
    names = {tuple(n.lower() for n in entry) for entry in entries}
    for entry in names:
        if _OLE_MACRO_STORAGES & set(entry):
            return Sniffed(None, Refusal("evidence-macro", {"part": "/".join(entry)}))
        if _OLE_OBJECT_NAMES & set(entry) or (entry[0].startswith("mbd") and len(entry) > 1):
            return _no("evidence-embedded-object", part="/".join(entry))
    tops = {entry[0] for entry in names}
    if "encryptedpackage" in tops:
        return _no("evidence-type-not-allowed", detail="加密的 Office 文件")
    if "worddocument" in tops:
        return Sniffed("doc")
    if "workbook" in tops or "book" in tops:
        return Sniffed("xls")
    return _no("evidence-type-not-allowed", detail="Office 97-2003 复合文档，只接收 .doc 和 .xls")


# ----------------------------------------------------------------------------- the check


def sniff(data: bytes) -> Sniffed:
    """What the bytes are, walked by structure; a refusal when they are not wholly one kind we take."""
    if data.startswith(PDF):
        return _pdf(data)
    if data.startswith(PNG):
        return _png(data)
    if data.startswith(JPEG):
        return _jpeg(data)
    if data.startswith(ZIP):
        return _ooxml(data)
    if data.startswith(OLE):
        return _ole(data)
    return _no("evidence-type-not-allowed", detail="无法识别的文件内容")


@dataclass(frozen=True)
class Checked:
    issues: list[Issue]
    kind: Kind | None = None
    name: str = ""  # the safe base name: stored, shown and offered for download

    @property
    def ok(self) -> bool:
        return not self.issues


def check(data: bytes, file_name: str, max_mb: int) -> Checked:
    """Size within `max_mb`, content walked by structure, extension agreeing with it, no macros."""
    name = safe_file_name(file_name)
    ext = PurePosixPath(name).suffix.lower()
    if not data:
        return Checked([Issue.make("evidence-empty", file=name)], name=name)
    limit = max_mb * 1024 * 1024
    if len(data) > limit:
        size = f"{len(data) / 1048576:.1f}"
        return Checked(
            [Issue.make("evidence-too-large", file=name, size_mb=size, limit_mb=max_mb)], name=name
        )
    found = sniff(data)
    if found.refusal is not None:
        return Checked([Issue.make(found.refusal.code, file=name, **found.refusal.params)], name=name)
    kind = KINDS[found.kind]
    if ext not in kind.extensions:
        issue = Issue.make("evidence-type-mismatch", file=name, ext=ext or "（无）", kind=kind.name)
        return Checked([issue], name=name)
    return Checked([], kind, name)


def attached(home: Path, data: bytes | None, file_name: str | None, max_mb: int) -> dict[str, str]:
    """A file sent with a text (an 异议, the answer to a problem): checked like any 佐证材料, kept in
    the content store by hash, and the columns its row records (name, media type, path under
    `home`); {} without a file. A refused file raises InvalidInput saying why, before anything is kept."""
    if data is None:
        return {}
    checked = check(data, file_name or "", max_mb)
    if not checked.ok:
        raise InvalidInput("佐证材料未接收：" + "；".join(i.message for i in checked.issues))
    _, path = filestore.store(evidence_dir(home), data, checked.kind.extensions[0])
    return {
        "evidence_name": checked.name,
        "evidence_type": checked.kind.media_type,
        "evidence_path": str(path.relative_to(home)),
    }
