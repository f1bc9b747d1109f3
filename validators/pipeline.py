"""All stages over one upload or a batch, into one Report per workbook.

file safety → read (cells, normalisation) → structure → rows (Pandera) → sets and history (GX),
then the list sheets (名单) against the indicator values and other units' lists (validators.lists).
Every stage that can run does, and all issues are kept; a stage is skipped only when an earlier
one left nothing usable (an unsafe or unreadable file is not parsed at all). One cell carries at
most one error: a later stage's error at a cell an earlier stage already flagged as an error is
the same problem seen again (a value that could not be read is also "missing") and is dropped.
A check that crashes is reported as `internal-error`, never as a traceback.

Workbooks are parsed in a worker process (templates_xlsx.isolation) unless `isolate=False`: a
reader that aborts or exhausts memory costs that one file (`file-reader-crashed`), never the
calling process or the rest of the batch. In a large batch (isolation.PARALLEL_MIN_FILES) the
worker that reads a file also runs its file-safety stage first (validators.checked_read): the
same check, still before any parse, off the process that validates and records the batch.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace

from schemas.issues import Issue, Report
from schemas.sheets import LIST_SHEETS, TEMPLATE_SHEETS
from templates_xlsx import isolation
from templates_xlsx.reader import WorkbookUnreadable
from templates_xlsx.upload import ParsedUpload, read_upload, unreadable
from validators.expectation import Expectation
from validators.file_safety import Limits, check_file
from validators.gx import SetsInput, check_sets
from validators.lists import check_lists
from validators.rows import check_rows_batch
from validators.structure import StructureResult, check_structure

log = logging.getLogger(__name__)

# What to expect of an upload: fixed, or decided from its metadata (unit and round written in the
# workbook), e.g. `portal validate FILE` without --unit.
ExpectationSource = Expectation | Callable[[Mapping[str, str]], Expectation]

STAGES = ("file", "read", "structure", "rows", "sets")

# Workbooks the platform wrote itself (the demo's fill): read in this process and checked by the
# Polars set rules (gx.run_polars, the same rows as GX). Isolation guards against hostile files and
# GX's fixed cost (~3 s to import) buys nothing for them; every other check runs as for anyone's.
_OWN_FILES: ContextVar[bool] = ContextVar("validators_own_files", default=False)


@contextmanager
def own_files() -> Iterator[None]:
    """Validate in this thread as for files the platform built (see _OWN_FILES)."""
    token = _OWN_FILES.set(True)
    try:
        yield
    finally:
        _OWN_FILES.reset(token)


# Structure findings that make the registry's items and history meaningless for this workbook.
_FOREIGN = frozenset({"wrong-unit", "unknown-unit"})


@dataclass
class ValidationResult:
    report: Report
    upload: ParsedUpload | None = None  # None when the file was refused or could not be read
    expectation: Expectation | None = None
    stages_run: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.report.ok

    @property
    def meta(self) -> Mapping[str, str]:
        return self.upload.meta if self.upload else {}


@dataclass
class _Work:
    data: bytes
    source: ExpectationSource
    result: ValidationResult = field(default_factory=lambda: ValidationResult(Report()))
    stages: dict[str, list[Issue]] = field(default_factory=dict)
    structure: StructureResult | None = None
    checked: Expectation | None = None  # the expectation rows and sets are compared with


def _internal(stage: str, exc: BaseException) -> Issue:
    log.exception("validation stage %s failed", stage)
    return Issue.make("internal-error", detail=f"{stage}: {type(exc).__name__}")


def validate_upload(
    data: bytes,
    expectation: ExpectationSource,
    limits: Limits | None = None,
    secret: bytes = b"",
    *,
    isolate: bool | None = None,
    check_sizes: bool = True,
) -> ValidationResult:
    """One workbook through every stage."""
    return validate_many([(data, expectation)], limits, secret, isolate=isolate, check_sizes=check_sizes)[0]


def validate_many(
    items: Sequence[tuple[bytes, ExpectationSource]],
    limits: Limits | None = None,
    secret: bytes = b"",
    *,
    isolate: bool | None = None,
    check_sizes: bool = True,
) -> list[ValidationResult]:
    """Many workbooks: file, read and structure per file; then rows (Pandera) and sets (GX) once
    for the whole batch, so their fixed costs are paid once, not once per workbook.

    `isolate`: parse in a worker process (default `templates_xlsx.isolation.ISOLATE`, on).
    `check_sizes=False` hands sheets beyond their budget to the reader: only for tests and
    benchmarks of what a reader crash costs."""
    return [
        result
        for part in validate_in_slices(items, limits, secret, isolate=isolate, check_sizes=check_sizes)
        for result in part
    ]


def validate_in_slices(
    items: Sequence[tuple[bytes, ExpectationSource]],
    limits: Limits | None = None,
    secret: bytes = b"",
    *,
    isolate: bool | None = None,
    check_sizes: bool = True,
    size: int | None = None,
) -> Iterator[list[ValidationResult]]:
    """`validate_many`'s results `size` workbooks at a time, in order (None: all in one slice):
    each slice's rows and sets run once for the slice, and while the caller works on a slice (a
    batch records it) the reading workers go on with the next files. Every workbook gets the same
    issues in any slice as alone (each stage decides a workbook on its own and its expectation);
    a slice only costs the rows' and sets' fixed costs once more. Close the iterator (or exhaust
    it) to stop the workers of an abandoned batch."""
    limits = limits or Limits()
    own = _OWN_FILES.get()
    if own:
        isolate = False
    read = _isolated_read if (isolation.ISOLATE if isolate is None else isolate) else read_upload
    works = [_Work(data, source) for data, source in items]
    size = max(1, size or len(works))
    parts = [works[start : start + size] for start in range(0, len(works), size)]
    if read is _isolated_read and len(works) >= isolation.PARALLEL_MIN_FILES:
        # Both cores: workers check and read the next files while this process goes on with the
        # one before. Each file's safety is checked by the worker that reads it, before the read.
        ahead = isolation.calls_ahead(
            "checked-upload", [w.data for w in works], _crashed_read, limits=limits, check_sizes=check_sizes
        )
        try:
            for part in parts:
                # `part` first: zip stops there without taking a read beyond it
                for work, result in zip(part, ahead, strict=False):
                    try:
                        checked, upload = result()
                    except Exception as exc:  # the worker's own failure: this file's read fails
                        checked, upload = [], exc
                    if _file_stage(work, limits, lambda *_, checked=checked: _given(checked)):
                        _after_file_stage(work, secret, lambda _data, upload=upload: _given(upload))
                if part is parts[-1]:
                    ahead.close()  # every file read: the workers go before the last stages
                yield _batch_stages(part, own)
        finally:
            ahead.close()
        return
    for part in parts:
        safe = [w for w in part if _file_stage(w, limits)]
        for work in safe:
            _after_file_stage(work, secret, lambda data: read(data, check_sizes=check_sizes))
        yield _batch_stages(part, own)


def _batch_stages(works: list[_Work], own: bool) -> list[ValidationResult]:
    """Rows and sets once for the workbooks read, then each one's report."""
    _rows_stage([w for w in works if "rows" in w.stages])
    _sets_stage([w for w in works if "sets" in w.stages], gx=not own)
    for work in works:
        work.result.report = _assemble(work.stages)
    return [w.result for w in works]


def _isolated_read(data: bytes, check_sizes: bool = True) -> ParsedUpload:
    return isolation.read_upload(data, check_sizes=check_sizes)


def _crashed_read(issue: Issue) -> tuple[list[Issue], ParsedUpload]:
    """A checked read whose worker died: stage 1 said nothing, the read is the crash."""
    return [], unreadable([issue])


def _given(outcome):
    """A result computed elsewhere (a worker): returned, or raised if it is the exception."""
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


def _file_stage(work: _Work, limits: Limits, check: Callable[..., list[Issue]] | None = None) -> bool:
    """File safety (`check`: check_file, or its result from the worker); True when the file may be parsed."""
    try:
        work.stages["file"] = (check or check_file)(work.data, limits)
    except Exception as exc:  # a fault in our own check: report it, never crash
        work.stages["file"] = [_internal("file", exc)]
    work.result.stages_run.append("file")
    return not any(i.is_error for i in work.stages["file"])


def _after_file_stage(work: _Work, secret: bytes, read: Callable[[bytes], ParsedUpload]) -> None:
    result = work.result
    try:
        upload = read(work.data)
    except WorkbookUnreadable as exc:
        work.stages["read"] = [Issue.make("file-unreadable", detail=exc.detail)]
        return
    except Exception as exc:
        work.stages["read"] = [_internal("read", exc)]
        return
    work.stages["read"] = list(upload.issues)
    result.stages_run.append("read")
    if not upload.readable:
        return
    result.upload = upload
    try:
        expectation = work.source(upload.meta) if callable(work.source) else work.source
    except Exception as exc:
        work.stages["structure"] = [_internal("expectation", exc)]
        return
    result.expectation = expectation
    try:
        work.structure = check_structure(
            upload.meta, upload.sheets, expectation, secret, reported={i.code for i in upload.issues}
        )
        work.stages["structure"] = work.structure.issues
    except Exception as exc:
        work.structure = StructureResult()
        work.stages["structure"] = [_internal("structure", exc)]
    result.stages_run.append("structure")
    if any(i.code in _FOREIGN for i in work.structure.issues):
        # Not this unit's workbook: its items and history are someone else's, so compare nothing.
        expectation = replace(expectation, indicators=None, tasks=None)
    work.checked = expectation
    work.stages["rows"] = []


def _rows_stage(works: list[_Work]) -> None:
    """Pandera for the whole batch: one validation per sheet spec, not one per workbook."""
    items, owners = [], []
    for work in works:
        for spec in (*TEMPLATE_SHEETS, *LIST_SHEETS):
            parsed = work.result.upload.sheets.get(spec.key)
            if parsed is not None:
                items.append((parsed, work.checked, work.structure.skip_rows.get(spec.key, ())))
                owners.append(work)
    try:
        found = check_rows_batch(items)
    except Exception as exc:
        issue = _internal("rows", exc)
        found = [[] for _ in items]
        for work in works:
            work.stages["rows"].append(issue)
    for work, issues in zip(owners, found, strict=True):
        work.stages["rows"] += issues
    for work in works:
        work.result.stages_run.append("rows")
        work.stages["sets"] = []


def _sets_stage(works: list[_Work], gx: bool = True) -> None:
    if not works:
        return
    inputs = [
        SetsInput(
            sheets={k: v for k, v in w.result.upload.sheets.items() if v.header_row is not None},
            expectation=w.checked,
            skip_rows=w.structure.skip_rows,
            covered=w.structure.covered,
        )
        for w in works
    ]
    try:
        found = check_sets(inputs, gx=gx)
    except Exception as exc:
        issue = _internal("sets", exc)
        found = [[issue] for _ in works]
    for work, issues in zip(works, found, strict=True):
        try:
            issues = issues + check_lists(work.result.upload.sheets, work.checked)
        except Exception as exc:
            issues = issues + [_internal("lists", exc)]
        work.stages["sets"] = issues
        work.result.stages_run.append("sets")


def _assemble(stages: Mapping[str, list[Issue]]) -> Report:
    report = Report()
    error_cells: set[tuple[str | None, str]] = set()
    for stage in STAGES:
        kept = []
        for issue in stages.get(stage, []):
            place = (issue.sheet, issue.cell) if issue.cell else None
            if place and issue.is_error and place in error_cells:
                continue
            kept.append(issue)
        for issue in kept:
            if issue.cell and issue.is_error:
                error_cells.add((issue.sheet, issue.cell))
        report.extend(kept)
    return report
