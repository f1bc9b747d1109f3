"""指标监测: every indicator's progress against its expected pace, the red list, the indicators not
reported this round (listed apart, never counted as behind), and a chart per
chosen indicator of the approved values against the expected pace over the quarters; and 任务进展:
every task's lead and helpers' reported status side by side, the overdue ones, a chart of statuses."""

import streamlit as st

from portal.core import labels as L
from portal.core.permissions import allowed
from portal.monitoring.dashboards import PACE_LABELS, indicator_history, kpi_board, kpi_choices, task_board
from portal.ui import web, widgets
from portal.ui.charts import history_chart, paced_table, task_status_chart

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
TASK_COLUMNS = ["task", "title", "plan", "due_year", "lead_name", "lead_status_label", "lead_percent"]
TASK_COLUMNS += ["helpers_text", "helpers_reported_text", "overdue_text"]
OVERDUE_COLUMNS = ["task", "title", "lead_name", "lead_status_label", "lead_percent", "helpers_text"]
OVERDUE_COLUMNS += ["overdue_text"]
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
UNREPORTED_COLUMNS = ["indicator", "indicator_name", "owner_name", "measure_unit", "actual", "actual_round"]

portal, account = web.portal(), web.account()
st.title(L.PAGE_MONITORING)

choices = kpi_choices(portal, account)
if not choices.rounds:
    st.info(L.NO_ROUNDS)
    st.stop()
plans, units, kinds, paces = dict(choices.plans), dict(choices.units), dict(choices.kinds), dict(PACE_LABELS)


def every(mapping: dict, code_first: bool = False):
    return lambda c: L.ALL if c is None else (f"{c} {mapping[c]}" if code_first else mapping[c])


round_code = st.selectbox(
    L.FILTER_ROUND,
    choices.rounds,
    index=web.asked_index(choices.rounds, "round", choices.default_round),
    key="kpi_round",
)


def kpi_section() -> None:
    cols = st.columns(4)
    plan = cols[0].selectbox(
        L.FILTER_PLAN,
        [None, *plans],
        index=web.asked_index([None, *plans], "plan"),
        format_func=every(plans, True),
        key="kpi_plan",
    )
    unit = cols[1].selectbox(L.FILTER_UNIT, [None, *units], format_func=every(units), key="kpi_unit")
    pace = cols[2].selectbox(L.FILTER_PACE, [None, *paces], format_func=every(paces), key="kpi_pace")
    kind = cols[3].selectbox(
        L.FILTER_INDICATOR_KIND, [None, *kinds], format_func=every(kinds), key="kpi_kind"
    )
    board = kpi_board(portal, account, round_code, plan, unit, pace, kind)

    cols = st.columns(1 + len(PACE_LABELS))
    cols[0].metric(L.KPI_TOTAL, board.indicators.height)
    for col, (code, label) in zip(cols[1:], PACE_LABELS, strict=True):
        col.metric(label, board.counts[code])

    if board.indicators.is_empty():
        st.info(L.KPI_NONE)
        return

    st.subheader(L.KPI_TABLE)
    st.dataframe(paced_table(board.indicators, TABLE_COLUMNS), hide_index=True, width="stretch")

    st.subheader(L.KPI_RED_LIST)
    if board.red_list.is_empty():
        st.success(L.KPI_RED_NONE)
    else:
        st.dataframe(paced_table(board.red_list, RED_COLUMNS), hide_index=True, width="stretch")

    if not board.unreported.is_empty():
        st.subheader(L.KPI_UNREPORTED_LIST)
        st.caption(L.KPI_UNREPORTED_HELP)
        st.dataframe(paced_table(board.unreported, UNREPORTED_COLUMNS), hide_index=True, width="stretch")

    st.subheader(L.KPI_HISTORY)
    st.caption(L.KPI_HISTORY_HELP)
    names = dict(zip(board.indicators["indicator"], board.indicators["name"], strict=True))
    first = board.red_list["indicator"].head(1).to_list() or board.indicators["indicator"].head(1).to_list()
    picked = st.multiselect(
        L.KPI_PICK,
        list(names),
        default=first,
        format_func=lambda c: f"{c} {names[c]}",
        key="kpi_history_pick",
    )
    if picked:
        history = indicator_history(portal, account, round_code, picked)
        for code in picked:
            one = history.filter(history["indicator"] == code)
            st.altair_chart(history_chart(one, f"{code} {names[code]}"), width="stretch")


def task_section() -> None:
    cols = st.columns(2)
    plan = cols[0].selectbox(
        L.FILTER_PLAN,
        [None, *plans],
        index=web.asked_index([None, *plans], "plan"),
        format_func=every(plans, True),
        key="task_plan",
    )
    first = task_board(portal, account, round_code, plan)
    names = dict(first.units)
    unit = cols[1].selectbox(L.FILTER_UNIT, [None, *names], format_func=every(names), key="task_unit")
    board = first if unit is None else task_board(portal, account, round_code, plan, unit)
    cols = st.columns(2)
    cols[0].metric(L.TASK_TOTAL, board.tasks.height)
    cols[1].metric(L.TASK_OVERDUE, board.overdue.height)
    if board.tasks.is_empty():
        st.info(L.TASK_NONE)
        return
    st.subheader(L.TASK_CHART)
    st.altair_chart(task_status_chart(board.counts), width="stretch")
    st.subheader(L.TASK_BOARD)
    st.dataframe(L.headed(board.tasks, TASK_COLUMNS), hide_index=True, width="stretch")
    st.subheader(L.TASK_OVERDUE)
    if board.overdue.is_empty():
        st.success(L.TASK_OVERDUE_NONE)
    else:
        st.dataframe(L.headed(board.overdue, OVERDUE_COLUMNS), hide_index=True, width="stretch")


sections = [(L.KPI_TABLE, "kpi.view", kpi_section), (L.TASK_BOARD, "task_progress.view", task_section)]
sections = [(title, render) for title, action, render in sections if allowed(account, action)]
for tab, (_, render) in zip(
    widgets.kept_tabs([title for title, _ in sections], "tab"), sections, strict=True
):
    with tab:
        render()
