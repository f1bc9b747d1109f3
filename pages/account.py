"""我的账号: who I am, and changing my password (required after a one-time password)."""

import streamlit as st

from portal.accounts.auth import change_password
from portal.core import labels as L
from portal.core.outcome import Outcome
from portal.ui import web
from portal.ui.text import plain

account = web.account()
st.title(L.ACCOUNT_HEADING)
if account.must_change_password:
    st.warning(L.MUST_CHANGE)
web.show_flash()
st.markdown(f"{L.USERNAME}：{plain(account.username)} · {L.ROLE}：{account.role.label}")
with st.form("change_password", clear_on_submit=True):
    old = st.text_input(L.OLD_PASSWORD, type="password", key="acct_old")
    new = st.text_input(L.NEW_PASSWORD, type="password", key="acct_new")
    confirm = st.text_input(L.CONFIRM_PASSWORD, type="password", key="acct_confirm")
    submitted = st.form_submit_button(L.CHANGE_PASSWORD, key="acct_submit", type="primary")
if submitted:
    result = change_password(web.portal(), web.session(), old, new, confirm)
    if result.ok:
        web.start_session(result.session)
        web.flash(Outcome(True, result.messages[0]))
        st.rerun()
    for message in result.messages:
        st.error(plain(message))
