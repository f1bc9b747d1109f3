"""Recording submissions and their facts: one call inside the caller's transaction, frames in via Arrow."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import polars as pl

from schemas.enums import SubmissionStatus

# Statuses a newer accepted upload replaces: the unit's current submission for the round.
CURRENT_STATUSES = (SubmissionStatus.VALIDATED, SubmissionStatus.APPROVED, SubmissionStatus.RETURNED)

VALUE_COLUMNS = {"indicator": pl.Utf8, "value": pl.Float64, "note": pl.Utf8, "cell": pl.Utf8}
PROGRESS_COLUMNS = {
    "task": pl.Utf8,
    "role": pl.Utf8,
    "status": pl.Utf8,
    "percent": pl.Float64,
    "narrative": pl.Utf8,
    "problems": pl.Utf8,
    "next_steps": pl.Utf8,
}
ISSUE_COLUMNS = {
    "code": pl.Utf8,
    "severity": pl.Utf8,
    "sheet": pl.Utf8,
    "cell": pl.Utf8,
    "column_name": pl.Utf8,
    "value": pl.Utf8,
    "message": pl.Utf8,
    "hint": pl.Utf8,
}


@dataclass(frozen=True)
class NewSubmission:
    unit: str
    round: str
    file_hash: str
    file_name: str | None
    uploaded_by: str
    uploaded_at: dt.datetime
    status: SubmissionStatus
    days_late: int
    template_version: str | None
    error_count: int
    warning_count: int


def find_same_file(
    con: duckdb.DuckDBPyConnection, unit: str, round_code: str, file_hash: str
) -> tuple[int, str] | None:
    """The submission this exact file already made for the unit and round (id, status), accepted ones first."""
    rows = con.execute(
        "SELECT id, status FROM submissions WHERE unit = ? AND round = ? AND file_hash = ? "
        "ORDER BY status = 'rejected', id LIMIT 1",
        [unit, round_code, file_hash],
    ).fetchall()
    return (rows[0][0], rows[0][1]) if rows else None


def remember_file(
    con: duckdb.DuckDBPyConnection, file_hash: str, size: int, stored_path: str, at: dt.datetime
) -> None:
    # NOT EXISTS rather than ON CONFLICT DO NOTHING: same effect under the warehouse lock, 2-3x cheaper.
    con.execute(
        "INSERT INTO stored_files SELECT ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM stored_files WHERE file_hash = ?)",
        [file_hash, size, stored_path, at, file_hash],
    )


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    if frame.height == 0:
        return
    con.register("incoming_rows", frame.to_arrow())
    try:
        con.execute(f"INSERT INTO {table} ({', '.join(frame.columns)}) SELECT * FROM incoming_rows")
    finally:
        con.unregister("incoming_rows")


def _shape(frame: pl.DataFrame | None, columns: dict[str, pl.DataType]) -> pl.DataFrame:
    if frame is None:
        return pl.DataFrame(schema=columns)
    return frame.select(
        [pl.col(c).cast(t) if c in frame.columns else pl.lit(None, t).alias(c) for c, t in columns.items()]
    )


def record_submission(
    con: duckdb.DuckDBPyConnection,
    sub: NewSubmission,
    values: pl.DataFrame | None,
    progress: pl.DataFrame | None,
    issues: pl.DataFrame | None,
) -> int:
    """Insert the submission, its facts and issues; an accepted one supersedes the unit's current one.

    Superseding an *approved* submission makes the new one current at once, while the views keep
    using the approved one's values until the new one is approved (approved_submissions() in
    sql/submissions.sql; README "审核通过后再次上传"). Call inside a transaction: either everything
    here is stored or nothing is.
    """
    version = con.execute(
        "SELECT coalesce(max(version), 0) + 1 FROM submissions WHERE unit = ? AND round = ?",
        [sub.unit, sub.round],
    ).fetchall()[0][0]
    submission_id = con.execute("SELECT nextval('submission_id_seq')").fetchall()[0][0]
    con.execute(
        "INSERT INTO submissions (id, unit, round, version, file_hash, file_name, uploaded_by, uploaded_at, status, "
        "days_late, error_count, warning_count, template_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            submission_id,
            sub.unit,
            sub.round,
            version,
            sub.file_hash,
            sub.file_name,
            sub.uploaded_by,
            sub.uploaded_at,
            str(sub.status),
            sub.days_late,
            sub.error_count,
            sub.warning_count,
            sub.template_version,
        ],
    )
    if sub.status == SubmissionStatus.VALIDATED:
        con.execute(
            f"UPDATE submissions SET status = 'superseded', superseded_by = ? "
            f"WHERE unit = ? AND round = ? AND id <> ? AND status IN ({', '.join('?' * len(CURRENT_STATUSES))})",
            [submission_id, sub.unit, sub.round, submission_id, *[str(s) for s in CURRENT_STATUSES]],
        )
        keyed = [
            pl.lit(submission_id, pl.Int64).alias("submission_id"),
            pl.lit(sub.unit).alias("unit"),
            pl.lit(sub.round).alias("round"),
        ]
        _insert(con, "indicator_values", _shape(values, VALUE_COLUMNS).with_columns(keyed))
        _insert(con, "task_progress", _shape(progress, PROGRESS_COLUMNS).with_columns(keyed))
    found = _shape(issues, ISSUE_COLUMNS)
    _insert(
        con,
        "validation_issues",
        found.with_columns(
            pl.lit(submission_id, pl.Int64).alias("submission_id"),
            pl.int_range(1, found.height + 1, dtype=pl.Int32).alias("seq"),
        ),
    )
    return submission_id
