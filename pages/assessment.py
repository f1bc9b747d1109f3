"""年度考核: a plan's annual scores by unit (ranks, grades, a chart of totals), each unit's working
out, the evaluators' bonus items, and the 年度考核表 to download."""

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
from portal.core import labels as L
from portal.core.permissions import allowed
from portal.ui import web, zh
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
        upload = zh.uploader(
            L.SCHEME_UPLOAD, ["toml"], portal.settings.max_upload_mb, key="assess_scheme_file"
        )
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
st.dataframe(L.headed(board.summary_shown(), SUMMARY_COLUMNS), hide_index=True, width="stretch")
st.caption(L.ASSESS_NOT_APPLICABLE)
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
for tab, (title, frame) in zip(st.tabs([title for title, _ in parts]), parts, strict=True):
    with tab:
        zh.table(L.headed(frame, frame.columns), L.ASSESS_PART_EMPTY[title])

st.subheader(L.ASSESS_BONUS_ALL)
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
        # No bounds on the field: out of range, Streamlit would keep the old value and the
        # message would name that one; add_bonus says what was typed and the range.
        points = st.number_input(
            L.BONUS_POINTS_RANGE.format(max=a.scheme.bonus_max),
            value=None,
            step=0.5,
            placeholder=L.BONUS_POINTS_PLACEHOLDER,
            key="assess_bonus_points",
        )
        reason = st.text_area(L.BONUS_REASON, key="assess_bonus_reason")
        if st.form_submit_button(L.BONUS_SUBMIT, key="assess_bonus_submit", type="primary"):
            _done(add_bonus(portal, account, code, year, bonus_unit, points or 0.0, reason).outcome())
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
