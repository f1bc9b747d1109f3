"""Evidence files (佐证材料) attached to submissions: their rows in the warehouse."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl


def insert(
    con: duckdb.DuckDBPyConnection,
    submission_id: int,
    task: str | None,
    unit: str,
    round_code: str,
    file_hash: str,
    file_name: str,
    media_type: str,
    size: int,
    stored_path: str,
    uploaded_by: str,
    uploaded_at: dt.datetime,
) -> int:
    """Keep one evidence row; its id."""
    return con.execute(
        "INSERT INTO evidence (submission_id, task, unit, round, file_hash, file_name, media_type, size, "
        "stored_path, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [int(submission_id), task, unit, round_code, file_hash, file_name, media_type, size, stored_path,
         uploaded_by, uploaded_at],
    ).fetchall()[0][0]  # fmt: skip


def of_submission(con: duckdb.DuckDBPyConnection, submission_id: int) -> pl.DataFrame:
    """id, task, task_title, file_name, media_type, size, uploaded_by, uploaded_at: oldest first."""
    return con.sql(
        "SELECT e.id, e.task, t.title AS task_title, e.file_name, e.media_type, e.size, e.uploaded_by, "
        "e.uploaded_at FROM evidence e LEFT JOIN tasks t ON t.code = e.task "
        "WHERE e.submission_id = ? ORDER BY e.id",
        params=[int(submission_id)],
    ).pl()


def get(con: duckdb.DuckDBPyConnection, evidence_id: int) -> dict | None:
    rows = con.sql("SELECT * FROM evidence WHERE id = ?", params=[int(evidence_id)]).pl().to_dicts()
    return rows[0] if rows else None


def carry_forward(con: duckdb.DuckDBPyConnection, submission_id: int, unit: str, round_code: str) -> int:
    """Attach to the new accepted upload `submission_id` the evidence of the unit's previous
    accepted upload of the round (the version it follows, whatever became of it: returned, sent
    back, superseded), so a resubmission after a return keeps its 佐证材料 unless the clerk removes
    them. The files are shared (same stored path); returns how many rows were carried."""
    found = con.execute(
        "SELECT id FROM submissions WHERE unit = ? AND round = ? AND id <> ? AND status <> 'rejected' "
        "ORDER BY uploaded_at DESC, id DESC LIMIT 1",
        [unit, round_code, int(submission_id)],
    ).fetchall()
    if not found:
        return 0
    return con.execute(
        "INSERT INTO evidence (submission_id, task, unit, round, file_hash, file_name, media_type, size, "
        "stored_path, uploaded_by, uploaded_at) "
        "SELECT ?, task, unit, round, file_hash, file_name, media_type, size, stored_path, uploaded_by, "
        "uploaded_at FROM evidence WHERE submission_id = ? ORDER BY id",
        [int(submission_id), found[0][0]],
    ).fetchall()[0][0]


def remove(con: duckdb.DuckDBPyConnection, evidence_id: int) -> None:
    """Detach one evidence row from its submission; the stored file stays (other rows may share it)."""
    con.execute("DELETE FROM evidence WHERE id = ?", [int(evidence_id)])
