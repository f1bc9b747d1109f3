"""Printing an exported workbook the way an office would: LibreOffice headless to PDF, pages counted."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from tests.conftest import require_tool

# A page object, not the /Pages tree node (LibreOffice writes page objects uncompressed).
_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")


def to_pdf(xlsx: Path) -> Path:
    soffice = require_tool("soffice")
    out = xlsx.parent
    profile = out / "lo-profile"  # a private profile: tests may run beside a desktop LibreOffice
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
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
