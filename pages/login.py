"""登录: shown alone while there is no valid session."""

import streamlit as st

from portal.accounts.auth import sign_in
from portal.core import labels as L
from portal.ui import web
from portal.ui.text import plain

st.title(L.APP_TITLE)
notice = web.pop_notice()
if notice:
    st.info(notice)
web.show_flash()  # an action that ended the session says how it went here (a restore signs everyone out)
st.subheader(L.LOGIN_HEADING)
st.caption(L.LOGIN_INTRO)
with st.form("login"):
    username = st.text_input(L.USERNAME, key="login_username")
    password = st.text_input(L.PASSWORD, type="password", key="login_password")
    submitted = st.form_submit_button(L.SIGN_IN, key="login_submit", type="primary")
if submitted:
    result = sign_in(web.portal(), username, password)
    if result.ok:
        web.start_session(result.session)
        st.rerun()
    st.error(plain(result.message), icon=":material/error:")
web.warm_browser()  # the landing page's frontend code loads while the password is typed
