"""Streamlit entry point: check the session, build the navigation for the role (once, as data), run.

Pages live in the `pages` package (installed with the wheel, found by location, never imported
here); which ones a role gets is decided in portal.ui.navigation.
"""

from __future__ import annotations

import threading
from importlib import resources
from pathlib import Path

import streamlit as st

from portal.accounts.auth import check_session, sign_out
from portal.core import labels as L
from portal.ui import web, zh
from portal.ui.navigation import pages_for_account, sidebar_info
from portal.ui.text import plain
from templates_xlsx import isolation

PAGES = Path(str(resources.files("pages")))
ICON = Path(__file__).with_name("assets") / "icon.png"

# A local icon: a Material or emoji page icon makes the browser fetch an image from outside.
st.set_page_config(page_title=L.APP_TITLE, page_icon=str(ICON), layout="wide")


def _sidebar(portal, account, session) -> None:
    info = sidebar_info(portal, account)
    with st.sidebar:
        st.markdown(f"**{plain(info.display_name)}**")
        st.caption(f"{L.SIDEBAR_ROLE}：{info.role_label}")
        if info.unit:
            st.caption(f"{L.SIDEBAR_UNIT}：{plain(info.unit_name or info.unit)}（{plain(info.unit)}）")
        st.caption(f"{L.SIDEBAR_TODAY}：{info.today:%Y-%m-%d}")
        if info.round:
            st.caption(
                f"{L.SIDEBAR_ROUND}：{info.round.code}（{info.round.state_label}，"
                f"{L.DUE} {info.round.due_date:%Y-%m-%d}）"
            )
        else:
            st.caption(L.SIDEBAR_NO_ROUND)
        if st.button(L.SIGN_OUT, key="sign_out", icon=":material/logout:"):
            sign_out(portal, session)
            web.end_session(L.SIGNED_OUT)
            st.rerun()


@st.cache_resource(show_spinner=False)
def _warm_reader() -> bool:
    """Start the isolated workbook reader once per server process, in the background, so the
    first upload does not wait ~2 s for it."""
    threading.Thread(target=isolation.warm, name="warm-reader", daemon=True).start()
    return True


def main() -> None:
    _warm_reader()
    zh.inject()  # Chinese in place of Streamlit's own English widget texts
    portal = web.portal()
    session = web.session()
    account = check_session(portal, session)
    if account is None:  # before sign-in too: a missing or damaged warehouse is said at once
        portal.warehouse.check()
    if session is not None and account is None:
        web.end_session(L.SESSION_EXPIRED)
    if account is not None:
        _sidebar(portal, account, session)
    specs = pages_for_account(account)
    pages = [
        st.Page(str(PAGES / s.file), title=s.title, icon=s.icon, url_path=s.url_path, default=(i == 0))
        for i, s in enumerate(specs)
    ]
    nav = st.navigation(pages, position="sidebar" if account is not None else "hidden")
    nav.run()


with web.failures_shown():  # every failure of this run, before sign-in too, becomes a page message
    main()
