"""年度考核: a plan's annual scores by unit (ranks, grades, a chart of totals), each unit's working
out, the evaluators' bonus items, deductions, vetoes and qualitative scores, the units' self-scores
beside their scores, and the 年度考核表 to download."""

import streamlit as st

from portal.assessment.assess import add_bonus, withdraw_bonus
from portal.assessment.board import (
    assessment_board,
    assessment_choices,
    export_assessment,
    save_scheme_as,
    scheme_text_as,
    unit_detail,
)
from portal.assessment.entries import (
    DEDUCTION_TABLE,
    QUALITATIVE_TABLE,
    SELF_SCORE_TABLE,
    VETO_TABLE,
    add_deduction,
    add_veto,
    entry_board,
    self_score_comparison,
    set_qualitative,
    withdraw_deduction,
    withdraw_veto,
)
from portal.core import labels as L
from portal.core.permissions import allowed
from portal.ui import web, widgets
from portal.ui.charts import totals_chart
from portal.ui.text import plain

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SUMMARY_COLUMNS = ["rank", "unit_name", "indicators_score", "tasks_score", "reporting_score", "deductions"]
SUMMARY_COLUMNS += ["bonus", "total", "grade"]

portal, account = web.portal(), web.account()
st.title(L.PAGE_ASSESSMENT)
web.show_flash()

choices = assessment_choices(portal, account)
if not choices.plans:
    st.info(L.ASSESS_NO_PLANS)
    st.stop()
plans = {p.code: p for p in choices.plans}
cols = st.columns(2)
code = cols[0].selectbox(
    L.ASSESS_PLAN, list(plans), format_func=lambda c: f"{c} {plans[c].name}", key="assess_plan"
)
plan = plans[code]
years = plan.years
year = cols[1].selectbox(
    L.ASSESS_YEAR, years, index=years.index(choices.default_year(plan)), key=f"assess_year_{code}"
)

if allowed(account, "assessment.configure", plan=code):  # not a plan of an office below
    with st.expander(L.SCHEME_HEADING):
        st.caption(L.SCHEME_HELP.format(plan=code, year=year))
        text = scheme_text_as(portal, account, code, year)
        st.code(text, language="toml")
        st.download_button(
            L.SCHEME_DOWNLOAD,
            data=text.encode("utf-8"),
            file_name=L.SCHEME_FILE.format(plan=code, year=year),
            mime="application/toml",
            key="assess_scheme_download",
        )
        upload = st.file_uploader(L.SCHEME_UPLOAD, type=["toml"], key="assess_scheme_file")
        if st.button(L.SCHEME_SAVE, key="assess_scheme_save", disabled=upload is None):
            outcome = save_scheme_as(portal, account, code, year, upload.getvalue())
            if outcome.ok:
                web.flash(outcome)
                st.rerun()
            st.error(plain(outcome.message))

with st.spinner(L.ASSESS_COMPUTING):
    board = assessment_board(portal, account, code, year)
if not board.ok:
    for problem in board.problems:
        st.error(plain(problem))
    st.stop()
a = board.assessment
st.caption(L.ASSESS_SCHEME.format(source=plain(a.scheme.source_label)))
if not a.units:
    st.info(L.ASSESS_NO_UNITS)
    st.stop()


def _done(outcome) -> None:
    web.flash(outcome)
    st.rerun()


st.subheader(L.ASSESS_SUMMARY)
summary = board.summary()
st.dataframe(L.headed(summary, SUMMARY_COLUMNS), hide_index=True, width="stretch")
if board.can_export:
    st.download_button(
        L.ASSESS_EXPORT,
        data=lambda: export_assessment(portal, account, code, year),
        file_name=L.ASSESS_FILE.format(plan=code, year=year),
        mime=XLSX,
        key="assess_export",
        icon=":material/download:",
    )
st.subheader(L.ASSESS_CHART)
st.altair_chart(totals_chart(summary, board.grades), width="stretch")

st.subheader(L.ASSESS_DETAIL)
names = board.unit_names()
unit = st.selectbox(L.ASSESS_UNIT, list(names), format_func=lambda u: names[u], key="assess_unit")
detail = unit_detail(board, unit)
st.markdown(
    L.ASSESS_UNIT_SCORE.format(
        total=detail.score.total, rank=detail.score.rank, grade=plain(detail.score.grade)
    )
)
parts = [
    (L.ASSESS_INDICATORS, detail.indicators),
    (L.ASSESS_TASKS, detail.tasks),
    (L.ASSESS_ROUNDS, detail.rounds),
    (L.ASSESS_BONUS, detail.bonuses),
]
for tab, (_, frame) in zip(widgets.kept_tabs([title for title, _ in parts], "tab"), parts, strict=True):
    with tab:
        st.dataframe(L.headed(frame, frame.columns), hide_index=True, width="stretch")

st.subheader(L.ASSESS_BONUS)
if board.bonus.is_empty():
    st.caption(L.ASSESS_NO_BONUS)
else:
    bonus_columns = ["bonus_id", "unit_name", "points", "reason", "entered_by", "entered_at"]
    st.dataframe(L.headed(board.bonus, bonus_columns), hide_index=True, width="stretch")
if board.can_adjust:
    with st.form("assess_bonus_form", clear_on_submit=True):
        st.markdown(f"**{L.BONUS_ADD}**")
        bonus_unit = st.selectbox(
            L.BONUS_UNIT, list(names), format_func=lambda u: names[u], key="assess_bonus_unit"
        )
        points = st.number_input(
            L.BONUS_POINTS,
            min_value=0.0,
            max_value=float(a.scheme.bonus_max),
            step=0.5,
            key="assess_bonus_points",
        )
        reason = st.text_area(L.BONUS_REASON, key="assess_bonus_reason")
        if st.form_submit_button(L.BONUS_SUBMIT, key="assess_bonus_submit", type="primary"):
            _done(add_bonus(portal, account, code, year, bonus_unit, points, reason).outcome())
    if not board.bonus.is_empty():
        items = {r["bonus_id"]: r for r in board.bonus.iter_rows(named=True)}
        picked = st.selectbox(
            L.BONUS_WITHDRAW_PICK,
            list(items),
            format_func=lambda i: f"{i} {items[i]['unit_name']} +{items[i]['points']:g} {items[i]['reason']}",
            key="assess_bonus_pick",
        )
        if st.button(L.BONUS_WITHDRAW, key="assess_bonus_withdraw"):
            _done(withdraw_bonus(portal, account, picked))

st.subheader(L.ENTRIES_HEADING)
entries = entry_board(portal, account, a)
tabs = st.tabs([L.DEDUCTION_HEADING, L.VETO_HEADING, L.QUALITATIVE_HEADING, L.SELF_SCORE_HEADING])


def _table(frame, columns, empty: str) -> None:
    if frame.is_empty():
        st.caption(empty)
    else:
        st.dataframe(L.headed(frame, columns), hide_index=True, width="stretch")


def _pick_unit(key: str) -> str:
    return st.selectbox(L.ENTRIES_UNIT, list(names), format_func=lambda u: names[u], key=key)


def _withdraw(frame, label: str, button: str, key: str, describe, withdraw) -> None:
    if frame.is_empty():
        return
    rows = {r["entry_id"]: r for r in frame.iter_rows(named=True)}
    picked = st.selectbox(label, list(rows), format_func=lambda i: describe(rows[i]), key=f"{key}_pick")
    if st.button(button, key=f"{key}_withdraw"):
        _done(withdraw(portal, account, picked))


with tabs[0]:
    _table(entries.deductions, DEDUCTION_TABLE, L.DEDUCTION_NONE)
    if entries.can_adjust:
        with st.form("assess_ded_form", clear_on_submit=True):
            ded_unit = _pick_unit("assess_ded_unit")
            kinds = entries.deduction_kinds
            ded_code = st.selectbox(
                L.DEDUCTION_CODE, list(kinds), format_func=kinds.get, key="assess_ded_code"
            )
            ded_reason = st.text_area(L.DEDUCTION_REASON, key="assess_ded_reason")
            ded_evidence = st.text_input(L.DEDUCTION_EVIDENCE, key="assess_ded_evidence")
            if st.form_submit_button(L.DEDUCTION_SUBMIT, key="assess_ded_submit", type="primary"):
                result = add_deduction(
                    portal, account, code, year, ded_unit, ded_code, ded_reason, ded_evidence
                )
                _done(result.outcome())
        _withdraw(
            entries.deductions,
            L.DEDUCTION_WITHDRAW_PICK,
            L.DEDUCTION_WITHDRAW,
            "assess_ded",
            lambda r: f"{r['entry_id']} {r['unit_name']} {r['deduction_name']} {r['entry_reason']}",
            withdraw_deduction,
        )

with tabs[1]:
    _table(entries.vetoes, VETO_TABLE, L.VETO_NONE)
    if entries.can_adjust:
        with st.form("assess_veto_form", clear_on_submit=True):
            veto_unit = _pick_unit("assess_veto_unit")
            veto_code = st.selectbox(L.VETO_REASON_CODE, entries.veto_reasons, key="assess_veto_code")
            veto_reason = st.text_area(L.VETO_REASON, key="assess_veto_reason")
            veto_evidence = st.text_input(L.VETO_EVIDENCE, key="assess_veto_evidence")
            if st.form_submit_button(L.VETO_SUBMIT, key="assess_veto_submit", type="primary"):
                result = add_veto(
                    portal, account, code, year, veto_unit, veto_code, veto_reason, veto_evidence
                )
                _done(result.outcome())
        _withdraw(
            entries.vetoes,
            L.VETO_WITHDRAW_PICK,
            L.VETO_WITHDRAW,
            "assess_veto",
            lambda r: f"{r['entry_id']} {r['unit_name']} {r['veto_reason_code']} {r['entry_reason']}",
            withdraw_veto,
        )

with tabs[2]:
    if not entries.qualitative_items:
        st.caption(L.QUALITATIVE_NONE_IN_SCHEME)
    else:
        _table(entries.qualitative, QUALITATIVE_TABLE, L.QUALITATIVE_NONE)
        if entries.can_adjust:
            with st.form("assess_qual_form", clear_on_submit=True):
                qual_unit = _pick_unit("assess_qual_unit")
                items = entries.qualitative_items
                qual_item = st.selectbox(
                    L.QUALITATIVE_ITEM, list(items), format_func=items.get, key="assess_qual_item"
                )
                qual_score = st.number_input(
                    L.QUALITATIVE_SCORE, min_value=0.0, step=0.5, key="assess_qual_score"
                )
                qual_note = st.text_input(L.QUALITATIVE_NOTE, key="assess_qual_note")
                if st.form_submit_button(L.QUALITATIVE_SUBMIT, key="assess_qual_submit", type="primary"):
                    result = set_qualitative(
                        portal, account, code, year, qual_unit, qual_item, qual_score, qual_note
                    )
                    _done(result.outcome())

with tabs[3]:
    _table(self_score_comparison(a), SELF_SCORE_TABLE, L.SELF_SCORE_NONE)
