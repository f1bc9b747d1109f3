"""A TOML syntax error in Chinese: Python's tomllib only writes English ("Invalid statement (at
line 3, column 1)"), and its message reaches the evaluator uploading a scoring scheme and the
administrator editing settings.toml. The English is kept in the log, never on the page."""

from __future__ import annotations

import re

# tomllib's messages (CPython 3.11–3.13 _parser.py), most specific first.
_MESSAGES = [
    (r"Cannot overwrite a value", "同一项被重复赋值"),
    (r"Cannot declare (.+) twice", r"\1 被重复声明"),
    (r"Cannot mutate immutable namespace (.+)", r"\1 已经定义完毕，不能再添加内容"),
    (r"Cannot redefine namespace (.+)", r"\1 被重复定义"),
    (r"Duplicate inline table key (.+)", r"内联表中的键 \1 重复"),
    (r"Escaped character is not a Unicode scalar value", "转义字符不是有效的 Unicode 字符"),
    (r"Expected '=' after a key in a key/value pair", "键后面缺少“=”"),
    (r"Expected '\]' at the end of a table declaration", "表头缺少结尾的“]”"),
    (r"Expected '\]\]' at the end of an array declaration", "表数组的表头缺少结尾的“]]”"),
    (r"Expected (.+)", r"此处应为 \1"),
    (r"Found invalid character (.+)", r"出现了不允许的字符 \1"),
    (r"Illegal character (.+)", r"出现了不允许的字符 \1"),
    (r"Invalid date or datetime", "日期或时间写法不对"),
    (r"Invalid hex value", "十六进制数写法不对"),
    (r"Invalid initial character for a key part", "键的第一个字符不允许"),
    (r"Invalid statement", "这一行不是“键 = 值”或“[表头]”的写法"),
    (r"Invalid value", "值的写法不对（文字要加英文双引号，列表用 [ ]）"),
    (r"Unclosed array", "列表缺少结尾的“]”"),
    (r"Unclosed inline table", "内联表缺少结尾的“}”"),
    (r"Unescaped '\\' in a string", "字符串中的“\\”没有转义"),
    (r"Unterminated string", "字符串缺少结尾的引号"),
]
_WHERE = re.compile(r"\s*\((?:at line (\d+), column (\d+)|at (end of document))\)\s*$")


def toml_error_text(exc: Exception) -> str:
    """`exc` (a tomllib.TOMLDecodeError) in Chinese with where it is: 第 3 行第 1 列 or 文件末尾.
    An unknown message is kept as written (a newer Python may word one differently)."""
    text = str(exc)
    where = ""
    found = _WHERE.search(text)
    if found:
        text = text[: found.start()]
        where = "（文件末尾）" if found.group(3) else f"（第 {found.group(1)} 行第 {found.group(2)} 列）"
    for pattern, chinese in _MESSAGES:
        match = re.fullmatch(pattern, text)
        if match:
            return match.expand(chinese) + where
    return text + where
