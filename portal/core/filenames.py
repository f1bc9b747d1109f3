"""One rule for the name of a file someone gave us: a safe base name to store, show and download.

A browser sends whatever name the user's disk had, and anything can be typed into it: path parts
(`../../x.xlsx`, `C:\\x.xlsx`), control and bidi characters (an RTL override makes `exe.pdf`
read as `fdp.exe`), zero-width characters, thousands of characters. Stored names are shown on
pages and used as download names, so they are reduced once, on the way in, by `safe_name`.
"""

from __future__ import annotations

import unicodedata

# Longest name kept, in characters: Windows and most file systems stop at 255 bytes; CJK takes 3
# bytes each in UTF-8, so 80 characters stays under that with room for a "_校验结果" suffix.
MAX_NAME = 80
# Longest extension kept whole (".xlsx", ".docx", ".jpeg"); a longer "extension" is just name.
_MAX_SUFFIX = 8


def _invisible(ch: str) -> bool:
    # Cc: control (NUL, newline, DEL); Cf: format (zero-width space/joiners, bidi overrides, BOM);
    # Zl/Zp: line and paragraph separators.
    return unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn")


def safe_name(name: str | None, fallback: str = "未命名文件") -> str:
    """NFKC; no path parts, invisible or reserved characters; at most MAX_NAME characters, keeping
    the extension. An empty result (or only dots) becomes `fallback`."""
    text = unicodedata.normalize("NFKC", name or "")
    text = "".join(" " if ch.isspace() else ch for ch in text if not _invisible(ch))
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    # Characters Windows refuses in a file name; a download would be renamed or fail there.
    text = "".join("_" if ch in '<>:"|?*' else ch for ch in text)
    text = " ".join(text.split()).strip(" .")
    if not text:
        return fallback
    if len(text) > MAX_NAME:
        stem, dot, suffix = text.rpartition(".")
        if dot and stem and 0 < len(suffix) <= _MAX_SUFFIX:
            text = stem[: MAX_NAME - len(suffix) - 1].rstrip(" .") + "." + suffix
        else:
            text = text[:MAX_NAME].rstrip(" .")
    return text
