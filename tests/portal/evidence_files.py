"""Real evidence files built byte by byte: OLE compound files (Word/Excel 97-2003) and OOXML parts.

The compound-file writer follows [MS-CFB] version 3: a header, one FAT sector, directory sectors,
then each stream in regular sectors (streams are padded to the 4,096-byte mini-stream cutoff, so no
mini FAT is needed). olefile reads what it writes.
"""

from __future__ import annotations

import io
import struct
import zipfile

FREE, END, FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF
SECTOR = 512


def _entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
    encoded = (name + "\0").encode("utf-16-le")
    return (
        encoded.ljust(64, b"\0")
        + struct.pack("<HBB", len(encoded), kind, 1)
        + struct.pack("<III", NOSTREAM, right, child)
        + bytes(16 + 4 + 8 + 8)
        + struct.pack("<IQ", start, size)
    )


def ole_file(streams: dict[str, bytes]) -> bytes:
    """A compound file holding `streams` by path ("WordDocument", "Macros/VBA/dir")."""
    nodes: dict[str, dict] = {"": {"name": "Root Entry", "kind": 5, "children": [], "data": b""}}
    for path, data in streams.items():
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            key = "/".join(parts[:depth])
            if key not in nodes:
                leaf = depth == len(parts)
                nodes[key] = {"name": parts[depth - 1], "kind": 2 if leaf else 1, "children": [],
                              "data": data.ljust(4096, b"\0") if leaf else b""}  # fmt: skip
                nodes["/".join(parts[: depth - 1])]["children"].append(key)
    order = list(nodes)
    index = {key: i for i, key in enumerate(order)}
    dir_sectors = (len(order) * 128 + SECTOR - 1) // SECTOR
    fat = [FATSECT] + [i + 2 for i in range(dir_sectors - 1)] + [END]
    starts = {}
    for key in order:
        data = nodes[key]["data"]
        if not data:
            continue
        count = (len(data) + SECTOR - 1) // SECTOR
        starts[key] = len(fat)
        fat += [len(fat) + i + 1 for i in range(count - 1)] + [END]
    assert len(fat) <= SECTOR // 4, "the writer keeps to one FAT sector"
    entries = b""
    for key in order:
        node = nodes[key]
        kids = node["children"]
        child = index[kids[0]] if kids else NOSTREAM
        siblings = nodes[key.rsplit("/", 1)[0] if "/" in key else ""]["children"] if key else []
        pos = siblings.index(key) if key else -1
        right = index[siblings[pos + 1]] if key and pos + 1 < len(siblings) else NOSTREAM
        size = len(streams.get(key, b"").ljust(4096, b"\0")) if node["kind"] == 2 else 0
        entries += _entry(node["name"], node["kind"], child, right, starts.get(key, END), size)
    entries = entries.ljust(dir_sectors * SECTOR, b"\0")
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + bytes(16)
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, END, 0, END, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", FREE) * 108
    )
    body = b"".join(nodes[key]["data"].ljust(((len(nodes[key]["data"]) + SECTOR - 1) // SECTOR) * SECTOR, b"\0")
                    for key in order if nodes[key]["data"])  # fmt: skip
    fat_sector = struct.pack(f"<{SECTOR // 4}I", *(fat + [FREE] * (SECTOR // 4 - len(fat))))
    return header + fat_sector + entries + body


def word_97(extra: dict[str, bytes] | None = None) -> bytes:
    return ole_file({"WordDocument": "正文".encode("utf-16-le") * 100, "1Table": b"\0" * 64} | (extra or {}))


def excel_97(extra: dict[str, bytes] | None = None) -> bytes:
    return ole_file({"Workbook": b"\x09\x08" + bytes(100)} | (extra or {}))


CONTENT_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def docx(
    main_type: str = WORD_MAIN,
    parts: dict[str, bytes] | None = None,
    overrides: dict[str, str] | None = None,
    entries: list[tuple[str, bytes]] | None = None,
) -> bytes:
    """A Word document as the OOXML parts Word writes, with extra parts, content types or raw entries."""
    types = {"/word/document.xml": main_type} | (overrides or {})
    override_xml = "".join(f'<Override PartName="{k}" ContentType="{v}"/>' for k, v in types.items())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "[Content_Types].xml",
            f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{CONTENT_TYPES_NS}"><Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            f'ContentType="application/xml"/>{override_xml}</Types>',
        )
        zf.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        zf.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>验收报告</w:t></w:r></w:p></w:body></w:document>',
        )
        for name, data in (parts or {}).items():
            zf.writestr(name, data)
        for name, data in entries or []:
            zf.writestr(zipfile.ZipInfo(name), data)
    return buf.getvalue()


def pdf(body: str = "", trailer: bytes = b"") -> bytes:
    """A one-page PDF with a correct cross-reference table; `body` goes into the catalogue."""
    objects = [
        f"<< /Type /Catalog /Pages 2 0 R {body}>>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for number, text in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{text}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out + trailer


def zip_of(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()
