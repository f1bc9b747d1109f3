"""完成情况: who has reported, round by round (units × rounds, coloured by state), the reminder list
and the quarterly bulletin to download."""

import streamlit as st

from portal.core import labels as L
from portal.core.permissions import allowed
from portal.monitoring.bulletin_docx import BulletinTexts
from portal.monitoring.dashboards import (
    STATE_LABELS,
    bulletin_draft,
    by_kind_frame,
    completion_board,
    completion_choices,
    export_bulletin,
    export_bulletin_docx,
    export_missing_list,
    missing_frame,
)
from portal.ui import web
from portal.ui.charts import completion_chart, matrix_html
from portal.ui.quote_rules_form import rules_form

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

portal, account = web.portal(), web.account()
st.title(L.PAGE_COMPLETION)

choices = completion_choices(portal, account)
if not choices.rounds:
    st.info(L.NO_ROUNDS)
    st.stop()
plans, kinds = dict(choices.plans), dict(choices.kinds)
cols = st.columns(3)
round_code = cols[0].selectbox(
    L.FILTER_ROUND,
    choices.rounds,
    index=web.asked_index(choices.rounds, "round", choices.default_round),
    key="completion_round",
)
plan = cols[1].selectbox(
    L.FILTER_PLAN,
    [None, *plans],
    index=web.asked_index([None, *plans], "plan"),
    format_func=lambda c: L.ALL if c is None else f"{c} {plans[c]}",
    key="completion_plan",
)
kind = cols[2].selectbox(
    L.FILTER_UNIT_KIND,
    [None, *kinds],
    format_func=lambda k: L.ALL if k is None else kinds[k],
    key="completion_kind",
)
board = completion_board(portal, account, round_code, plan, kind)

cols = st.columns(4)
cols[0].metric(L.COMPLETION_EXPECTED, board.expected)
cols[1].metric(L.COMPLETION_REPORTED, board.reported)
cols[2].metric(L.COMPLETION_RATE, "—" if board.rate is None else f"{board.rate:.1%}")
cols[3].metric(L.COMPLETION_LATE, board.late)
cols = st.columns(len(STATE_LABELS))
for col, (state, label) in zip(cols, STATE_LABELS, strict=True):
    col.metric(label, board.count(state))

# The bulletin is drafted and drawn only while its section is open: its rules form, quotes and
# texts were most of the page's elements (and its drafting a query) on every visit.
bulletin = None
if allowed(account, "bulletin.export"):
    bulletin = st.expander(
        L.BULLETIN_HEADING, icon=":material/summarize:", key="completion_bulletin_open", on_change="rerun"
    )
if bulletin is not None and bulletin.open:
    with bulletin:
        b_plan = st.selectbox(
            L.BULLETIN_PLAN,
            [None, *plans],
            index=[None, *plans].index(plan),
            format_func=lambda c: L.ALL if c is None else plans[c],
            key="bulletin_plan",
        )
        rules_form(portal, account, round_code, b_plan)
        draft = bulletin_draft(portal, account, round_code, b_plan)
        # a new round, plan or saved rule starts from its own quotes
        scope = f"{round_code}_{b_plan}_{st.session_state.get('bulletin_rules_saved', 0)}"
        texts = BulletinTexts(
            highlights=st.text_area(
                L.BULLETIN_HIGHLIGHTS, draft.highlights, key=f"bulletin_highlights_{scope}"
            ),
            problems=st.text_area(L.BULLETIN_PROBLEMS, draft.problems, key=f"bulletin_problems_{scope}"),
            requirements=st.text_area(L.BULLETIN_REQUIREMENTS, key="bulletin_requirements"),
            doc_number=st.text_input(L.BULLETIN_DOC_NUMBER, key="bulletin_doc_number"),
        )
        cols = st.columns(2)
        cols[0].download_button(
            L.BULLETIN_EXPORT_DOCX,
            data=lambda: export_bulletin_docx(portal, account, round_code, b_plan, texts),
            file_name=L.BULLETIN_DOCX_FILE.format(round=round_code),
            mime=DOCX,
            key="completion_bulletin_docx",
            icon=":material/description:",
        )
        cols[1].download_button(
            L.BULLETIN_EXPORT,
            data=lambda: export_bulletin(portal, account, round_code, b_plan),
            file_name=L.BULLETIN_FILE.format(round=round_code),
            mime=XLSX,
            key="completion_bulletin",
            icon=":material/summarize:",
        )

if board.expected == 0:
    st.info(L.COMPLETION_NO_UNITS)
    st.stop()

left, right = st.columns([3, 2])
with left:
    st.subheader(L.COMPLETION_CHART)
    st.altair_chart(completion_chart(board.by_round), width="stretch")
with right:
    st.subheader(L.COMPLETION_BY_KIND)
    by_kind = by_kind_frame(board)
    st.dataframe(L.headed(by_kind, by_kind.columns), hide_index=True, width="stretch")

st.subheader(L.COMPLETION_MATRIX)
st.caption(L.COMPLETION_MATRIX_HELP)
texts, states = board.matrix()
st.html(matrix_html(texts, states))

st.subheader(f"{L.MISSING_HEADING}（{round_code}）")
if board.missing.is_empty():
    st.success(L.MISSING_NONE)
else:
    st.caption(L.MISSING_DUE_SOON.format(n=board.due_soon.height))
    columns = [
        "unit",
        "unit_name",
        "kind_label",
        "state_text",
        "contact",
        "phone",
        "due_date",
        "days_left_text",
        "reminder",
    ]
    st.dataframe(L.headed(missing_frame(board), columns), hide_index=True, width="stretch")
if allowed(account, "completion.export"):
    st.download_button(
        L.MISSING_EXPORT,
        data=lambda: export_missing_list(portal, account, round_code, plan, kind),
        file_name=L.MISSING_FILE.format(round=round_code),
        mime=XLSX,
        key="completion_missing_export",
        icon=":material/download:",
    )
