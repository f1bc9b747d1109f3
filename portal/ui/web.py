"""The only portal module that touches `st.session_state`: the session and one-shot notices.

Services never read Streamlit state; pages ask here for the portal and the signed-in account and
pass them to services as plain arguments.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from portal.accounts.auth import COOKIE_NAME, Account, Session, resume
from portal.core import labels as L
from portal.core.context import Portal
from portal.core.errors import PortalError
from portal.core.outcome import Outcome
from portal.ui.text import plain

SESSION_KEY = "portal_session"
_NOTICE_KEY = "portal_notice"
_FLASH_KEY = "portal_flash"
_COOKIE_TRIED_KEY = "portal_cookie_tried"
_CLEAR_COOKIE_KEY = "portal_clear_cookie"
_SEEN_KEY = "portal_seen"
# The routes of portal/ui/asgi_app.py (kept here too: ui.app must not import the ASGI app).
SESSION_PATH = "/portal/session"
CLEAR_PATH = "/portal/session/clear"
# Why a session ended (portal.accounts.auth.Session.ended) → the notice on the sign-in page.
_ENDED_NOTICES = {"signed-out": L.SIGNED_OUT_ELSEWHERE}

log = logging.getLogger("portal.ui")


@contextmanager
def failures_shown() -> Iterator[None]:
    """The one place a failure becomes a page message. A PortalError shows its Chinese message as
    plain text; anything else is a fault of the system: a generic message on the page, the
    traceback in the server's log, never in the browser. (Streamlit's rerun and stop signals are
    not Exceptions and pass through.)"""
    try:
        yield
    except PortalError as exc:
        st.error(plain(exc.message))
    except Exception:
        log.exception("unexpected failure while running a page")
        st.error(L.INTERNAL_ERROR)


def portal() -> Portal:
    """Opened on every run: settings are re-read, the warehouse connection is per operation."""
    return Portal.open()


def session() -> Session | None:
    return st.session_state.get(SESSION_KEY)


def start_session(new: Session) -> None:
    st.session_state[SESSION_KEY] = new


def end_session(notice: str | None = None, clear_cookie: bool = False) -> None:
    st.session_state.pop(SESSION_KEY, None)
    if notice:
        st.session_state[_NOTICE_KEY] = notice
    if clear_cookie:
        st.session_state[_CLEAR_COOKIE_KEY] = True


def first_run() -> bool:
    """True once per tab (browser page load): the checks worth doing only then."""
    if st.session_state.get(_SEEN_KEY):
        return False
    st.session_state[_SEEN_KEY] = True
    return True


def ended_notice(session: Session) -> str:
    """What the sign-in page says about a session that no longer holds."""
    return _ENDED_NOTICES.get(session.ended, L.SESSION_EXPIRED)


def cookie() -> str | None:
    """The session cookie not yet tried in this tab (the tab's websocket was opened with it)."""
    value = st.context.cookies.get(COOKIE_NAME)
    if not isinstance(value, str) or not value:  # (AppTest has no browser: a stand-in object)
        return None
    return value if st.session_state.get(_COOKIE_TRIED_KEY) != value else None


def resumed_session(portal: Portal) -> Session | None:
    """The session this browser's cookie names (a reload, a bookmark, a second tab), tried once
    per cookie value in a tab."""
    value = cookie()
    if value is None:
        return None
    st.session_state[_COOKIE_TRIED_KEY] = value
    found = resume(portal, value)
    if found is None:
        st.session_state[_CLEAR_COOKIE_KEY] = True
        return None
    start_session(found)
    return found


def cookie_bridge(current: Session | None) -> None:
    """Where the browser is told about its cookie: right after sign-in the page posts its
    one-time code to SESSION_PATH (the answer sets the HttpOnly cookie); after a sign-out or a
    dead cookie it asks CLEAR_PATH to drop it. Our own script, with no user text in it."""
    if current is not None and current.handoff:
        path, body = SESSION_PATH, current.handoff
        current.handoff = None
    elif st.session_state.pop(_CLEAR_COOKIE_KEY, False):
        path, body = CLEAR_PATH, ""
    else:
        return
    call = (
        f"fetch({json.dumps(path)}, {{method: 'POST', credentials: 'same-origin', body: {json.dumps(body)}}})"
    )
    hide = "<style>.st-key-portal_cookie_bridge {display: none}</style>"  # no gap in the layout
    with st.container(key="portal_cookie_bridge"):
        st.html(f"{hide}<script>{call};</script>", unsafe_allow_javascript=True)


# The frontend modules a landing page draws with (概览: metrics and a grid; the sidebar's button)
# that Streamlit loads only when first needed: ~1.7 MB of JavaScript, fetched and compiled after
# 登录 was pressed. The sign-in page loads them while the person types.
_LANDING_MODULES = ("DataFrame", "Metric", "Button")


def _frontend_modules(names: tuple[str, ...]) -> list[str]:
    """The file names of Streamlit's own frontend chunks (hashed per release, so looked up)."""
    import streamlit

    folder = Path(streamlit.__file__).parent / "static" / "static" / "js"
    found = []
    for name in names:
        found += sorted(p.name for p in folder.glob(f"{name}.*.js") if p.name.count(".") == 2)
    return found


def warm_browser() -> None:
    """On the sign-in page: import the landing page's frontend modules in the background (the
    same addresses the app imports them from, so the browser keeps one copy). Our own script,
    with no user text in it; a failure only means they load later, as before."""
    files = _frontend_modules(_LANDING_MODULES)
    if not files:
        return
    script = (
        "(() => { const index = document.querySelector(\"script[src*='/static/js/index.']\");"
        " if (!index) return; const base = index.src.slice(0, index.src.lastIndexOf('/') + 1);"
        f" for (const file of {json.dumps(files)}) import(base + file).catch(() => {{}}); }})();"
    )
    hide = "<style>.st-key-portal_browser_warm {display: none}</style>"
    with st.container(key="portal_browser_warm"):
        st.html(f"{hide}<script>{script}</script>", unsafe_allow_javascript=True)


def asked_page() -> str | None:
    """The page name in the address the browser opened (`/review` → "review"), if it asked for one."""
    ctx = get_script_run_ctx()
    return getattr(getattr(ctx, "pages_manager", None), "intended_page_name", None) or None


def account() -> Account:
    """The signed-in account, checked by portal/app.py at the start of this run."""
    current = session()
    if current is None:
        raise RuntimeError("page run without a session: portal/app.py must check it first")
    return current.account


def pop_notice() -> str | None:
    """A message for the sign-in page, left by the run that ended the session."""
    return st.session_state.pop(_NOTICE_KEY, None)


def flash(outcome: Outcome) -> None:
    """Keep an action's outcome across the rerun that shows its effect."""
    st.session_state[_FLASH_KEY] = outcome


def show_flash() -> None:
    outcome: Outcome | None = st.session_state.pop(_FLASH_KEY, None)
    if outcome is None:
        return
    (st.success if outcome.ok else st.error)(plain(outcome.message))
    if outcome.password:
        st.code(outcome.password, language=None)


def asked_index(options: list, name: str, default=None) -> int:
    """The index of the option a link asked for in the address (`?plan=XY`: 下级汇总's drill-down
    opens 完成情况 and 指标监测 pre-filtered), else of `default`, else 0. Only an option the page
    offers anyway is taken: the address sets a filter's starting value, never what may be seen."""
    wanted = st.query_params.get(name)
    for value in (wanted, default):
        if value is not None and value in options:
            return options.index(value)
    return 0
