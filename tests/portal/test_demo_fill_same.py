"""The demo filled in one pass (`templates_xlsx.fill.fill_template`) is the demo filled as before (the
template built and saved by openpyxl, then loaded, typed into and saved again by openpyxl): the same
submissions, values, progress, lists, reviews, issues, extensions, problems and messages."""

from __future__ import annotations

import hashlib
import shutil

import pytest

import portal.demo.fill as demo_fill
from portal.core.context import Portal
from portal.ops.init import init_portal
from templates_xlsx.builder import build_template_openpyxl
from templates_xlsx.fill import fill_workbook

# What the fill writes, table by table. Left out: the columns that name the uploaded bytes (hash,
# size, stored path: two writers, two files with the same cells) and the wall-clock times.
TABLES = (
    "submissions", "indicator_values", "task_progress", "validation_issues", "reviews", "extensions",
    "extension_history", "list_items", "problems", "problem_events", "outbox", "approved_values", "approved_tasks",
    "evidence", "stored_files", "audit_log",
)  # fmt: skip
LEFT_OUT = {
    "file_hash", "size", "stored_path",
    "logged_at", "granted_at", "next_attempt_at", "created_at", "happened_at", "reviewed_at",
}  # fmt: skip


def _fingerprint(portal: Portal) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    with portal.warehouse.connect() as con:
        for table in TABLES:
            columns = [
                r[0]
                for r in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                    "ORDER BY ordinal_position",
                    [table],
                ).fetchall()
            ]
            kept = [c for c in columns if c not in LEFT_OUT]
            rows = con.execute(
                f"SELECT {', '.join(f'{c!r}'.replace(chr(39), chr(34)) for c in kept)} FROM {table}"
            ).fetchall()
            out[table] = {"rows": len(rows)} | {
                column: hashlib.sha256(
                    "\n".join(sorted(repr(row[i]) for row in rows)).encode("utf-8")
                ).hexdigest()
                for i, column in enumerate(kept)
            }
    return out


def _filled_before(ctx, secret, indicators, tasks, lists=None) -> bytes:
    return fill_workbook(build_template_openpyxl(ctx, secret), indicators, tasks, lists=lists)


@pytest.mark.slow
def test_the_demo_filled_in_one_pass_is_the_demo_filled_through_openpyxl(
    filled_demo_portal, _demo_home, tmp_path, monkeypatch
):
    home = tmp_path / "before"
    shutil.copytree(_demo_home, home)
    monkeypatch.setattr(demo_fill, "fill_template", _filled_before)
    before, result = init_portal(Portal.open(home), demo=True)
    assert result.fill is not None and not result.fill.skipped
    old, new = _fingerprint(before), _fingerprint(filled_demo_portal)
    assert new["submissions"]["rows"] > 300
    for table in TABLES:
        assert new[table] == old[table], table


@pytest.mark.slow
def test_the_demo_filled_as_the_platforms_own_files_is_the_demo_filled_as_anyones(
    filled_demo_portal, _demo_home, tmp_path, monkeypatch
):
    """OWN_FILES (in-process reads, the Polars set rules, the approved tables refreshed once a round,
    the workbooks written in a pool of processes) against every upload read in a reader process,
    every batch checked by GX and every review refreshing the approved tables itself."""
    home = tmp_path / "as_anyones"
    shutil.copytree(_demo_home, home)
    monkeypatch.setattr(demo_fill, "OWN_FILES", False)
    before, result = init_portal(Portal.open(home), demo=True)
    assert result.fill is not None and not result.fill.skipped
    old, new = _fingerprint(before), _fingerprint(filled_demo_portal)
    assert new["approved_values"]["rows"] > 400 and new["submissions"]["rows"] > 300
    for table in TABLES:
        assert new[table] == old[table], table
