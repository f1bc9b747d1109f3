"""Fill a downloaded template the way a unit's clerk would: openpyxl, by row code and column.

Shared by the template, validation and submission tests (`from tests.xlsx_fill import ...`).
The filling itself is `templates_xlsx.fill` (the one filler, also used by the demo); this module
adds what only tests need: valid defaults for every row, raw cells, edits a clerk should not
make, raw sheet XML and a LibreOffice round trip.

    filled = fill_template(
        template,
        indicators={"JZ-K01": 1250, "JZ-K02": {"value": "１２０", "note": "统计局"}},
        tasks={"JZ-3.1.1": {"status": "推进中", "percent": 60, "narrative": "已完成招标"}},
        cells={("指标填报", "N9"): "=1/0"},      # anything, anywhere (tampering, formulas)
        edit=delete_row("任务进展", "JZ-3.1.2"),  # or any callable(openpyxl Workbook)
    )
    clean = fill_valid(template)                     # every row valid; override per code like above
    lo = save_with_libreoffice(filled, tmp_path)     # as LibreOffice saves it (cached formulas …)
    odd = patch_sheet_xml(filled, "指标填报", fn)     # raw sheet XML, for what no library writes
"""

from __future__ import annotations

import io
import subprocess
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from schemas.credit_code import with_check
from schemas.enums import IndicatorKind, TaskStatus
from schemas.sheets import INDICATOR_SHEET, LIST_SHEETS, TASK_SHEET, TEMPLATE_SHEETS, SheetSpec, column_letter
from templates_xlsx.fill import (
    cell_value,
    fill_book,
    fill_list,
    header_columns,
    open_book,
    row_numbers,
    save_book,
    template_spec,
)
from templates_xlsx.reader import Workbook as OpenedWorkbook

Edit = Callable[[Workbook], None]

# The filler itself is production code (templates_xlsx.fill); these names stay for the tests.
_spec = template_spec
_as_cell_value = cell_value
_open = open_book
_save = save_book


def columns(ws: Worksheet, spec: SheetSpec) -> dict[str, int]:
    """Column key → 1-based column index, found by header text in the spec's header row."""
    return header_columns(ws, spec)


def rows(ws: Worksheet, spec: SheetSpec) -> dict[str, int]:
    """Row code → Excel row, for the rows below the header."""
    return row_numbers(ws, spec)


def cell_of(data: bytes, sheet: str, code: str, column_key: str) -> str:
    """The cell ("N4") of a row's column in a template, e.g. to assert an issue's position."""
    book = _open(data)
    spec = _spec(sheet)
    ws = book[spec.name]
    return ws.cell(row=rows(ws, spec)[code], column=columns(ws, spec)[column_key]).coordinate


def _fill_book(
    book: Workbook,
    indicators: Mapping[str, Any] | None,
    tasks: Mapping[str, Mapping[str, Any]] | None,
    cells: Mapping[tuple[str, str], Any] | None,
    edit: Edit | Iterable[Edit] | None,
) -> bytes:
    # formulas=True: a clerk typing "=1+1" makes a formula, which the tests rely on.
    fill_book(book, indicators, tasks, formulas=True)
    _fill_lists(book, indicators or {})
    for (sheet, ref), value in (cells or {}).items():
        book[sheet][ref].value = _as_cell_value(value)
    edits = [edit] if callable(edit) else list(edit or [])
    for fn in edits:
        fn(book)
    return _save(book)


def _list_indicators(ws: Worksheet, spec: SheetSpec) -> list[str]:
    """The indicators a list sheet offers in its 指标编号 drop-down (the unit's list-backed ones)."""
    letter = column_letter(spec.index("indicator"))
    for dv in ws.data_validations.dataValidation:
        if str(dv.sqref).startswith(f"{letter}{spec.first_data_row}:"):
            return dv.formula1.strip('"').split(",")
    return []


def _fill_lists(book: Workbook, indicators: Mapping[str, Any]) -> None:
    """A careful clerk's lists: as many items as a list-backed indicator's whole, non-negative value
    (名单, docs/lists.md), so a valid fill stays valid; tests of the lists paste their own over it."""
    for spec in LIST_SHEETS:
        if spec.name not in book.sheetnames:
            continue
        items = []
        for code in _list_indicators(book[spec.name], spec):
            given = indicators.get(code)
            value = given.get("value") if isinstance(given, Mapping) else given
            if not isinstance(value, int | float) or value < 0 or float(value) != int(value):
                continue
            if value > spec.max_rows - spec.header_row:  # more than the sheet holds: left unlisted
                continue
            seed = zlib.crc32(code.encode()) % 1000
            for n in range(int(value)):
                item = {"indicator": code, "name": f"（测试）{code}-{n + 1}", "number": f"{code}-{n + 1}"}
                if spec.list_type == "enterprise":
                    item = {
                        "indicator": code,
                        "name": f"（测试）企业{code}-{n + 1}",
                        "stage": "认定",
                        "credit_code": with_check(f"91420000MA{seed:03d}{n:04d}"),
                    }
                items.append(item)
        fill_list(book[spec.name], spec, items)


def fill_template(
    data: bytes,
    indicators: Mapping[str, Any] | None = None,
    tasks: Mapping[str, Mapping[str, Any]] | None = None,
    cells: Mapping[tuple[str, str], Any] | None = None,
    edit: Edit | Iterable[Edit] | None = None,
) -> bytes:
    """The template with inputs typed in and saved by openpyxl (formulas get no cached value).

    `indicators`: code → value, or code → {"value": …, "note": …}.
    `tasks`: code → {"status": label or TaskStatus, "percent": …, "narrative": …, …}.
    Only input columns may be filled this way; `cells` writes raw values anywhere, `edit`
    gets the openpyxl workbook for anything else (delete rows, rename sheets …).
    """
    return _fill_book(_open(data), indicators, tasks, cells, edit)


def _rows_of(book: Workbook) -> dict[str, dict[str, dict[str, Any]]]:
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for spec in TEMPLATE_SHEETS:
        ws = book[spec.name]
        cols = columns(ws, spec)
        out[spec.key] = {
            code: {key: ws.cell(row=r, column=j).value for key, j in cols.items()}
            for code, r in rows(ws, spec).items()
        }
    return out


def template_rows(data: bytes) -> dict[str, dict[str, dict[str, Any]]]:
    """Spec key → row code → {column key: cell value} as the template holds them."""
    return _rows_of(_open(data))


def _valid_inputs(prefilled: dict[str, dict[str, dict[str, Any]]]):
    indicators = {}
    for code, row in prefilled[INDICATOR_SHEET.key].items():
        if row.get("kind") == IndicatorKind.MILESTONE.label:
            value: float = 1
        elif row.get("last_value") is not None:
            value = float(row["last_value"])
        else:
            value = round(float(row.get("target") or 10) / 2, 2)
        indicators[code] = {"value": value, "note": "据统计部门季度数据"}
    tasks = {
        code: {
            "status": TaskStatus.IN_PROGRESS,
            "percent": 50,
            "narrative": "按计划推进,本季度完成阶段性工作。",
            "problems": None,
            "next_steps": "继续推进。",
        }
        for code in prefilled[TASK_SHEET.key]
    }
    return indicators, tasks


def valid_inputs(data: bytes) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Plausible, valid inputs for every row of a template: (indicators, tasks) for fill_template.

    An indicator gets its last approved value (or half its target, 1 for a milestone) plus a
    note; a task is 推进中 at 50% with a narrative.
    """
    return _valid_inputs(template_rows(data))


def fill_valid(
    data: bytes,
    indicators: Mapping[str, Any] | None = None,
    tasks: Mapping[str, Mapping[str, Any]] | None = None,
    cells: Mapping[tuple[str, str], Any] | None = None,
    edit: Edit | Iterable[Edit] | None = None,
) -> bytes:
    """Every row filled with valid inputs (see `valid_inputs`); `indicators`/`tasks` entries
    override per code and column, `cells`/`edit` as in `fill_template`."""
    book = _open(data)
    all_indicators, all_tasks = _valid_inputs(_rows_of(book))
    for code, given in (indicators or {}).items():
        all_indicators[code] = all_indicators.get(code, {}) | (
            dict(given) if isinstance(given, Mapping) else {"value": given}
        )
    for code, given in (tasks or {}).items():
        all_tasks[code] = all_tasks.get(code, {}) | dict(given)
    return _fill_book(book, all_indicators, all_tasks, cells, edit)


# ---------------------------------------------------------------- edits a clerk should not make


def delete_row(sheet: str, code: str) -> Edit:
    def edit(book: Workbook) -> None:
        spec = _spec(sheet)
        ws = book[spec.name]
        ws.delete_rows(rows(ws, spec)[code])

    return edit


def append_row(sheet: str, values: Mapping[str, Any]) -> Edit:
    """A new row below the last one, values by column key (e.g. a row the unit made up)."""

    def edit(book: Workbook) -> None:
        spec = _spec(sheet)
        ws = book[spec.name]
        cols = columns(ws, spec)
        r = max([spec.header_row, *rows(ws, spec).values()]) + 1
        for key, value in values.items():
            ws.cell(row=r, column=cols[key]).value = _as_cell_value(value)

    return edit


def recode_row(sheet: str, code: str, new_code: str) -> Edit:
    def edit(book: Workbook) -> None:
        spec = _spec(sheet)
        ws = book[spec.name]
        ws.cell(row=rows(ws, spec)[code], column=columns(ws, spec)[spec.row_key]).value = new_code

    return edit


def patch_sheet_xml(data: bytes, sheet: str, transform: Callable[[str], str]) -> bytes:
    """The workbook with one sheet's XML rewritten, for what no library writes on request
    (inline strings, cached formula results, cells without `r`, namespace prefixes …)."""
    part = OpenedWorkbook(data).sheet_part(sheet)
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == part:
                body = transform(body.decode("utf-8")).encode("utf-8")
            dst.writestr(info, body)
    return out.getvalue()


def save_with_libreoffice(data: bytes, workdir: Path, soffice: str = "soffice") -> bytes:
    """The workbook opened and saved again as .xlsx by LibreOffice (headless), as a unit using
    LibreOffice would hand it in: shared strings, recalculated formulas with cached values.
    The test process's own profile (tests.conftest.libreoffice_profile) lets tests run while another
    LibreOffice is open."""
    from tests.conftest import libreoffice_profile

    source = workdir / "in" / "book.xlsx"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_bytes(data)
    out = workdir / "out"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={libreoffice_profile()}",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return (out / "book.xlsx").read_bytes()
