"""统一社会信用代码 (GB 32100-2015): format and check character."""

import pytest

from schemas.credit_code import CHARSET, check_character, normalise, problem, with_check


def test_the_check_character_of_the_standards_example_is_worked_out_by_hand():
    # 91350100M000100Y4? : values 9 1 3 5 0 1 0 0 M=21 0 0 0 1 0 0 Y=30 4, weights
    # 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28:
    # 9 + 3 + 27 + 135 + 26 + 420 + 8 + 900 + 112 = 1640; 1640 mod 31 = 28; 31 − 28 = 3.
    assert check_character("91350100M000100Y4") == "3"
    assert problem("91350100M000100Y43") is None


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110108551385082Q"])
def test_codes_printed_on_licences_are_valid(code):
    assert problem(code) is None


def test_a_sum_divisible_by_31_gives_the_check_character_0():
    # 1×1 + A(10)×3 = 31, a multiple of 31: 31 − 0 = 31, which is written 0
    assert check_character("1A000000000000000") == "0"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("91350100M000100Y4", "length"),
        ("91350100M000100Y433", "length"),
        ("91350100M000100I43", "charset"),  # I is never used
        ("91350100M000100Y44", "check-digit"),
    ],
)
def test_what_is_wrong_with_a_code_is_named(code, expected):
    assert problem(code) == expected


def test_every_single_character_slip_is_caught():
    code = "91350100M000100Y43"
    for position in range(18):
        for ch in CHARSET:
            if ch != code[position]:
                slipped = code[:position] + ch + code[position + 1 :]
                assert problem(slipped) == "check-digit", slipped


def test_a_code_as_typed_is_normalised_to_the_printed_form():
    assert normalise(" ９１350100m000100y43 ") == "91350100M000100Y43"
    assert problem(with_check("91420600MA4000001")) is None
