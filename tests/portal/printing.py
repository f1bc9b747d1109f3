"""Printing an exported workbook the way an office would: LibreOffice headless to PDF, pages counted."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from tests.conftest import libreoffice_profile, require_tool

# A page object, not the /Pages tree node (LibreOffice writes page objects uncompressed).
_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")


def to_pdf(xlsx: Path) -> Path:
    soffice = require_tool("soffice")
    out = xlsx.parent
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={libreoffice_profile()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(xlsx),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    pdf = out / (xlsx.stem + ".pdf")
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF"), f"LibreOffice wrote no PDF for {xlsx.name}"
    return pdf


def pdf_pages(pdf: Path) -> int:
    """pdfinfo's count when poppler-utils is installed, else the page objects in the file."""
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        return int(re.search(r"^Pages:\s+(\d+)", info, re.M)[1])
    return len(_PAGE.findall(pdf.read_bytes()))


def pdf_text(pdf: Path) -> str:
    """The printed text, laid out as on the page; pages are separated by form feeds (pdftotext)."""
    pdftotext = require_tool("pdftotext")
    return subprocess.run(
        [pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


_BBOX_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
_BBOX_WORD = re.compile(
    r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">([^<]*)</word>'
)


def assert_no_cut_columns(pdf: Path, *tables: list[str]) -> None:
    """No column of a printed table is cut: every word lies inside its page (nothing runs off the
    paper), and for each table one page carries every one of its header texts whole (a column
    spilled onto a page of its own, or squeezed until its header breaks, fails)."""
    pdftotext = require_tool("pdftotext")
    html = subprocess.run(
        [pdftotext, "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = _BBOX_PAGE.findall(html)
    assert pages, f"pdftotext found no page in {pdf.name}"
    for number, (width, height, body) in enumerate(pages, start=1):
        for x0, y0, x1, y1, word in _BBOX_WORD.findall(body):
            inside = (
                float(x0) >= 0 and float(y0) >= 0 and float(x1) <= float(width) and float(y1) <= float(height)
            )
            assert inside, f"第 {number} 页的“{word}”超出纸面（{x0}–{x1} / {width}）"
    printed = ["".join(page.split()) for page in pdf_text(pdf).split("\f")]
    for headers in tables:
        # a header written on two lines ("指标完成\n（60分）") prints as two pieces, each whole
        whole = [piece for h in headers for piece in str(h).split("\n") if "".join(piece.split())]
        missing = min(([h for h in whole if "".join(h.split()) not in page] for page in printed), key=len)
        assert not missing, f"没有一页完整印出表头 {whole}：最多的一页仍缺 {missing}"
