"""The annual assessment's numbers and texts in a compact, exact form, to compare one version of the
scoring with another: stored once from the code as it was (tests/portal/data/assessment_expected.json)
and checked against the code as it is (tests/portal/test_assessment_expected.py).

Each unit's row is kept readable (totals, ranks, grades); the lines (every column a reader sees:
numbers, rule, source, basis text) are kept as one SHA-256 per unit, so a difference names the unit.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import polars as pl

EXPECTED = Path(__file__).parent / "data" / "assessment_expected.json"

# the columns of a line a reader of the table, the JSON or a page sees
LINE_COLUMNS = [
    "unit", "component", "item", "rule", "points", "completion", "score", "basis", "where", "working",
    "source", "source_cell", "source_row", "name", "target", "actual", "ratio", "state", "deduction",
]  # fmt: skip


def _text(value) -> str:
    return repr(value) if isinstance(value, float) else json.dumps(value, ensure_ascii=False, default=str)


def digest(assessment, one_by_one: bool = False) -> dict:
    """{"units": [[unit, group, each component, total, self-score, rank, grade, vetoed, note, lines' hash]]}.
    `one_by_one`: each unit's lines as a page reads them (UnitScore.lines), before the whole table's."""
    if one_by_one:
        own = [u.lines for u in assessment.units]
        lines = pl.concat(own, how="diagonal_relaxed") if own else assessment.lines
    else:
        lines = assessment.lines
    columns = [c for c in LINE_COLUMNS if c in lines.columns]
    hashes: dict[str, hashlib._Hash] = {}
    for row in lines.select(columns).iter_rows():
        text = "\x1f".join(_text(v) for v in row)
        hashes.setdefault(row[0], hashlib.sha256()).update(text.encode() + b"\x1e")
    return {
        "units": [
            [
                u.unit,
                u.group,
                u.indicator_score,
                u.task_score,
                u.reporting_score,
                u.deductions,
                u.qualitative,
                u.deducted,
                u.bonus,
                u.total,
                u.self_score,
                u.rank,
                u.grade,
                u.vetoed,
                u.note,
                sorted(u.self_flagged),
                u.line_count,
                hashes[u.unit].hexdigest() if u.unit in hashes else None,
            ]  # fmt: skip
            for u in assessment.units
        ]
    }
