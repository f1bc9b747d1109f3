"""Data volume of a portal home (docs/scaling.md): the warehouse's bytes per submission and the filestore's
bytes per stored upload, from a real home (the filled demo, or bench/generate.py's province home).

The warehouse is measured as it is on disk and compacted (COPY FROM DATABASE into a new file, so free
blocks left by updates are not counted). Reads a copy, never the home itself.

Usage: python bench/data_volume.py HOME [HOME ...]   (prints one JSON object per home)
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

import duckdb

COUNTED = (
    "units",
    "rounds",
    "submissions",
    "indicator_values",
    "task_progress",
    "validation_issues",
    "reviews",
    "audit_log",
    "stored_files",
    "evidence",
)


def measure(home: Path) -> dict:
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "warehouse.duckdb"
        shutil.copyfile(home / "warehouse.duckdb", copy)
        con = duckdb.connect(str(copy))
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED if t in tables}
        compact = Path(scratch) / "compact.duckdb"
        con.execute(f"ATTACH '{compact}' AS compact")
        con.execute("COPY FROM DATABASE warehouse TO compact")
        con.execute("DETACH compact")
        con.close()
        compact_bytes = compact.stat().st_size
    uploads = [p for p in (home / "uploads").rglob("*") if p.is_file()] if (home / "uploads").is_dir() else []
    upload_bytes = sum(p.stat().st_size for p in uploads)
    subs = counts.get("submissions") or 1
    return {
        "home": str(home),
        "warehouse_bytes": (home / "warehouse.duckdb").stat().st_size,
        "warehouse_compact_bytes": compact_bytes,
        "counts": counts,
        "warehouse_bytes_per_submission": round(compact_bytes / subs),
        "filestore_files": len(uploads),
        "filestore_bytes": upload_bytes,
        "filestore_bytes_per_file": round(upload_bytes / len(uploads)) if uploads else None,
    }


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(json.dumps(measure(Path(arg)), ensure_ascii=False))
