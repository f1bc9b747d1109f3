"""User text through widgets that render Markdown (st.markdown, st.caption, st.info, labels, tab
and expander titles, selectbox options): `plain(s)` makes it show as the characters typed.

Unescaped, a file name like `[点此查看](http://…)![](http://…/p.png).xlsx` becomes a link and an
image the reviewer's browser fetches from outside; `**…**` and `:red[…]` fake emphasis and notes.
"""

from __future__ import annotations

import re

# Every character Markdown (CommonMark + GFM + Streamlit's directives: `:red[...]`,
# `:material/icon:`, `$math$`) or HTML gives a meaning to; a backslash before any ASCII
# punctuation shows it literally.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!~|<>:$&\"'=^])")
_BREAKS = re.compile(r"[\r\n\u2028\u2029\v\f]+")


def plain(value: object) -> str:
    """`value` as text that Markdown shows verbatim, on one line (None is empty)."""
    if value is None:
        return ""
    text = _BREAKS.sub(" ", str(value))
    return _SPECIAL.sub(r"\\\1", text)
