"""Chinese text that people read uses full-width punctuation: every string the product's rooms can show
(messages, labels, setting descriptions, score lines, the demo's texts), the default scoring scheme's
comments, what the set-up scripts print, the README and docs/. A half-width , ; : ! ? or bracket touching a Chinese character is
refused, naming the file, line and text.

Not checked: docstrings and comments of the code (for developers), regular expressions and the
contents of code spans and blocks in Markdown."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.docs.test_links import DOCS

ROOMS = ("portal", "schemas", "validators", "templates_xlsx", "pages", "warehouse")
CJK = "\u3400-\u9fff\u3000-\u303f\uff00-\uffef“”"
HALF_WIDTH = re.compile(rf"[{CJK}][,;:!?()]|[,;!?()][{CJK}]")
REGEX_HINTS = ("\\d", "(?", "\\s")


def _half_width(text: str) -> list[str]:
    return [text[max(0, m.start() - 12) : m.end() + 12] for m in HALF_WIDTH.finditer(text)]


def _shown_strings(path: Path):
    """(line, text) of each string constant of a module that is not a docstring or a regex."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)) or id(node) in docstrings:
            continue
        if not any(hint in node.value for hint in REGEX_HINTS) and not node.value.startswith("^"):
            yield node.lineno, node.value


def _markdown_prose(path: Path):
    """(line, text) of a Markdown file outside code blocks and code spans, without link targets."""
    fenced = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if not fenced:
            yield number, re.sub(r"\]\([^)\s]*\)", "]", re.sub(r"`[^`]*`", "", line))


def _toml_comments(path: Path):
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.lstrip().startswith("#"):
            yield number, re.sub(r"`[^`]*`", "", line)


def _found(places) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{line}: {bit!r}"
        for path, line, text in places
        for bit in _half_width(text)
    ]


def test_the_check_catches_half_width_punctuation_in_chinese():
    assert (
        _half_width("数据仓库中已有规划数据,未重复导入")
        and _half_width("上限(MB)")
        and _half_width("来源:统计局")
    )
    assert not _half_width("数据仓库中已有规划数据，未重复导入（演示）：") and not _half_width("a, b (c): d")
    assert _half_width("填写“完成进度(%)”")


@pytest.mark.parametrize("room", ROOMS)
def test_strings_the_product_shows_use_full_width_punctuation(room):
    places = [
        (p, line, text) for p in sorted((ROOT / room).rglob("*.py")) for line, text in _shown_strings(p)
    ]
    assert _found(places) == []


def test_the_readme_docs_and_default_scheme_use_full_width_punctuation():
    places = [(p, line, text) for p in DOCS for line, text in _markdown_prose(p)]
    scheme = ROOT / "portal" / "assessment" / "scoring_default.toml"
    places += [(scheme, line, text) for line, text in _toml_comments(scheme)]
    assert _found(places) == []


def test_what_the_set_up_scripts_print_uses_full_width_punctuation():
    """The quick start's own words (scripts/setup.sh, demo.sh, test.sh): their echo lines."""
    places = [
        (p, number, line)
        for p in sorted((ROOT / "scripts").glob("*.sh"))
        for number, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if line.lstrip().startswith("echo")
    ]
    assert places  # the scripts do print
    assert _found(places) == []
