"""File-safety details the corpus does not spell out: encodings, lying archives, the settings' caps."""

from __future__ import annotations

import io
import struct
import zipfile

from portal.core.settings import load_settings
from tests.validators import hostile
from validators.file_safety import Limits, check_file


def test_a_clean_template_passes(template):
    assert check_file(template) == []


def test_a_doctype_in_utf16_xml_is_found(template):
    doctype = (
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r/>'
    )
    data = hostile.rezip(template, add={"xl/custom.xml": b"\xff\xfe" + doctype.encode("utf-16-le")})
    assert [(i.code, i.params["detail"]) for i in check_file(data)] == [("file-xml-entity", "xl/custom.xml")]


def test_entity_text_typed_into_a_cell_is_no_declaration(template):
    from tests.xlsx_fill import fill_template

    data = fill_template(template, indicators={"T-K01": {"note": '<!DOCTYPE x [<!ENTITY y "z">]>'}})
    assert check_file(data) == []


def _shrink_declared_size(data: bytes, member: str) -> bytes:
    """Central directory and local header claim a member is 100 bytes: it inflates to more."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(member)
    out = bytearray(data)
    struct.pack_into("<I", out, info.header_offset + 22, 100)  # local header: uncompressed size
    pos = data.find(b"PK\x01\x02")
    while pos != -1:  # central directory entries
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46 : pos + 46 + name_len].decode() == member:
            struct.pack_into("<I", out, pos + 24, 100)
        pos = data.find(b"PK\x01\x02", pos + 4)
    return bytes(out)


def test_an_archive_lying_about_its_sizes_is_unreadable_not_inflated(template):
    data = hostile.with_member(template, "xl/media/big.bin", bytes(5 * 1024 * 1024))
    codes = [i.code for i in check_file(_shrink_declared_size(data, "xl/media/big.bin"))]
    assert codes == ["file-unreadable"]


def test_caps_come_from_the_settings(portal_home, monkeypatch):
    monkeypatch.setenv("PORTAL_MAX_UPLOAD_MB", "3")
    limits = Limits.from_settings(load_settings(portal_home))
    assert limits.max_upload_mb == 3 and limits.max_uncompressed_mb == 200
    assert [i.code for i in check_file(bytes(4 * 1024 * 1024), limits)] == ["file-too-large"]


def test_messages_say_what_the_file_is_instead(template):
    detail = {
        name: check_file(make(template))[0].params["detail"]
        for name, make in [
            ("html", hostile.html_as_xls),
            ("pdf", hostile.pdf_file),
            ("csv", hostile.csv_file),
            ("ods", hostile.ods_file),
            ("docx", hostile.docx_file),
        ]
    }
    assert "HTML" in detail["html"] and "PDF" in detail["pdf"] and "CSV" in detail["csv"]
    assert ".ods" in detail["ods"] and "Word" in detail["docx"]


def test_a_password_protected_zip_member_is_an_encrypted_file(template):
    data = bytearray(template)
    pos = data.find(b"PK\x01\x02")
    struct.pack_into("<H", data, pos + 8, struct.unpack_from("<H", data, pos + 8)[0] | 0x1)
    assert [i.code for i in check_file(bytes(data))] == ["file-encrypted"]


def test_a_web_hyperlink_pasted_into_a_note_is_accepted(good):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(good))
    book["指标填报"]["O4"].hyperlink = "https://tjj.example.gov.cn/2025/q3.html"
    out = io.BytesIO()
    book.save(out)
    assert check_file(out.getvalue()) == []


def test_the_duplicated_part_is_named_and_checked_before_the_content_types(template):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = hostile.with_member(template, "[Content_Types].xml", b"<Types/>")
    (issue,) = check_file(data)
    assert issue.code == "file-zip-duplicate" and "[Content_Types].xml" in issue.message


def test_a_path_like_entry_name_is_shown_escaped(template):
    (issue,) = check_file(hostile.with_entry("xl/../\x01evil.xml")(template))
    assert issue.code == "file-zip-path" and "\\x01" in issue.message
