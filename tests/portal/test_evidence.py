"""Evidence files are checked by structure: each polyglot and smuggled payload has its own refusal."""

import io
import struct
import zlib

import pytest
from PIL import Image

from portal.reporting import evidence as ev
from tests.portal import evidence_files as f


def _image(fmt: str, **options) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (16, 12), (30, 120, 200)).save(buf, fmt, **options)
    return buf.getvalue()


def _png_with_chunk(kind: bytes, body: bytes) -> bytes:
    png = _image("PNG")
    chunk = struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return png[:33] + chunk + png[33:]  # after the 8-byte signature and the 25-byte IHDR


def _png_flipped_in(kind: bytes) -> bytes:
    png = bytearray(_image("PNG"))
    png[png.index(kind) + 4] ^= 0xFF
    return bytes(png)


def _png_declaring_height(height: int) -> bytes:
    png = _image("PNG")
    header = b"IHDR" + png[16:20] + struct.pack(">I", height) + png[24:29]
    return png[:12] + header + struct.pack(">I", zlib.crc32(header)) + png[33:]


ZIP = f.zip_of({"payload.html": b"<script>alert(1)</script>"})
EXE = b"MZ\x90\x00" + bytes(300)
MACRO_WORD = "application/vnd.ms-word.document.macroEnabled.main+xml"


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("报告.pdf", f.pdf),
        ("报告.pdf", lambda: _image("PDF")),
        ("照片.png", lambda: _image("PNG")),
        ("照片.png", lambda: _image("PNG", interlace=1)),
        ("照片.jpg", lambda: _image("JPEG")),
        ("照片.jpeg", lambda: _image("JPEG", progressive=True)),
        ("总结.docx", f.docx),
        ("图表.docx", lambda: f.docx(parts={"word/embeddings/Microsoft_Excel_Worksheet.xlsx": f.docx()})),
        ("旧版.doc", f.word_97),
        ("旧版.xls", f.excel_97),
    ],
)
def test_well_formed_evidence_of_each_kind_is_taken(name, make):
    checked = ev.check(make(), name, 20)
    assert checked.ok, [i.message for i in checked.issues]


@pytest.mark.parametrize(
    ("case", "name", "make", "code"),
    [
        # PDF
        ("pdf then zip", "报告.pdf", lambda: f.pdf(trailer=ZIP), "evidence-trailing-data"),
        ("pdf, zip, then %%EOF", "报告.pdf", lambda: f.pdf(trailer=ZIP + b"\n%%EOF\n"), "evidence-polyglot"),
        (
            "pdf then html",
            "报告.pdf",
            lambda: f.pdf(trailer=b"<html><script>x()</script></html>"),
            "evidence-trailing-data",
        ),
        (
            "pdf header on a web page",
            "报告.pdf",
            lambda: b"%PDF-1.4\n<html><script>x()</script></html>\n%%EOF\n",
            "evidence-polyglot",
        ),
        (
            "pdf header and nothing else",
            "报告.pdf",
            lambda: b"%PDF-1.4\n<html></html>",
            "evidence-pdf-malformed",
        ),
        (
            "pdf without objects",
            "报告.pdf",
            lambda: b"%PDF-1.4\nstartxref\n0\n%%EOF\n",
            "evidence-pdf-malformed",
        ),
        (
            "pdf with a wrong startxref",
            "报告.pdf",
            lambda: f.pdf().replace(b"startxref\n", b"startxref\n9"),
            "evidence-pdf-malformed",
        ),
        (
            "pdf with javascript",
            "报告.pdf",
            lambda: f.pdf("/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"),
            "evidence-pdf-active",
        ),
        (
            "pdf with hex-escaped javascript",
            "报告.pdf",
            lambda: f.pdf("/OpenAction << /S /Java#53cript >>"),
            "evidence-pdf-active",
        ),
        (
            "pdf with a launch action",
            "报告.pdf",
            lambda: f.pdf("/OpenAction << /S /Launch /F (cmd.exe) >>"),
            "evidence-pdf-active",
        ),
        (
            "pdf with an embedded file",
            "报告.pdf",
            lambda: f.pdf("/Names << /EmbeddedFiles 9 0 R >>"),
            "evidence-pdf-active",
        ),
        # PNG
        (
            "png magic then svg",
            "照片.png",
            lambda: ev.PNG + b'<svg onload="alert(1)"></svg>',
            "evidence-image-malformed",
        ),
        (
            "png then script",
            "照片.png",
            lambda: _image("PNG") + b"<script>alert(1)</script>",
            "evidence-trailing-data",
        ),
        (
            "png with a script in a text chunk",
            "照片.png",
            lambda: _png_with_chunk(b"tEXt", b"Comment\0<svg><script>alert(1)</script></svg>"),
            "evidence-polyglot",
        ),
        ("png with a bad crc", "照片.png", lambda: _png_flipped_in(b"IDAT"), "evidence-image-malformed"),
        ("png cut short", "照片.png", lambda: _image("PNG")[:-12], "evidence-image-malformed"),
        (
            "png taller than its image data",
            "照片.png",
            lambda: _png_declaring_height(400),
            "evidence-image-malformed",
        ),
        # JPEG
        ("jpeg then zip", "照片.jpg", lambda: _image("JPEG") + ZIP, "evidence-trailing-data"),
        ("jpeg cut short", "照片.jpg", lambda: _image("JPEG")[:200], "evidence-image-malformed"),
        (
            "jpeg magic then html",
            "照片.jpg",
            lambda: ev.JPEG + b"\xe0<html><script>x()</script>",
            "evidence-image-malformed",
        ),
        # OOXML
        (
            "docx carrying an exe",
            "总结.docx",
            lambda: f.docx(parts={"word/media/setup.exe": EXE}),
            "evidence-executable",
        ),
        (
            "docx with an exe named as an image",
            "总结.docx",
            lambda: f.docx(parts={"word/media/image1.png": EXE}),
            "evidence-executable",
        ),
        (
            "docx carrying a script",
            "总结.docx",
            lambda: f.docx(parts={"word/run.vbs": b"MsgBox 1"}),
            "evidence-executable",
        ),
        (
            "renamed macro project vbaData",
            "总结.docx",
            lambda: f.docx(parts={"word/vbaData.bin": b"\0" * 64}),
            "evidence-macro",
        ),
        (
            "macro-enabled main content type",
            "总结.docx",
            lambda: f.docx(main_type=MACRO_WORD),
            "evidence-macro",
        ),
        (
            "vba project under another name",
            "总结.docx",
            lambda: f.docx(
                parts={"word/extra.bin": b"\0"},
                overrides={"/word/extra.bin": "application/vnd.ms-office.vbaProject"},
            ),
            "evidence-macro",
        ),
        (
            "embedded ole package",
            "总结.docx",
            lambda: f.docx(parts={"word/embeddings/oleObject1.bin": f.excel_97()}),
            "evidence-embedded-object",
        ),
        (
            "embedded binary",
            "总结.docx",
            lambda: f.docx(parts={"word/embeddings/package.bin": b"\0" * 64}),
            "evidence-embedded-object",
        ),
        (
            "embedded workbook with macros",
            "总结.docx",
            lambda: f.docx(parts={"word/embeddings/Book.xlsx": f.docx(main_type=MACRO_WORD)}),
            "evidence-macro",
        ),
        (
            "activex control",
            "总结.docx",
            lambda: f.docx(parts={"word/activeX/activeX1.xml": b"<x/>"}),
            "evidence-embedded-object",
        ),
        (
            "duplicate entries",
            "总结.docx",
            lambda: f.docx(entries=[("word/document.xml", b"<w:document/>")]),
            "evidence-zip-entry-unsafe",
        ),
        (
            "path-like entry",
            "总结.docx",
            lambda: f.docx(entries=[("../../evil.xml", b"<x/>")]),
            "evidence-zip-entry-unsafe",
        ),
        (
            "zip bomb",
            "总结.docx",
            lambda: f.docx(parts={"word/media/big.xml": b"\0" * (20 * 1024 * 1024)}),
            "evidence-zip-bomb",
        ),
        ("docx named xlsx", "台账.xlsx", f.docx, "evidence-type-mismatch"),
        ("plain zip", "打包.docx", lambda: ZIP, "evidence-type-not-allowed"),
        # OLE
        (
            "word 97 with a macro storage",
            "旧版.doc",
            lambda: f.word_97({"Macros/VBA/dir": b"\1" * 64}),
            "evidence-macro",
        ),
        (
            "excel 97 with a vba project",
            "旧版.xls",
            lambda: f.excel_97({"_VBA_PROJECT_CUR/VBA/dir": b"\1"}),
            "evidence-macro",
        ),
        (
            "word 97 with an embedded object",
            "旧版.doc",
            lambda: f.word_97({"ObjectPool/_1/\x01Ole10Native": b"\1"}),
            "evidence-embedded-object",
        ),
        (
            "ole signature on garbage",
            "旧版.doc",
            lambda: ev.OLE + bytes(504) + "正文".encode("utf-16-le") * 100,
            "evidence-office-malformed",
        ),
        ("word 97 named xls", "旧版.xls", f.word_97, "evidence-type-mismatch"),
    ],
)
def test_a_polyglot_or_smuggled_payload_is_refused_with_its_own_code(case, name, make, code):
    checked = ev.check(make(), name, 50)
    assert [i.code for i in checked.issues] == [code], case
    issue = checked.issues[0]
    assert issue.message.startswith("佐证材料“") and issue.hint and "{" not in issue.message


def test_a_refusal_names_the_part_that_caused_it():
    checked = ev.check(f.docx(parts={"word/media/setup.exe": EXE}), "总结.docx", 20)
    assert (
        checked.issues[0].message
        == "佐证材料“总结.docx”内含可执行程序或脚本（word/media/setup.exe），出于安全原因不予接收。"
    )
