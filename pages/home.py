"""概览: a unit reporter sees its own round and workload; everyone else the plans."""

import streamlit as st

from portal.core import labels as L
from portal.core.permissions import unit_scope
from portal.monitoring.overview import plans_overview, unit_overview
from portal.ui import web
from portal.ui.text import plain

portal, account = web.portal(), web.account()
st.title(L.APP_TITLE)

own_unit = unit_scope(account, "overview.view")  # a unit reporter's unit, else None
if own_unit:
    data = unit_overview(portal, account, own_unit)
    st.subheader(f"{L.HOME_UNIT_HEADING}：{plain(data.unit_name)}")
    if data.banner:
        (st.error if data.banner.level == "error" else st.warning)(plain(data.banner.text))
    if data.round is None:
        st.info(L.HOME_NO_OPEN_ROUND)
    else:
        cols = st.columns([2, 2, 2, 2, 5])  # the status in words (已报送-待审) is not cut short
        cols[0].metric(L.HOME_ROUND, data.round.code)
        cols[1].metric(L.HOME_ROUND_STATE, data.round.state_label)
        cols[2].metric(L.HOME_DUE, f"{data.due:%Y-%m-%d}")
        cols[3].metric(L.HOME_DAYS_LEFT, data.days_left)
        cols[4].metric(L.HOME_STATUS, data.state_text)
    cols = st.columns(3)
    cols[0].metric(L.HOME_INDICATORS, data.indicators)
    cols[1].metric(L.HOME_TASKS_LEAD, data.tasks_lead)
    cols[2].metric(L.HOME_TASKS_HELP, data.tasks_helper)
else:
    data = plans_overview(portal, account)
    if data.round is not None:
        cols = st.columns(4)
        cols[0].metric(L.HOME_ROUND, data.round.code)
        cols[1].metric(L.HOME_ROUND_STATE, data.round.state_label)
        cols[2].metric(L.HOME_DUE, f"{data.round.due_date:%Y-%m-%d}")
        cols[3].metric(L.HOME_UNITS_REPORTED, data.units_reported)
    st.subheader(L.HOME_PLANS_HEADING)
    columns = ["plan", "name", "period", "tasks", "indicators", "units"]
    st.dataframe(L.headed(data.plans, columns), hide_index=True, width="stretch")
