"""指标监测: every indicator's progress against its expected pace, the red list, the indicators not
reported this round (listed apart, never counted as behind), and a chart per
chosen indicator of the approved values against the expected pace over the quarters; and 任务进展:
every task's lead and helpers' reported status side by side, the overdue ones, a chart of statuses;
and 名单与培育库: the 企业培育库 by district and stage, stage moves, 重点项目 and double counts."""

import streamlit as st

from portal.core import labels as L
from portal.core.permissions import allowed
from portal.monitoring.dashboards import PACE_LABELS, indicator_history, kpi_board, kpi_choices, task_board
from portal.monitoring.registers import STAGES, double_count_pairs, enterprise_register, project_register
from portal.ui import web, widgets, zh
from portal.ui.charts import history_chart, paced_table, task_status_chart

# What is judged first (actual against expected, and the pace), then where it comes from: at
# 1440 px the grid shows 实际值 and 进度状态 without scrolling sideways.
TABLE_COLUMNS = [
    "indicator",
    "indicator_name",
    "measure_unit",
    "actual",
    "expected",
    "ratio_text",
    "pace_label",
]
TABLE_COLUMNS += ["actual_round", "target_value", "target_year", "owner_name", "plan_name", "indicator_kind"]
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
    st.dataframe(
        paced_table(board.indicators, TABLE_COLUMNS),
        hide_index=True,
        width="stretch",
        column_config=widgets.column_widths(small=("indicator", "measure_unit")),
    )

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
    picked = zh.multiselect(
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


STAGE_COLUMNS = ["district", *STAGES, "stage_total"]
MOVE_COLUMNS = [
    "unit_name",
    "name",
    "item_key",
    "district",
    "from_stage_label",
    "to_stage_label",
    "from_round",
]
PROJECT_COLUMNS = ["unit_name", "name", "item_key", "round", "total_investment", "quarter_investment"]
PROJECT_COLUMNS += ["cumulative_investment", "progress"]
DOUBLE_COLUMNS = ["indicator", "indicator_name", "list_type_label", "item_key", "name", "unit_name"]
DOUBLE_COLUMNS += ["other_unit_name"]


def lists_section() -> None:
    st.caption(L.LISTS_HELP)
    if allowed(account, "lists.double_counts"):
        st.subheader(L.LISTS_DOUBLE_COUNTS)
        pairs = double_count_pairs(portal, account, round_code)
        if pairs.is_empty():
            st.success(L.LISTS_NO_DOUBLE_COUNTS)
        else:
            st.caption(L.LISTS_DOUBLE_COUNTS_HELP)
            st.dataframe(L.headed(pairs, DOUBLE_COLUMNS), hide_index=True, width="stretch")
    register = enterprise_register(portal, account, round_code)
    st.subheader(L.LISTS_ENTERPRISES)
    st.metric(L.LISTS_ENTERPRISE_COUNT, register.enterprises)
    if register.stages.is_empty():
        st.info(L.LISTS_NO_ENTERPRISES)
    else:
        st.markdown(f"**{L.LISTS_STAGE_TABLE}**")
        st.dataframe(L.headed(register.stages, STAGE_COLUMNS), hide_index=True, width="stretch")
        st.markdown(f"**{L.LISTS_MOVES}**")
        if register.moves.is_empty():
            st.success(L.LISTS_NO_MOVES)
        else:
            st.dataframe(L.headed(register.moves, MOVE_COLUMNS), hide_index=True, width="stretch")
    st.subheader(L.LISTS_PROJECTS)
    projects = project_register(portal, account)
    if projects.is_empty():
        st.info(L.LISTS_NO_PROJECTS)
    else:
        st.dataframe(L.headed(projects, PROJECT_COLUMNS), hide_index=True, width="stretch")


sections = [(L.KPI_TABLE, "kpi.view", kpi_section), (L.TASK_BOARD, "task_progress.view", task_section)]
sections += [(L.LISTS_TAB, "lists.view", lists_section)]
sections = [(title, render) for title, action, render in sections if allowed(account, action)]
for tab, (_, render) in zip(
    widgets.kept_tabs([title for title, _ in sections], "tab"), sections, strict=True
):
    with tab:
        render()
