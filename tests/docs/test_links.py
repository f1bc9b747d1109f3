"""Every relative link in the docs (docs/*.md and README.md) points to a file or folder that exists, and
docs/scaling.md is linked from README.md and docs/deploy.md (issue 21, item 6)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

# [text](target) and [text](target "title"), not images' data or in-page anchors.
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
DOCS = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]


def relative_links(text: str) -> list[str]:
    """Link targets that are paths in this repository (no scheme, no mail, no in-page anchor), without
    their #fragment."""
    found = []
    for target in LINK.findall(text):
        if re.match(r"[a-z][a-z0-9+.-]*:", target, flags=re.I) or target.startswith("#"):
            continue
        found.append(target.split("#", 1)[0])
    return found


def test_the_link_finder_keeps_paths_and_skips_addresses_and_anchors():
    text = '见 [部署](deploy.md#3)、[基准](../BENCHMARKS.md "数字")、[站点](https://example.org)、[上文](#容量)、[信](mailto:a@b.c)'
    assert relative_links(text) == ["deploy.md", "../BENCHMARKS.md"]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_relative_link_points_to_an_existing_file(doc: Path):
    missing = [t for t in relative_links(doc.read_text(encoding="utf-8")) if not (doc.parent / t).exists()]
    assert missing == [], f"{doc.relative_to(ROOT)}: {missing}"


def test_the_scaling_doc_is_checked_and_linked_from_the_readme_and_the_deploy_guide():
    assert ROOT / "docs" / "scaling.md" in DOCS
    assert "docs/scaling.md" in relative_links((ROOT / "README.md").read_text(encoding="utf-8"))
    assert "scaling.md" in relative_links((ROOT / "docs" / "deploy.md").read_text(encoding="utf-8"))
