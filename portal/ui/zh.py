"""Chinese where Streamlit 1.67 speaks English: it has no locale, so its own widget texts are
replaced here once: global CSS for what only its frontend writes (the uploader's dropzone, empty
date fields, the skip link), and thin wrappers that pass the Chinese words a widget does accept
(placeholders, date format, no "Select all"), or show a Chinese line instead of an empty grid.

The CSS keys on the `data-testid`s of 1.67's DOM (checked in Chromium by
tests/e2e/test_pages_in_browser.py's walk of every page, which fails if English comes back after
an upgrade).
"""

from __future__ import annotations

import polars as pl
import streamlit as st

PICK_ONE = "请选择"
PICK_MANY = "请选择（可多选）"
DATE_FORMAT = "YYYY-MM-DD"
UPLOAD_BUTTON = "选择文件"
UPLOAD_DROP = "松开鼠标即可上传"
UPLOAD_HERE = "也可将文件拖到此框内"
SKIP_TO_CONTENT = "跳到正文"
PRESS_ENTER = "按回车键确认"  # Streamlit's "Press Enter to apply" / "… to submit form" while typing
PRESS_CTRL_ENTER = "按 Ctrl+回车键确认"
UPLOAD_RULE = "将文件拖到上面的框内，或点击“选择文件”；只收 {types} 文件，单个不超过 {mb} MB。"

# Text is hidden with font-size 0 (so the replacement takes its place) and the Chinese is drawn
# by a ::after rule with a real size. The dropzone's "10MB per file • XLSX" line becomes a
# general hint: the uploader() wrapper says the widget's own limits in Chinese below the box.
# Once a file is chosen the dropzone's unnamed div holds the file chips instead: the drop text
# must not be drawn there (it was, over the file's name), hence the :has() exclusion.
CSS = f"""
<style>
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {{ font-size: 0; }}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {{
  content: "{UPLOAD_BUTTON}"; font-size: 0.875rem;
}}
[data-testid="stFileUploaderDropzoneInstructions"] span {{ font-size: 0; }}
[data-testid="stFileUploaderDropzoneInstructions"] span::after {{ content: "{UPLOAD_HERE}"; font-size: 0.875rem; }}
[data-testid="stFileUploaderDropzone"] > div:not([data-testid]):not(:has([data-testid="stFileChips"])) span {{
  font-size: 0;
}}
[data-testid="stFileUploaderDropzone"] > div:not([data-testid]):not(:has([data-testid="stFileChips"])) span::after {{
  content: "{UPLOAD_DROP}"; font-size: 0.875rem;
}}
[data-testid="stDateInput"] [role="spinbutton"][data-placeholder="true"] {{ font-size: 0; }}
[data-testid="stDateInput"] [data-type="year"][data-placeholder="true"]::after {{ content: "年"; font-size: 1rem; }}
[data-testid="stDateInput"] [data-type="month"][data-placeholder="true"]::after {{ content: "月"; font-size: 1rem; }}
[data-testid="stDateInput"] [data-type="day"][data-placeholder="true"]::after {{ content: "日"; font-size: 1rem; }}
[data-testid="InputInstructions"] > span:first-child {{ font-size: 0; }}
[data-testid="stTextInput"] [data-testid="InputInstructions"] > span:first-child::after {{
  content: "{PRESS_ENTER}"; font-size: 0.75rem;
}}
[data-testid="stTextArea"] [data-testid="InputInstructions"] > span:first-child::after {{
  content: "{PRESS_CTRL_ENTER}"; font-size: 0.75rem;
}}
[data-testid="stSkipToContent"] {{ font-size: 0; }}
[data-testid="stSkipToContent"]::after {{ content: "{SKIP_TO_CONTENT}"; font-size: 1rem; }}
</style>
"""


def inject() -> None:
    """The CSS above, once per page run (portal/ui/app.py calls it before the page)."""
    st.html(CSS)


def multiselect(label: str, options, **kwargs):
    """st.multiselect with a Chinese placeholder and without the English "Select all" entry."""
    kwargs.setdefault("placeholder", PICK_MANY)
    kwargs.setdefault("select_all", False)
    return st.multiselect(label, options, **kwargs)


def date_input(label: str, container=st, **kwargs):
    """st.date_input (in `container`, e.g. a column) written 2025-10-10, as dates are everywhere
    else on the pages; an empty one shows 年-月-日 (the CSS), not yyyy/mm/dd."""
    kwargs.setdefault("format", DATE_FORMAT)
    return container.date_input(label, **kwargs)


def table(frame: pl.DataFrame, empty: str, **kwargs) -> None:
    """A grid, or the Chinese line `empty` when it has no rows (an empty grid says "empty")."""
    if frame.is_empty():
        st.caption(empty)
        return
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    st.dataframe(frame, **kwargs)


def upload_rule(types: list[str], mb: int) -> str:
    """The uploader's limits in Chinese: XLSX, 10 MB."""
    return UPLOAD_RULE.format(types="、".join(t.upper() for t in types), mb=mb)


def uploader(
    label: str, types: list[str], mb: int, shown_types: list[str] | None = None, rule: bool = True, **kwargs
):
    """st.file_uploader refusing files over `mb`, its limits said in Chinese under the box (the CSS
    replaces Streamlit's English "10MB per file • XLSX"): `shown_types` when the box takes more
    types than it asks for (a .xls is taken to be told why it is refused); `rule=False` when the
    page says the limits itself."""
    upload = st.file_uploader(label, type=types, max_upload_size=mb, **kwargs)
    if rule:
        st.caption(upload_rule(shown_types or types, mb))
    return upload
