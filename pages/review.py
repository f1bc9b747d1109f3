"""审核 (office): the queue of submissions awaiting review; one submission beside the previous
quarter, its progress, issues and evidence; approve or return with comments; extensions."""

import streamlit as st

from portal.core import labels as L
from portal.core.outcome import Outcome
from portal.core.permissions import allowed
from portal.reporting import workflow as wf
from portal.ui import web, widgets, zh
from portal.ui.text import plain

portal, account = web.portal(), web.account()
st.title(L.PAGE_REVIEW)
web.show_flash()

rounds, plans, units = wf.review_filters(portal, account)
plan_names, unit_names = dict(plans), dict(units)
cols = st.columns(3)
round_code = cols[0].selectbox(
    L.REVIEW_FILTER_ROUND, ["", *rounds], format_func=lambda r: r or L.REVIEW_ALL, key="review_round"
)
plan = cols[1].selectbox(
    L.REVIEW_FILTER_PLAN,
    ["", *plan_names],
    format_func=lambda p: plan_names.get(p, L.REVIEW_ALL),
    key="review_plan",
)
unit = cols[2].selectbox(
    L.REVIEW_FILTER_UNIT,
    ["", *unit_names],
    format_func=lambda u: f"{unit_names[u]}（{u}）" if u else L.REVIEW_ALL,
    key="review_unit",
)

st.subheader(L.REVIEW_QUEUE)
queue = wf.review_queue(portal, account, round_code, plan, unit)


def _decide(detail, decision: str) -> None:
    """Runs before the next page run, reading the form as it is at the click; the outcome is
    flashed, and a decision taken clears the form for the next submission."""
    state = st.session_state
    picked = state.get("review_items", [])
    items = wf.item_comments(detail, {k: state.get(f"review_item_{k}", "") for k in picked})
    sid = detail.submission["id"]
    outcome = wf.review_submission(portal, account, sid, decision, state.get("review_comment", ""), items)
    web.flash(outcome)
    if outcome.ok:
        state["review_comment"] = ""
        state["review_items"] = []


if queue.is_empty():
    st.info(L.REVIEW_QUEUE_EMPTY)
else:
    columns = [
        "id",
        "unit",
        "unit_name",
        "round",
        "version",
        "uploaded_at",
        "days_late",
        "warning_count",
        "evidence",
        "signed_off_at",
    ]
    shown_queue = L.headed(queue, columns)
    st.dataframe(shown_queue, hide_index=True, width="stretch", key="review_queue")
    widgets.table_download(shown_queue, L.REVIEW_QUEUE_FILE, "review_queue")
    labels = {
        r["id"]: f"{r['unit_name']}（{r['unit']}） {r['round']} 第 {r['version']} 版"
        for r in queue.iter_rows(named=True)
    }
    picked = st.selectbox(L.REVIEW_PICK, list(labels), format_func=labels.get, key="review_pick")
    detail = wf.review_detail(portal, account, picked)
    sub = detail.submission

    st.subheader(plain(labels[picked]))
    st.caption(
        f"{L.COLUMNS['uploaded_by']}：{plain(sub['uploaded_by'])} · {L.COLUMNS['uploaded_at']}："
        f"{sub['uploaded_at']:%Y-%m-%d %H:%M} · {L.COLUMNS['file_name']}：{plain(wf.original_name(sub))}"
    )
    if detail.signed_off:
        st.caption(plain(detail.signed_off))
        if detail.sign_off_comment:
            st.caption(plain(L.REVIEW_SIGN_OFF_COMMENT.format(comment=detail.sign_off_comment)))
    if allowed(account, "submission.download"):
        widgets.original_download(portal, account, sub, "review")
    cols = st.columns(3)
    cols[0].metric(L.COLUMNS["days_late"], sub["days_late"])
    cols[1].metric(L.COLUMNS["warning_count"], sub["warning_count"])
    cols[2].metric(L.REVIEW_PREVIOUS, detail.previous_round)

    st.markdown(f"**{L.REVIEW_VALUES}**")
    shown = ["indicator", "indicator_name", "measure_unit", "reported", "previous_value", "change", "note"]
    zh.table(L.headed(detail.values, shown), L.REVIEW_NO_VALUES, key="review_values")
    st.markdown(f"**{L.REVIEW_TASKS}**")
    shown = ["task", "task_title", "task_role_label", "progress_label", "percent", "previous_progress_label"]
    shown += ["previous_percent", "narrative", "problems", "next_steps"]
    zh.table(
        L.headed(detail.tasks, shown),
        L.REVIEW_NO_TASKS,
        key="review_tasks",
        column_config=widgets.column_widths(
            large=("narrative", "problems", "next_steps"), small=("percent",)
        ),
    )
    st.markdown(f"**{L.REVIEW_ISSUES}**")
    widgets.issues_table(detail.issues, "review_issues")
    st.markdown(f"**{L.EVIDENCE_HEADING}**")
    if detail.evidence.is_empty():
        st.caption(L.EVIDENCE_NONE)
    else:
        shown = ["evidence_id", "file_name", "task", "task_title", "type_label", "size_kb", "uploaded_at"]
        widgets.evidence_table(portal, account, detail.evidence, shown, "review")
    if not detail.reviews.is_empty():
        st.markdown(f"**{L.REPORT_REVIEWS}**")
        shown = ["decision_label", "item_kind_label", "item_code", "comment", "reviewer", "reviewed_at"]
        st.dataframe(L.headed(detail.reviews, shown), hide_index=True, width="stretch", key="review_trail")

    st.text_area(L.REVIEW_COMMENT, key="review_comment")
    names = {f"{kind}:{code}": f"{code} {name}" for kind, code, name in detail.items}
    chosen = zh.multiselect(L.REVIEW_ITEMS, list(names), format_func=names.get, key="review_items")
    for k in chosen:
        st.text_input(L.REVIEW_ITEM_TEXT.format(item=plain(names[k])), key=f"review_item_{k}")
    cols = st.columns(2)
    cols[0].button(
        L.REVIEW_APPROVE,
        key="review_approve",
        type="primary",
        on_click=_decide,
        args=(detail, wf.APPROVE),
        icon=":material/check:",
    )
    cols[1].button(
        L.REVIEW_RETURN,
        key="review_return",
        on_click=_decide,
        args=(detail, wf.RETURN),
        icon=":material/undo:",
    )

st.divider()
st.subheader(L.REVIEW_EXTENSION)
ext_round = st.selectbox(L.REVIEW_EXT_ROUND, rounds, key="review_ext_round")
ext_units = dict(wf.extension_units(portal, account, ext_round))
if not ext_units:
    st.info(L.REVIEW_EXT_NO_UNITS)
with st.form("review_extension", clear_on_submit=True):
    ext_unit = st.selectbox(
        L.REVIEW_EXT_UNIT,
        list(ext_units),
        index=None,  # no unit by default: the office picks one that owes the round
        placeholder=L.REVIEW_EXT_PICK_UNIT,
        format_func=lambda u: f"{ext_units[u]}（{u}）",
        key="review_ext_unit",
    )
    ext_due = zh.date_input(L.REVIEW_EXT_DUE, value=None, key="review_ext_due")
    reason = st.text_input(L.REVIEW_EXT_REASON, key="review_ext_reason")
    ext_confirm = st.checkbox(L.REVIEW_EXT_CONFIRM, help=L.REVIEW_EXT_CONFIRM_HELP, key="review_ext_confirm")
    granted = st.form_submit_button(L.REVIEW_EXT_SUBMIT, key="review_ext_submit")
if granted:
    if ext_unit is None:
        web.flash(Outcome(False, L.REVIEW_EXT_PICK_UNIT + "。"))
    else:
        web.flash(wf.grant_unit_extension(portal, account, ext_round, ext_unit, ext_due, reason, ext_confirm))
    st.rerun()

if ext_round:
    st.markdown(f"**{L.REVIEW_EXT_LIST}**")
    granted_list = wf.extensions_of_round(portal, account, ext_round).rename({"reason": "extension_reason"})
    if granted_list.is_empty():
        st.caption(L.REVIEW_EXT_NONE)
    else:
        shown = ["extension_id", "unit", "unit_name", "due_date", "extension_reason", "granted_by"]
        shown += ["granted_at", "state_label", "ended_by", "ended_at", "end_reason"]
        st.dataframe(L.headed(granted_list, shown), hide_index=True, width="stretch", key="review_ext_list")
        active = {r["extension_id"]: r for r in granted_list.iter_rows(named=True) if r["state"] == "active"}
        if active:
            with st.form("review_extension_revoke", clear_on_submit=True):
                which = st.selectbox(
                    L.REVIEW_EXT_REVOKE_PICK,
                    list(active),
                    format_func=lambda i: (
                        f"{i}：{active[i]['unit_name']}（{active[i]['unit']}）"
                        f"延至 {active[i]['due_date']:%Y-%m-%d}"
                    ),
                    key="review_ext_revoke_pick",
                )
                why = st.text_input(L.REVIEW_EXT_REVOKE_REASON, key="review_ext_revoke_reason")
                revoke_confirm = st.checkbox(
                    L.REVIEW_EXT_CONFIRM, help=L.REVIEW_EXT_CONFIRM_HELP, key="review_ext_revoke_confirm"
                )
                revoked = st.form_submit_button(L.REVIEW_EXT_REVOKE_SUBMIT, key="review_ext_revoke_submit")
            if revoked:
                web.flash(wf.revoke_unit_extension(portal, account, which, why, revoke_confirm))
                st.rerun()
