"""年度自评 (a unit's clerk or sign-off account): its own unit's 自评分 per component of the plan's
scoring scheme; nothing of any other unit is shown (portal.assessment.entries checks it)."""

import streamlit as st

from portal.assessment.entries import self_score_choices, self_score_form, set_self_score
from portal.core import labels as L
from portal.ui import web, widgets
from portal.ui.text import plain

portal, account = web.portal(), web.account()
st.title(L.PAGE_SELF_SCORE)
web.show_flash()
st.caption(L.SELF_PAGE_HELP)

choices = self_score_choices(portal, account)
code, year = widgets.chosen_plan_year(choices, "self", L.SELF_PAGE_NO_PLANS)

form = self_score_form(portal, account, code, year)
st.subheader(L.SELF_PAGE_UNIT.format(name=plain(form.unit_name)))
for problem in form.problems:
    st.error(plain(problem))
if form.problems:
    st.stop()
columns = ["component_name", "item_points", "self_score", "entered_by", "entered_at"]
st.dataframe(L.headed(form.components, columns), hide_index=True, width="stretch")
with st.form("self_form"):
    component = st.selectbox(
        L.SELF_PAGE_COMPONENT, list(form.choices), format_func=form.choices.get, key="self_component"
    )
    score = st.number_input(L.SELF_PAGE_SCORE, min_value=0.0, step=0.5, key="self_score")
    if st.form_submit_button(L.SELF_PAGE_SUBMIT, key="self_submit", type="primary"):
        outcome = set_self_score(portal, account, code, year, account.unit, component, score).outcome()
        web.flash(outcome)
        st.rerun()
