"""单位审核 (the unit's sign-off account): its clerk's uploads awaiting sign-off, each with its
values, validation report and workbook; confirm (it goes to the office) or send back with a comment."""

import streamlit as st

from portal.core import labels as L
from portal.core.permissions import unit_scope
from portal.reporting import workflow as wf
from portal.ui import web, widgets, zh
from portal.ui.text import plain

portal, account = web.portal(), web.account()
st.title(L.PAGE_SIGNOFF)
web.show_flash()
st.caption(L.SIGNOFF_HELP)

unit = unit_scope(account, "submission.sign_off")
queue = wf.sign_off_queue(portal, account, unit)
if queue.is_empty():
    st.info(L.SIGNOFF_EMPTY)
    st.stop()

columns = ["id", "round", "version", "uploaded_by", "uploaded_at", "days_late", "warning_count"]
st.dataframe(L.headed(queue, columns), hide_index=True, width="stretch", key="signoff_queue")
labels = dict(queue.select("id", "label").iter_rows())
picked = st.selectbox(L.SIGNOFF_PICK, list(labels), format_func=labels.get, key="signoff_pick")
detail = wf.review_detail(portal, account, picked)
sub = detail.submission


def _decide(decision: str) -> None:
    """Runs before the next page run with the comment as typed; a decision taken clears it."""
    outcome = wf.decide_sign_off(
        portal, account, picked, decision, st.session_state.get("signoff_comment", "")
    )
    web.flash(outcome)
    if outcome.ok:
        st.session_state["signoff_comment"] = ""


st.subheader(plain(labels[picked]))
st.caption(
    f"{L.COLUMNS['uploaded_by']}：{plain(sub['uploaded_by'])} · {L.COLUMNS['uploaded_at']}："
    f"{sub['uploaded_at']:%Y-%m-%d %H:%M} · {L.COLUMNS['file_name']}：{plain(wf.original_name(sub))}"
)
widgets.original_download(portal, account, sub, "signoff")
st.markdown(f"**{L.REVIEW_ISSUES}**")
widgets.issues_table(detail.issues, "signoff_issues")
st.markdown(f"**{L.REVIEW_VALUES}**")
shown = ["indicator", "indicator_name", "measure_unit", "reported", "previous_value", "change", "note"]
zh.table(L.headed(detail.values, shown), L.REVIEW_NO_VALUES, key="signoff_values")
st.markdown(f"**{L.REVIEW_TASKS}**")
shown = ["task", "task_title", "task_role_label", "progress_label", "percent", "narrative", "problems"]
zh.table(L.headed(detail.tasks, shown), L.REVIEW_NO_TASKS, key="signoff_tasks")

st.text_area(L.SIGNOFF_COMMENT, key="signoff_comment")
cols = st.columns(2)
cols[0].button(
    L.SIGNOFF_CONFIRM,
    key="signoff_confirm",
    type="primary",
    on_click=_decide,
    args=(wf.SIGN_OFF,),
    icon=":material/check:",
)
cols[1].button(
    L.SIGNOFF_SEND_BACK,
    key="signoff_send_back",
    on_click=_decide,
    args=(wf.SEND_BACK,),
    icon=":material/undo:",
)
