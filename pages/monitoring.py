"""指标监测: every indicator's progress against its expected pace, the red list, and a chart per
chosen indicator of the approved values against the expected pace over the quarters."""

import streamlit as st

from portal import labels as L
from portal import web
from portal.charts import history_chart, paced_table
from portal.dashboards import PACE_LABELS, indicator_history, kpi_board, kpi_choices

TABLE_COLUMNS = ["indicator", "indicator_name", "plan_name", "indicator_kind", "owner_name", "measure_unit"]
TABLE_COLUMNS += [
    "target_value",
    "target_year",
    "expected",
    "actual",
    "actual_round",
    "ratio_text",
    "pace_label",
]
RED_COLUMNS = [
    "indicator",
    "indicator_name",
    "owner_name",
    "measure_unit",
    "expected",
    "actual",
    "ratio_text",
    "pace_label",
]

portal, account = web.portal(), web.account()
st.title(L.PAGE_MONITORING)

choices = kpi_choices(portal, account)
if not choices.rounds:
    st.info(L.NO_ROUNDS)
    st.stop()
plans, units, kinds, paces = dict(choices.plans), dict(choices.units), dict(choices.kinds), dict(PACE_LABELS)


def every(mapping: dict, code_first: bool = False):
    return lambda c: L.ALL if c is None else (f"{c} {mapping[c]}" if code_first else mapping[c])


cols = st.columns(5)
round_code = cols[0].selectbox(
    L.FILTER_ROUND, choices.rounds, index=choices.rounds.index(choices.default_round), key="kpi_round"
)
plan = cols[1].selectbox(L.FILTER_PLAN, [None, *plans], format_func=every(plans, True), key="kpi_plan")
unit = cols[2].selectbox(L.FILTER_UNIT, [None, *units], format_func=every(units), key="kpi_unit")
pace = cols[3].selectbox(L.FILTER_PACE, [None, *paces], format_func=every(paces), key="kpi_pace")
kind = cols[4].selectbox(L.FILTER_INDICATOR_KIND, [None, *kinds], format_func=every(kinds), key="kpi_kind")
board = kpi_board(portal, account, round_code, plan, unit, pace, kind)

cols = st.columns(1 + len(PACE_LABELS))
cols[0].metric(L.KPI_TOTAL, board.indicators.height)
for col, (code, label) in zip(cols[1:], PACE_LABELS, strict=True):
    col.metric(label, board.counts[code])

if board.indicators.is_empty():
    st.info(L.KPI_NONE)
    st.stop()

st.subheader(L.KPI_TABLE)
st.dataframe(paced_table(board.indicators, TABLE_COLUMNS), hide_index=True, width="stretch")

st.subheader(L.KPI_RED_LIST)
if board.red_list.is_empty():
    st.success(L.KPI_RED_NONE)
else:
    st.dataframe(paced_table(board.red_list, RED_COLUMNS), hide_index=True, width="stretch")

st.subheader(L.KPI_HISTORY)
st.caption(L.KPI_HISTORY_HELP)
names = dict(zip(board.indicators["indicator"], board.indicators["name"], strict=True))
first = board.red_list["indicator"].head(1).to_list() or board.indicators["indicator"].head(1).to_list()
picked = st.multiselect(
    L.KPI_PICK, list(names), default=first, format_func=lambda c: f"{c} {names[c]}", key="kpi_history_pick"
)
if picked:
    history = indicator_history(portal, account, round_code, picked)
    for code in picked:
        one = history.filter(history["indicator"] == code)
        st.altair_chart(history_chart(one, f"{code} {names[code]}"), width="stretch")
