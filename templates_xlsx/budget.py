"""How far each worksheet of an untrusted workbook reaches, checked before any reader sees it.

calamine (fastexcel) allocates a grid from the cell references it reads: one cell at XFD1048576
in a 13 KB file asks for ~512 GiB and aborts the process; openpyxl builds an object per cell, so
200,000 real rows cost minutes and gigabytes in the annotated copy. So each worksheet's
`<dimension ref>` and the furthest cell reference actually present are found by streaming its
XML (in chunks, stopping at the first cell beyond the budget) and compared with the sheet's
budget: the spec's rows (`SheetSpec.max_rows`) and its columns plus a margin. Beyond it is a
located `sheet-too-large` issue, and the sheet is never handed to a reader.
"""

from __future__ import annotations

import functools
import re
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

from schemas.issues import Issue
from schemas.sheets import (
    INSTRUCTIONS,
    LIST_SHEETS,
    META_SHEET,
    REGISTRY_SHEETS,
    TEMPLATE_SHEETS,
    SheetSpec,
    column_letter,
)

# Columns beyond a spec's own that a sheet may use: room for a clerk's side notes to the right.
COLUMN_MARGIN = 26
# Bytes read from a sheet part at a time.
CHUNK = 256 * 1024
# A sheet whose XML inflates past this is refused whatever its cells (file safety caps the whole
# archive at max_uncompressed_mb; this bounds callers that do not run it first).
MAX_SHEET_XML_BYTES = 256 * 1024 * 1024
# A single tag longer than this is no cell any application writes.
_MAX_TAG_BYTES = 64 * 1024

_TAG = re.compile(rb"<(?:[\w.-]+:)?(row|c|dimension)\b([^>]*)>")
_CELL_REF = re.compile(rb"""\br\s*=\s*["']([A-Za-z]*)(\d+)["']""")
_DIMENSION = re.compile(rb"""\bref\s*=\s*["'](?:[^"':]*:)?([A-Za-z]+)(\d+)["']""")
# A chunk whose every cell names its position is checked with one regex pass, not tag by tag;
# anything unusual in it (a <dimension>, namespace prefixes, a tag name followed by a tab or
# newline) leaves it to the tag-by-tag loop.
_C_REF = re.compile(rb"""<c\s[^>]*?\br\s*=\s*["']([A-Za-z]+)(\d+)["'][^>]*>""")
_ODD = (b"dimension", b":c", b":row", b"<c\t", b"<c\n", b"<c\r", b"<row\t", b"<row\n", b"<row\r")


@dataclass(frozen=True)
class Budget:
    rows: int
    cols: int

    def allows(self, row: int, col: int) -> bool:
        """`row` 1-based, `col` 0-based, as Excel numbers them in a reference."""
        return row <= self.rows and col < self.cols


def budget_of(spec: SheetSpec) -> Budget:
    return Budget(spec.max_rows, len(spec.columns) + COLUMN_MARGIN)


# Sheets no spec describes (a sheet the clerk added, a chart sheet): the template's row budget
# and twice its widest sheet's columns.
OTHER_SHEETS = Budget(5_000, 64)
BUDGETS: dict[str, Budget] = {
    spec.name: budget_of(spec)
    for spec in (*TEMPLATE_SHEETS, *LIST_SHEETS, META_SHEET, INSTRUCTIONS, *REGISTRY_SHEETS)
}


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters.upper()[:8]:  # eight letters are already far past any budget
        n = n * 26 + (ch - 64)
    return n - 1


def _number(digits: bytes) -> int:
    return int(digits[:12])  # twelve digits are already far past any budget


def far_cell(archive: zipfile.ZipFile, part: str, budget: Budget) -> str | None:
    """The first cell in the sheet's XML beyond `budget`, else the far corner of a `<dimension>`
    beyond it (a lying extent), else None. Reads at most MAX_SHEET_XML_BYTES of the part."""
    row, col, seen = 0, -1, 0
    tail = b""
    dimension: str | None = None
    with archive.open(part) as fh:
        while True:
            chunk = fh.read(CHUNK)
            seen += len(chunk)
            if seen > MAX_SHEET_XML_BYTES:
                return f"{column_letter(max(col, 0))}{row}"
            buffer = tail + chunk
            # Scan up to an unfinished tag at the end of the chunk; keep that for the next one.
            cut = buffer.rfind(b"<")
            if not chunk or cut < 0 or buffer.find(b">", cut) >= 0:
                cut = len(buffer)
            # The <dimension> tag (near the top) is stepped alone, so the cells after it in the
            # same chunk still take the one-pass check.
            d = buffer.find(b"dimension", 0, cut) if seen == len(chunk) else -1  # first chunk only:
            # anywhere else `_has_odd` sends the chunk to the tag loop
            close = buffer.find(b">", d, cut) + 1 if d >= 0 else 0
            for start, end in ((0, close), (close, cut)) if close else ((0, cut),):
                fast = _explicit_chunk(buffer[start:end], budget)
                if fast is not None:
                    row, col = fast
                for m in () if fast is not None else _TAG.finditer(buffer, start, end):
                    name, attrs = m.group(1), m.group(2)
                    if name == b"dimension":
                        ref = _DIMENSION.search(attrs)
                        if ref and not budget.allows(_number(ref.group(2)), _col_index(ref.group(1))):
                            dimension = f"{ref.group(1).decode().upper()}{_number(ref.group(2))}"
                        continue
                    ref = _CELL_REF.search(attrs)
                    if name == b"row":
                        row, col = (_number(ref.group(2)) if ref else row + 1), -1
                        continue
                    if ref and ref.group(1):
                        col, row = _col_index(ref.group(1)), _number(ref.group(2))
                    else:
                        col += 1
                    if not budget.allows(row, col):
                        return f"{column_letter(col)}{row}"
            tail = buffer[cut:]
            if len(tail) > _MAX_TAG_BYTES:
                return f"{column_letter(max(col, 0))}{row}"
            if not chunk:
                return dimension


def _has_odd(segment: bytes) -> bool:
    """Any of _ODD in the segment. Each needle costs a pass over it, so the ones holding a colon
    or a tab, newline or return are looked for only when that byte (one fast memchr) is there."""
    if b"dimension" in segment:
        return True
    if b":" in segment and (b":c" in segment or b":row" in segment):
        return True
    return any(space in segment for space in b"\t\n\r") and any(odd in segment for odd in _ODD)


@functools.cache
def _loud(rows: int, cols: int) -> re.Pattern[bytes]:
    """The first `<c r="` whose reference is not plainly inside (rows, cols): one letter within
    the columns and a row number of at most `rows` (no leading sign or space). A chunk without one
    needs no look at its references one by one (one regex search, no Python step per cell); any
    other reference, in budget or not, is left to the exact check."""
    digits = str(rows)
    numbers = [rb"\d{1,%d}" % (len(digits) - 1)] if len(digits) > 1 else []
    for i, d in enumerate(digits):  # L-digit numbers below `rows`: a smaller digit after its prefix
        if d != "0":
            numbers.append(rb"%s[0-%d]\d{%d}" % (digits[:i].encode(), int(d) - 1, len(digits) - i - 1))
    numbers.append(digits.encode())
    last_letter = chr(ord("A") + min(cols, 26) - 1).encode()
    return re.compile(rb'<c r="(?![A-%s](?:%s)")' % (last_letter, b"|".join(numbers)))


def _explicit_chunk(segment: bytes, budget: Budget) -> tuple[int, int] | None:
    """(row, col) after `segment` when it has no <dimension> and no prefixed or oddly spaced
    tags, every cell in it carries its `r` reference and all lie within `budget`; else None, and
    the tag-by-tag loop decides (and locates the first cell beyond). Same answer, without a Python
    step per cell."""
    if _has_odd(segment):
        return None
    plain = segment.count(b'<c r="')
    # Every tag starting <c is a cell with its reference first (no <cols>, <cfRule> … here either)
    # and no reference is anywhere near the budget's edge: nothing to look at one by one.
    tags = segment.count(b"<c")
    if tags != plain:
        tags -= segment.count(b"<col")  # <cols> and its <col> at the top of a sheet
    if plain == tags and not _loud(budget.rows, budget.cols).search(segment):
        refs = []
        last = max(segment.rfind(b"<row"), segment.rfind(b'<c r="'))  # no <c> or <c/ here
    else:
        refs = _C_REF.findall(segment)
        if len(refs) != segment.count(b"<c ") + segment.count(b"<c>") + segment.count(b"<c/"):
            return None
        last = max(segment.rfind(tag) for tag in (b"<row ", b"<row>", b"<c ", b"<c>", b"<c/"))
    if refs:
        letters, digits = zip(*refs, strict=True)  # map() over these runs in C: no Python step per cell
        if max(map(len, digits)) > 12 or max(map(int, digits)) > budget.rows:
            return None
        if max(map(_col_index, set(letters))) >= budget.cols:
            return None
    m = _TAG.match(segment, last) if last >= 0 else None
    ref = _CELL_REF.search(m.group(2)) if m else None
    if ref is None:
        return None
    if m.group(1) == b"row":
        return _number(ref.group(2)), -1
    return _number(ref.group(2)), _col_index(ref.group(1))


def check_sizes(
    archive: zipfile.ZipFile, parts: Mapping[str, str], budgets: Mapping[str, Budget] | None = None
) -> list[Issue]:
    """One `sheet-too-large` issue per worksheet (name → zip part) reaching beyond its budget."""
    budgets = BUDGETS if budgets is None else budgets
    issues = []
    for name, part in parts.items():
        budget = budgets.get(name, OTHER_SHEETS)
        try:
            cell = far_cell(archive, part, budget)
        except KeyError:
            continue  # a sheet whose part is missing: the reader reports the workbook as broken
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
            raise zipfile.BadZipFile(f"{part}: {exc}") from exc
        if cell is not None:
            issues.append(
                Issue.make(
                    "sheet-too-large",
                    sheet=name,
                    cell=cell,
                    max_rows=budget.rows,
                    max_col=column_letter(budget.cols - 1),
                )
            )
    return issues
