"""下级汇总: an upper office's offices side by side (reporting, lateness, KPI pace, shared indicators),
each with links to its own 完成情况 and 指标监测 pages filtered to its plan (read-only below)."""

from pathlib import Path

import streamlit as st

from portal.core import labels as L
from portal.core.permissions import allowed
from portal.monitoring.rollup import plans_frame, rollup, rollup_choices
from portal.ui import web
from portal.ui.charts import paced_table, rollup_rate_chart
from portal.ui.text import plain

SHARED_COLUMNS = [
    "city_name",
    "plan",
    "indicator",
    "indicator_name",
    "measure_unit",
    "actual",
    "actual_round",
]
SHARED_COLUMNS += ["target_value", "target_year", "expected", "ratio_text", "pace_label"]
PAGES = Path(__file__).parent
DRILL = [("completion.view", "completion.py", L.ROLLUP_OPEN_COMPLETION)]
DRILL += [("kpi.view", "monitoring.py", L.ROLLUP_OPEN_MONITORING)]

portal, account = web.portal(), web.account()
st.title(L.PAGE_ROLLUP)

choices = rollup_choices(portal, account)
if not choices.offices or not choices.rounds:
    st.info(L.ROLLUP_NO_OFFICES if not choices.offices else L.NO_ROUNDS)
    st.stop()
offices = dict(choices.offices)
cols = st.columns(2)
office = cols[0].selectbox(L.ROLLUP_OFFICE, list(offices), format_func=offices.get, key="rollup_office")
round_code = cols[1].selectbox(
    L.FILTER_ROUND, choices.rounds, index=choices.rounds.index(choices.default_round), key="rollup_round"
)
r = rollup(portal, account, office, round_code)

st.caption(L.ROLLUP_INTRO.format(office=plain(r.office_name)))
if r.without_plans:
    st.caption(L.ROLLUP_WITHOUT_PLANS + "、".join(plain(name) for _, name in r.without_plans))

st.subheader(L.ROLLUP_TABLE.format(round=round_code))
shown = plans_frame(r)
st.dataframe(L.headed(shown, shown.columns), hide_index=True, width="stretch")

if r.by_round.height:
    st.subheader(L.ROLLUP_CHART)
    st.altair_chart(rollup_rate_chart(r.by_round), width="stretch")

st.subheader(L.ROLLUP_SHARED)
st.caption(L.ROLLUP_SHARED_HELP)
if not r.shared:
    st.info(L.ROLLUP_SHARED_NONE)
for topic in r.shared:
    st.markdown(f"**{topic.label}**")
    st.dataframe(paced_table(topic.rows, SHARED_COLUMNS), hide_index=True, width="stretch")
    if topic.absent:
        st.caption(L.ROLLUP_SHARED_ABSENT + "、".join(plain(name) for _, name in topic.absent))

st.subheader(L.ROLLUP_DRILL)
for row in r.plans.iter_rows(named=True):
    cols = st.columns(len(DRILL))
    for col, (action, file, label) in zip(cols, DRILL, strict=True):
        if allowed(account, action, plan=row["plan"]):
            col.page_link(
                str(PAGES / file),
                label=label.format(city=plain(row["city_name"]), plan=plain(row["plan"])),
                query_params={"plan": row["plan"], "round": round_code},
            )
