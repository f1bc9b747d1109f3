"""Safe file names, code comparison and control characters: one rule each, shared by every caller."""

import pytest

from schemas.text import FILE_NAME_LIMIT, clean_code, code_key, control_characters, safe_file_name


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("验收报告.pdf", "验收报告.pdf"),
        ("报告\x00.pdf", "报告.pdf"),
        ("..\\..\\windows\\报告.pdf", "报告.pdf"),
        ("../../etc/报告.pdf", "报告.pdf"),
        ("照片\u202egpj.exe", "照片gpj.exe"),
        ("照\u200b片\ufeff.png", "照片.png"),
        ("ＡＢＣ１２３.pdf", "ABC123.pdf"),
        ("报告\n第二行\t.pdf", "报告 第二行 .pdf"),
        ("..", "未命名文件"),
        ("", "未命名文件"),
        (None, "未命名文件"),
        ("...pdf", "pdf"),
    ],
)
def test_a_file_name_is_reduced_to_a_safe_base_name(given, safe):
    assert safe_file_name(given) == safe


def test_a_long_file_name_is_cut_to_the_limit_keeping_its_extension():
    safe = safe_file_name("长" * 5000 + ".docx")
    assert len(safe) == FILE_NAME_LIMIT and safe.endswith("长.docx")


def test_a_safe_name_stays_the_same_when_made_safe_again():
    once = safe_file_name("..\\a\u202e\x01" + "b" * 300 + ".pdf")
    assert safe_file_name(once) == once


@pytest.mark.parametrize(
    "variant", ["jzkf-jfj", "ＪＺＫＦ－ＪＦＪ", "JZKF\u200b-JFJ", "\u00a0JZKF-JFJ\u00a0", "JZKF-JFJ\ufeff"]
)
def test_codes_that_differ_only_in_case_width_or_invisible_characters_compare_equal(variant):
    assert code_key(variant) == code_key("JZKF-JFJ")
    assert clean_code(variant).upper() == "JZKF-JFJ"


def test_control_characters_are_named_but_tabs_and_line_breaks_are_not():
    assert control_characters("单位\x01名称\u202e\x1f\t\n") == ["U+0001", "U+202E", "U+001F"]
