"""The text of a view's query as sent to DuckDB: warehouse/sql/<name>.sql without its comments."""

from importlib import resources

import duckdb
import pytest

from warehouse.views import load_sql, query_text, without_comments

NAMES = sorted(
    p.name.removesuffix(".sql") for p in resources.files("warehouse.sql").iterdir() if p.name.endswith(".sql")
)


def _words(text: str) -> list[tuple[bytes, object]]:
    """Every token of `text` but comments, with its kind."""
    raw, tokens = text.encode(), duckdb.tokenize(text)
    ends = [offset for offset, _ in tokens[1:]] + [len(raw)]
    return [
        (raw[offset:end].strip(), kind)
        for (offset, kind), end in zip(tokens, ends, strict=True)
        if kind != duckdb.token_type.comment
    ]


@pytest.mark.parametrize("name", NAMES)
def test_a_query_sent_keeps_every_token_of_its_file_but_the_comments(name):
    sent = query_text(name)
    assert _words(sent) == _words(load_sql(name))
    assert all(kind != duckdb.token_type.comment for _, kind in duckdb.tokenize(sent))


def test_the_views_with_chinese_only_in_their_comments_are_sent_as_ascii():
    assert query_text("kpi_progress").isascii() and query_text("indicator_year_end").isascii()
    assert not load_sql("kpi_progress").isascii()


def test_dashes_in_quotes_stay_and_a_comment_never_glues_two_words():
    text = "SELECT '-- 保留' AS a -- 说明\n, 2 AS b-- 行尾\nFROM t"
    assert without_comments(text) == "SELECT '-- 保留' AS a \n, 2 AS b\nFROM t"
    assert duckdb.sql(without_comments("SELECT 1 AS x-- 一\n, '--' AS y")).fetchall() == [(1, "--")]
