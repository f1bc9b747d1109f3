"""Recording submissions and their facts: one call inside the caller's transaction, frames in via Arrow."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
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

# One row per item of a list sheet (名单), keyed like the values (migration 0015).
LIST_ITEM_COLUMNS = {
    "list_type": pl.Utf8,
    "indicator": pl.Utf8,
    "sheet_row": pl.Int32,
    "item_key": pl.Utf8,
    "name": pl.Utf8,
    "stage": pl.Utf8,
    "district": pl.Utf8,
    "total_investment": pl.Float64,
    "quarter_investment": pl.Float64,
    "cumulative_investment": pl.Float64,
    "progress": pl.Utf8,
    "fields": pl.Utf8,
}
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


def files_recorded(con: duckdb.DuckDBPyConnection, file_hashes: Sequence[str]) -> set[tuple[str, str, str]]:
    """(unit, round, file hash) of every submission made by one of these files: one query for a
    batch, so a file never seen before needs no find_same_file of its own."""
    if not file_hashes:
        return set()
    rows = con.execute(
        "SELECT DISTINCT unit, round, file_hash FROM submissions WHERE file_hash IN (SELECT unnest(?))",
        [list(dict.fromkeys(file_hashes))],
    ).fetchall()
    return {(u, r, h) for u, r, h in rows}


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


_FILE_SCHEMA = {
    "file_hash": pl.Utf8,
    "size": pl.Int64,
    "stored_path": pl.Utf8,
    "first_seen": pl.Datetime("us"),
}
_AUDIT_SCHEMA = {
    "logged_at": pl.Datetime("us"),
    **{c: pl.Utf8 for c in ("actor", "action", "target", "detail")},
}
# table → the columns its fact frames bring (shaped to these types), before the keys are added
_FACT_SHAPES = {
    "indicator_values": VALUE_COLUMNS,
    "task_progress": PROGRESS_COLUMNS,
    "list_items": LIST_ITEM_COLUMNS,
    "validation_issues": ISSUE_COLUMNS,
}


class PendingRows:
    """The rows that the submissions recorded in one transaction add besides their own row: stored
    files, fact rows (values, progress, issues) and audit lines, inserted with one statement per
    table when flushed. A statement per workbook and table cost ~1.5-2 ms each, most of a batch's
    recording time; so did building a small frame per workbook and table (~0.3 ms each), so files
    and audit lines wait as plain rows and the fact frames get their keys once, at the flush.
    Flush before the transaction commits."""

    TABLES = (
        "stored_files",
        "indicator_values",
        "task_progress",
        "list_items",
        "validation_issues",
        "audit_log",
    )

    def __init__(self) -> None:
        self.ready: dict[str, list[pl.DataFrame]] = {t: [] for t in self.TABLES}
        self.frames: dict[str, list[pl.DataFrame]] = {t: [] for t in _FACT_SHAPES}
        self.keys: dict[str, list[tuple[int, str, str, int]]] = {t: [] for t in _FACT_SHAPES}
        self.files: list[tuple] = []
        self.audit: list[tuple] = []

    def add(self, table: str, frame: pl.DataFrame) -> None:
        """Rows of `table` as they are to be inserted (keys included)."""
        if frame.height:
            self.ready[table].append(frame)

    def add_facts(
        self, table: str, frame: pl.DataFrame | None, submission_id: int, unit: str, round_code: str
    ) -> None:
        """One submission's rows of `table`, keyed at the flush (submission_id, and unit and round
        for the fact tables; a 1-based seq for validation_issues)."""
        if frame is None or frame.height == 0:
            return
        shape = _FACT_SHAPES[table]
        if frame.schema != pl.Schema(shape):
            frame = _shape(frame, shape)
        self.frames[table].append(frame)
        self.keys[table].append((submission_id, unit, round_code, frame.height))

    def add_file(self, file_hash: str, size: int, stored_path: str, at: dt.datetime) -> None:
        self.files.append((file_hash, size, stored_path, at))

    def add_audit(
        self, at: dt.datetime, actor: str, action: str, target: str | None, detail: str | None
    ) -> None:
        self.audit.append((at, actor, action, target, detail))

    def _keyed(self, table: str) -> pl.DataFrame:
        frames, keys = self.frames[table], self.keys[table]
        body = pl.concat(frames, how="vertical") if len(frames) > 1 else frames[0]
        ids = [k[0] for k in keys for _ in range(k[3])]
        if table == "validation_issues":
            seq = [i for k in keys for i in range(1, k[3] + 1)]
            return body.with_columns(
                pl.Series("submission_id", ids, pl.Int64), pl.Series("seq", seq, pl.Int32)
            )
        return body.with_columns(
            pl.Series("submission_id", ids, pl.Int64),
            pl.Series("unit", [k[1] for k in keys for _ in range(k[3])], pl.Utf8),
            pl.Series("round", [k[2] for k in keys for _ in range(k[3])], pl.Utf8),
        )

    def flush(self, con: duckdb.DuckDBPyConnection) -> None:
        if self.files:
            once = pl.DataFrame(self.files, schema=_FILE_SCHEMA, orient="row").unique(
                "file_hash", keep="first", maintain_order=True
            )
            con.register("incoming_files", once.to_arrow())
            try:
                con.execute(
                    "INSERT INTO stored_files (file_hash, size, stored_path, first_seen) "
                    "SELECT file_hash, size, stored_path, first_seen FROM incoming_files "
                    "WHERE file_hash NOT IN (SELECT file_hash FROM stored_files)"
                )
            finally:
                con.unregister("incoming_files")
        for table in self.TABLES:
            if self.ready[table]:
                _insert(con, table, pl.concat(self.ready[table], how="vertical"))
            if table in _FACT_SHAPES and self.keys[table]:
                _insert(con, table, self._keyed(table))
            elif table == "audit_log" and self.audit:
                _insert(con, table, pl.DataFrame(self.audit, schema=_AUDIT_SCHEMA, orient="row"))
        for frames in (*self.ready.values(), *self.frames.values()):
            frames.clear()
        for keys in self.keys.values():
            keys.clear()
        self.files.clear()
        self.audit.clear()


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
    marks = ", ".join("?" * len(statuses))
    # Only an approved upload (or one approved once) can stand approved: superseding anything else
    # leaves approved_values as it is, so the refresh (~30 ms, defining the macros) is skipped.
    standing = (
        SubmissionStatus.APPROVED in statuses
        and con.execute(
            f"SELECT count(*) FROM submissions WHERE unit = ? AND round = ? AND id <> ? AND status IN ({marks}) "
            "AND (status = 'approved' OR id IN (SELECT submission_id FROM reviews WHERE decision = 'approve'))",
            [unit, round_code, submission_id, *[str(s) for s in statuses]],
        ).fetchall()[0][0]
    )
    con.execute(
        f"UPDATE submissions SET status = 'superseded', superseded_by = ? "
        f"WHERE unit = ? AND round = ? AND id <> ? AND status IN ({marks})",
        [submission_id, unit, round_code, submission_id, *[str(s) for s in statuses]],
    )
    if standing:
        approved.refresh(con, [unit])


# THE rule of 第N版 (issue 20): versions count the unit's accepted uploads of the round; rejected
# attempts are numbered on their own (shown as “未通过校验的上传（第 N 次）”, never as a version), so
# the office's “第 2 版” is the unit's second real submission however many files failed before it.
# Migration 0013 renumbered the uploads recorded before this rule.
NEXT_VERSION = (
    "SELECT coalesce(max(version), 0) + 1 FROM submissions "
    "WHERE unit = $unit AND round = $round AND (status = 'rejected') = ($status = 'rejected')"
)


def _add_facts(
    pending: PendingRows,
    submission_id: int,
    sub: NewSubmission,
    values: pl.DataFrame | None,
    progress: pl.DataFrame | None,
    issues: pl.DataFrame | None,
    lists: pl.DataFrame | None,
) -> None:
    """The submission's fact rows (an accepted one's values, progress and list items) and issues."""
    if sub.status in (SubmissionStatus.VALIDATED, SubmissionStatus.AWAITING_SIGN_OFF):
        pending.add_facts("indicator_values", values, submission_id, sub.unit, sub.round)
        pending.add_facts("task_progress", progress, submission_id, sub.unit, sub.round)
        pending.add_facts("list_items", lists, submission_id, sub.unit, sub.round)
    pending.add_facts("validation_issues", issues, submission_id, sub.unit, sub.round)


def record_submission(
    con: duckdb.DuckDBPyConnection,
    sub: NewSubmission,
    values: pl.DataFrame | None,
    progress: pl.DataFrame | None,
    issues: pl.DataFrame | None,
    facts: PendingRows | None = None,
    lists: pl.DataFrame | None = None,
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
    _add_facts(pending, submission_id, sub, values, progress, issues, lists)
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


# ----------------------------------------------------------------------------- a chunk, set-based


@dataclass
class _Row:
    """One submission of a (unit, round) as the chunk sees it: stored already (`pending` None) or
    waiting for the flush (`pending` its place among the chunk's new rows)."""

    status: str
    standing: bool  # approved, or approved once (a whole-submission 'approve'): superseding it moves approved_values
    stored_id: int | None = None
    pending: int | None = None
    superseded_by: int | None = None  # the pending index of the new row that superseded it


@dataclass
class _Pair:
    versions: dict[bool, int]  # rejected or not → the highest version so far
    rows: list[_Row]
    evidence: bool  # one of its submissions has evidence: carry_forward must see it (not deferred)


@dataclass
class PendingSubmission:
    sub: NewSubmission
    version: int
    values: pl.DataFrame | None
    progress: pl.DataFrame | None
    issues: pl.DataFrame | None
    lists: pl.DataFrame | None
    then: Callable[[int], None]  # told the submission's id once it has one (at the flush)
    row: _Row | None = None


class PendingSubmissions:
    """The new submissions of one chunk recorded with a few statements in all instead of a few per
    workbook (each ~1.5-8 ms on a province warehouse): the version numbers and the supersede are
    worked out here from the chunk's (unit, round) rows read once, and written at `flush` (ids from
    the sequence in file order, one insert of the rows, one update of the stored rows superseded,
    one approved_values refresh). The outcome is the one `record_submission` gives file by file.
    Whatever reads the submissions of a (unit, round) mid-chunk (the same-file check, the evidence
    carry-forward) flushes first, then `forget`s the pair so it is read again."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.pairs: dict[tuple[str, str], _Pair] = {}
        self.waiting: list[PendingSubmission] = []

    def load(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Read the rows of these (unit, round) pairs in one query (those already known are kept)."""
        asked = sorted({p for p in pairs if p not in self.pairs})
        if not asked:
            return
        for pair in asked:
            self.pairs[pair] = _Pair({False: 0, True: 0}, [], False)
        rows = self.con.execute(
            """
            WITH asked AS (SELECT unnest($units) AS unit, unnest($rounds) AS round)
            SELECT s.unit, s.round, s.id, s.status, s.version,
                   s.status = 'approved' OR s.id IN (SELECT submission_id FROM reviews WHERE decision = 'approve'),
                   s.id IN (SELECT submission_id FROM evidence)
            FROM submissions s JOIN asked a ON s.unit = a.unit AND s.round = a.round
            ORDER BY s.id
            """,
            {"units": [u for u, _ in asked], "rounds": [r for _, r in asked]},
        ).fetchall()
        for unit, round_code, sid, status, version, standing, evidence in rows:
            pair = self.pairs[(unit, round_code)]
            rejected = status == SubmissionStatus.REJECTED
            pair.versions[rejected] = max(pair.versions[rejected], version)
            pair.rows.append(_Row(status, bool(standing), stored_id=sid))
            pair.evidence = pair.evidence or bool(evidence)

    def forget(self, unit: str, round_code: str) -> None:
        self.pairs.pop((unit, round_code), None)

    def has_evidence(self, unit: str, round_code: str) -> bool:
        self.load([(unit, round_code)])
        return self.pairs[(unit, round_code)].evidence

    def add(
        self,
        sub: NewSubmission,
        values: pl.DataFrame | None,
        progress: pl.DataFrame | None,
        issues: pl.DataFrame | None,
        lists: pl.DataFrame | None,
        then: Callable[[int], None],
    ) -> int:
        """Take one new submission (as record_submission would); returns its version."""
        self.load([(sub.unit, sub.round)])
        pair = self.pairs[(sub.unit, sub.round)]
        rejected = sub.status == SubmissionStatus.REJECTED
        pair.versions[rejected] += 1
        new = PendingSubmission(sub, pair.versions[rejected], values, progress, issues, lists, then)
        index = len(self.waiting)
        self.waiting.append(new)
        if sub.status in (SubmissionStatus.VALIDATED, SubmissionStatus.AWAITING_SIGN_OFF):
            replaced = {str(SubmissionStatus.AWAITING_SIGN_OFF)}
            if sub.status == SubmissionStatus.VALIDATED:
                replaced |= {str(s) for s in CURRENT_STATUSES}
            for row in pair.rows:
                if row.status in replaced:
                    row.status, row.superseded_by = str(SubmissionStatus.SUPERSEDED), index
        new.row = _Row(str(sub.status), False, pending=index)
        pair.rows.append(new.row)
        return new.version

    def flush(self, facts: PendingRows) -> None:
        """Write the waiting submissions; their fact rows go to `facts` (flushed by the caller)."""
        if not self.waiting:
            return
        con, waiting = self.con, self.waiting
        ids = sorted(
            r[0]
            for r in con.execute(
                "SELECT nextval('submission_id_seq') FROM range(?)", [len(waiting)]
            ).fetchall()
        )
        frame = pl.DataFrame(
            {
                "id": ids,
                "unit": [w.sub.unit for w in waiting],
                "round": [w.sub.round for w in waiting],
                "version": [w.version for w in waiting],
                "file_hash": [w.sub.file_hash for w in waiting],
                "file_name": [w.sub.file_name for w in waiting],
                "uploaded_by": [w.sub.uploaded_by for w in waiting],
                "uploaded_at": [w.sub.uploaded_at for w in waiting],
                "status": [w.row.status for w in waiting],
                "days_late": [w.sub.days_late for w in waiting],
                "superseded_by": [
                    None if w.row.superseded_by is None else ids[w.row.superseded_by] for w in waiting
                ],
                "error_count": [w.sub.error_count for w in waiting],
                "warning_count": [w.sub.warning_count for w in waiting],
                "template_version": [w.sub.template_version for w in waiting],
                "needs_sign_off": [w.sub.needs_sign_off for w in waiting],
            },
            schema={
                "id": pl.Int64,
                "unit": pl.Utf8,
                "round": pl.Utf8,
                "version": pl.Int32,
                "file_hash": pl.Utf8,
                "file_name": pl.Utf8,
                "uploaded_by": pl.Utf8,
                "uploaded_at": pl.Datetime("us"),
                "status": pl.Utf8,
                "days_late": pl.Int32,
                "superseded_by": pl.Int64,
                "error_count": pl.Int32,
                "warning_count": pl.Int32,
                "template_version": pl.Utf8,
                "needs_sign_off": pl.Boolean,
            },
        )
        _insert(con, "submissions", frame)
        stored, moved = [], set()
        for (unit, _), pair in self.pairs.items():
            for row in pair.rows:
                if row.pending is not None:  # inserted now, superseded or not: a stored row from here on
                    row.stored_id, row.pending, row.superseded_by = ids[row.pending], None, None
                elif row.superseded_by is not None:
                    stored.append((row.stored_id, ids[row.superseded_by]))
                    row.superseded_by = None
                    if row.standing:
                        moved.add(unit)
        if stored:
            con.register(
                "superseded_rows", pl.DataFrame(stored, schema=["id", "by"], orient="row").to_arrow()
            )
            try:
                con.execute(
                    "UPDATE submissions SET status = 'superseded', superseded_by = f.by "
                    "FROM superseded_rows f WHERE submissions.id = f.id"
                )
            finally:
                con.unregister("superseded_rows")
        if moved:
            approved.refresh(con, moved)
        for w, sid in zip(waiting, ids, strict=True):
            _add_facts(facts, sid, w.sub, w.values, w.progress, w.issues, w.lists)
            w.then(sid)
        self.waiting = []
