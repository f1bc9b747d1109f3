"""Streamlit entry point: check the session, build the navigation for the role (once, as data), run.

Pages live in ../pages; which ones a role gets is decided in portal.navigation.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from portal import labels as L  # noqa: E402
from portal import web  # noqa: E402
from portal.auth import check_session, sign_out  # noqa: E402
from portal.navigation import pages_for_account, sidebar_info  # noqa: E402
from portal.permissions import PermissionDenied  # noqa: E402
from portal.settings import SettingsError  # noqa: E402
from warehouse.db import WarehouseError  # noqa: E402

# A local icon: a Material or emoji page icon makes the browser fetch an image from outside.
st.set_page_config(
    page_title=L.APP_TITLE, page_icon=str(ROOT / "portal" / "assets" / "icon.png"), layout="wide"
)


def _sidebar(portal, account, session) -> None:
    info = sidebar_info(portal, account)
    with st.sidebar:
        st.markdown(f"**{info.display_name}**")
        st.caption(f"{L.SIDEBAR_ROLE}:{info.role_label}")
        if info.unit:
            st.caption(f"{L.SIDEBAR_UNIT}:{info.unit_name or info.unit}({info.unit})")
        st.caption(f"{L.SIDEBAR_TODAY}:{info.today:%Y-%m-%d}")
        if info.round:
            st.caption(
                f"{L.SIDEBAR_ROUND}:{info.round.code}({info.round.state_label},"
                f"{L.DUE} {info.round.due_date:%Y-%m-%d})"
            )
        else:
            st.caption(L.SIDEBAR_NO_ROUND)
        if st.button(L.SIGN_OUT, key="sign_out", icon=":material/logout:"):
            sign_out(portal, session)
            web.end_session(L.SIGNED_OUT)
            st.rerun()


def main() -> None:
    try:
        portal = web.portal()
    except SettingsError as exc:
        st.error(str(exc))
        return
    session = web.session()
    try:
        account = check_session(portal, session)
    except WarehouseError as exc:
        st.error(str(exc))
        return
    if session is not None and account is None:
        web.end_session(L.SESSION_EXPIRED)
    if account is not None:
        _sidebar(portal, account, session)
    specs = pages_for_account(account)
    pages = [
        st.Page(str(ROOT / s.file), title=s.title, icon=s.icon, url_path=s.url_path, default=(i == 0))
        for i, s in enumerate(specs)
    ]
    nav = st.navigation(pages, position="sidebar" if account is not None else "hidden")
    try:
        nav.run()
    except (PermissionDenied, WarehouseError) as exc:
        st.error(getattr(exc, "message", None) or str(exc))


main()
