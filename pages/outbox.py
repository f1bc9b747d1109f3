"""通知发送记录: what the outbox sent, what failed (with the reason) and what waits."""

import streamlit as st

from portal.core import labels as L
from portal.notify.log import STATE_LABELS, send_log
from portal.ui import web

portal, account = web.portal(), web.account()
st.title(L.PAGE_OUTBOX)
st.caption(L.OUTBOX_HELP)

state = st.selectbox(  # filters the table; the summary counts the whole log
    L.OUTBOX_FILTER,
    [None, *STATE_LABELS],
    format_func=lambda s: L.ALL if s is None else STATE_LABELS[s],
    key="outbox_state",
)
log = send_log(portal, account)
if log.is_empty():
    st.info(L.OUTBOX_EMPTY)
    st.stop()
counts = {s: log.filter(log["state"] == s).height for s in STATE_LABELS}
st.text(L.OUTBOX_SUMMARY.format(total=log.height, **counts))
shown = log if state is None else log.filter(log["state"] == state)
st.dataframe(shown.drop("state").rename(L.OUTBOX_COLUMNS), hide_index=True, width="stretch", key="outbox_log")
