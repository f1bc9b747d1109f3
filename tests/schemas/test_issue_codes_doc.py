"""docs/issue-codes.md is generated from the catalogue and must not drift from it."""

from __future__ import annotations

from pathlib import Path

from schemas.catalogue_doc import STAGE_TITLES, render
from schemas.issues import CATALOGUE

DOC = Path(__file__).resolve().parents[2] / "docs" / "issue-codes.md"


def test_committed_doc_matches_the_catalogue():
    assert DOC.read_text(encoding="utf-8") == render(), "run: python scripts/gen_issue_codes.py"


def test_every_code_is_in_the_doc_under_a_known_stage():
    text = render()
    assert all(f"`{code}`" in text for code in CATALOGUE)
    assert {t.stage for t in CATALOGUE.values()} <= set(STAGE_TITLES)
