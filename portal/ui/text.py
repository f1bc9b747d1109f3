"""User text through widgets that render Markdown (st.markdown, st.caption, st.info, st.table cells,
widget labels, tab and expander titles): `plain(s)` makes it show as the characters typed.

Unescaped, a file name like `[点此查看](http://…)![](http://…/p.png).xlsx` becomes a link and an
image the reviewer's browser fetches from outside; `**…**` and `:red[…]` fake emphasis and notes.
(Selectbox options are not Markdown in Streamlit 1.67: its frontend shows them as plain text.)

What is escaped, and why only that: a backslash before ASCII punctuation shows it literally, but
the value is also what tests and screen readers see, so characters that mean something only in
a position this text never takes are left alone:
- always: `\\ ` * [ ] ! < > | ~ $ & @ { } ^ =` (links, images, HTML, emphasis, tables, math,
  e-mail autolinks);
- `:` before a letter or `/` (Streamlit's `:red[...]` and `:icon:` directives, `http://` and
  `mailto:` autolinks), not the `:` of "2025Q3:第 1 版";
- `_` unless inside a word (intraword `_` never emphasises);
- `# + - .` and a digit-dot (`1.`) only where the text starts (headings, lists);
- the `.` of `www.` (GFM's bare www autolink);
- line breaks become spaces (a break would let the rest start a block: a heading, a list, a quote).
Parentheses need no escape once `[`, `]` and `!` are escaped: `(…)` alone is not a link.
"""

from __future__ import annotations

import re

_ALWAYS = re.compile(
    r"([\\`*\[\]!<>|~$&@{}^=]|:(?=[A-Za-z/])|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])|(?<=www)\.)", re.IGNORECASE
)
_START = re.compile(r"^(\s*)([#+\-.>]|\d+[.)])")
_BREAKS = re.compile(r"[\r\n\u2028\u2029\v\f]+")


def plain(value: object) -> str:
    """`value` as text that Markdown shows verbatim, on one line (None is empty)."""
    if value is None:
        return ""
    text = _BREAKS.sub(" ", str(value))
    text = _ALWAYS.sub(r"\\\1", text)
    return _START.sub(lambda m: m.group(1) + _escape_start(m.group(2)), text, count=1)


def _escape_start(token: str) -> str:
    # "1." → "1\." (the list marker is the punctuation after the digits); "#", "-", ... → "\#".
    return token[:-1] + "\\" + token[-1] if token[0].isdigit() else "\\" + token
