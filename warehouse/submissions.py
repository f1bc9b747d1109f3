"""Recording submissions and their facts: one call inside the caller's transaction, frames in via Arrow."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import polars as pl

from schemas.enums import SubmissionStatus
from warehouse import approved
from warehouse.sql import query as sql

# Statuses a newer accepted upload replaces: the unit's current submission for the round (the
# statuses current_submissions() in sql/submissions.sql picks from; evidence may attach to these).
CURRENT_STATUSES = (SubmissionStatus.VALIDATED, SubmissionStatus.APPROVED, SubmissionStatus.RETURNED)
# Statuses of an accepted upload that is still the unit's latest word: current, or awaiting the
# unit's own sign-off before it reaches the office (evidence may attach to these too).
ACCEPTED_STATUSES = (*CURRENT_STATUSES, SubmissionStatus.AWAITING_SIGN_OFF)

VALUE_COLUMNS = {"indicator": pl.Utf8, "value": pl.Float64, "note": pl.Utf8, "cell": pl.Utf8}
PROGRESS_COLUMNS = {
    "task": pl.Utf8,
    "role": pl.Utf8,
    "status": pl.Utf8,
    "percent": pl.Float64,
    "narrative": pl.Utf8,
    "problems": pl.Utf8,
    "next_steps": pl.Utf8,
    "sheet_row": pl.Int32,  # the Excel row it was read from: score lines name it
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
    needs_sign_off: bool = False  # AWAITING_SIGN_OFF: the unit's sign-off account must confirm it


def has_sign_off_account(con: duckdb.DuckDBPyConnection, unit: str) -> bool:
    """Whether the unit has an active sign-off account (单位审核人): its clerk's uploads wait for it."""
    return (
        con.execute(
            "SELECT count(*) FROM users WHERE role = 'unit_leader' AND unit = ? AND active", [unit]
        ).fetchall()[0][0]
        > 0
    )


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


class PendingRows:
    """The rows that the submissions recorded in one transaction add besides their own row: stored
    files, fact rows (values, progress, issues) and audit lines, inserted with one statement per
    table when flushed. A statement per workbook and table cost ~1.5-2 ms each, most of a batch's
    recording time. Flush before the transaction commits."""

    TABLES = ("stored_files", "indicator_values", "task_progress", "validation_issues", "audit_log")

    def __init__(self) -> None:
        self.frames: dict[str, list[pl.DataFrame]] = {t: [] for t in self.TABLES}

    def add(self, table: str, frame: pl.DataFrame) -> None:
        if frame.height:
            self.frames[table].append(frame)

    def add_file(self, file_hash: str, size: int, stored_path: str, at: dt.datetime) -> None:
        self.add(
            "stored_files",
            pl.DataFrame(
                {"file_hash": [file_hash], "size": [size], "stored_path": [stored_path], "first_seen": [at]},
                schema={
                    "file_hash": pl.Utf8,
                    "size": pl.Int64,
                    "stored_path": pl.Utf8,
                    "first_seen": pl.Datetime("us"),
                },
            ),
        )

    def add_audit(
        self, at: dt.datetime, actor: str, action: str, target: str | None, detail: str | None
    ) -> None:
        self.add(
            "audit_log",
            pl.DataFrame(
                {
                    "logged_at": [at],
                    "actor": [actor],
                    "action": [action],
                    "target": [target],
                    "detail": [detail],
                },
                schema={
                    "logged_at": pl.Datetime("us"),
                    **{c: pl.Utf8 for c in ("actor", "action", "target", "detail")},
                },
            ),
        )

    def flush(self, con: duckdb.DuckDBPyConnection) -> None:
        files = self.frames["stored_files"]
        if files:
            once = pl.concat(files, how="vertical").unique("file_hash", keep="first", maintain_order=True)
            con.register("incoming_files", once.to_arrow())
            try:
                con.execute(
                    "INSERT INTO stored_files (file_hash, size, stored_path, first_seen) "
                    "SELECT file_hash, size, stored_path, first_seen FROM incoming_files "
                    "WHERE file_hash NOT IN (SELECT file_hash FROM stored_files)"
                )
            finally:
                con.unregister("incoming_files")
        for table, frames in self.frames.items():
            if frames and table != "stored_files":
                _insert(con, table, pl.concat(frames, how="vertical"))
        for frames in self.frames.values():
            frames.clear()


def _supersede(
    con: duckdb.DuckDBPyConnection,
    submission_id: int,
    unit: str,
    round_code: str,
    statuses: Sequence[SubmissionStatus],
) -> None:
    """Mark the unit's other submissions of the round in `statuses` superseded by `submission_id`.
    When one was (a re-upload: the first upload of a round supersedes nothing and pays nothing
    more), the unit's approved values are recomputed: an approved upload superseded without an
    'approve' review (bulk-loaded) stops standing."""
    superseded = con.execute(
        f"UPDATE submissions SET status = 'superseded', superseded_by = ? "
        f"WHERE unit = ? AND round = ? AND id <> ? AND status IN ({', '.join('?' * len(statuses))}) "
        "RETURNING id",
        [submission_id, unit, round_code, submission_id, *[str(s) for s in statuses]],
    ).fetchall()
    if superseded and SubmissionStatus.APPROVED in statuses:
        approved.refresh(con, [unit])


# THE rule of 第N版 (issue 20): versions count the unit's accepted uploads of the round; rejected
# attempts are numbered on their own (shown as “未通过校验的上传（第 N 次）”, never as a version), so
# the office's “第 2 版” is the unit's second real submission however many files failed before it.
# Migration 0013 renumbered the uploads recorded before this rule.
NEXT_VERSION = (
    "SELECT coalesce(max(version), 0) + 1 FROM submissions "
    "WHERE unit = $unit AND round = $round AND (status = 'rejected') = ($status = 'rejected')"
)


def record_submission(
    con: duckdb.DuckDBPyConnection,
    sub: NewSubmission,
    values: pl.DataFrame | None,
    progress: pl.DataFrame | None,
    issues: pl.DataFrame | None,
    facts: PendingRows | None = None,
) -> tuple[int, int]:
    """Insert the submission, its facts and issues, and return its (id, version); an accepted one
    supersedes the unit's current one.

    Superseding an *approved* submission makes the new one current at once, while the views keep
    using the approved one's values until the new one is approved (approved_submissions() in
    sql/submissions.sql; README "审核通过后再次上传"). Call inside a transaction: either everything
    here is stored or nothing is. With `facts`, the fact rows wait there for its flush.
    """
    pending = facts if facts is not None else PendingRows()
    # one statement for the id, the next version and the row: each statement here costs ~1.5 ms,
    # paid by every workbook of a batch
    submission_id, version = con.execute(
        "INSERT INTO submissions (id, unit, round, version, file_hash, file_name, uploaded_by, uploaded_at, "
        "status, days_late, error_count, warning_count, template_version, needs_sign_off) "
        "SELECT nextval('submission_id_seq'), $unit, $round, "
        f"({NEXT_VERSION}), "
        "$hash, $name, $by, $at, $status, $late, $errors, $warnings, $template, $needs "
        "RETURNING id, version",
        {
            "unit": sub.unit,
            "round": sub.round,
            "hash": sub.file_hash,
            "name": sub.file_name,
            "by": sub.uploaded_by,
            "at": sub.uploaded_at,
            "status": str(sub.status),
            "late": sub.days_late,
            "errors": sub.error_count,
            "warnings": sub.warning_count,
            "template": sub.template_version,
            "needs": sub.needs_sign_off,
        },
    ).fetchall()[0]
    if sub.status in (SubmissionStatus.VALIDATED, SubmissionStatus.AWAITING_SIGN_OFF):
        # One upload awaits sign-off at a time, the newest; one awaiting sign-off leaves the
        # office's current submission in place until it is signed off (record_sign_off).
        replaced = (SubmissionStatus.AWAITING_SIGN_OFF,)
        if sub.status == SubmissionStatus.VALIDATED:
            replaced += CURRENT_STATUSES
        _supersede(con, submission_id, sub.unit, sub.round, replaced)
        keyed = [
            pl.lit(submission_id, pl.Int64).alias("submission_id"),
            pl.lit(sub.unit).alias("unit"),
            pl.lit(sub.round).alias("round"),
        ]
        pending.add("indicator_values", _shape(values, VALUE_COLUMNS).with_columns(keyed))
        pending.add("task_progress", _shape(progress, PROGRESS_COLUMNS).with_columns(keyed))
    found = _shape(issues, ISSUE_COLUMNS)
    pending.add(
        "validation_issues",
        found.with_columns(
            pl.lit(submission_id, pl.Int64).alias("submission_id"),
            pl.int_range(1, found.height + 1, dtype=pl.Int32).alias("seq"),
        ),
    )
    if facts is None:
        pending.flush(con)
    return submission_id, version


# ----------------------------------------------------------------------------- queries


def any_submissions(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether any upload was ever recorded, whatever its status."""
    return con.execute("SELECT count(*) FROM submissions").fetchall()[0][0] > 0


def submission(con: duckdb.DuckDBPyConnection, submission_id: int) -> dict | None:
    """Every column of one submission; None when there is no such id."""
    rows = con.sql("SELECT * FROM submissions WHERE id = ?", params=[int(submission_id)]).pl().to_dicts()
    return rows[0] if rows else None


def submission_with_round(con: duckdb.DuckDBPyConnection, submission_id: int) -> dict | None:
    """One submission with its round's state (round_state); None when there is no such id."""
    rows = (
        con.sql(
            "SELECT s.*, r.state AS round_state FROM submissions s JOIN rounds r ON r.code = s.round "
            "WHERE s.id = ?",
            params=[int(submission_id)],
        )
        .pl()
        .to_dicts()
    )
    return rows[0] if rows else None


def status_version_lateness(con: duckdb.DuckDBPyConnection, submission_id: int) -> tuple[str, int, int]:
    return con.execute(
        "SELECT status, version, days_late FROM submissions WHERE id = ?", [int(submission_id)]
    ).fetchall()[0]


def history(con: duckdb.DuckDBPyConnection, unit: str, round_code: str | None) -> pl.DataFrame:
    """Every upload of the unit (all rounds, or one), newest first, with its latest decision."""
    return con.sql(sql("submission_history"), params={"unit": unit, "round": round_code}).pl()


def review_queue(
    con: duckdb.DuckDBPyConnection, round_code: str | None, plan: str | None, unit: str | None
) -> pl.DataFrame:
    return con.sql(sql("review_queue"), params={"round": round_code, "plan": plan, "unit": unit}).pl()


def review_trail(con: duckdb.DuckDBPyConnection, submission_id: int) -> pl.DataFrame:
    """decision, item_kind, item_code, comment, reviewer, reviewed_at: in the order they were made."""
    return con.sql(
        "SELECT decision, item_kind, item_code, comment, reviewer, reviewed_at FROM reviews "
        "WHERE submission_id = ? ORDER BY id",
        params=[int(submission_id)],
    ).pl()


def stored_issues(con: duckdb.DuckDBPyConnection, submission_id: int) -> pl.DataFrame:
    return con.sql(
        "SELECT code, severity, message, hint, sheet, cell, column_name, value FROM validation_issues "
        "WHERE submission_id = ? ORDER BY seq",
        params=[int(submission_id)],
    ).pl()


def item_codes(con: duckdb.DuckDBPyConnection, submission_id: int) -> set[tuple[str, str]]:
    """(kind, code) of every indicator and task row the submission carries."""
    rows = con.execute(
        "SELECT 'indicator', indicator FROM indicator_values WHERE submission_id = $id "
        "UNION ALL SELECT 'task', task FROM task_progress WHERE submission_id = $id",
        {"id": int(submission_id)},
    ).fetchall()
    return {(k, c) for k, c in rows}


def reported_tasks(con: duckdb.DuckDBPyConnection, submission_id: int) -> list[tuple[str, str]]:
    """(task, title) of the task rows the submission carries, in plan order."""
    return con.execute(
        "SELECT p.task, t.title FROM task_progress p JOIN tasks t ON t.code = p.task "
        "WHERE p.submission_id = ? ORDER BY t.position",
        [int(submission_id)],
    ).fetchall()


def values_of(con: duckdb.DuckDBPyConnection, submission_id: int) -> pl.DataFrame:
    return con.sql(
        "SELECT indicator, value, note FROM indicator_values WHERE submission_id = ? ORDER BY indicator",
        params=[int(submission_id)],
    ).pl()


def progress_of(con: duckdb.DuckDBPyConnection, submission_id: int) -> pl.DataFrame:
    return con.sql(
        "SELECT task, status, percent, narrative, problems, next_steps FROM task_progress "
        "WHERE submission_id = ? ORDER BY task",
        params=[int(submission_id)],
    ).pl()


def record_review(
    con: duckdb.DuckDBPyConnection,
    submission_id: int,
    status: SubmissionStatus,
    decision: str,
    comment: str,
    items: list[tuple[str, str, str]],
    reviewer: str,
    at: dt.datetime,
) -> None:
    """Set the submission's status and keep the decision and its item comments ((kind, code, comment));
    the unit's approved values follow (table approved_values)."""
    unit = con.execute(
        "UPDATE submissions SET status = ? WHERE id = ? RETURNING unit", [str(status), int(submission_id)]
    ).fetchall()
    con.execute(
        "INSERT INTO reviews (submission_id, decision, item_kind, item_code, comment, reviewer, reviewed_at) "
        "VALUES (?, ?, NULL, NULL, ?, ?, ?)",
        [int(submission_id), decision, comment, reviewer, at],
    )
    for kind, code, text in items:
        con.execute(
            "INSERT INTO reviews (submission_id, decision, item_kind, item_code, comment, reviewer, reviewed_at) "
            "VALUES (?, 'comment', ?, ?, ?, ?, ?)",
            [int(submission_id), kind, code, text, reviewer, at],
        )
    approved.refresh(con, [u for (u,) in unit])


def record_sign_off(
    con: duckdb.DuckDBPyConnection,
    sub: dict,
    leader: str,
    at: dt.datetime,
    comment: str,
    days_late: int,
) -> None:
    """The unit's sign-off account confirmed the upload: it reaches the office now (validated,
    lateness counted from `at`) and supersedes the unit's current submission of the round."""
    con.execute(
        "UPDATE submissions SET status = 'validated', signed_off_by = ?, signed_off_at = ?, "
        "sign_off_comment = ?, days_late = ? WHERE id = ?",
        [leader, at, comment, int(days_late), int(sub["id"])],
    )
    _supersede(con, int(sub["id"]), sub["unit"], sub["round"], CURRENT_STATUSES)


def record_send_back(
    con: duckdb.DuckDBPyConnection, submission_id: int, comment: str, leader: str, at: dt.datetime
) -> None:
    """The unit's sign-off account sent the upload back to its clerk: a reviews row 'send_back'
    keeps the comment (the clerk's history shows it); it never reaches the office."""
    con.execute("UPDATE submissions SET status = 'sent_back' WHERE id = ?", [int(submission_id)])
    con.execute(
        "INSERT INTO reviews (submission_id, decision, item_kind, item_code, comment, reviewer, reviewed_at) "
        "VALUES (?, 'send_back', NULL, NULL, ?, ?, ?)",
        [int(submission_id), comment, leader, at],
    )


def latest_send_back(
    con: duckdb.DuckDBPyConnection, unit: str, round_code: str
) -> tuple[int, str, dt.datetime] | None:
    """(version, comment, when) when the unit's newest upload in the round was sent back by its
    sign-off account, so its clerk is told what to change; else None."""
    rows = con.execute(
        "SELECT s.version, r.comment, r.reviewed_at FROM submissions s "
        "JOIN reviews r ON r.submission_id = s.id AND r.decision = 'send_back' "
        "WHERE s.id = (SELECT id FROM submissions WHERE unit = ? AND round = ? "
        "              ORDER BY uploaded_at DESC, id DESC LIMIT 1) AND s.status = 'sent_back' "
        "ORDER BY r.id DESC LIMIT 1",
        [unit, round_code],
    ).fetchall()
    return rows[0] if rows else None


def latest_return(con: duckdb.DuckDBPyConnection, submission_id: int) -> dict | None:
    """The office's last whole-submission 'return' of the submission: comment, reviewer, reviewed_at,
    and how many item comments came with it; None when it was never returned."""
    rows = con.sql(
        "SELECT r.comment, r.reviewer, r.reviewed_at, "
        "       (SELECT count(*) FROM reviews i WHERE i.submission_id = r.submission_id "
        "        AND i.item_kind IS NOT NULL) AS items "
        "FROM reviews r WHERE r.submission_id = ? AND r.decision = 'return' AND r.item_kind IS NULL "
        "ORDER BY r.id DESC LIMIT 1",
        params=[int(submission_id)],
    ).pl()
    return rows.row(0, named=True) if rows.height else None


def awaiting_sign_off(con: duckdb.DuckDBPyConnection, unit: str) -> pl.DataFrame:
    """The unit's uploads awaiting its sign-off, oldest first."""
    return con.sql(
        "SELECT id, unit, round, version, file_name, uploaded_by, uploaded_at, days_late, "
        "error_count, warning_count FROM submissions "
        "WHERE unit = ? AND status = 'awaiting_sign_off' ORDER BY uploaded_at, id",
        params=[unit],
    ).pl()


def unit_and_round_codes(con: duckdb.DuckDBPyConnection) -> tuple[set[str], set[str]]:
    """(every unit code, every round code) registered."""
    units = {r[0] for r in con.execute("SELECT code FROM units").fetchall()}
    rounds = {r[0] for r in con.execute("SELECT code FROM rounds").fetchall()}
    return units, rounds


def prune_rejected(con, pairs: Sequence[tuple[str, str]], keep: int) -> list[str]:
    """Forget the stored originals of rejected uploads beyond the newest `keep` of each (unit, round)
    in `pairs`, unless another submission that is kept uses the same file. Returns the file hashes
    whose rows were removed from stored_files; the caller deletes the files after its commit."""
    if not pairs:
        return []
    units = [u for u, _ in pairs]
    rounds = [r for _, r in pairs]
    hashes = [
        row[0]
        for row in con.execute(
            """
            WITH asked AS (SELECT unnest(?) AS unit, unnest(?) AS round),
            dropped AS (
                SELECT id, file_hash FROM (
                    SELECT s.id, s.file_hash,
                           row_number() OVER (PARTITION BY s.unit, s.round ORDER BY s.id DESC) AS n
                    FROM submissions s JOIN asked a ON s.unit = a.unit AND s.round = a.round
                    WHERE s.status = 'rejected'
                ) WHERE n > ?
            )
            SELECT DISTINCT d.file_hash FROM dropped d
            WHERE d.file_hash IN (SELECT file_hash FROM stored_files)
              AND NOT EXISTS (
                  SELECT 1 FROM submissions s
                  WHERE s.file_hash = d.file_hash AND s.id NOT IN (SELECT id FROM dropped)
              )
            """,
            [units, rounds, int(keep)],
        ).fetchall()
    ]
    if hashes:
        con.execute("DELETE FROM stored_files WHERE file_hash IN (SELECT unnest(?))", [hashes])
    return hashes
