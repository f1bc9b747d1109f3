"""问题整改 (问题库): a unit sees the items assigned to it and answers them; an office sees its items
(open, overdue in red, open/overdue by unit), takes up a unit's 存在问题 or one of its own, 交办,
销号 or 退回. Every step is a checked use case of portal.reporting.problems."""

import datetime as dt

import streamlit as st

from portal.core import labels as L
from portal.core.errors import PortalError
from portal.core.outcome import Outcome
from portal.core.permissions import Grant, allowed, grant
from portal.reporting import problems as pb
from portal.reporting.evidence import ALLOWED_EXTENSIONS
from portal.reporting.workflow import XLSX
from portal.ui import charts, web, zh
from portal.ui.text import plain

portal, account = web.portal(), web.account()
st.title(L.PAGE_PROBLEMS)
web.show_flash()
unit_account = grant(account.role, "problem.answer") is not Grant.NO
# The plans this account takes problems up in (none for a unit, an evaluator, an office above)
own = dict(pb.plan_choices(portal, account, act=True)) if allowed(account, "problem.manage") else {}
manages = bool(own)
today = portal.settings.today()
plan = None  # an office's plan filter (a unit sees its own items)


def _run(step, *args) -> None:
    """A button's use case, before the next page run: its message (or refusal) is flashed."""
    try:
        done = step(portal, account, *args)
        web.flash(Outcome(True, done.message))
    except PortalError as refused:
        web.flash(Outcome(False, refused.message))


def _answer(pid: int) -> None:
    upload = st.session_state.get("problems_answer_file")
    data, name = (upload.getvalue(), upload.name) if upload is not None else (None, None)
    _run(pb.answer, pid, st.session_state.get("problems_answer_text", ""), name, data)


def _assign(pid: int) -> None:
    _run(pb.assign, pid, st.session_state.get("problems_assign_unit"), st.session_state.get("problems_due"))


def _decide(pid: int, step) -> None:
    _run(step, pid, st.session_state.get("problems_comment", ""))


if unit_account:
    st.caption(L.PROBLEMS_HELP_UNIT)
    board = pb.problem_board(portal, account, unit=account.unit)
else:
    st.caption(L.PROBLEMS_HELP_OFFICE)
    plans = dict(pb.plan_choices(portal, account))
    options = [None, *plans]
    plan = st.selectbox(
        L.PROBLEMS_PLAN,
        options,
        format_func=lambda c: L.PROBLEMS_ALL_PLANS if c is None else f"{c} {plans[c]}",
        key="problems_plan",
    )
    board = pb.problem_board(portal, account, plan=plan)

cols = st.columns(3)
cols[0].metric(L.PROBLEMS_OPEN, board.open)
cols[1].metric(L.PROBLEMS_OVERDUE, board.overdue)
cols[2].metric(L.PROBLEMS_CLOSED, board.closed)

tab_names = [L.PROBLEMS_TAB_LIST] + ([L.PROBLEMS_TAB_SOURCES, L.PROBLEMS_TAB_NEW] if manages else [])
tabs = st.tabs(tab_names)

with tabs[0]:
    if not board.by_unit.is_empty() and not unit_account:
        st.markdown(f"**{L.PROBLEMS_CHART}**")
        st.altair_chart(charts.problems_by_unit_chart(board.by_unit), width="stretch")
    if board.items.is_empty():
        st.info(L.PROBLEMS_NONE)
    else:
        shown = [
            "problem_id",
            "problem_title",
            "state_label",
            "assignee_name",
            "feedback_due",
            "overdue_mark",
        ]
        shown += ["unit_name", "plan", "source_label", "updated_at"]
        st.dataframe(
            charts.problems_table(board.items, shown), hide_index=True, width="stretch", key="problems_table"
        )
        scope = {"unit": account.unit} if unit_account else {"plan": plan}
        st.download_button(
            L.PROBLEMS_REGISTER_DOWNLOAD,
            data=lambda: pb.register_xlsx(portal, account, **scope),
            file_name=L.PROBLEMS_REGISTER_FILE,
            mime=XLSX,
            key="problems_register_xlsx",
            icon=":material/download:",
        )
        titles = {
            r["problem_id"]: f"{r['problem_id']} · {r['problem_title']}"
            for r in board.items.iter_rows(named=True)
        }
        pid = st.selectbox(L.PROBLEMS_PICK, list(titles), format_func=titles.get, key="problems_pick")
        item = pb.problem(portal, account, pid)
        st.subheader(plain(f"{pid} {item['problem_title']}"))
        where = f"{L.PROBLEMS_SOURCE}：{plain(item['source_label'])}"
        if item["source_task"]:
            where += f"（{plain(item['task_title'])}）"
        st.caption(where)
        st.markdown(f"**{L.PROBLEMS_TEXT}**：{plain(item['problem_text'])}")
        st.markdown(f"**{L.PROBLEMS_TRAIL}**")
        trail = pb.trail(portal, account, pid)
        shown = ["event_at", "step_label", "state_label", "actor", "assignee", "feedback_due", "event_text"]
        zh.table(L.headed(trail, [*shown, "evidence_name"]), L.PROBLEMS_NONE, key="problems_trail")
        for r in trail.filter(trail["evidence_name"].is_not_null()).iter_rows(named=True):
            kept = pb.answer_evidence(portal, account, r["event_id"])
            st.download_button(
                f"{L.PROBLEMS_EVIDENCE_DOWNLOAD}：{plain(kept.name)}",
                kept.data,
                file_name=kept.name,
                mime=kept.media_type,
                key=f"problems_evidence_{r['event_id']}",
            )
        steps = pb.steps_from(item["state"])
        if unit_account and pb.ANSWER in steps:
            st.text_area(L.PROBLEMS_ANSWER_TEXT, key="problems_answer_text")
            zh.uploader(
                L.PROBLEMS_ANSWER_FILE,
                ALLOWED_EXTENSIONS,
                portal.settings.evidence_max_mb,
                key="problems_answer_file",
            )
            st.button(L.PROBLEMS_ANSWER, key="problems_answer", type="primary", on_click=_answer, args=(pid,))
        may_manage = allowed(account, "problem.manage", unit=item["unit"], plan=item["plan"])
        if may_manage and pb.ASSIGN in steps:
            units = dict(pb.assignable_units(portal, account, item["plan"]))
            choices = list(units)
            start = item["assignee"] or item["unit"]
            st.selectbox(
                L.PROBLEMS_ASSIGN_TO,
                choices,
                index=choices.index(start) if start in choices else 0,
                format_func=lambda c: f"{c} {units[c]}",
                key="problems_assign_unit",
            )
            zh.date_input(
                L.PROBLEMS_DUE, value=today + dt.timedelta(days=14), min_value=today, key="problems_due"
            )
            st.button(L.PROBLEMS_ASSIGN, key="problems_assign", type="primary", on_click=_assign, args=(pid,))
        if may_manage and pb.CLOSE in steps:
            st.text_area(L.PROBLEMS_COMMENT, key="problems_comment")
            cols = st.columns(2)
            cols[0].button(
                L.PROBLEMS_CLOSE, key="problems_close", type="primary", on_click=_decide, args=(pid, pb.close)
            )
            cols[1].button(
                L.PROBLEMS_RETURN, key="problems_return", on_click=_decide, args=(pid, pb.send_back)
            )

if manages:
    with tabs[1]:
        offered = pb.candidates(portal, account)  # the plans it acts on; an upper office's pick shows none
        wanted = [plan] if plan else list(own)
        offered = offered.filter(offered["problem_id"].is_null() & offered["plan"].is_in(wanted))
        if offered.is_empty():
            st.info(L.PROBLEMS_SOURCES_NONE)
        else:
            shown = ["submission_id", "round", "unit_name", "task", "task_title", "problems"]
            zh.table(L.headed(offered, shown), L.PROBLEMS_SOURCES_NONE, key="problems_sources")
            rows = {(r["submission_id"], r["task"]): r for r in offered.iter_rows(named=True)}
            picked = st.selectbox(
                L.PROBLEMS_SOURCE_PICK,
                list(rows),
                format_func=lambda k: (
                    f"{rows[k]['round']} {rows[k]['unit_name']} {k[1]}：{rows[k]['problems']}"
                ),
                key="problems_source_pick",
            )
            st.text_input(L.PROBLEMS_TITLE, key="problems_source_title")
            st.button(
                L.PROBLEMS_TAKE_UP,
                key="problems_take_up",
                type="primary",
                on_click=lambda: _run(
                    pb.add_from_report,
                    picked[0],
                    picked[1],
                    st.session_state.get("problems_source_title", ""),
                ),
            )
    with tabs[2]:
        new_plan = st.selectbox(
            L.PROBLEMS_PLAN, list(own), format_func=lambda c: f"{c} {own[c]}", key="problems_new_plan"
        )
        units = dict(pb.assignable_units(portal, account, new_plan))
        st.selectbox(
            L.PROBLEMS_NEW_UNIT,
            list(units),
            format_func=lambda c: f"{c} {units[c]}",
            key="problems_new_unit",
        )
        st.text_input(L.PROBLEMS_NEW_TITLE, key="problems_new_title")
        st.text_area(L.PROBLEMS_TEXT, key="problems_new_text")
        st.text_input(L.PROBLEMS_NEW_SOURCE, key="problems_new_source")
        st.button(
            L.PROBLEMS_NEW_SAVE,
            key="problems_new_save",
            type="primary",
            on_click=lambda: _run(
                pb.add_by_hand,
                new_plan,
                st.session_state.get("problems_new_unit"),
                st.session_state.get("problems_new_title", ""),
                st.session_state.get("problems_new_text", ""),
                st.session_state.get("problems_new_source", ""),
            ),
        )
