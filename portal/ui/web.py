"""The only portal module that touches `st.session_state`: the session and one-shot notices.

Services never read Streamlit state; pages ask here for the portal and the signed-in account and
pass them to services as plain arguments.
"""

from __future__ import annotations

import streamlit as st

from portal.accounts.auth import Account, Session
from portal.core.context import Portal
from portal.core.outcome import Outcome

SESSION_KEY = "portal_session"
_NOTICE_KEY = "portal_notice"
_FLASH_KEY = "portal_flash"


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
    (st.success if outcome.ok else st.error)(outcome.message)
    if outcome.password:
        st.code(outcome.password, language=None)
