"""Read an uploaded workbook into Polars frames whose rows remember their Excel row.

Values come from calamine (fastexcel), read as text and normalised per the column type in
`schemas.sheets`. Calamine turns an error cell (#DIV/0!) or a formula with no cached value
into an empty cell, so one pass over the sheet's XML finds those cells to report them.
"""

from __future__ import annotations

import functools
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from posixpath import dirname, join, normpath
from xml.etree import ElementTree

import fastexcel
import polars as pl

from schemas.errors import InvalidInput
from schemas.issues import Issue
from schemas.sheets import Column, ColumnType, SheetSpec, column_letter
from templates_xlsx import budget, normalise

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"

# How far down a sheet the header row is searched for (title rows may be above it).
HEADER_SEARCH_ROWS = 15

_POLARS_TYPES = {
    ColumnType.TEXT: pl.Utf8,
    ColumnType.INT: pl.Int64,
    ColumnType.NUMBER: pl.Float64,
    ColumnType.BOOL: pl.Boolean,
    ColumnType.DATE: pl.Date,
    ColumnType.CODES: pl.List(pl.Utf8),
}


class WorkbookUnreadable(InvalidInput):
    """The bytes are not a workbook we can open; `detail` says why, in Chinese."""

    def __init__(self, detail: str):
        super().__init__(detail, code="file-unreadable")
        self.detail = detail


class SheetTooLarge(WorkbookUnreadable):
    """Sheets reach beyond their budget (templates_xlsx.budget); `issues` locates each one."""

    def __init__(self, issues: list[Issue]):
        super().__init__("工作表超出可处理的范围")
        self.issues = issues


@dataclass
class ParsedSheet:
    spec: SheetSpec
    frame: pl.DataFrame  # one column per spec key present, typed; `_row` is the Excel row number
    letters: dict[str, str] = field(default_factory=dict)  # spec key → Excel column letter
    header_row: int | None = None

    def cell(self, key: str, row: int) -> str | None:
        letter = self.letters.get(key)
        return f"{letter}{row}" if letter else None

    def header_cell(self, key: str) -> str | None:
        return self.cell(key, self.header_row) if self.header_row else None


# Sheet XML as Excel, WPS, LibreOffice and other tools write it: optional namespace prefixes
# (<x:c>), either quote style, and cells or rows without an `r` attribute (position implied).
_ROW_OR_CELL = re.compile(rb"<(?:\w+:)?row\b([^>]*)>|<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_ROW_NUMBER = re.compile(rb"""\br=["'](\d+)["']""")
_REF = re.compile(rb"""\br=["']([A-Z]+)(\d+)["']""")
_TYPE = re.compile(rb"""\bt=["']([a-zA-Z]+)["']""")
_STYLE = re.compile(rb"""\bs=["'](\d+)["']""")
_VALUE = re.compile(rb"<(?:\w+:)?v\s*(?:/>|>(.*?)</(?:\w+:)?v>)", re.S)
_INLINE = re.compile(rb"<(?:\w+:)?is\b")
_FORMULA = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?f>)", re.S)

# Built-in number formats 9 (0%) and 10 (0.00%); custom ones are recognised by a bare % sign.
_PERCENT_FORMAT_IDS = frozenset({9, 10})
_QUOTED = re.compile(r'"[^"]*"|\\.')


@dataclass(frozen=True)
class CellFlag:
    """What calamine's value hides: an error value, a formula (with or without a cached result:
    calamine shows only the result), or a number shown as a percentage (15% typed into Excel is
    stored as 0.15)."""

    kind: str  # "error", "formula" (no cached result), "formula-cached" or "percent"
    text: str

    @property
    def is_formula(self) -> bool:
        return self.kind in ("formula", "formula-cached")


def _is_percent_format(code: str) -> bool:
    return "%" in _QUOTED.sub("", code)


# Parts of this size or less are parsed once per process for each distinct content: the workbooks
# of a round share their workbook.xml, relationships and styles byte for byte.
_SHARED_PART_BYTES = 64 * 1024


@functools.lru_cache(maxsize=32)
def _shared_root(xml: bytes) -> ElementTree.Element:
    return ElementTree.fromstring(xml)


def _root(xml: bytes) -> ElementTree.Element:
    """The parsed part (read only: a small one may be the same object for many workbooks)."""
    return _shared_root(xml) if len(xml) <= _SHARED_PART_BYTES else ElementTree.fromstring(xml)


def _percent_styles(styles_xml: bytes) -> frozenset[int]:
    """Indexes into cellXfs whose number format displays a percentage."""
    if len(styles_xml) <= _SHARED_PART_BYTES:
        return _shared_percent_styles(styles_xml)
    return _read_percent_styles(styles_xml)


@functools.lru_cache(maxsize=32)
def _shared_percent_styles(styles_xml: bytes) -> frozenset[int]:
    return _read_percent_styles(styles_xml)


def _read_percent_styles(styles_xml: bytes) -> frozenset[int]:
    root = ElementTree.fromstring(styles_xml)
    custom = {int(f.get("numFmtId", "-1")): f.get("formatCode", "") for f in root.iter(f"{_NS_MAIN}numFmt")}
    xfs = root.find(f"{_NS_MAIN}cellXfs")
    found = set()
    for index, xf in enumerate(xfs if xfs is not None else []):
        fmt = int(xf.get("numFmtId", "0"))
        if fmt in _PERCENT_FORMAT_IDS or (fmt in custom and _is_percent_format(custom[fmt])):
            found.add(index)
    return frozenset(found)


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


def _unescape(raw: bytes) -> str:
    return (
        raw.decode("utf-8", "replace")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&amp;", "&")
    )


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → the zip member holding its XML, in workbook order."""
    names = archive.namelist()
    if "xl/workbook.xml" not in names:
        raise WorkbookUnreadable("缺少 xl/workbook.xml")
    rels_xml = _root(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels_xml.iter(f"{_NS_PKG_REL}Relationship")}
    book = _root(archive.read("xl/workbook.xml"))
    parts = {}
    for sheet in book.iter(f"{_NS_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_NS_REL}id"), "")
        path = (
            target.lstrip("/")
            if target.startswith("/")
            else normpath(join(dirname("xl/workbook.xml"), target))
        )
        parts[sheet.get("name", "")] = path
    return parts


class Workbook:
    """An opened .xlsx: sheet names, values via calamine, XML parts for what calamine hides.

    Every worksheet's extent is checked against its budget before calamine is called
    (`SheetTooLarge`); `check_sizes=False` skips that, for tests of what a reader crash costs.
    """

    def __init__(self, data: bytes, check_sizes: bool = True):
        self.data = data
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            self._parts = self._sheet_parts()
            if check_sizes:
                too_large = budget.check_sizes(self.zip, self._parts)
                if too_large:
                    raise SheetTooLarge(too_large)
            self.reader = fastexcel.read_excel(data)
        except WorkbookUnreadable:
            raise
        except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as exc:
            raise WorkbookUnreadable(f"文件结构损坏（{type(exc).__name__}）") from exc
        except Exception as exc:  # calamine raises its own types for broken parts
            raise WorkbookUnreadable(f"工作簿内容无法解析（{exc}）") from exc
        self._frames: dict[str, pl.DataFrame] = {}
        self._percent: frozenset[int] | None = None

    @property
    def sheet_names(self) -> list[str]:
        return list(self._parts)

    def sheet_part(self, name: str) -> str:
        """The zip member holding a sheet's XML (e.g. xl/worksheets/sheet2.xml)."""
        return self._parts[name]

    def _sheet_parts(self) -> dict[str, str]:
        return sheet_parts(self.zip)

    def sheet_state(self, name: str) -> str:
        book = _root(self.zip.read("xl/workbook.xml"))
        for sheet in book.iter(f"{_NS_MAIN}sheet"):
            if sheet.get("name") == name:
                return sheet.get("state", "visible")
        return "missing"

    def values(self, name: str) -> pl.DataFrame:
        """Every cell as text (None when blank); row i is Excel row i+1, column j is `offset + j`."""
        if name not in self._frames:
            sheet = self.reader.load_sheet_by_name(name, header_row=None, dtypes="string", skip_rows=0)
            self._frames[name] = sheet.to_polars()
        return self._frames[name]

    def _styles_percent(self) -> frozenset[int]:
        if self._percent is None:
            try:
                self._percent = _percent_styles(self.zip.read(self._styles_part()))
            except (KeyError, ElementTree.ParseError, ValueError):
                self._percent = frozenset()
        return self._percent

    def _styles_part(self) -> str:
        rels = _root(self.zip.read("xl/_rels/workbook.xml.rels"))
        for r in rels.iter(f"{_NS_PKG_REL}Relationship"):
            if r.get("Type", "").endswith("/styles"):
                target = r.get("Target", "")
                return target.lstrip("/") if target.startswith("/") else normpath(join("xl", target))
        return "xl/styles.xml"

    def flags(self, name: str) -> tuple[int, dict[tuple[int, int], CellFlag]]:
        """(first column calamine reports, {(excel_row, col_index): flag}) for the cells whose
        calamine value hides something: error values, formulas without a cached value, percents.

        calamine's grid starts at the leftmost column holding a value, so that column is found
        here the same way; rows always start at Excel row 1.
        """
        xml = self.zip.read(self._parts[name])
        percent_styles = self._styles_percent()
        # A sheet no cell of which can carry a flag (a filled template): only the first column is
        # wanted, and the scan ends at the first value in column A (~10 µs a cell otherwise).
        only_first = _flagless(xml, percent_styles)
        first_col: int | None = None
        found: dict[tuple[int, int], CellFlag] = {}
        row, col = 0, -1
        for m in _ROW_OR_CELL.finditer(xml):
            row_attrs, attrs = m.group(1), m.group(2)
            if row_attrs is not None:
                number = _ROW_NUMBER.search(row_attrs)
                row, col = (int(number.group(1)) if number else row + 1), -1
                continue
            body = m.group(3) or b""
            ref = _REF.search(attrs)
            if ref:
                col, row = _col_index(ref.group(1)), int(ref.group(2))
            else:
                col += 1
            kind_m = _TYPE.search(attrs)
            kind = kind_m.group(1) if kind_m else b"n"
            value_m = _VALUE.search(body)
            value = value_m.group(1) if value_m else None  # None: no <v>, or an empty <v/>
            has_value = bool(value) or (value is not None and kind in (b"s", b"str", b"e"))
            if has_value or _INLINE.search(body):
                first_col = col if first_col is None else min(first_col, col)
                if only_first and first_col == 0:
                    break
            if only_first:
                continue
            if kind == b"e":
                found[(row, col)] = CellFlag("error", _unescape(value) if value else "#ERROR")
                continue
            formula = _FORMULA.search(body)
            # A cached empty string (t="str" with <v></v>) is a value; no <v> at all is not.
            if formula:
                text = _unescape(formula.group(1) or b"")
                kind_of = "formula-cached" if has_value else "formula"
                found[(row, col)] = CellFlag(kind_of, "=" + text if text else "（共享公式）")
                continue
            if kind == b"n" and value and percent_styles:
                style = _STYLE.search(attrs)
                if style and int(style.group(1)) in percent_styles:
                    found[(row, col)] = CellFlag("percent", value.decode("ascii", "replace"))
        return (first_col or 0), found


# Elements whose names start with f and that are no formula (<f>): data validations' <formula1>,
# conditional formats' <formula>, autofilters' <filters>, headers' <firstHeader>.
_NOT_FORMULA_F = (b"<formula", b"<filter", b"<first")
# t="e" in every quoting `_TYPE` accepts.
_ERROR_TYPES = (b't="e"', b"t='e'", b"t=\"e'", b"t='e\"")


def _flagless(xml: bytes, percent_styles: frozenset[int]) -> bool:
    """True when no cell of the sheet can be flagged: no error type (t="e"), no formula element
    (<f>, with or without a prefix) and no cell in a percent style. Literal searches that may
    say False for a sheet without flags (the full scan then finds none), never True for one with."""
    if any(error in xml for error in _ERROR_TYPES) or b":f" in xml:
        return False
    if xml.count(b"<f") != sum(xml.count(other) for other in _NOT_FORMULA_F):
        return False
    return not (percent_styles and _percent_style(percent_styles).search(xml))


@functools.lru_cache(maxsize=32)
def _percent_style(styles: frozenset[int]) -> re.Pattern[bytes]:
    """A style attribute naming one of `styles` (leading zeros as int() reads them)."""
    numbers = b"|".join(str(i).encode() for i in sorted(styles))
    return re.compile(rb"""\bs=["']0*(?:""" + numbers + rb""")["']""")


_FLAG_CODES = {
    "error": "excel-error-value",
    "formula": "formula-without-value",
    "formula-cached": "formula-not-allowed",
}


def _parse(column: Column, raw: str | None, measure_unit: str | None) -> normalise.Reading:
    if column.type == ColumnType.NUMBER:
        return normalise.parse_number(raw, measure_unit)
    return _PARSERS.get(column.type, normalise.parse_text)(raw)


def _reading_issues(
    reading: normalise.Reading, sheet: str, cell: str, header: str, shown: str, excel_row: int
) -> list[Issue]:
    """The issues of a cell whose text did not read as its column's type: one per code, each naming
    the sheet, cell, column and what was written (both the cell-by-cell and the column-wise reader)."""
    return [
        Issue.make(
            code,
            sheet=sheet,
            cell=cell,
            column=header,
            value=shown,
            row=excel_row,
            normalised=reading.normalised or "",
            allowed="是、否",
            **({"limit": normalise.MAX_ABS_TEXT} if code == "value-too-large" else {}),
        )
        for code in reading.codes
    ]


_PARSERS = {
    ColumnType.INT: normalise.parse_int,
    ColumnType.DATE: normalise.parse_date,
    ColumnType.BOOL: normalise.parse_bool,
    ColumnType.CODES: normalise.parse_codes,
}


def _cell_text(value: str | None) -> str | None:
    if value is None:
        return None
    # calamine renders date cells as "YYYY-MM-DD 00:00:00" (ISO t="d" cells with a "T")
    if len(value) == 19 and value[4] == "-" and value[10] in " T" and value.endswith("00:00:00"):
        return value[:10]
    return value


def _percent_reading(text: str) -> normalise.Reading:
    """A number the cell displays as a percentage: 0.15 shown as 15% was meant as 15."""
    try:
        value = round(float(text) * 100, 10)
    except ValueError:
        return normalise.Reading(None, ["value-not-number"])
    return normalise.finite_number(value, ["number-percent-string"])


def read_sheet(
    book: Workbook, spec: SheetSpec, refuse_formulas: bool = True
) -> tuple[ParsedSheet, list[Issue]]:
    """One sheet by its spec: find the header row, type every value, report what was repaired.

    `refuse_formulas`: every formula in the sheet is an error at its cell (`formula-not-allowed`),
    its cached result unread: the templates define no formulas (templates_xlsx.builder), and a
    formula handed on to reviewers may run (DDE such as cmd|' /C calc'!A0) or call out
    (HYPERLINK, WEBSERVICE). Off for the office's registry workbook, where a cached result is
    read as the value."""
    issues: list[Issue] = []
    if spec.name not in book.sheet_names:
        return ParsedSheet(spec, _empty_frame(spec)), [Issue.make("sheet-missing", sheet=spec.name)]
    grid = book.values(spec.name)
    offset, flags = book.flags(spec.name)
    rows = grid.rows()
    header_row, positions = _find_header(spec, rows)
    if header_row is None:
        issues += [
            Issue.make(
                "header-missing",
                sheet=spec.name,
                column=c.header,
                cell=f"{column_letter(i)}{spec.header_row}",
            )
            for i, c in enumerate(spec.columns)
            if c.required or c.input or c.key == spec.row_key
        ]
        return ParsedSheet(spec, _empty_frame(spec)), issues
    letters = {key: column_letter(offset + j) for key, j in positions.items()}
    for i, c in enumerate(spec.columns):
        if c.key not in positions:
            issues.append(
                Issue.make(
                    "header-missing",
                    sheet=spec.name,
                    column=c.header,
                    cell=f"{column_letter(offset + i)}{header_row}",
                )
            )
    present = [c for c in spec.columns if c.key in positions]
    reported: set[tuple[int, int]] = set()
    records: dict[str, list] = {c.key: [] for c in present}
    excel_rows: list[int] = []
    # per column: (column, its grid index, its sheet index, its letter, where its values go)
    layout = [
        (c, positions[c.key], offset + positions[c.key], letters[c.key], records[c.key]) for c in present
    ]
    unit_at = positions.get("measure_unit") if "measure_unit" in records else None
    seen: dict[tuple[int, str | None, str | None], normalise.Reading] = {}
    for r in range(header_row, len(rows)):  # row index r is Excel row r+1; header is at header_row-1
        excel_row = r + 1
        row = rows[r]
        width = len(row)
        raw = [_cell_text(row[j]) if j < width else None for _, j, _, _, _ in layout]
        if flags:
            row_flags = [flags.get((excel_row, at)) for _, _, at, _, _ in layout]
            if not refuse_formulas:  # a formula's cached result is its value
                row_flags = [None if f and f.kind == "formula-cached" else f for f in row_flags]
            hidden = any(f and f.kind != "percent" for f in row_flags)
        else:
            row_flags, hidden = None, False
        if not hidden and all(v is None or v.strip() == "" for v in raw):
            continue
        measure_unit = _cell_text(row[unit_at]) if unit_at is not None and unit_at < width else None
        for i, (c, _, at, letter, values) in enumerate(layout):
            flag = row_flags[i] if row_flags else None
            shown = raw[i]
            if flag is not None and flag.kind != "percent":
                code = _FLAG_CODES[flag.kind]
                reported.add((excel_row, at))
                issues.append(
                    Issue.make(
                        code,
                        sheet=spec.name,
                        cell=f"{letter}{excel_row}",
                        column=c.header,
                        value=flag.text,
                        row=excel_row,
                    )
                )
                values.append([] if c.type == ColumnType.CODES else None)
                continue
            if flag is not None and flag.kind == "percent" and c.type == ColumnType.NUMBER:
                reading = _percent_reading(flag.text)
                shown = f"{reading.normalised}%" if reading.normalised else shown
            else:
                # a sheet repeats many values (blanks, units, years): each read once per column
                key = (i, shown, measure_unit if c.type == ColumnType.NUMBER else None)
                reading = seen.get(key)
                if reading is None:
                    reading = seen[key] = _parse(c, shown, measure_unit)
            if reading.codes:  # most cells read: nothing built for them
                cell = f"{letter}{excel_row}"
                issues.extend(_reading_issues(reading, spec.name, cell, c.header, shown, excel_row))
            values.append(reading.value)
        excel_rows.append(excel_row)
    if refuse_formulas:  # formulas outside the table's cells: in titles, headers, side columns
        for (row, col), flag in sorted(flags.items()):
            if flag.is_formula and (row, col) not in reported:
                cell = f"{column_letter(col)}{row}"
                issues.append(
                    Issue.make("formula-not-allowed", sheet=spec.name, cell=cell, value=flag.text, row=row)
                )
    frame = pl.DataFrame(
        {"_row": pl.Series("_row", excel_rows, dtype=pl.Int64)}
        | {
            c.key: pl.Series(c.key, records[c.key], dtype=_POLARS_TYPES[c.type], strict=False)
            for c in present
        }
    )
    return ParsedSheet(spec, frame, letters, header_row), issues


def _header_text(value: str) -> str:
    """A header cell as compared: NFKC, so "完成进度(%)" of a template made before the headers took
    full-width brackets (or typed again by hand) is the column "完成进度（%）"."""
    return unicodedata.normalize("NFKC", value.strip().replace("\n", ""))


def _find_header(spec: SheetSpec, rows: list[tuple]) -> tuple[int | None, dict[str, int]]:
    wanted = {_header_text(c.header): c.key for c in spec.columns}
    best: tuple[int, dict[str, int]] = (0, {})
    best_row = None
    for r, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        positions = {}
        for j, value in enumerate(row):
            text = _header_text(value or "")
            if text in wanted and wanted[text] not in positions:
                positions[wanted[text]] = j
        if len(positions) > best[0]:
            best, best_row = (len(positions), positions), r + 1
    if best_row is None or best[0] < max(1, len(spec.columns) // 2):
        return None, {}
    return best_row, best[1]


def empty_sheet(spec: SheetSpec) -> ParsedSheet:
    """A sheet with no rows, for a workbook that could not be read."""
    return ParsedSheet(spec, _empty_frame(spec))


def _empty_frame(spec: SheetSpec) -> pl.DataFrame:
    return pl.DataFrame(
        {"_row": pl.Series("_row", [], dtype=pl.Int64)}
        | {c.key: pl.Series(c.key, [], dtype=_POLARS_TYPES[c.type]) for c in spec.columns}
    )


def read_key_values(book: Workbook, sheet_name: str) -> dict[str, str]:
    """A two-column key/value sheet (the hidden metadata sheet) as a dict of text."""
    if sheet_name not in book.sheet_names:
        return {}
    out = {}
    for row in book.values(sheet_name).rows():
        if len(row) >= 2 and row[0]:
            out[str(row[0]).strip()] = "" if row[1] is None else str(row[1])
    return out


# ---------------------------------------------------------------- list sheets, read by column

# From this many rows below the header, a list sheet's text columns are read in Polars passes.
COLUMNAR_ROWS = 200

# A plain sheet (what the template and Excel write for typed values) is read column-wise; any
# formula, error value, empty <v>, cell without `r`, or style that could be a percent sends the
# sheet to the general reader instead, which reports those cells one by one.
_ANY_FORMULA = re.compile(rb"<(?:\w+:)?f\b")
_FORMULA_TAGS = (b"<f>", b"<f ", b"<f/", b"<f\t", b"<f\n", b"<f\r")  # not <formula1> of a validation
_ANY_ERROR = re.compile(rb"""\bt=["']e["']""")
_EMPTY_V = re.compile(rb"<(?:\w+:)?v\s*(?:/>|></)")
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]")
_CELL_WITH_REF = re.compile(rb"""<(?:\w+:)?c\s[^>]*?\br=["'][A-Z]+\d+["']""")
_VALUED_COLUMN = re.compile(
    rb"""<(?:\w+:)?c\s[^>]*?\br=["']([A-Z]+)\d+["'][^>]*(?<!/)>\s*<(?:\w+:)?(?:v>[^<]|is\b)"""
)
_PLAIN_VALUED_COLUMN = re.compile(rb"""<c r="([A-Z]+)\d+"[^>]*(?<!/)>\s*<(?:v>[^<]|is\b)""")
_PLAIN_VALUED_IN_A = re.compile(rb"""<c r="A\d+"[^>]*(?<!/)>\s*<(?:v>[^<]|is\b)""")
# Anything that makes a sheet not plain, or needs the exact tests to tell: a formula tag, an error
# or empty value, a namespace prefix, a cell whose tag does not start <c r=" (Rust regex syntax).
_NOT_PLAIN = r"""<f[>/ \t\n\r]|t="e"|t='e'|<v/>|<v></v>|:c |:c>|:v>|:f|<c [^r]|<c r[^=]|<c r=[^"]|<c>|<c/"""


def _plain_offset(book: Workbook, name: str) -> int | None:
    """The sheet's first column as calamine reports it, or None when the sheet is not plain.
    One Polars (Rust regex) pass rules out every reason at once for a sheet as Excel and the
    template write it; only a sheet it flags goes through the tests one by one (each a pass of
    its own: a regex tried at every tag costs more than the whole column-wise read)."""
    xml = book.zip.read(book.sheet_part(name))
    # "replace" keeps every ASCII byte, so no marker is hidden by a broken character.
    if pl.Series([xml.decode("utf-8", "replace")]).str.contains(_NOT_PLAIN).item():
        return _plain_offset_exactly(book, xml)
    if _percent_styled(book, xml):
        return None
    # A value in column A (the template's first) settles it without looking at every cell.
    if _PLAIN_VALUED_IN_A.search(xml):
        return 0
    return min((_col_index(c) for c in set(_PLAIN_VALUED_COLUMN.findall(xml))), default=0)


def _plain_offset_exactly(book: Workbook, xml: bytes) -> int | None:
    """`_plain_offset` test by test, for a sheet the one-pass test flagged. Substring tests
    first: a regex tried at every tag costs more than the whole column-wise read."""
    if (
        any(tag in xml for tag in _FORMULA_TAGS)
        or b"t='e'" in xml
        or b't="e"' in xml
        or b"<v/>" in xml
        or b"<v></v>" in xml
    ):
        return None
    prefixed = b":c " in xml or b":c>" in xml or b":v>" in xml or b":f" in xml
    if prefixed and (_ANY_FORMULA.search(xml) or _ANY_ERROR.search(xml) or _EMPTY_V.search(xml)):
        return None
    if prefixed:
        if len(_CELL_TAG.findall(xml)) != len(_CELL_WITH_REF.findall(xml)):
            return None
        columns = set(_VALUED_COLUMN.findall(xml))
    else:
        if xml.count(b"<c ") + xml.count(b"<c>") + xml.count(b"<c/") != xml.count(b'<c r="'):
            return None
        columns = set(_PLAIN_VALUED_COLUMN.findall(xml))
    if _percent_styled(book, xml):
        return None
    return min((_col_index(c) for c in columns), default=0)


def _percent_styled(book: Workbook, xml: bytes) -> bool:
    percent = book._styles_percent()
    return any(f' s="{i}"'.encode() in xml or f" s='{i}'".encode() in xml for i in percent)


def read_list_sheet(book: Workbook, spec: SheetSpec) -> tuple[ParsedSheet, list[Issue]]:
    """A list sheet (up to 5,000 rows) read column by column, each distinct text parsed once:
    the same frame and issues as `read_sheet` (which any sheet that is not plain, or whose
    header is incomplete, still goes through), at a fraction of its cost (issue 18/23)."""
    if spec.name not in book.sheet_names or any(c.key == "measure_unit" for c in spec.columns):
        return read_sheet(book, spec)
    offset = _plain_offset(book, spec.name)
    if offset is None:
        return read_sheet(book, spec)
    grid = book.values(spec.name)
    header_row, positions = _find_header(spec, grid.head(HEADER_SEARCH_ROWS).rows())
    if header_row is None or len(positions) != len(spec.columns):
        return read_sheet(book, spec)
    body = grid.slice(header_row)
    n = body.height
    raw = pl.DataFrame(
        {
            c.key: body.to_series(positions[c.key]).cast(pl.Utf8)
            if positions[c.key] < body.width
            else pl.Series(c.key, [None] * n, dtype=pl.Utf8)
            for c in spec.columns
        }
    )
    # A row is kept when any cell holds more than whitespace (str.strip's, so \x1c-\x1f too).
    # Polars passes pay off on long lists only: a short one is read value by value.
    columnar = n >= COLUMNAR_ROWS
    if columnar:
        keep = pl.any_horizontal(
            pl.col(c.key).str.contains(r"^[\s\x1c-\x1f]*$").not_().fill_null(False) for c in spec.columns
        )
    else:
        keep = pl.Series(
            [any(v is not None and v.strip() != "" for v in row) for row in raw.rows()], dtype=pl.Boolean
        )
    raw = raw.with_columns(_row=pl.int_range(header_row + 1, header_row + 1 + n, dtype=pl.Int64)).filter(keep)
    texts = [c for c in spec.columns if c.type == ColumnType.TEXT] if columnar else []
    read = _read_texts(raw, [c.key for c in texts])
    letters = {key: column_letter(offset + j) for key, j in positions.items()}
    found: list[tuple[int, int, Issue]] = []
    columns: dict[str, pl.Series] = {}
    for k, c in enumerate(spec.columns):
        if c in texts:
            columns[c.key] = read[c.key]
            trimmed = read.filter(pl.col(f"{c.key}\0trimmed"))
            failing = [
                (row, shown, normalise.parse_text(shown))
                for row, shown in trimmed.select("_row", f"{c.key}\0shown").iter_rows()
            ]
        else:
            columns[c.key], failing = _parsed_column(c, raw[c.key], raw["_row"])
        for excel_row, shown, reading in failing:
            cell = f"{letters[c.key]}{excel_row}"
            for issue in _reading_issues(reading, spec.name, cell, c.header, shown, excel_row):
                found.append((excel_row, k, issue))
    found.sort(key=lambda t: (t[0], t[1]))
    frame = pl.DataFrame({"_row": raw["_row"]} | columns)
    return ParsedSheet(spec, frame, letters, header_row), [i for _, _, i in found]


# calamine's text for a date cell ("YYYY-MM-DD 00:00:00"), which `_cell_text` cuts to the date.
_DATE_TEXT = r"^(?s).{4}-.{5}[ T]00:00:00$"


def _read_texts(raw: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Text columns as `_parse` reads them cell by cell (shown as `_cell_text`, trimmed of
    normalise's spaces, blank as None), with where each was trimmed (`text-trimmed`, the only
    issue a text cell can raise) and what it showed. In stages, so no expression is evaluated twice."""
    if not keys:
        return raw.select("_row")
    shown = raw.with_columns(
        pl.when(pl.col(k).str.contains(_DATE_TEXT)).then(pl.col(k).str.slice(0, 10)).otherwise(pl.col(k))
        for k in keys
    )
    text = shown.select(pl.col(k).str.strip_chars(normalise._SPACES) for k in keys)
    return pl.select(
        shown["_row"],
        *(pl.when(text[k] == "").then(None).otherwise(text[k]).alias(k) for k in keys),
        *(((text[k] != shown[k]) & (text[k] != "")).fill_null(False).alias(f"{k}\0trimmed") for k in keys),
        *(shown[k].alias(f"{k}\0shown") for k in keys),
    )


def _parsed_column(
    column: Column, values: pl.Series, rows: pl.Series
) -> tuple[pl.Series, list[tuple[int, str | None, normalise.Reading]]]:
    """Any other column: each distinct text parsed once by `_parse`; (Excel row, shown, reading)
    of the cells with an issue."""
    texts = values.to_list()
    readings: dict[str | None, tuple[str | None, normalise.Reading]] = {}
    for v in set(texts):
        shown = _cell_text(v)
        readings[v] = (shown, _parse(column, shown, None))
    series = pl.Series(
        column.key, [readings[v][1].value for v in texts], dtype=_POLARS_TYPES[column.type], strict=False
    )
    if not any(r.codes for _, r in readings.values()):
        return series, []
    return series, [(row, *readings[v]) for row, v in zip(rows, texts, strict=True) if readings[v][1].codes]
