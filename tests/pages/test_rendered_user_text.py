"""User text (file names, unit names, display names) is shown as typed, never as Markdown: no link or
image a reviewer's browser would follow, no faked emphasis; uploaded file names are stored safe."""

import re

import pytest
from apptest_support import UNIT, page, signed_in

from portal.accounts.auth import Account
from portal.reporting import workflow as wf
from portal.reporting.templates import build_unit_template
from portal.ui.text import plain
from schemas.enums import Role
from tests.xlsx_fill import fill_valid

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPORTER = Account("rep1", "填报员", Role.UNIT_REPORTER, UNIT)
# The attack from issue 19: a link and an image fetched from outside, in an uploaded file's name.
PATH_NAME = "[点此查看](http://x.example)![](http://x.example/p.png).xlsx"
# The same without path separators, so it survives as a name and must be escaped where shown.
MARKDOWN_NAME = "[点此查看](mailto:a@x.example)**已核实**:red[注意].xlsx"
UNIT_NAME = "**优秀单位**[详情](http://x.example)"
DISPLAY_NAME = "![](http://x.example/track.png)办公室"
# `](` not preceded by a backslash: Markdown link or image syntax that would render.
_LIVE_LINK = re.compile(r"(?<!\\)\]\(")


def _set(portal, sql, params):
    with portal.warehouse.transaction() as con:
        con.execute(sql, params)


def _shown(at) -> list[str]:
    """Every string the page sent through a Markdown-rendering element or widget label."""
    kinds = ["title", "header", "subheader", "markdown", "caption", "info", "success", "warning", "error"]
    values = [str(e.value) for kind in kinds for e in getattr(at, kind)]
    labels = [
        w.label for kind in ["text_input", "text_area", "selectbox", "button"] for w in getattr(at, kind)
    ]
    return values + labels


def _no_live_markdown(at) -> list[str]:
    shown = _shown(at)
    assert not [s for s in shown if _LIVE_LINK.search(s) or "**优秀单位**" in s or "**已核实**" in s]
    return shown


def _stored_names(portal) -> list[str]:
    with portal.warehouse.connect() as con:
        return [r[0] for r in con.execute("SELECT file_name FROM submissions ORDER BY id").fetchall()]


def test_the_review_page_shows_file_unit_and_display_names_escaped(site):
    _set(site, "UPDATE units SET name = ? WHERE code = ?", [UNIT_NAME, UNIT])
    _set(site, "UPDATE users SET display_name = ? WHERE username = 'office1'", [DISPLAY_NAME])
    data = fill_valid(build_unit_template(site, UNIT, "2025Q3").data)
    assert wf.upload(site, REPORTER, UNIT, "2025Q3", MARKDOWN_NAME, data).accepted
    at = page(signed_in("office1"), "review.py")
    assert not at.exception, at.exception

    shown = _no_live_markdown(at)
    caption = next(s for s in shown if "点此查看" in s)
    assert _stored_names(site) == [MARKDOWN_NAME]  # a base name already: stored as given
    assert r"\[点此查看\](mailto\:a\@x.example)\*\*已核实\*\*\:red\[注意\].xlsx" in caption
    assert any(r"\*\*优秀单位\*\*\[详情\](http\://x.example)" in s for s in at.subheader.values)
    sidebar = [m.value for m in at.sidebar.markdown]
    assert r"**\!\[\](http\://x.example/track.png)办公室**" in sidebar


def test_an_upload_through_the_report_page_keeps_only_a_safe_base_name(site):
    _set(site, "UPDATE units SET name = ? WHERE code = ?", [UNIT_NAME, UNIT])
    at = page(signed_in("rep1"), "report.py")
    at.file_uploader(key="report_file").upload(
        PATH_NAME, fill_valid(build_unit_template(site, UNIT, "2025Q3").data), XLSX
    )
    at = at.run().button(key="report_upload").click().run()
    assert not at.exception, at.exception

    _no_live_markdown(at)
    assert any(r"\*\*优秀单位\*\*" in s for s in at.subheader.values)
    # The path parts went with everything before the last slash.
    assert _stored_names(site) == ["p.png).xlsx"]


def test_a_traversal_name_is_stored_as_its_base_name(site):
    data = fill_valid(build_unit_template(site, UNIT, "2025Q3").data)
    wf.upload(site, REPORTER, UNIT, "2025Q3", "..\\..\\../../x\u202e.xlsx", data)
    assert _stored_names(site) == ["x.xlsx"]


@pytest.mark.parametrize(
    ("typed", "source"),
    [
        ("[看](http://x)![](http://x/p.png)", r"\[看\](http\://x)\!\[\](http\://x/p.png)"),
        (":red[注意] **粗** <img src=x>", r"\:red\[注意\] \*\*粗\*\* \<img src\=x\>"),
        ("第一行\n# 第二行", "第一行 # 第二行"),  # joined: the # no longer starts a line
        ("- 列表", r"\- 列表"),
        ("1. 第一", r"1\. 第一"),
        ("www.x.example a@x.example", r"www\.x.example a\@x.example"),
        ("JZKF-CXCY 2025-10-20 rep_1", "JZKF-CXCY 2025-10-20 rep_1"),  # nothing to escape
        (None, ""),
    ],
)
def test_plain_escapes_what_markdown_would_render(typed, source):
    assert plain(typed) == source
