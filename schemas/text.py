"""Rules for text people type or paste: which characters hide or reorder text, how codes compare,
and the safe form of a file name. No I/O; validators, the warehouse and portal share these.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath

# Characters that show nothing but change what a string is: zero-width spaces and joiners, the
# byte-order mark, the soft hyphen, word joiners, and the Mongolian vowel separator.
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e")
# Marks and overrides that reorder how text is displayed (an RTL override turns "gpj.exe" into
# what reads as "exe.jpg").
BIDI_CONTROLS = frozenset("\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
INVISIBLE = ZERO_WIDTH | BIDI_CONTROLS

# A file name shown and offered for download is at most this many characters (extension kept):
# long enough for any real title, short enough for every file system and a table column.
FILE_NAME_LIMIT = 120


def is_control(ch: str) -> bool:
    """A C0/C1 control character other than tab and line breaks, or a bidi control: these break
    an xlsx cell (XML forbids most of them) or make text read differently from what it is."""
    return (unicodedata.category(ch) == "Cc" and ch not in "\t\n\r") or ch in BIDI_CONTROLS


def control_characters(text: str) -> list[str]:
    """The control characters in `text`, as U+XXXX, in order of first appearance."""
    return list(dict.fromkeys(f"U+{ord(ch):04X}" for ch in text if is_control(ch)))


def clean_code(text: str) -> str:
    """A code as it was meant: NFKC (full-width letters and no-break spaces become plain), no
    invisible characters, trimmed. Case is kept; compare with `code_key`."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in folded if ch not in INVISIBLE).strip()


def code_key(text: str) -> str:
    """What two codes are compared by: equal keys mean the same code to a person."""
    return clean_code(text).casefold()


def safe_file_name(name: str | None, fallback: str = "未命名文件", limit: int = FILE_NAME_LIMIT) -> str:
    """A base name safe to store, show and offer for download: NFKC, no control, bidi or
    zero-width characters, no folders (either slash), no leading dots, at most `limit` characters
    with the extension kept."""
    text = unicodedata.normalize("NFKC", name or "").translate({9: " ", 10: " ", 13: " "})
    text = "".join(ch for ch in text if ch not in INVISIBLE and unicodedata.category(ch) not in ("Cc", "Cs"))
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = " ".join(text.split()).lstrip(". ").rstrip(". ")
    if not text or set(text) <= {"."}:
        return fallback
    path = PurePosixPath(text)
    suffix = path.suffix if 1 < len(path.suffix) <= 10 else ""
    stem = text[: len(text) - len(suffix)] if suffix else text
    if len(text) > limit:
        stem = stem[: max(1, limit - len(suffix))].rstrip(". ")
    return (stem or fallback) + suffix


# Separators people put between several addresses in one cell: ；;，, and spaces.
_ADDRESS_SEPARATORS = re.compile(r"[；;，,、\s]+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def email_addresses(text: str | None) -> list[str]:
    """The addresses in a unit's 电子邮箱 cell, in order, without repeats (empty for a blank cell)."""
    return list(dict.fromkeys(a for a in _ADDRESS_SEPARATORS.split(text or "") if a))


def bad_email_addresses(text: str | None) -> list[str]:
    """The parts of an 电子邮箱 cell that are not an address like name@example.org."""
    return [a for a in email_addresses(text) if not _EMAIL.fullmatch(a)]


def is_webhook_url(text: str | None) -> bool:
    """A group robot's address must be an http(s) URL (企业微信 and 钉钉 publish https ones)."""
    value = (text or "").strip()
    return value.startswith(("https://", "http://")) and " " not in value and len(value) > len("https://x")
