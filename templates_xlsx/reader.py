"""Read an uploaded workbook into Polars frames whose rows remember their Excel row.

Values come from calamine (fastexcel), read as text and normalised per the column type in
`schemas.sheets`. Calamine turns an error cell (#DIV/0!) or a formula with no cached value
into an empty cell, so one pass over the sheet's XML finds those cells to report them.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from posixpath import dirname, join, normpath
from xml.etree import ElementTree

import fastexcel
import polars as pl

from schemas.issues import Issue
from schemas.sheets import Column, ColumnType, SheetSpec, column_letter
from templates_xlsx import normalise

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


class WorkbookUnreadable(Exception):
    """The bytes are not a workbook we can open; `detail` says why, in Chinese."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


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


_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_TYPE = re.compile(rb'\bt="([a-zA-Z]+)"')
_VALUE = re.compile(rb"<v>(.*?)</v>", re.S)
_FORMULA = re.compile(rb"<f\b[^>]*>(.*?)</f>|<f\b[^>]*/>", re.S)


@dataclass(frozen=True)
class CellFlag:
    kind: str  # "error" or "formula"
    text: str


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


class Workbook:
    """An opened .xlsx: sheet names, values via calamine, XML parts for what calamine hides."""

    def __init__(self, data: bytes):
        self.data = data
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            self._parts = self._sheet_parts()
            self.reader = fastexcel.read_excel(data)
        except WorkbookUnreadable:
            raise
        except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as exc:
            raise WorkbookUnreadable(f"文件结构损坏({type(exc).__name__})") from exc
        except Exception as exc:  # calamine raises its own types for broken parts
            raise WorkbookUnreadable(f"工作簿内容无法解析({exc})") from exc
        self._frames: dict[str, pl.DataFrame] = {}

    @property
    def sheet_names(self) -> list[str]:
        return list(self._parts)

    def _sheet_parts(self) -> dict[str, str]:
        names = self.zip.namelist()
        if "xl/workbook.xml" not in names:
            raise WorkbookUnreadable("缺少 xl/workbook.xml")
        rels_xml = ElementTree.fromstring(self.zip.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target", "") for r in rels_xml.iter(f"{_NS_PKG_REL}Relationship")}
        book = ElementTree.fromstring(self.zip.read("xl/workbook.xml"))
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

    def sheet_state(self, name: str) -> str:
        book = ElementTree.fromstring(self.zip.read("xl/workbook.xml"))
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

    def flags(self, name: str) -> tuple[int, dict[tuple[int, int], CellFlag]]:
        """(first used column index, {(excel_row, col_index): flag}) for error and uncached formula cells."""
        xml = self.zip.read(self._parts[name])
        first_col: int | None = None
        found: dict[tuple[int, int], CellFlag] = {}
        for m in _CELL.finditer(xml):
            attrs, body = m.group(1), m.group(2) or b""
            ref = _REF.search(attrs)
            if not ref:
                continue
            col, row = _col_index(ref.group(1)), int(ref.group(2))
            value = _VALUE.search(body)
            if value is not None or b"<is>" in body:
                first_col = col if first_col is None else min(first_col, col)
            kind = _TYPE.search(attrs)
            if kind and kind.group(1) == b"e":
                found[(row, col)] = CellFlag("error", _unescape(value.group(1)) if value else "#ERROR")
                continue
            formula = _FORMULA.search(body)
            if formula and (value is None or value.group(1) == b""):
                text = _unescape(formula.group(1) or b"")
                found[(row, col)] = CellFlag("formula", "=" + text if text else "(共享公式)")
        return (first_col or 0), found


def _parse(column: Column, raw: str | None, measure_unit: str | None) -> normalise.Reading:
    match column.type:
        case ColumnType.NUMBER:
            return normalise.parse_number(raw, measure_unit)
        case ColumnType.INT:
            return normalise.parse_int(raw)
        case ColumnType.DATE:
            return normalise.parse_date(raw)
        case ColumnType.BOOL:
            return normalise.parse_bool(raw)
        case ColumnType.CODES:
            return normalise.parse_codes(raw)
        case _:
            return normalise.parse_text(raw)


def _cell_text(value: str | None) -> str | None:
    if value is None:
        return None
    # calamine renders date cells as "YYYY-MM-DD 00:00:00"
    return value[:-9] if len(value) == 19 and value.endswith(" 00:00:00") and value[4] == "-" else value


def read_sheet(book: Workbook, spec: SheetSpec) -> tuple[ParsedSheet, list[Issue]]:
    """One sheet by its spec: find the header row, type every value, report what was repaired."""
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
    records: dict[str, list] = {c.key: [] for c in present}
    excel_rows: list[int] = []
    for r in range(header_row, len(rows)):  # row index r is Excel row r+1; header is at header_row-1
        excel_row = r + 1
        row = rows[r]
        raw = {
            c.key: _cell_text(row[positions[c.key]]) if positions[c.key] < len(row) else None for c in present
        }
        row_flags = {c.key: flags.get((excel_row, offset + positions[c.key])) for c in present}
        if all(v is None or str(v).strip() == "" for v in raw.values()) and not any(row_flags.values()):
            continue
        measure_unit = raw.get("measure_unit")
        for c in present:
            cell = f"{letters[c.key]}{excel_row}"
            flag = row_flags[c.key]
            if flag is not None:
                code = "excel-error-value" if flag.kind == "error" else "formula-without-value"
                issues.append(
                    Issue.make(
                        code, sheet=spec.name, cell=cell, column=c.header, value=flag.text, row=excel_row
                    )
                )
                records[c.key].append([] if c.type == ColumnType.CODES else None)
                continue
            reading = _parse(c, raw[c.key], measure_unit)
            for code in reading.codes:
                issues.append(
                    Issue.make(
                        code,
                        sheet=spec.name,
                        cell=cell,
                        column=c.header,
                        value=raw[c.key],
                        row=excel_row,
                        normalised=reading.normalised or "",
                        allowed="是、否",
                    )
                )
            records[c.key].append(reading.value)
        excel_rows.append(excel_row)
    frame = pl.DataFrame(
        {"_row": pl.Series("_row", excel_rows, dtype=pl.Int64)}
        | {
            c.key: pl.Series(c.key, records[c.key], dtype=_POLARS_TYPES[c.type], strict=False)
            for c in present
        }
    )
    return ParsedSheet(spec, frame, letters, header_row), issues


def _find_header(spec: SheetSpec, rows: list[tuple]) -> tuple[int | None, dict[str, int]]:
    wanted = {c.header: c.key for c in spec.columns}
    best: tuple[int, dict[str, int]] = (0, {})
    best_row = None
    for r, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        positions = {}
        for j, value in enumerate(row):
            text = (value or "").strip().replace("\n", "")
            if text in wanted and wanted[text] not in positions:
                positions[wanted[text]] = j
        if len(positions) > best[0]:
            best, best_row = (len(positions), positions), r + 1
    if best_row is None or best[0] < max(1, len(spec.columns) // 2):
        return None, {}
    return best_row, best[1]


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
