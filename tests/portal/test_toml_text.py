"""A TOML syntax error is told in Chinese with its line and column (tomllib only writes English)."""

import tomllib

import pytest

from portal.core.toml_text import toml_error_text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("a b", "键后面缺少“=”（第 1 行第 3 列）"),
        ("full_marks = [", "值的写法不对（文字要加英文双引号，列表用 [ ]）（文件末尾）"),
        ("a = 1\na = 2", "同一项被重复赋值（文件末尾）"),
        ("[x\n", "表头缺少结尾的“]”（第 1 行第 3 列）"),
        ('a = "x', "字符串缺少结尾的引号（文件末尾）"),
        ("a = 1\n= 2", "这一行不是“键 = 值”或“[表头]”的写法（第 2 行第 1 列）"),  # "Invalid statement"
    ],
)
def test_a_toml_error_is_said_in_chinese_with_where_it_is(text, shown):
    with pytest.raises(tomllib.TOMLDecodeError) as caught:
        tomllib.loads(text)
    assert toml_error_text(caught.value) == shown


def test_an_unknown_message_is_kept_as_written():
    assert (
        toml_error_text(ValueError("Something new (at line 2, column 4)"))
        == "Something new（第 2 行第 4 列）"
    )
