import streamlit as st

from portal.context import Portal
from portal.overview import overview

data = overview(Portal.open())
st.title("科技创新任务调度考核平台")
st.caption(f"今天:{data.today} · 当前调度轮次:{data.current_round}")
st.subheader("纳入调度的规划")
st.dataframe(data.plans, hide_index=True, use_container_width=True)
