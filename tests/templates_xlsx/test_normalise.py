"""Reading numbers: the quick path for plain ASCII numbers gives what the full path gives."""

from __future__ import annotations

import re

import pytest

from templates_xlsx import normalise

TEXTS = ["120", "-0", "0.5", ".5", "5.", "+3", "1e5", "1E-3", "1e999", "-1e999", "１２０", "12\n", " 12",
         "1,200", "15%", "1200家", "1.2亿元", "nan", "inf", "12a", "", "-", "00012", "9" * 30]  # fmt: skip
UNITS = [None, "家", "万元", "%", "m2", "km"]


@pytest.mark.parametrize("unit", UNITS)
def test_plain_numbers_read_quickly_read_as_the_full_path_reads_them(unit, monkeypatch):
    quick = [normalise.parse_number(t, unit) for t in TEXTS]
    monkeypatch.setattr(normalise, "_ASCII_NUMBER", re.compile(r"(?!)"))  # never matches: full path only
    full = [normalise.parse_number(t, unit) for t in TEXTS]
    assert quick == full


def test_a_number_ending_like_the_measure_unit_keeps_the_unit_warning():
    assert normalise.parse_number("12", "2").codes == ["number-unit-suffix"]
