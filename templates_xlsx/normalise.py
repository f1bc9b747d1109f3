"""What a person obviously meant: text typed or pasted into a cell, turned into a typed value.

Each function returns the value and the issue codes the reading raised (warnings for what was
repaired, an error code when nothing sensible could be read). No I/O, no cell positions: the
reader attaches those.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field

# Cells that say "no value" in the ways people write it.
NO_VALUE_MARKERS = frozenset({"—", "——", "-", "--", "－", "/", "／", "无", "暂无", "N/A", "n/a", "NA", "空"})

# Measure units people type after a number; the reader accepts these as a suffix with a warning.
UNIT_SUFFIXES = (
    "亿元",
    "万元",
    "千元",
    "元",
    "万人",
    "人次",
    "人",
    "家",
    "件",
    "个",
    "项",
    "条",
    "次",
    "场",
    "座",
    "所",
    "名",
    "位",
    "户",
    "台",
    "套",
    "篇",
    "倍",
    "万",
    "亿",
)
_SCALED_SUFFIXES = {
    "万": None,
    "亿": None,
}  # ambiguous scale words: accepted only if the measure unit says so

_PLAIN_SUFFIXES = tuple(s for s in UNIT_SUFFIXES if s not in _SCALED_SUFFIXES)

# Units of one quantity at different scales: 1.2亿元 typed where the measure unit is 万元 means 12000.
_SCALES: dict[str, tuple[str, float]] = {
    "元": ("元", 1.0),
    "千元": ("元", 1e3),
    "万元": ("元", 1e4),
    "亿元": ("元", 1e8),
    "人": ("人", 1.0),
    "万人": ("人", 1e4),
}
# Typographic minus signs pasted from Word or web pages: plainly a minus, converted silently.
_MINUS = str.maketrans({"\u2212": "-", "\ufe63": "-"})

_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，－＋％", "0123456789.,-+%")
_SPACES = " \t\r\n\u3000\u00a0\u2002\u2003\u2009\ufeff"
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
# A number typed plainly in ASCII (no space, sign variant, separator or suffix): what almost every
# cell holds. parse_number reads it at once; everything else takes the full path (same result).
_ASCII_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", re.ASCII)
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
# Words a cell (or calamine, for a numeric cell it could not hold) uses for non-finite numbers.
_NON_FINITE = frozenset({"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "nan", "+nan", "-nan"})

# Largest magnitude a reported number may have. The plans' largest amounts are about 1e12 (元);
# at 1e15 a float still holds every integer exactly (2**53 ≈ 9e15) and `show_number` prints it
# as an integer. Anything larger is a typo or an attack (1.79e308, 1e999 → inf), never a value.
MAX_ABS_NUMBER = 1e15
MAX_ABS_TEXT = "10^15（1000 万亿）"

_EXCEL_ERRORS = frozenset(
    {"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#SPILL!", "#CALC!", "#GETTING_DATA"}
)


@dataclass
class Reading:
    value: object = None
    codes: list[str] = field(default_factory=list)
    normalised: str | None = None

    @property
    def failed(self) -> bool:
        return any(c in ERROR_CODES for c in self.codes)


ERROR_CODES = frozenset(
    {"value-not-number", "value-not-date", "excel-error-value", "value-not-finite", "value-too-large"}
)


def strip_text(raw: str) -> Reading:
    text = raw.strip(_SPACES)
    codes = ["text-trimmed"] if text != raw and text else []
    return Reading(text or None, codes, text)


def is_no_value(text: str | None) -> bool:
    return text is None or text == "" or text in NO_VALUE_MARKERS


def parse_text(raw: object) -> Reading:
    """Free text as typed (trimmed): “无” or “暂无” in 存在问题 is an answer, not a missing number,
    so the no-value markers are read as such only in number and date columns (issue 20)."""
    if raw is None:
        return Reading(None)
    return strip_text(str(raw))


def parse_number(raw: object, measure_unit: str | None = None) -> Reading:
    """'１２０' → 120, '1,200' → 1200, '15%' → 15, '1200家' → 1200; '—', '无', '' → None."""
    if raw is None:
        return Reading(None)
    if isinstance(raw, bool):
        return Reading(None, ["value-not-number"])
    if isinstance(raw, int | float):
        return finite_number(float(raw), [])
    text = str(raw)
    if _ASCII_NUMBER.fullmatch(text) and not (measure_unit and measure_unit[-1] in "0123456789."):
        return finite_number(float(text), [])
    if text in _EXCEL_ERRORS:
        return Reading(None, ["excel-error-value"])
    trimmed = strip_text(text)
    codes = list(trimmed.codes)
    text = trimmed.value or ""
    if is_no_value(text):
        return Reading(None, codes + (["value-not-applicable"] if text else []))
    text = text.translate(_MINUS)
    converted = text.translate(_FULL_WIDTH).replace("\u3000", "")
    if converted != text:
        codes.append("number-full-width")
        text = converted.strip()
    suffix = _unit_suffix(text, measure_unit)
    if suffix:
        text = text[: -len(suffix)].strip()
        if suffix == "%":
            codes.append("number-percent-string")
        else:
            codes.append("number-unit-suffix")
    if _THOUSANDS.match(text):
        codes.append("number-thousands-separator")
        text = text.replace(",", "")
    if not _PLAIN_NUMBER.match(text):
        code = "value-not-finite" if text.lower() in _NON_FINITE else "value-not-number"
        return Reading(None, [c for c in codes if c == "text-trimmed"] + [code])
    return finite_number(_rescale(float(text), suffix, measure_unit), codes)


def finite_number(value: float, codes: list[str]) -> Reading:
    """A finite number within ±MAX_ABS_NUMBER, with -0 read as 0; else an error and no value."""
    if not math.isfinite(value):
        return Reading(None, [c for c in codes if c == "text-trimmed"] + ["value-not-finite"])
    if abs(value) > MAX_ABS_NUMBER:
        return Reading(None, [c for c in codes if c == "text-trimmed"] + ["value-too-large"])
    value += 0.0  # -0.0 + 0.0 is 0.0: a typed "-0" is stored and shown as 0
    return Reading(value, codes, show_number(value))


def _rescale(value: float, suffix: str | None, measure_unit: str | None) -> float:
    typed, wanted = _SCALES.get(suffix or ""), _SCALES.get((measure_unit or "").strip())
    if typed and wanted and typed[0] == wanted[0] and typed[1] != wanted[1]:
        return float(f"{value * typed[1] / wanted[1]:.12g}")
    return value


def _unit_suffix(text: str, measure_unit: str | None) -> str | None:
    if text.endswith("%"):
        return "%"
    candidates = ((measure_unit,) if measure_unit and measure_unit not in ("%",) else ()) + _PLAIN_SUFFIXES
    for suffix in candidates:
        if suffix and text.endswith(suffix) and len(text) > len(suffix):
            return suffix
    return None


def show_number(value: float) -> str:
    """A number as a person would write it: 1200, not 1200.0."""
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def parse_int(raw: object) -> Reading:
    reading = parse_number(raw)
    if reading.value is None or reading.failed:
        return reading
    value = float(reading.value)  # type: ignore[arg-type]
    if not value.is_integer():
        return Reading(None, ["value-not-number"])
    return Reading(int(value), reading.codes, reading.normalised)


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
)


def parse_date(raw: object) -> Reading:
    if raw is None:
        return Reading(None)
    if isinstance(raw, dt.datetime):
        return Reading(raw.date())
    if isinstance(raw, dt.date):
        return Reading(raw)
    trimmed = parse_text(raw)
    if trimmed.value is None:
        return trimmed
    if trimmed.value in NO_VALUE_MARKERS:
        return Reading(None, trimmed.codes + ["value-not-applicable"])
    text = str(trimmed.value).translate(_FULL_WIDTH)
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            try:
                return Reading(dt.date(int(m[1]), int(m[2]), int(m[3])), trimmed.codes)
            except ValueError:
                break
    return Reading(None, ["value-not-date"])


_TRUE = frozenset({"是", "true", "TRUE", "True", "1", "Y", "y", "yes", "√", "✓"})
_FALSE = frozenset({"否", "false", "FALSE", "False", "0", "N", "n", "no", "×"})


def parse_bool(raw: object) -> Reading:
    if raw is None:
        return Reading(None)
    if isinstance(raw, bool):
        return Reading(raw)
    text = str(raw).strip(_SPACES)
    if text in ("", *NO_VALUE_MARKERS):
        return Reading(None)
    if text in _TRUE or text in ("1.0",):
        return Reading(True)
    if text in _FALSE or text in ("0.0",):
        return Reading(False)
    return Reading(None, ["value-not-allowed"])


_CODE_SEPARATORS = re.compile(r"[、,，;；\s]+")


def parse_codes(raw: object) -> Reading:
    if raw is None:
        return Reading([])
    parts = [p for p in _CODE_SEPARATORS.split(str(raw).translate(_FULL_WIDTH)) if p]
    return Reading(parts)


def join_codes(codes: list[str] | None) -> str:
    return "、".join(codes or [])
