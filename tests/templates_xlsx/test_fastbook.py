"""The fast template writer (templates_xlsx.fastbook) gives the workbook openpyxl gives.

Every part of the package is compared canonicalised (so `&#25351;` and `指` are the same text) and
the workbooks are compared as openpyxl reads them back: values, styles, validations, defined names,
protection and print setup, for the sample context, its variants and a demo round's units.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
from openpyxl import load_workbook

from portal.reporting.templates import round_template_contexts
from templates_xlsx import builder
from templates_xlsx.builder import build_template, build_template_openpyxl
from templates_xlsx.fastbook import FastBook, Unsupported
from tests.templates_xlsx.conftest import SECRET, sample_context

_TIMES = re.compile(r"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>")


def _parts(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        out = {name: ET.canonicalize(z.read(name).decode("utf-8")) for name in z.namelist()}
    out["docProps/core.xml"] = _TIMES.sub("", out["docProps/core.xml"])  # the clock, not the content
    return out


def _same_parts(ctx) -> None:
    old, new = _parts(build_template_openpyxl(ctx, SECRET)), _parts(build_template(ctx, SECRET))
    assert sorted(new) == sorted(old)
    for name in old:
        assert new[name] == old[name], name


def _style(cell) -> tuple:
    return (
        repr(cell.font), repr(cell.fill), repr(cell.border), repr(cell.alignment),
        repr(cell.protection), cell.number_format, cell.quotePrefix,
    )  # fmt: skip


def _as_read(data: bytes) -> dict:
    book = load_workbook(io.BytesIO(data))
    out = {
        "sheets": [(ws.title, ws.sheet_state) for ws in book.worksheets],
        "lock": book.security.lockStructure if book.security else None,
        "names": sorted(
            (ws.title, name, str(dn.value)) for ws in book.worksheets for name, dn in ws.defined_names.items()
        ),
    }
    for ws in book.worksheets:
        out[ws.title] = {
            "cells": [(c.coordinate, c.value, c.data_type, _style(c)) for row in ws.iter_rows() for c in row],
            "heights": {r: d.height for r, d in ws.row_dimensions.items() if d.height},
            "widths": {k: d.width for k, d in ws.column_dimensions.items()},
            "validations": sorted(repr(dv) for dv in ws.data_validations.dataValidation),
            "protection": repr(ws.protection),
            "freeze": ws.freeze_panes,
            "filter": ws.auto_filter.ref,
            "print": (
                repr(ws.page_setup),
                repr(ws.print_options),
                repr(ws.page_margins),
                ws.print_title_rows,
            ),
            "fit": ws.sheet_properties.pageSetUpPr.fitToPage,
        }
    return out


VARIANTS = {
    "sample": {},
    "with a list sheet": {"lists": {"enterprise": ["JZ-K01"], "talent": ["JZ-K02", "JZ-K03"]}},
    "no tasks": {"tasks": []},
    "no indicators": {"indicators": []},
    "nothing to report": {"indicators": [], "tasks": []},
}


@pytest.mark.parametrize("changes", VARIANTS.values(), ids=VARIANTS.keys())
def test_every_part_is_the_xml_openpyxl_writes(changes):
    _same_parts(sample_context(**changes))


def test_text_needing_escapes_spaces_and_newlines_is_written_like_openpyxl():
    ctx = sample_context()
    tasks = [dict(t) for t in ctx.tasks]
    tasks[0]["title"] = ' <b>"A & B"</b> \n第二行\r '
    tasks[1]["title"] = "#N/A"
    _same_parts(replace(ctx, tasks=tasks, unit_name="经发局 & <科技>", plans=["甲\n乙", "丙"]))


def test_the_workbook_reads_back_the_same_as_openpyxls():
    ctx = sample_context(lists={"enterprise": ["JZ-K01"]})
    assert _as_read(build_template(ctx, SECRET)) == _as_read(build_template_openpyxl(ctx, SECRET))


def test_every_demo_unit_gets_the_workbook_openpyxl_writes(demo_portal):
    contexts = round_template_contexts(demo_portal, "2025Q3")
    assert len(contexts) > 40
    secret = demo_portal.settings.secret()
    for ctx in contexts:
        old, new = build_template_openpyxl(ctx, secret), build_template(ctx, secret)
        assert _parts(new) == _parts(old), ctx.unit
    for ctx in contexts[:3]:
        assert _as_read(build_template(ctx, secret)) == _as_read(build_template_openpyxl(ctx, secret))


def test_a_workbook_the_fast_writer_cannot_write_is_built_by_openpyxl(monkeypatch):
    def refuse(self):
        raise Unsupported("test")

    monkeypatch.setattr(FastBook, "save_bytes", refuse)
    ctx = sample_context()
    assert _parts(build_template(ctx, SECRET)) == _parts(build_template_openpyxl(ctx, SECRET))


def test_a_date_value_is_not_written_by_the_fast_writer():
    ctx = sample_context()
    rows = [dict(r) for r in ctx.indicators]
    rows[0]["name"] = dt.date(2025, 1, 2)
    with pytest.raises(Unsupported):
        builder._compose(FastBook(), replace(ctx, indicators=rows), SECRET)
    book = load_workbook(io.BytesIO(build_template(replace(ctx, indicators=rows), SECRET)))
    assert book["指标填报"]["C4"].value == dt.datetime(2025, 1, 2)


def test_workbooks_built_in_several_threads_at_once_are_each_openpyxls():
    # `portal serve` may build two units' templates at the same time; the style tables must not mix.
    contexts = [sample_context(**changes) for changes in VARIANTS.values()] * 4
    expected = [_parts(build_template_openpyxl(ctx, SECRET)) for ctx in contexts[: len(VARIANTS)]] * 4
    with ThreadPoolExecutor(max_workers=4) as pool:
        built = list(pool.map(lambda ctx: _parts(build_template(ctx, SECRET)), contexts))
    assert built == expected
