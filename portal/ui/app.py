"""Streamlit entry point: check the session, build the navigation for the role (once, as data), run.

Pages live in the `pages` package (installed with the wheel, found by location, never imported
here); which ones a role gets is decided in portal.ui.navigation. Every address of the app is
registered for everyone (hidden when not the account's), so a reload or a bookmark keeps its
page: signed out it shows the sign-in form there, then the page itself.
"""

from __future__ import annotations

import gc
import importlib
import importlib.util
import logging
import threading
from importlib import resources
from pathlib import Path

import streamlit as st

from portal.accounts.auth import check_session, sign_out
from portal.core import labels as L
from portal.ui import web, zh
from portal.ui.navigation import (
    other_addresses,
    page_modules,
    page_titled,
    pages_for_account,
    sidebar_info,
)
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
            web.end_session(L.SIGNED_OUT, clear_cookie=True)
            st.rerun()


def _import_pages() -> None:
    for name in page_modules(PAGES):
        try:
            if importlib.util.find_spec(name) is not None:
                importlib.import_module(name)
        except ModuleNotFoundError:  # `from module import function`: nothing more to import
            continue
        except Exception:  # a page that cannot import says so when opened; warming goes on
            logging.getLogger("portal.ui").exception("warming: cannot import %s", name)


def _warm_validator() -> None:
    """Great Expectations' context, built once: a batch upload (≥ 2 workbooks) would otherwise
    pay its import and set-up (~3 s) inside the office's request."""
    try:
        from validators import gx

        gx.runner()
    except Exception:  # the batch that needs it says what is wrong; warming goes on
        logging.getLogger("portal.ui").exception("warming: cannot build the validator")


def _warm_imports() -> None:
    _import_pages()
    _freeze_heap()  # now: the first sign-in's two runs would each collect over the libraries


def _freeze_heap() -> None:
    """Streamlit collects garbage (`gc.collect(2)`) after every script run, between the sign-in's
    run and the landing page's too: over the ~270,000 objects of the imported libraries that took
    0.1–0.15 s of CPU per run, the event loop waiting. Frozen after warming, those objects are left
    out of every collection (they live as long as the process anyway); what runs allocate later is
    still collected."""
    gc.collect()
    gc.freeze()


@st.cache_resource(show_spinner=False)
def _warm_reader() -> bool:
    """Once per server process, in the background: start the isolated workbook reader (the first
    upload would wait ~2 s for it) and import what the pages import (Altair, openpyxl: seconds on
    a first visit of 数据上报 or a chart page otherwise)."""
    threading.Thread(target=isolation.warm, name="warm-reader", daemon=True).start()
    threading.Thread(target=_warm_imports, name="warm-imports", daemon=True).start()
    return True


@st.cache_resource(show_spinner=False)
def _warm_validator_once() -> bool:
    """Once per server process, after the first sign-in has drawn its landing page: the validator's
    GX context (~3 s of CPU holding the interpreter) built in the background. Built at the first
    visit instead, it shared the interpreter with that person's sign-in (1.6 s instead of 0.9 s)."""
    threading.Thread(target=_warm_then_freeze, name="warm-validator", daemon=True).start()
    return True


def _warm_then_freeze() -> None:
    _warm_validator()
    _freeze_heap()


def _unavailable(path: str, landing, account):
    """The page at an address this account has no page for: said in Chinese, with a way on."""

    def page() -> None:
        spec = page_titled(path)
        if spec is not None and not spec.actions:  # the sign-in page, signed in: just go on
            st.switch_page(landing)
        st.title(L.PAGE_UNAVAILABLE)
        if spec is None:
            st.info(L.PAGE_UNKNOWN.format(path=path))
        else:
            st.info(L.PAGE_NOT_FOR_ROLE.format(role=account.role.label, title=spec.title))
        st.page_link(landing, label=L.PAGE_GO_LANDING.format(title=landing.title), icon=":material/home:")

    return page


def main() -> None:
    _warm_reader()
    zh.inject()  # Chinese in place of Streamlit's own English widget texts
    portal = web.portal()
    # One cursor of the process's shared warehouse instance for the whole run (the shell's reads and
    # the page's), taken at the first read; none for a visitor who reads nothing. Other sessions'
    # runs read beside it (warehouse/db.py).
    with portal.warehouse.page_run():
        account = _run(portal)
    if account is not None:
        _warm_validator_once()


def _run(portal):
    """The shell and the page for this run; the account signed in (None on the sign-in page)."""
    session = web.session()
    if session is None and web.first_run():  # a missing or damaged warehouse is said at once
        portal.warehouse.check()
    resumed = web.resumed_session(portal) if session is None else None
    if resumed is not None:  # already checked against the warehouse
        session, account = resumed, resumed.account
    else:
        account = check_session(portal, session)
    if session is not None and account is None:
        web.end_session(web.ended_notice(session), clear_cookie=True)
        session = None
    if account is not None:
        _sidebar(portal, account, session)
    specs = pages_for_account(account)
    pages = [
        st.Page(str(PAGES / s.file), title=s.title, icon=s.icon, url_path=s.url_path, default=(i == 0))
        for i, s in enumerate(specs)
    ]
    gate = account is None or account.must_change_password  # the one page to pass first
    for path in other_addresses(specs, web.asked_page()):
        if gate:
            target = str(PAGES / specs[0].file)
            pages.append(st.Page(target, title=specs[0].title, url_path=path, visibility="hidden"))
        else:
            shown = _unavailable(path, pages[0], account)
            pages.append(st.Page(shown, title=L.PAGE_UNAVAILABLE, url_path=path, visibility="hidden"))
    web.cookie_bridge(session)
    nav = st.navigation(pages, position="sidebar" if account is not None else "hidden")
    nav.run()
    return account


with web.failures_shown():  # every failure of this run, before sign-in too, becomes a page message
    main()
