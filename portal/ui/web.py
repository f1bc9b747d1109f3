"""The only portal module that touches `st.session_state`: the session and one-shot notices.

Services never read Streamlit state; pages ask here for the portal and the signed-in account and
pass them to services as plain arguments.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from portal.accounts.auth import Account, Session
from portal.core import labels as L
from portal.core.context import Portal
from portal.core.errors import PortalError
from portal.core.outcome import Outcome
from portal.ui.text import plain

SESSION_KEY = "portal_session"
_NOTICE_KEY = "portal_notice"
_FLASH_KEY = "portal_flash"

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


def end_session(notice: str | None = None) -> None:
    st.session_state.pop(SESSION_KEY, None)
    if notice:
        st.session_state[_NOTICE_KEY] = notice


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
