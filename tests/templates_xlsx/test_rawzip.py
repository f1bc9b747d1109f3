"""An entry deflated ahead of time is written as ZipFile.writestr writes it, byte for byte."""

from __future__ import annotations

import io
import time
import zipfile

import pytest

from templates_xlsx.rawzip import Deflated, write_deflated

MEMBERS = [
    ("xl/theme/theme1.xml", ("<a:theme>" + "主题 theme " * 400 + "</a:theme>").encode()),
    ("2025Q3_JZKF-JFJ_经发局_填报模板.xlsx", bytes(range(256)) * 40),  # a UTF-8 name, incompressible data
    ("empty.txt", b""),
]


def _archive(write) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in MEMBERS:
            write(zf, name, data)
    return buf.getvalue()


def test_a_deflated_entry_is_the_bytes_writestr_writes(monkeypatch):
    monkeypatch.setattr(time, "time", lambda: 1764547200.0)  # both at the same second
    by_writestr = _archive(lambda zf, name, data: zf.writestr(name, data))
    ahead = _archive(lambda zf, name, data: write_deflated(zf, name, Deflated.of(data)))
    assert ahead == by_writestr
    with zipfile.ZipFile(io.BytesIO(ahead)) as zf:
        assert zf.testzip() is None
        assert [(i.filename, zf.read(i)) for i in zf.infolist()] == MEMBERS


def test_entries_written_ahead_and_by_writestr_mix_in_one_archive():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        write_deflated(zf, "a.xml", Deflated.of(b"<a/>" * 100))
        zf.writestr("b.xml", b"<b/>")
        write_deflated(zf, "c.xml", Deflated.of(b"<c/>"))
    with zipfile.ZipFile(buf) as zf:
        assert zf.testzip() is None
        assert (
            zf.read("a.xml") == b"<a/>" * 100 and zf.read("b.xml") == b"<b/>" and zf.read("c.xml") == b"<c/>"
        )


def test_an_archive_at_another_compression_is_refused():
    with zipfile.ZipFile(io.BytesIO(), "w", zipfile.ZIP_STORED) as zf, pytest.raises(ValueError):
        write_deflated(zf, "a.xml", Deflated.of(b"<a/>"))
