"""数据上报: the unit's round and due date, template download, upload with its report, evidence,
history with review comments, and the v1 → v2 comparison. The office may pick any unit."""

import streamlit as st

from portal.core import labels as L
from portal.core.outcome import Outcome
from portal.core.permissions import allowed
from portal.reporting import workflow as wf
from portal.reporting.evidence import ALLOWED_EXTENSIONS
from portal.ui import web, widgets, zh
from portal.ui.text import plain

portal, account = web.portal(), web.account()
st.title(L.PAGE_REPORT)
web.show_flash()

REPORT_COLUMNS = widgets.ISSUE_COLUMNS
XLSX_TYPES = ["xlsx"]  # only the platform's template is taken (an .xls or .xlsm is refused by type)

units = wf.reportable_units(portal, account)
names = dict(units)
if len(units) > 1:
    first = wf.default_unit(portal, units)  # never a unit with nothing to report (issue 20)
    unit = st.selectbox(
        L.REPORT_UNIT_PICK,
        list(names),
        index=list(names).index(first) if first else None,
        placeholder=L.REPORT_UNIT_PLACEHOLDER,
        format_func=lambda c: f"{names[c]}（{c}）",
        key="report_unit",
    )
    if unit is None:
        st.info(L.REPORT_UNIT_PLACEHOLDER + "。")
        st.stop()
else:
    unit = units[0][0]
rounds = wf.upload_rounds(portal, account, unit)
round_code = st.selectbox(L.REPORT_ROUND_PICK, rounds, key="report_round") if len(rounds) > 1 else None
info = wf.report_round(portal, account, unit, round_code)

st.subheader(f"{plain(info.unit_name)}（{plain(info.unit)}）")
if info.banner:
    (st.error if info.banner.level == "error" else st.warning)(plain(info.banner.text))
if info.round is not None:
    cols = st.columns([2, 2, 3])
    cols[0].metric(L.HOME_ROUND, info.round.code)
    cols[1].metric(L.HOME_ROUND_STATE, info.round.state_label)
    cols[2].metric(L.HOME_DUE, f"{info.due:%Y-%m-%d}")
    # A row of its own: the status in words (未报送（上传未通过校验）) is read whole, never cut short.
    st.metric(L.HOME_STATUS, info.state_text)
if info.returned:  # until a new upload replaces the returned version
    st.error(plain(info.returned), icon=":material/undo:")
if info.sent_back:
    st.warning(plain(info.sent_back))
elif info.sign_off:
    st.caption(L.REPORT_AWAITING_SIGN_OFF)

# --- step 1: template
st.subheader(L.REPORT_STEP_TEMPLATE)
problem = wf.template_problem(portal, account, unit, info.round.code) if info.round else L.HOME_NO_OPEN_ROUND
if problem:
    st.info(plain(problem))
else:
    st.caption(L.REPORT_TEMPLATE_HELP)
    st.download_button(
        L.REPORT_TEMPLATE_DOWNLOAD,
        data=lambda: wf.download_template(portal, account, unit, info.round.code).data,
        file_name=wf.template_file_name(info),
        mime=wf.XLSX,
        key="report_template_download",
        icon=":material/download:",
    )

# --- step 2: upload
st.subheader(L.REPORT_STEP_UPLOAD)
if not info.can_upload:
    st.info(plain(info.why_not))
st.caption(L.REPORT_UPLOAD_HELP.format(mb=portal.settings.max_upload_mb))
upload = zh.uploader(
    L.REPORT_FILE,
    XLSX_TYPES,
    portal.settings.max_upload_mb,
    rule=False,
    key="report_file",
    disabled=not info.can_upload,
)
if st.button(
    L.REPORT_UPLOAD, key="report_upload", type="primary", disabled=not info.can_upload or upload is None
):
    with st.status(L.REPORT_RUNNING, expanded=False) as status:
        result = wf.upload(portal, account, unit, info.round.code, upload.name, upload.getvalue())
        status.update(
            label=L.REPORT_DONE_SIGN_OFF
            if result.awaiting_sign_off
            else L.REPORT_DONE_OK
            if result.accepted
            else L.REPORT_DONE_BAD,
            state="complete" if result.accepted else "error",
        )
    if result.submission_id is not None:
        st.session_state["report_version"] = result.submission_id  # show this upload below
        web.flash(Outcome(result.accepted, result.summary))
        st.rerun()  # the round's state, history and report as they now stand
    st.error(plain(result.summary))
    if result.report.height:
        st.dataframe(L.headed(result.report, REPORT_COLUMNS), hide_index=True, width="stretch")
        st.download_button(
            L.REPORT_ANNOTATED_DOWNLOAD,
            data=result.annotated.data,
            file_name=result.annotated.file_name,
            mime=wf.XLSX,
            key="report_upload_annotated",
        )

# --- history, report of a chosen version, reviews, evidence, comparison
st.subheader(L.REPORT_STEP_RESULT)
history = wf.history(portal, account, unit)
if history.is_empty():
    st.info(L.REPORT_NO_HISTORY)
    st.stop()
st.caption(L.REPORT_HISTORY)
columns = ["id", "round", "version_label", "uploaded_at", "uploaded_by", "status_label", "days_late"]
columns += ["error_count", "warning_count", "decision_label", "review_comment", "evidence"]
st.dataframe(L.headed(history, columns), hide_index=True, width="stretch", key="report_history")

choices = wf.version_choices(history)
if st.session_state.get("report_version") not in choices:
    st.session_state.pop("report_version", None)
picked = st.selectbox(L.REPORT_VERSION_PICK, list(choices), format_func=choices.get, key="report_version")
chosen = history.filter(id=picked).row(0, named=True)

tab_report, tab_reviews, tab_evidence, tab_compare = widgets.kept_tabs(
    [L.REPORT_ISSUES, L.REPORT_REVIEWS, L.EVIDENCE_HEADING, L.REPORT_COMPARE], "tab"
)
with tab_report:
    report = wf.submission_report(portal, account, picked)
    if report.is_empty():
        st.success(L.REPORT_NO_ISSUES)
    else:
        st.dataframe(L.headed(report, REPORT_COLUMNS), hide_index=True, width="stretch", key="report_issues")
    if not report.is_empty():
        st.download_button(
            L.REPORT_ANNOTATED_DOWNLOAD,
            data=lambda: wf.annotated_workbook(portal, account, picked).data,
            file_name=f"{chosen['round']}_{unit}_{chosen['version_label']}_校验结果.xlsx",
            mime=wf.XLSX,
            key="report_annotated_download",
            icon=":material/download:",
        )
    widgets.original_download(portal, account, chosen, "report")

with tab_reviews:
    trail = wf.review_comments(portal, account, picked)
    if trail.is_empty():
        st.info(L.REPORT_NO_REVIEWS)
    else:
        shown = ["decision_label", "item_kind_label", "item_code", "comment", "reviewer", "reviewed_at"]
        st.dataframe(L.headed(trail, shown), hide_index=True, width="stretch", key="report_reviews")

with tab_evidence:
    evidence = wf.list_evidence(portal, account, picked)
    if chosen["status"] == "rejected":
        st.info(L.EVIDENCE_NOT_ACCEPTED)
    elif allowed(account, "evidence.upload", unit):
        st.caption(L.EVIDENCE_HELP.format(mb=portal.settings.evidence_max_mb))
        targets = dict(wf.evidence_targets(portal, account, picked))
        file = zh.uploader(
            L.EVIDENCE_FILE,
            ALLOWED_EXTENSIONS,
            portal.settings.evidence_max_mb,
            rule=False,
            key="report_evidence_file",
        )
        task = st.selectbox(
            L.EVIDENCE_TARGET,
            ["", *targets],
            format_func=lambda t: f"{t} {targets[t]}" if t else L.EVIDENCE_WHOLE,
            key="report_evidence_target",
        )
        if st.button(L.EVIDENCE_UPLOAD, key="report_evidence_upload", disabled=file is None):
            done = wf.upload_evidence(portal, account, picked, file.name, file.getvalue(), task or None)
            if done.ok:  # the history's evidence count above must show it too
                web.flash(Outcome(True, done.message))
                st.rerun()
            st.error(plain(done.message))
    if evidence.is_empty():
        st.info(L.EVIDENCE_NONE)
    else:
        shown = [
            "evidence_id",
            "file_name",
            "task",
            "task_title",
            "type_label",
            "size_kb",
            "uploaded_by",
            "uploaded_at",
        ]
        widgets.evidence_table(portal, account, evidence, shown, "report")
        removable = chosen["status"] != "rejected" and allowed(account, "evidence.upload", unit)
        if removable and st.button(L.EVIDENCE_REMOVE, key="report_evidence_remove"):
            gone = wf.remove_evidence(portal, account, st.session_state["report_evidence_pick"])
            web.flash(Outcome(gone.ok, gone.message))
            st.rerun()

with tab_compare:
    versions = wf.comparable(history, picked)
    if len(versions) < 2:
        st.info(L.REPORT_COMPARE_NEED_TWO)
    else:
        cols = st.columns(2)
        old = cols[0].selectbox(
            L.REPORT_COMPARE_OLD,
            versions,
            index=len(versions) - 2,
            format_func=choices.get,
            key="report_compare_old",
        )
        new = cols[1].selectbox(
            L.REPORT_COMPARE_NEW,
            versions,
            index=len(versions) - 1,
            format_func=choices.get,
            key="report_compare_new",
        )
        changes = wf.compare_versions(portal, account, old, new)
        if changes.is_empty():
            st.info(L.REPORT_COMPARE_NONE)
        else:
            shown = ["kind", "code", "field_label", "before", "after"]
            st.dataframe(L.headed(changes, shown), hide_index=True, width="stretch", key="report_compare")
