"""A write-only workbook that stands in for openpyxl's in `builder.build_template`, several times faster.

The builder lays a template out through a handful of openpyxl calls (`ws.cell`, style attributes,
row heights, column widths, validations, freeze panes, filter, protection, print setup). `FastBook`
and `FastSheet` accept exactly those calls, keep cells as plain slots and write the package parts
as strings, producing the same XML as openpyxl does for a template (tests/templates_xlsx/
test_fastbook.py compares every part, canonicalised, against openpyxl's). Style tables are
openpyxl's own objects, indexed the same way, and styles.xml is written by openpyxl itself (once
per distinct set of styles, which a round's templates share). Anything outside that subset (a date
value, a rich value) raises `Unsupported`, and the builder falls back to openpyxl.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
import zipfile
from functools import lru_cache
from typing import Any

from openpyxl.cell.cell import _TYPES, ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.compat import safe_string
from openpyxl.packaging.core import DocumentProperties
from openpyxl.packaging.extended import ExtendedProperties
from openpyxl.styles.cell_style import StyleArray
from openpyxl.styles.numbers import BUILTIN_FORMATS_MAX_SIZE, BUILTIN_FORMATS_REVERSE
from openpyxl.styles.stylesheet import write_stylesheet
from openpyxl.utils import column_index_from_string, get_column_letter, quote_sheetname
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.page import PageMargins, PrintOptions
from openpyxl.worksheet.page import PrintPageSetup as PageSetup
from openpyxl.worksheet.properties import PageSetupProperties, WorksheetProperties
from openpyxl.worksheet.protection import SheetProtection
from openpyxl.writer.theme import theme_xml
from openpyxl.xml.functions import tostring

from templates_xlsx.rawzip import Deflated, write_deflated


class Unsupported(Exception):
    """Something the fast writer does not write the way openpyxl would: build with openpyxl."""


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument"
_NO_STYLE = StyleArray()
_UNSTYLED = _NO_STYLE.tobytes()
_LETTERS = [""] + [get_column_letter(i) for i in range(1, 200)]


def _text(s: str) -> str:
    if "&" in s:
        s = s.replace("&", "&amp;")
    if "<" in s:
        s = s.replace("<", "&lt;")
    if ">" in s:
        s = s.replace(">", "&gt;")
    if "\r" in s:
        s = s.replace("\r", "&#13;")
    return s


def _attr(s: str) -> str:
    s = _text(s)
    if '"' in s:
        s = s.replace('"', "&quot;")
    if "\n" in s:
        s = s.replace("\n", "&#10;")
    if "\t" in s:
        s = s.replace("\t", "&#9;")
    return s


def _xml(el) -> str:
    return tostring(el).decode("utf-8")


# ---------------------------------------------------------------- cells and sheets


class _StyleSlot:
    """font/fill/border/alignment/protection: registered in the book's table on assignment, as openpyxl does."""

    def __init__(self, table: str, key: str) -> None:
        self.table, self.key = table, key

    def __set__(self, cell: FastCell, value: Any) -> None:
        # The same style object again (a module constant) skips hashing it: openpyxl hashes on every set.
        book = cell._sheet._book
        known = book._by_id.get((self.key, id(value)))
        if known is None or known[0] is not value:
            known = book._by_id[(self.key, id(value))] = (value, getattr(book, self.table).add(value))
        setattr(cell._own_style(), self.key, known[1])

    def __get__(self, cell: FastCell, owner=None) -> Any:
        if cell is None:
            return self
        return getattr(cell._sheet._book, self.table)[getattr(cell._style, self.key)]


class FastCell:
    """A cell's value, type and style indices. The style array may be shared between cells
    (`CellStyles` stamps one array on every cell of a kind, `shares_styles`): copied on first change."""

    __slots__ = ("_sheet", "row", "column", "_value", "data_type", "_style", "_owned")
    shares_styles = True

    font = _StyleSlot("_fonts", "fontId")
    fill = _StyleSlot("_fills", "fillId")
    border = _StyleSlot("_borders", "borderId")
    alignment = _StyleSlot("_alignments", "alignmentId")
    protection = _StyleSlot("_protections", "protectionId")

    def __init__(self, sheet: FastSheet, row: int, column: int) -> None:
        self._sheet, self.row, self.column = sheet, row, column
        self._value = None
        self.data_type = "n"
        self._style = _NO_STYLE
        self._owned = False

    def _own_style(self) -> StyleArray:
        if not self._owned:
            self._style = StyleArray(self._style)
            self._owned = True
        return self._style

    @property
    def coordinate(self) -> str:
        return f"{_LETTERS[self.column]}{self.row}"

    @property
    def value(self) -> Any:
        return self._value

    @value.setter
    def value(self, value: Any) -> None:
        kind = _TYPES.get(type(value))
        if kind is None or kind == "d":
            raise Unsupported(f"value of type {type(value).__name__}")
        self.data_type = kind
        if kind == "s":
            value = value[:32767]
            if ILLEGAL_CHARACTERS_RE.search(value):
                raise Unsupported("illegal characters")
            if len(value) > 1 and value.startswith("="):
                self.data_type = "f"
            elif value in ERROR_CODES:
                self.data_type = "e"
        self._value = value

    @property
    def quotePrefix(self) -> bool:  # noqa: N802 (openpyxl's name)
        return bool(self._style.quotePrefix)

    @quotePrefix.setter
    def quotePrefix(self, value: bool) -> None:  # noqa: N802
        self._own_style().quotePrefix = value

    @property
    def number_format(self) -> str:
        raise Unsupported("reading number_format")

    @number_format.setter
    def number_format(self, value: str) -> None:
        fmt = BUILTIN_FORMATS_REVERSE.get(value)
        if fmt is None:
            fmt = self._sheet._book._number_formats.add(value) + BUILTIN_FORMATS_MAX_SIZE
        self._own_style().numFmtId = fmt


class _Dimension:
    __slots__ = ("height", "width")

    def __init__(self) -> None:
        self.height = self.width = None


class _Dimensions(dict):
    def __missing__(self, key):
        value = self[key] = _Dimension()
        return value


class _Attrs:
    """A bag of settings with openpyxl's defaults; `key()` is what the cached serialiser sees."""

    def __init__(self, **defaults: Any) -> None:
        self.__dict__.update(defaults)

    def key(self) -> tuple:
        return tuple(sorted((k, v if not isinstance(v, _Attrs) else v.key()) for k, v in vars(self).items()))


class FastSheet:
    PAPERSIZE_A4 = "9"

    def __init__(self, book: FastBook, title: str) -> None:
        self._book = book
        self.title = title
        self._cells: dict[tuple[int, int], FastCell] = {}
        self.row_dimensions = _Dimensions()
        self.column_dimensions = _Dimensions()
        self._validations: list[DataValidation] = []
        self._freeze: tuple[int, int] | None = None
        self.auto_filter = _Attrs(ref=None)
        self.protection = _Attrs(
            sheet=False, formatColumns=True, formatRows=True, autoFilter=True, password=None
        )
        self.page_setup = _Attrs(paperSize=None, orientation=None, fitToWidth=None, fitToHeight=None)
        self.sheet_properties = _Attrs(pageSetUpPr=_Attrs(fitToPage=None))
        self.print_options = _Attrs(horizontalCentered=None)
        self.page_margins = _Attrs(left=0.75, right=0.75)
        self.print_title_rows: str | None = None
        self.sheet_state = "visible"

    def cell(self, row: int, column: int, value: Any = None) -> FastCell:
        cell = self._cells.get((row, column))
        if cell is None:
            cell = self._cells[(row, column)] = FastCell(self, row, column)
        if value is not None:
            cell.value = value
        return cell

    # What templates_xlsx.fill reads to find rows and columns, as openpyxl's sheet answers it.

    @property
    def max_row(self) -> int:
        return max((r for r, _ in self._cells), default=1)

    @property
    def max_column(self) -> int:
        return max((c for _, c in self._cells), default=1)

    def __getitem__(self, row: int) -> tuple[FastCell, ...]:
        if not isinstance(row, int):
            raise Unsupported("only whole rows by number")
        return tuple(self.cell(row=row, column=c) for c in range(1, self.max_column + 1))

    def delete_rows(self, idx: int, amount: int = 1) -> None:
        """openpyxl's: the rows' cells go, the cells below move up (row heights stay where they are)."""
        moved = {}
        for (r, c), cell in self._cells.items():
            if r < idx:
                moved[(r, c)] = cell
            elif r >= idx + amount:
                cell.row = r - amount
                moved[(cell.row, c)] = cell
        self._cells = moved

    def add_data_validation(self, dv: DataValidation) -> None:
        self._validations.append(dv)

    @property
    def freeze_panes(self):
        raise Unsupported("reading freeze_panes")

    @freeze_panes.setter
    def freeze_panes(self, cell: FastCell) -> None:
        if not isinstance(cell, FastCell) or cell.row < 2 or cell.column < 2:
            raise Unsupported("freeze panes other than below a row and right of a column")
        self._freeze = (cell.row, cell.column)

    # ------------------------------------------------------------ XML

    def _dimension(self) -> str:
        if not self._cells:
            return "A1:A1"
        rows = [r for r, _ in self._cells]
        cols = [c for _, c in self._cells]
        return f"{_LETTERS[min(cols)]}{min(rows)}:{_LETTERS[max(cols)]}{max(rows)}"

    def _views(self) -> str:
        if self._freeze is None:
            return '<sheetViews><sheetView workbookViewId="0"><selection activeCell="A1" sqref="A1"/></sheetView></sheetViews>'
        row, col = self._freeze
        return (
            f'<sheetViews><sheetView workbookViewId="0"><pane xSplit="{col - 1}" ySplit="{row - 1}" '
            f'topLeftCell="{_LETTERS[col]}{row}" activePane="bottomRight" state="frozen"/>'
            '<selection pane="topRight"/><selection pane="bottomLeft"/>'
            '<selection pane="bottomRight" activeCell="A1" sqref="A1"/></sheetView></sheetViews>'
        )

    def _cols(self) -> str:
        if not self.column_dimensions:
            return ""
        out = []
        for letter, dim in sorted(
            self.column_dimensions.items(), key=lambda kv: column_index_from_string(kv[0])
        ):
            if dim.width is None:
                raise Unsupported("a column dimension without width")
            i = column_index_from_string(letter)
            out.append(f'<col width="{safe_string(dim.width)}" customWidth="1" min="{i}" max="{i}"/>')
        return "<cols>" + "".join(out) + "</cols>"

    def _rows(self, xfs: IndexedList, xf_ids: dict[bytes, int]) -> str:
        by_row: dict[int, list[FastCell]] = {}
        for key in sorted(self._cells):
            by_row.setdefault(key[0], []).append(self._cells[key])
        for r in self.row_dimensions.keys() - by_row.keys():
            by_row[r] = []
        out = []
        add = out.append
        dims = self.row_dimensions
        # A kind of cell shares one style array (CellStyles): its ' s="N"' is worked out once a sheet.
        # (Arrays are not changed while the sheet is written, and every one is held by its cells.)
        xf_attrs: dict[int, str] = {}
        for r in sorted(by_row):
            dim = dims.get(r)
            if dim is not None and dim.height is not None:
                add(f'<row r="{r}" ht="{safe_string(dim.height)}" customHeight="1">')
            else:
                add(f'<row r="{r}">')
            for cell in by_row[r]:
                value = cell._value
                style = cell._style
                s = xf_attrs.get(id(style))
                if s is None:
                    raw = style.tobytes()
                    if raw != _UNSTYLED:
                        xf = xf_ids.get(raw)
                        if xf is None:
                            xf = xf_ids[raw] = xfs.add(style)
                        s = f' s="{xf}"'
                    else:
                        s = ""
                    xf_attrs[id(style)] = s
                if value is None and not s:
                    continue
                kind = cell.data_type
                ref = f"{_LETTERS[cell.column]}{r}"
                if kind == "f":
                    raise Unsupported("formulas")
                if value is None or value == "":
                    t = "inlineStr" if kind == "s" else kind
                    add(f'<c r="{ref}"{s} t="{t}"></c>')
                elif kind == "s":
                    space = ' xml:space="preserve"' if value != value.strip() else ""
                    add(f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{_text(value)}</t></is></c>')
                else:
                    add(f'<c r="{ref}"{s} t="{kind}"><v>{_text(safe_string(value))}</v></c>')
            add("</row>")
        return "<sheetData>" + "".join(out) + "</sheetData>"

    def _validations_xml(self) -> str:
        if not self._validations:
            return ""
        parts = [
            _validation_xml(_dv_key(dv)).replace('sqref="A1"', f'sqref="{dv.sqref}"', 1)
            for dv in self._validations
        ]
        return f'<dataValidations count="{len(parts)}">' + "".join(parts) + "</dataValidations>"

    def to_xml(self, xfs: IndexedList, xf_ids: dict[bytes, int]) -> str:
        sheet_data = self._rows(xfs, xf_ids)
        filt = f'<autoFilter ref="{self.auto_filter.ref}"/>' if self.auto_filter.ref else ""
        return (
            f'<worksheet xmlns="{_MAIN}">'
            + _sheet_pr_xml(self.sheet_properties.key())
            + f'<dimension ref="{self._dimension()}"/>'
            + self._views()
            + '<sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>'
            + self._cols()
            + sheet_data
            + _protection_xml(self.protection.key())
            + filt
            + self._validations_xml()
            + _page_xml(self.print_options.key(), self.page_margins.key(), self.page_setup.key())
            + "</worksheet>"
        )

    def defined_names(self, index: int) -> str:
        quoted = _attr(quote_sheetname(self.title))
        out = ""
        if self.auto_filter.ref:
            first, last = self.auto_filter.ref.split(":")
            out += (
                f'<definedName name="_xlnm._FilterDatabase" localSheetId="{index}" hidden="1">'
                f"{quoted}!{_absolute(first)}:{_absolute(last)}</definedName>"
            )
        if self.print_title_rows:
            first, last = self.print_title_rows.split(":")
            out += (
                f'<definedName name="_xlnm.Print_Titles" localSheetId="{index}">'
                f"{quoted}!${first}:${last}</definedName>"
            )
        return out


def _absolute(ref: str) -> str:
    letters = ref.rstrip("0123456789")
    return f"${letters}${ref[len(letters) :]}"


_DV_FIELDS = (
    "type", "operator", "formula1", "formula2", "allow_blank", "showErrorMessage", "showInputMessage",
    "showDropDown", "errorStyle", "errorTitle", "error", "promptTitle", "prompt", "imeMode",
)  # fmt: skip


def _dv_key(dv: DataValidation) -> tuple:
    return tuple(getattr(dv, name) for name in _DV_FIELDS)


@lru_cache(maxsize=4096)
def _validation_xml(key: tuple) -> str:
    dv = DataValidation(sqref="A1", **dict(zip(_DV_FIELDS, key, strict=True)))
    return _xml(dv.to_tree())


@lru_cache(maxsize=64)
def _sheet_pr_xml(key: tuple) -> str:
    fit = dict(dict(key)["pageSetUpPr"])["fitToPage"]
    return _xml(WorksheetProperties(pageSetUpPr=PageSetupProperties(fitToPage=fit)).to_tree())


@lru_cache(maxsize=64)
def _protection_xml(key: tuple) -> str:
    settings = dict(key)
    if not settings["sheet"]:
        return ""
    prot = SheetProtection(**{k: v for k, v in settings.items() if k != "password"})
    if settings["password"]:
        prot.password = settings["password"]
    return _xml(prot.to_tree())


@lru_cache(maxsize=64)
def _page_xml(options: tuple, margins: tuple, setup: tuple) -> str:
    out = ""
    opts = PrintOptions(**dict(options))
    if opts:
        out += _xml(opts.to_tree())
    out += _xml(PageMargins(**dict(margins)).to_tree())
    page = PageSetup(**dict(setup))
    if page:
        out += _xml(page.to_tree())
    return out


# ---------------------------------------------------------------- the book


@lru_cache(maxsize=1)
def _default_tables() -> dict[str, tuple]:
    """A new openpyxl workbook's style tables (default font, fills, …): each book starts from them."""
    book = Workbook()
    return {name: tuple(getattr(book, name)) for name in _STYLE_TABLES}


@lru_cache(maxsize=1)
def _holder() -> Workbook:
    """A real workbook lent to openpyxl's stylesheet writer with a book's tables swapped in
    (under `_holder_lock`: templates may be built in several threads of `portal serve`)."""
    return Workbook()


_holder_lock = threading.Lock()


_STYLE_TABLES = ("_fonts", "_fills", "_borders", "_alignments", "_protections", "_number_formats")
_stylesheets: dict[tuple, str] = {}


_by_identity: dict[tuple, tuple[tuple, str]] = {}


def _stylesheet(tables: dict[str, IndexedList], xfs: IndexedList) -> str:
    # Books of a round register the same style objects (module constants): look up by identity
    # first, and hash the objects' contents only when they are new.
    objects = tuple(o for name in _STYLE_TABLES for o in (*tables[name], None))
    xf_key = b"".join(x.tobytes() for x in xfs)
    fast_key = (tuple(map(id, objects)), xf_key)
    hit = _by_identity.get(fast_key)
    if hit is not None and all(a is b for a, b in zip(hit[0], objects, strict=True)):
        return hit[1]
    key = (*(tuple(tables[name]) for name in _STYLE_TABLES), xf_key)
    xml = _stylesheets.get(key)
    if xml is None:
        with _holder_lock:
            holder = _holder()
            saved = {name: getattr(holder, name) for name in (*_STYLE_TABLES, "_cell_styles")}
            try:
                for name in _STYLE_TABLES:
                    setattr(holder, name, tables[name])
                holder._cell_styles = xfs
                xml = _xml(write_stylesheet(holder))
            finally:
                for name, value in saved.items():
                    setattr(holder, name, value)
        if len(_stylesheets) > 256:
            _stylesheets.clear()
        _stylesheets[key] = xml
    if len(_by_identity) > 256:
        _by_identity.clear()
    _by_identity[fast_key] = (objects, xml)
    return xml


@lru_cache(maxsize=1)
def _fixed_parts() -> dict[str, str]:
    return {
        "_rels/.rels": (
            f'<Relationships xmlns="{_PKG_REL}">'
            f'<Relationship Type="{_REL}/officeDocument" Target="xl/workbook.xml" Id="rId1"/>'
            f'<Relationship Type="{_PKG_REL}/metadata/core-properties" Target="docProps/core.xml" Id="rId2"/>'
            f'<Relationship Type="{_REL}/extended-properties" Target="docProps/app.xml" Id="rId3"/>'
            "</Relationships>"
        ),
        "docProps/app.xml": _xml(ExtendedProperties().to_tree()),
        "xl/theme/theme1.xml": theme_xml,
    }


class FastBook:
    """The workbook-level subset the builder uses: sheets, structure lock, creator, title."""

    def __init__(self) -> None:
        tables = _default_tables()
        self._fonts = IndexedList(tables["_fonts"])
        self._fills = IndexedList(tables["_fills"])
        self._borders = IndexedList(tables["_borders"])
        self._alignments = IndexedList(tables["_alignments"])
        self._protections = IndexedList(tables["_protections"])
        self._number_formats = IndexedList(tables["_number_formats"])
        self._by_id: dict[tuple[str, int], tuple[Any, int]] = {}
        self._sheets: list[FastSheet] = []
        self.lock_structure = False
        self.creator = "openpyxl"
        self.title: str | None = None
        self.created = dt.datetime.now(tz=dt.UTC).replace(tzinfo=None)

    def __getitem__(self, title: str) -> FastSheet:
        for sheet in self._sheets:
            if sheet.title == title:
                return sheet
        raise KeyError(title)

    def create_sheet(self, title: str) -> FastSheet:
        sheet = FastSheet(self, title)
        self._sheets.append(sheet)
        return sheet

    def _workbook_xml(self) -> str:
        sheets = "".join(
            f'<sheet xmlns:r="{_REL}" name="{_attr(s.title)}" sheetId="{i}" state="{s.sheet_state}" r:id="rId{i}"/>'
            for i, s in enumerate(self._sheets, start=1)
        )
        names = "".join(s.defined_names(i) for i, s in enumerate(self._sheets))
        return (
            f'<workbook xmlns="{_MAIN}"><workbookPr/>'
            + ('<workbookProtection lockStructure="1"/>' if self.lock_structure else "")
            + '<bookViews><workbookView visibility="visible" minimized="0" showHorizontalScroll="1" '
            'showVerticalScroll="1" showSheetTabs="1" tabRatio="600" firstSheet="0" activeTab="0" '
            'autoFilterDateGrouping="1"/></bookViews>'
            + f"<sheets>{sheets}</sheets>"
            + (f"<definedNames>{names}</definedNames>" if names else "")
            + '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>'
        )

    def _content_types(self) -> str:
        sheets = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_CT}.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(self._sheets) + 1)
        )
        return (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.spreadsheetml.styles+xml"/>'
            f'<Override PartName="/xl/theme/theme1.xml" ContentType="{_CT}.theme+xml"/>'
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            f'<Override PartName="/docProps/app.xml" ContentType="{_CT}.extended-properties+xml"/>'
            + sheets
            + f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.spreadsheetml.sheet.main+xml"/>'
            "</Types>"
        )

    def _workbook_rels(self) -> str:
        n = len(self._sheets)
        sheets = "".join(
            f'<Relationship Type="{_REL}/worksheet" Target="/xl/worksheets/sheet{i}.xml" Id="rId{i}"/>'
            for i in range(1, n + 1)
        )
        return (
            f'<Relationships xmlns="{_PKG_REL}">{sheets}'
            f'<Relationship Type="{_REL}/styles" Target="styles.xml" Id="rId{n + 1}"/>'
            f'<Relationship Type="{_REL}/theme" Target="theme/theme1.xml" Id="rId{n + 2}"/>'
            "</Relationships>"
        )

    def _core(self) -> str:
        props = DocumentProperties(
            creator=self.creator,
            title=self.title,
            created=self.created,
            modified=dt.datetime.now(tz=dt.UTC).replace(tzinfo=None),
        )
        return _xml(props.to_tree())

    def parts(self) -> dict[str, str]:
        """Every part of the package, name → XML text (tests compare these with openpyxl's)."""
        if sum(s.sheet_state == "visible" for s in self._sheets) == 0:
            raise Unsupported("no visible sheet")
        xfs = IndexedList([StyleArray()])
        xf_ids: dict[bytes, int] = {}
        sheets = {
            f"xl/worksheets/sheet{i}.xml": s.to_xml(xfs, xf_ids) for i, s in enumerate(self._sheets, start=1)
        }
        tables = {name: getattr(self, name) for name in _STYLE_TABLES}
        return {
            "docProps/app.xml": _fixed_parts()["docProps/app.xml"],
            "docProps/core.xml": self._core(),
            "xl/theme/theme1.xml": _fixed_parts()["xl/theme/theme1.xml"],
            **sheets,
            "xl/styles.xml": _stylesheet(tables, xfs),
            "xl/workbook.xml": self._workbook_xml(),
            "xl/_rels/workbook.xml.rels": self._workbook_rels(),
            "_rels/.rels": _fixed_parts()["_rels/.rels"],
            "[Content_Types].xml": self._content_types(),
        }

    def save_bytes(self) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, xml in self.parts().items():
                if name in _SHARED_PARTS:
                    write_deflated(archive, name, _deflated(xml))
                else:
                    archive.writestr(name, xml.encode("utf-8"))
        return buf.getvalue()


# Parts every template of a round has alike (the styles too: one set of styles a round): each
# compressed once, not once a workbook.
_SHARED_PARTS = frozenset(
    {"docProps/app.xml", "xl/theme/theme1.xml", "_rels/.rels", "xl/styles.xml", "[Content_Types].xml",
     "xl/_rels/workbook.xml.rels"}
)  # fmt: skip


@lru_cache(maxsize=64)
def _deflated(xml: str) -> Deflated:
    return Deflated.of(xml.encode("utf-8"))
