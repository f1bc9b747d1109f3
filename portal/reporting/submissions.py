"""Ingest: validate an upload, then record it in one transaction, keyed to the unit that owns each row.

The same use case serves `portal ingest`, the upload page (through portal.reporting.workflow) and
the demo fill: it takes the acting account and checks the permission table before anything is
stored (upload.submit for the unit, or for every unit in a batch without one; upload.after_close
to take a closed round's upload). Every upload's bytes are stored by
content hash before anything else; a rejected upload is recorded with its issues; the same file
for the same unit and round is recognised and not recorded twice; a newer accepted upload
supersedes the unit's current submission for the round, which stays queryable.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from portal.core import filestore
from portal.core.context import Portal
from portal.core.errors import InvalidInput
from portal.core.permissions import require, visible_units
from portal.reporting.validation import validate_files, validate_files_in_slices
from schemas.credit_code import normalise as normalise_credit_code
from schemas.enums import EnterpriseStage, Role, SubmissionStatus, TaskStatus
from schemas.issues import Issue, Report
from schemas.sheets import LIST_SHEETS, list_item_key
from validators.pipeline import ValidationResult
from warehouse import evidence as evidence_rows
from warehouse import extensions
from warehouse.db import transaction
from warehouse.faults import checkpoint
from warehouse.submissions import (
    ACCEPTED_STATUSES,
    LIST_ITEM_COLUMNS,
    PROGRESS_COLUMNS,
    NewSubmission,
    PendingRows,
    PendingSubmissions,
    files_recorded,
    find_same_file,
    has_sign_off_account,
    prune_rejected,
    record_submission,
    status_version_lateness,
    unit_and_round_codes,
)


@dataclass
class IngestResult:
    file_name: str | None
    file_hash: str
    report: Report
    unit: str | None = None
    round: str | None = None
    submission_id: int | None = None
    status: SubmissionStatus | None = None
    version: int | None = None
    days_late: int = 0
    duplicate: bool = False  # this exact file was already recorded for the unit and round
    carried_evidence: int = 0  # 佐证材料 carried over from the previous accepted version
    validation: ValidationResult | None = field(default=None, repr=False)

    @property
    def accepted(self) -> bool:
        return self.status in ACCEPTED_STATUSES

    def summary(self) -> str:
        who = f"{self.unit or '未知单位'} {self.round or ''}".strip()
        if self.submission_id is None:
            return f"{self.file_name or '文件'}：未能识别所属单位和轮次，未登记。{self.report.summary()}"
        if self.duplicate:
            return f"{who}：同一文件已于报送记录 {self.submission_id} 登记过，未重复登记。"
        state = self.status.label if self.status else ""
        late = f"，逾期 {self.days_late} 天" if self.days_late else ""
        if self.status == SubmissionStatus.REJECTED:
            return (
                f"{who}：未通过校验的上传（报送记录 {self.submission_id}），未入库。{self.report.summary()}"
            )
        carried = (
            f"已沿用上一版的 {self.carried_evidence} 份佐证材料，如不再适用请在“佐证材料”中移除。"
            if self.carried_evidence
            else ""
        )
        return (
            f"{who}：第 {self.version} 版，{state}{late}（报送记录 {self.submission_id}）。"
            f"{self.report.summary()}{carried}"
        )


_STATUS_CODES = {s.label: s.value for s in TaskStatus} | {s.value: s.value for s in TaskStatus}
_NO_FACTS: tuple[pl.DataFrame | None, pl.DataFrame | None] = (None, None)


def _stacked(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """The workbooks' frames of one sheet, one under the other, with `_wb` (their place in the list)."""
    body = pl.concat(frames, how="diagonal_relaxed") if len(frames) > 1 else frames[0]
    heights = [f.height for f in frames]
    return body.with_columns(pl.Series("_wb", np.repeat(np.arange(len(frames)), heights), pl.Int64))


def _split(frame: pl.DataFrame, n: int) -> list[pl.DataFrame]:
    """`frame` (rows in `_wb` order) cut back into one frame per workbook, without `_wb`."""
    parts = frame.partition_by("_wb", as_dict=True, include_key=False, maintain_order=True)
    empty = frame.drop("_wb").clear()
    return [parts.get((wb,), empty) for wb in range(n)]


def _fact_frames(
    results: Sequence[ValidationResult],
) -> list[tuple[pl.DataFrame | None, pl.DataFrame | None]]:
    """Each workbook's indicator values and task progress as recorded, shaped like the tables,
    built for the whole chunk at once: a few small eager queries per workbook were most of a
    province round's recording (BENCHMARKS.md). Workbooks that cannot be accepted get none."""
    out = [_NO_FACTS] * len(results)
    kept = [i for i, r in enumerate(results) if r.upload is not None and r.report.ok]
    if not kept:
        return out
    uploads = [results[i].upload for i in kept]
    sheets = [u.sheets["indicator_values"] for u in uploads]
    values = _stacked([p.frame for p in sheets])
    letters = [p.letters.get("value", "") for p in sheets]
    values = values.with_columns(
        pl.Series(
            "_letter",
            [x for x, p in zip(letters, sheets, strict=True) for _ in range(p.frame.height)],
            pl.Utf8,
        )
    )
    cols = values.columns
    values = values.select(
        pl.col("indicator").cast(pl.Utf8),
        pl.col("value").cast(pl.Float64) if "value" in cols else pl.lit(None, pl.Float64).alias("value"),
        pl.col("note").cast(pl.Utf8) if "note" in cols else pl.lit(None, pl.Utf8).alias("note"),
        (pl.col("_letter") + pl.col("_row").cast(pl.Utf8)).alias("cell"),
        "_wb",
    ).filter(pl.col("indicator").is_not_null())
    progress = _stacked([u.sheets["task_progress"].frame for u in uploads]).filter(
        pl.col("task").is_not_null()
    )
    roles = {
        (wb, t): _text(role)
        for wb, i in enumerate(kept)
        for t, role in {t.code: t.role for t in (results[i].expectation.tasks or ())}.items()
    }
    pairs = zip(progress.get_column("_wb").to_list(), progress.get_column("task").to_list(), strict=True)
    cols = progress.columns
    status = (
        pl.col("status").replace_strict(_STATUS_CODES, default=None, return_dtype=pl.Utf8)
        if progress.schema["status"] == pl.Utf8
        else pl.lit(None, pl.Utf8)
    )
    progress = progress.select(
        pl.col("task").cast(pl.Utf8),
        pl.Series("role", [roles.get(k) for k in pairs], pl.Utf8),
        status.alias("status"),
        *(
            pl.col(c).cast(t) if c in cols else pl.lit(None, t).alias(c)
            for c, t in PROGRESS_COLUMNS.items()
            if c in ("percent", "narrative", "problems", "next_steps")
        ),
        pl.col("_row").cast(pl.Int32).alias("sheet_row"),
        "_wb",
    )
    for i, v, t in zip(kept, _split(values, len(kept)), _split(progress, len(kept)), strict=True):
        out[i] = (v, t)
    return out


def _text(value) -> str | None:
    return None if value is None else str(value)


_STAGE_CODES = {s.label: s.value for s in EnterpriseStage} | {s.value: s.value for s in EnterpriseStage}
_LIST_FIELDS = (
    "name",
    "district",
    "total_investment",
    "quarter_investment",
    "cumulative_investment",
    "progress",
)


def _shown(value) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _list_row(spec, rec: dict) -> tuple[str | None, str]:
    """(item key, fields as JSON) of one list row, worked out in Python: THE rule, which
    `_list_rows` follows set-based for the rows that need no normalising or escaping."""
    key = list_item_key(spec, rec)
    if key is not None and rec.get("credit_code"):
        key = normalise_credit_code(str(rec["credit_code"]))
    fields = json.dumps({c.header: _shown(rec.get(c.key)) for c in spec.columns}, ensure_ascii=False)
    return key, fields


# Text that str.split() would cut (what the validators' list checks call whitespace) or that JSON
# escapes (json.dumps: quotation mark, reverse solidus, control characters): such a row goes
# through `_list_row` one by one.
_WHITESPACE = r"[\s\x1c-\x1f]"
_JSON_ESCAPED = r'[\x00-\x1f"\\]'


def _json_text(value: pl.Expr) -> pl.Expr:
    """A JSON value as json.dumps writes `_shown` text with nothing to escape: null or "text"."""
    return pl.when(value.is_null()).then(pl.lit("null")).otherwise(pl.lit('"') + value + pl.lit('"'))


def _list_rows(spec, frame: pl.DataFrame) -> pl.DataFrame:
    """One list sheet's items, keyed and described as `_list_row` does, set-based: a 5,000-row list
    made a Python step per row the largest part of recording its upload (issue 23). Rows whose key
    needs normalising or whose text needs escaping are handed to `_list_row`."""
    if frame.height == 0 or "indicator" not in frame.columns:
        return _NO_LIST_ITEMS
    cols = frame.columns
    text: dict[str, pl.Series] = {}  # each spec column as `_shown` writes it (None: null)
    for c in spec.columns:
        if c.key not in cols:
            text[c.key] = pl.Series(c.key, [None] * frame.height, pl.Utf8)
        elif frame.schema[c.key] == pl.Utf8:
            text[c.key] = frame.get_column(c.key)
        else:
            text[c.key] = pl.Series(c.key, [_shown(v) for v in frame.get_column(c.key).to_list()], pl.Utf8)
    keys = [k for k in spec.item_keys if k in cols]
    plain_keys = all(frame.schema[k] == pl.Utf8 for k in keys)
    # the first filled key column's text is the key when it holds no whitespace (a code: no
    # character beyond ASCII either, so normalising it only raises its case)
    key = pl.lit(None, pl.Utf8)
    plain = pl.lit(True)
    for k in reversed(keys):
        value = pl.col(k)
        filled = value.is_not_null() & (value.str.len_bytes() > 0)
        clean = ~value.str.contains(_WHITESPACE)
        if k == "credit_code":
            clean = clean & value.str.contains(r"^[\x21-\x7e]*$")
            value = value.str.to_uppercase()
        key = pl.when(filled).then(value).otherwise(key)
        plain = pl.when(filled).then(clean).otherwise(plain)
    escaped = pl.any_horizontal(pl.col(c.key).str.contains(_JSON_ESCAPED) for c in spec.columns)
    described = pl.DataFrame(list(text.values()))
    fields = pl.concat_str(
        [pl.lit("{")]
        + [
            part
            for n, c in enumerate(spec.columns)
            for part in (
                pl.lit((", " if n else "") + json.dumps(c.header, ensure_ascii=False) + ": "),
                _json_text(pl.col(c.key)),
            )
        ]
        + [pl.lit("}")]
    )
    work = frame.select(
        pl.col("indicator").cast(pl.Utf8),
        pl.col("_row"),
        *(pl.col(f) if f in cols else pl.lit(None).alias(f) for f in _LIST_FIELDS),
        pl.col("stage") if "stage" in cols else pl.lit(None, pl.Utf8).alias("stage"),
        (key if plain_keys else pl.lit(None, pl.Utf8)).alias("item_key"),
        (plain.fill_null(False) if plain_keys else pl.lit(False)).alias("_plain"),
    )
    plain_rows = work.get_column("_plain") & ~described.select(escaped.fill_null(False)).to_series()
    fields_text = described.select(fields).to_series()
    keyed = work.get_column("item_key")
    odd = plain_rows.not_().arg_true()
    if odd.len():
        rows = frame.select(pl.all()).with_row_index("_i").filter(pl.col("_i").is_in(odd.implode()))
        worked = [_list_row(spec, rec) for rec in rows.drop("_i").iter_rows(named=True)]
        keyed = keyed.scatter(odd, pl.Series([k for k, _ in worked], dtype=pl.Utf8))
        fields_text = fields_text.scatter(odd, pl.Series([f for _, f in worked], dtype=pl.Utf8))
    indicator = pl.col("indicator")
    return (
        work.with_columns(keyed.alias("item_key"), fields_text.alias("fields"))
        .filter(indicator.is_not_null() & (indicator.str.len_bytes() > 0) & pl.col("item_key").is_not_null())
        .select(
            pl.lit(spec.list_type, pl.Utf8).alias("list_type"),
            "indicator",
            pl.col("_row").cast(pl.Int32).alias("sheet_row"),
            "item_key",
            *(pl.col(f).cast(LIST_ITEM_COLUMNS[f]) for f in ("name", "district")),
            pl.col("stage").cast(pl.Utf8).replace_strict(_STAGE_CODES, default=None, return_dtype=pl.Utf8),
            *(
                pl.col(f).cast(LIST_ITEM_COLUMNS[f])
                for f in ("total_investment", "quarter_investment", "cumulative_investment", "progress")
            ),
            "fields",
        )
    )


def _list_frame(result: ValidationResult) -> pl.DataFrame:
    """One row per item of every list sheet in the upload, keyed as the checks keyed it."""
    frames = []
    for spec in LIST_SHEETS:
        parsed = result.upload.sheets.get(spec.key)
        if parsed is None or parsed.header_row is None:
            continue
        rows = _list_rows(spec, parsed.frame)
        if rows.height:
            frames.append(rows)
    if not frames:
        return _NO_LIST_ITEMS
    return pl.concat(frames, how="vertical").select(pl.col(c).cast(t) for c, t in LIST_ITEM_COLUMNS.items())


_ISSUE_SCHEMA = {
    k: pl.Utf8 for k in ("code", "severity", "sheet", "cell", "column_name", "value", "message", "hint")
}
_NO_ISSUES = pl.DataFrame(schema=_ISSUE_SCHEMA)  # shared: most workbooks of a round have none
_NO_LIST_ITEMS = pl.DataFrame(schema=LIST_ITEM_COLUMNS)


def _issue_frame(report: Report) -> pl.DataFrame:
    if not report.issues:
        return _NO_ISSUES
    return pl.DataFrame(
        [
            {
                "code": i.code,
                "severity": str(i.severity),
                "sheet": i.sheet,
                "cell": i.cell,
                "column_name": i.column,
                "value": i.value,
                "message": i.message,
                "hint": i.hint,
            }
            for i in report.issues
        ],
        schema=_ISSUE_SCHEMA,
    )


def _owned_everything(result: ValidationResult) -> list[Issue]:
    """Defence in depth: a row the unit does not own never reaches the warehouse, whatever the checks said."""
    exp = result.expectation
    issues = []
    for sheet, key, allowed, item in (
        ("indicator_values", "indicator", exp.indicator_keys, "指标"),
        ("task_progress", "task", exp.task_keys, "任务"),
    ):
        parsed = result.upload.sheets[sheet]
        if allowed is None:
            continue
        keys = set(allowed)
        if all(not k or k in keys for k in parsed.frame.get_column(key).to_list()):
            continue  # almost always: no row is looked at one by one
        for rec in parsed.frame.select("_row", key).iter_rows(named=True):
            if rec[key] and rec[key] not in allowed:
                issues.append(
                    Issue.make(
                        "unit-not-owner",
                        sheet=parsed.spec.name,
                        cell=parsed.cell(key, rec["_row"]),
                        column=parsed.spec.column(key).header,
                        value=rec[key],
                        row=rec["_row"],
                        item=item,
                    )
                )
    return issues


def _record(
    portal: Portal,
    data: bytes,
    name: str | None,
    digest: str,
    stored: Path,
    result: ValidationResult,
    unit: str | None,
    round_code: str | None,
    actor,
    uploaded_at: dt.datetime,
) -> IngestResult:
    """One workbook recorded in a transaction of its own (the actor already checked by the caller)."""
    with portal.warehouse.transaction() as con:
        chunk = _Chunk(con)
        out = _record_on(
            chunk, portal, data, name, digest, stored, result, unit, round_code, actor, uploaded_at
        )
        chunk.flush()
        return out


class _Chunk:
    """What the workbooks recorded in one transaction share: the registry facts they look up, read
    once, and the rows they add besides their submission row, inserted together by `flush` (one
    query or statement per workbook each cost ~1.5 ms, most of a batch's recording time)."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        within: frozenset[str] | None = None,
        file_hashes: Sequence[str] | None = None,
    ) -> None:
        self.con = con
        self.within = within  # the units the uploader may report for (None: all)
        self.rows = PendingRows()
        # (unit, round, hash) that may have a submission already: read once for the chunk's files,
        # kept up to date as the chunk records; None: ask find_same_file for every workbook
        self._files = None if file_hashes is None else files_recorded(con, file_hashes)
        self._units: set[str] | None = None
        self._rounds: set[str] | None = None
        self._due: dict[str, dict[str, dt.date]] = {}
        self._sign_off: dict[str, bool] = {}
        self.new = PendingSubmissions(con)  # the chunk's submission rows, written set-based

    def expect(self, pairs: Sequence[tuple[str | None, str | None]]) -> None:
        """Read the submissions of the (unit, round) pairs the chunk's files name, in one query."""
        self.new.load([(u, r) for u, r in pairs if u and r])

    def known(self, unit: str, round_code: str) -> bool:
        if self._units is None:
            self._units, self._rounds = unit_and_round_codes(self.con)
        inside = self.within is None or unit in self.within  # another's unit: as if it did not exist
        return inside and unit in self._units and round_code in self._rounds

    def due_date(self, round_code: str, unit: str) -> dt.date | None:
        if round_code not in self._due:
            self._due[round_code] = extensions.due_dates(self.con, round_code)
        return self._due[round_code].get(unit)

    def needs_sign_off(self, unit: str, actor) -> bool:
        """单位审核: a clerk's accepted upload waits for the unit's active sign-off account, if it
        has one; the office loading a unit's file takes it itself."""
        if Role(actor.role) != Role.UNIT_REPORTER:
            return False
        if unit not in self._sign_off:
            self._sign_off[unit] = has_sign_off_account(self.con, unit)
        return self._sign_off[unit]

    def same_file(self, unit: str, round_code: str, digest: str) -> tuple[int, str] | None:
        if self._files is not None and (unit, round_code, digest) not in self._files:
            return None
        self.new.flush(self.rows)  # it may be one of the chunk's own, not written yet
        return find_same_file(self.con, unit, round_code, digest)

    def recorded(self, unit: str, round_code: str, digest: str) -> None:
        if self._files is not None:
            self._files.add((unit, round_code, digest))

    def flush(self) -> None:
        self.new.flush(self.rows)
        self.rows.flush(self.con)


def _named(
    result: ValidationResult, unit: str | None, round_code: str | None
) -> tuple[str | None, str | None]:
    """The (unit, round) a workbook is recorded for: the ones given, else its metadata's."""
    meta = result.meta
    return (
        unit or (meta.get("unit") or "").strip() or None,
        round_code or (meta.get("round") or "").strip() or None,
    )


def _record_on(
    chunk: _Chunk,
    portal: Portal,
    data: bytes,
    name: str | None,
    digest: str,
    stored: Path,
    result: ValidationResult,
    unit: str | None,
    round_code: str | None,
    actor,
    uploaded_at: dt.datetime,
    frames: tuple[pl.DataFrame | None, pl.DataFrame | None] | None = None,
) -> IngestResult:
    """Record one workbook inside the chunk's transaction; its other rows wait in the chunk.
    `frames`: its values and progress from `_fact_frames`, made for the whole chunk."""
    con = chunk.con
    meta = result.meta
    unit, round_code = _named(result, unit, round_code)
    out = IngestResult(name, digest, result.report, unit, round_code, validation=result)
    if not unit or not round_code:
        return out
    if result.upload is not None and result.expectation is not None and result.report.ok:
        result.report.extend(_owned_everything(result))
    # inside the caller's transaction (one per workbook, or one per chunk of a batch)
    if not chunk.known(unit, round_code):
        return out  # the report already says the unit or round does not exist
    same_file = chunk.same_file(unit, round_code, digest)
    # A file once rejected may pass now (the office loading late, a reopened round): record it again
    # then; so is one the unit's sign-off account sent back (it may have changed its mind).
    again = (SubmissionStatus.REJECTED, SubmissionStatus.SENT_BACK)
    if same_file is not None and (same_file[1] not in again or not result.report.ok):
        same = same_file[0]
        row = status_version_lateness(con, same)
        out.submission_id, out.status, out.version, out.days_late = (
            same,
            SubmissionStatus(row[0]),
            row[1],
            row[2],
        )
        out.duplicate = True
        return out
    due = chunk.due_date(round_code, unit)
    days_late = max(0, (uploaded_at.date() - due).days) if due else 0
    status = SubmissionStatus.VALIDATED if result.report.ok else SubmissionStatus.REJECTED
    needs_sign_off = status == SubmissionStatus.VALIDATED and chunk.needs_sign_off(unit, actor)
    if needs_sign_off:
        status = SubmissionStatus.AWAITING_SIGN_OFF
    chunk.rows.add_file(digest, len(data), str(stored.relative_to(portal.settings.home)), uploaded_at)
    accepted = status in ACCEPTED_STATUSES
    new = NewSubmission(
        unit,
        round_code,
        digest,
        name,
        actor.username,
        uploaded_at,
        status,
        days_late,
        meta.get("template_version"),
        len(result.report.errors),
        len(result.report.warnings),
        needs_sign_off,
    )
    if accepted and frames is None:
        (frames,) = _fact_frames([result])
    facts = (*(frames if accepted else _NO_FACTS), _issue_frame(result.report))
    lists = _list_frame(result) if accepted else None
    out.status, out.days_late = status, days_late
    logged_at = portal.settings.now()
    detail = f"unit={unit} round={round_code} status={status} late={days_late} file={name or ''}"

    def audited(submission_id: int) -> None:
        chunk.rows.add_audit(logged_at, actor.audit_name, "submission.upload", str(submission_id), detail)

    if accepted and chunk.new.has_evidence(unit, round_code):
        # The previous version has 佐证材料 to carry forward: recorded on its own, as it reads the
        # unit's submissions (the chunk's waiting ones written first).
        chunk.new.flush(chunk.rows)
        out.submission_id, out.version = record_submission(con, new, *facts, chunk.rows, lists=lists)
        chunk.new.forget(unit, round_code)
        out.carried_evidence = evidence_rows.carry_forward(con, out.submission_id, unit, round_code)
        audited(out.submission_id)
    else:

        def numbered(submission_id: int) -> None:
            out.submission_id = submission_id
            audited(submission_id)

        out.version = chunk.new.add(new, *facts, lists, numbered)
    chunk.recorded(unit, round_code, digest)
    checkpoint("ingest.recorded_in_transaction")
    checkpoint("ingest.before_commit")
    return out


def ingest(
    portal: Portal,
    actor,
    data: bytes,
    file_name: str | None = None,
    unit: str | None = None,
    round_code: str | None = None,
    allow_closed: bool = False,
    uploaded_at: dt.datetime | None = None,
) -> IngestResult:
    """One workbook uploaded by `actor`: stored, validated, recorded (accepted or rejected)."""
    return ingest_many(
        portal,
        actor,
        [(file_name, data)],
        unit=unit,
        round_code=round_code,
        allow_closed=allow_closed,
        uploaded_at=uploaded_at,
    )[0]


def _check_upload(actor, unit: str | None, allow_closed: bool) -> None:
    """upload.submit for `unit` (a batch without one: for every unit, which only the office may),
    and upload.after_close when asked to take a closed round's upload."""
    require(actor, "upload.submit", unit)
    if allow_closed:
        require(actor, "upload.after_close", unit)


def ingest_many(
    portal: Portal,
    actor,
    files: Sequence[tuple[str | None, bytes]],
    unit: str | None = None,
    round_code: str | None = None,
    allow_closed: bool = False,
    uploaded_at: dt.datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[IngestResult]:
    """A batch uploaded by `actor`, stored and validated together (one Great Expectations run)
    outside the warehouse lock, then recorded in chunks of `ingest_chunk` workbooks, each chunk
    one short transaction. `allow_closed` takes uploads into a closed round (the office loading
    late files); a refused actor gets PermissionDenied before any byte is stored."""
    _check_upload(actor, unit, allow_closed)
    within = visible_units(actor, "upload.submit")  # a batch's files may name any unit
    if len(files) == 1:
        one = _ingest_one(portal, actor, files[0], unit, round_code, allow_closed, uploaded_at, within)
        if progress:
            progress(1)
        return [one]
    portal.warehouse.release()  # a page run's connection: others get the warehouse while we validate
    size = max(1, int(portal.settings.ingest_chunk))
    when = uploaded_at or portal.settings.now()
    out: list[IngestResult] = []
    # The originals are written (each fsynced) while the batch is validated: neither needs the
    # other, and a slice's are stored before anything of it is recorded.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="store") as storing:
        cut = _slice_size(len(files), size, round_code)
        stores = [
            storing.submit(
                filestore.store_many, portal.settings.uploads_dir, [data for _, data in files[at : at + cut]]
            )
            for at in range(0, len(files), cut)
        ]
        slices = validate_files_in_slices(
            portal,
            [(data, unit, round_code) for _, data in files],
            allow_closed=allow_closed,
            within=within,
            size=cut,
        )
        with closing(slices):
            for at, part, stored_part in zip(range(0, len(files), cut), slices, stores, strict=True):
                stored = stored_part.result()
                checkpoint("ingest.stored")
                checkpoint("ingest.validated")
                work = list(zip(files[at : at + cut], stored, part, strict=True))
                _record_slice(portal, actor, work, unit, round_code, when, within, size, out, progress)
    return out


# A large batch for one round is validated and recorded this many workbooks at a time (rounded to
# whole chunks): while a slice's rows and sets are checked and its chunks recorded, the reading
# workers go on with the next files, so the two cores stay busy instead of the workers waiting for
# the whole batch's recording at the end (BENCHMARKS.md, issue 23). Each slice pays the rows' and
# sets' fixed costs (~0.1-0.2 s) once more.
INGEST_SLICE = 500


def _slice_size(n: int, chunk: int, round_code: str | None) -> int:
    """Workbooks validated before a slice is recorded: whole chunks of about INGEST_SLICE, or the
    whole batch when no round is given. The expectations of a round are read when its first
    workbook is validated; with the round given that is before anything is recorded, so every
    workbook is checked against the warehouse as it was before the batch. Files naming their own
    rounds could name one first in a later slice, after earlier slices were recorded."""
    if not round_code:
        return max(1, n)
    return chunk * max(1, INGEST_SLICE // chunk)


def _record_slice(
    portal: Portal,
    actor,
    work: list,
    unit: str | None,
    round_code: str | None,
    when: dt.datetime,
    within: frozenset[str] | None,
    size: int,
    out: list[IngestResult],
    progress: Callable[[int], None] | None,
) -> None:
    """A validated slice's workbooks recorded in chunks of `size`, their results appended to `out`.
    Each commit costs an fsync (~4-12 ms here): a batch is recorded in chunks, each chunk all or
    nothing (after a fault the same batch can simply be loaded again: files already recorded are
    recognised), and other users get the write lock between chunks. Validation stays outside the
    lock so a deadline day's uploads queue only for their short transactions (docs/operations.md).
    The slice's chunks share one cursor, as a page run's reads do: opening the province warehouse
    and closing it (a checkpoint) for each chunk was 1-2 s of a round's CPU. Another process
    queueing for the file, or a backup or restore here, gets it at the next chunk as before."""
    warehouse = portal.warehouse
    with warehouse.page_run():
        for start in range(0, len(work), size):
            if start and warehouse.wanted_elsewhere():
                warehouse.release()  # the rest of the slice opens and closes per chunk
            _record_chunk(
                portal, actor, work[start : start + size], unit, round_code, when, within, out, progress
            )


def _record_chunk(
    portal: Portal,
    actor,
    chunk: list,
    unit: str | None,
    round_code: str | None,
    when: dt.datetime,
    within: frozenset[str] | None,
    out: list[IngestResult],
    progress: Callable[[int], None] | None,
) -> None:
    """One chunk in one transaction, its results appended to `out`."""
    first = len(out)
    with portal.warehouse.transaction() as con:
        recording = _Chunk(con, within, [digest for _, (digest, _), _ in chunk])
        recording.expect([_named(r, unit, round_code) for _, _, r in chunk])
        frames = _fact_frames([r for _, _, r in chunk])
        for ((name, data), (digest, path), result), made in zip(chunk, frames, strict=True):
            out.append(
                _record_on(
                    recording,
                    portal,
                    data,
                    name,
                    digest,
                    path,
                    result,
                    unit,
                    round_code,
                    actor,
                    when,
                    made if made is not _NO_FACTS else None,
                )
            )
        recording.flush()
        rejected = [(r.unit, r.round) for r in out[first:] if r.status == SubmissionStatus.REJECTED]
        pruned = prune_rejected(con, rejected, portal.settings.rejected_kept)
    filestore.remove(portal.settings.uploads_dir, pruned)
    checkpoint("ingest.chunk_done")
    if progress:
        progress(len(chunk))


def _ingest_one(
    portal: Portal,
    actor,
    file: tuple[str | None, bytes],
    unit: str | None,
    round_code: str | None,
    allow_closed: bool,
    uploaded_at: dt.datetime | None,
    within: frozenset[str] | None,
) -> IngestResult:
    """One workbook on one connection: expectations, validation and recording. Opening and closing
    the warehouse costs more CPU (~40-70 ms each time) than validating one workbook (~35 ms), so the
    single upload holds the warehouse for less time in all than when it opened it twice; a page
    run's connection, if any, is used as it is."""
    name, data = file
    ((digest, path),) = filestore.store_many(portal.settings.uploads_dir, [data])
    checkpoint("ingest.stored")
    with portal.warehouse.connect() as con:
        (result,) = validate_files(
            portal, [(data, unit, round_code)], allow_closed=allow_closed, con=con, within=within
        )
        checkpoint("ingest.validated")
        when = uploaded_at or portal.settings.now()
        with transaction(con):
            recording = _Chunk(con, within, [digest])
            recording.expect([_named(result, unit, round_code)])
            out = _record_on(
                recording, portal, data, name, digest, path, result, unit, round_code, actor, when
            )
            recording.flush()
            rejected = [(out.unit, out.round)] if out.status == SubmissionStatus.REJECTED else []
            pruned = prune_rejected(con, rejected, portal.settings.rejected_kept)
        checkpoint("warehouse.committed")
    filestore.remove(portal.settings.uploads_dir, pruned)
    checkpoint("ingest.chunk_done")
    return out


def _refuse_ambiguous_entries(archive: str, names: list[str]) -> None:
    """A batch .zip whose entries could be read two ways is refused whole: zipfile reads the last
    of two same-named entries, and a path-like name says the archive was not made by hand."""
    seen: set[str] = set()
    for name in names:
        if name.startswith(("/", "\\")) or "\\" in name or ".." in Path(name).parts or ":" in name:
            raise InvalidInput(
                f"压缩包 {archive} 中的文件名“{name}”带有路径，不予导入。请只放入 .xlsx 文件后重新打包。"
            )
        key = name.casefold()
        if key in seen:
            raise InvalidInput(
                f"压缩包 {archive} 中有重复的文件名“{name}”，无法确定应导入哪一份。请去掉重复的文件后重新打包。"
            )
        seen.add(key)


def files_in(path: Path) -> list[tuple[str, bytes]]:
    """The .xlsx workbooks of a folder or a .zip, in name order (names decoded as the zip says)."""
    if path.is_dir():
        return [
            (p.name, p.read_bytes())
            for p in sorted(path.iterdir())
            if p.suffix.lower() == ".xlsx" and not p.name.startswith("~$")
        ]
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as zf:
        _refuse_ambiguous_entries(path.name, zf.namelist())
        names = sorted(
            n
            for n in zf.namelist()
            if n.lower().endswith(".xlsx") and not Path(n).name.startswith(("~$", "._"))
        )
        return [(Path(n).name, zf.read(n)) for n in names]
