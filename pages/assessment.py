"""年度考核: a plan's annual scores by unit (ranks, grades, a chart of totals), each unit's working
out, the evaluators' bonus items, deductions, vetoes and qualitative scores, the units' self-scores
beside their scores, and the 年度考核表 to download; the stage (预评 → 公示 → 定稿) with the evaluators'
buttons and the objections. A unit's own account sees only its own published result and files its
objections here (`_unit_publicity`)."""

import hashlib

import pandas as pd
import polars as pl
import streamlit as st

from portal.assessment import lifecycle as lc
from portal.assessment.assess import add_bonus, withdraw_bonus
from portal.assessment.board import (
    assessment_board,
    assessment_choices,
    export_assessment,
    save_scheme_as,
    scheme_text_as,
    score_sources,
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
from portal.assessment.scheme_editor import (
    CHOICES,
    COMPONENTS,
    GENERAL,
    RULE_LABELS,
    TEXT_KEYS,
    SchemeTables,
    save_scheme_tables_as,
    scheme_tables_as,
)
from portal.core import labels as L
from portal.core.permissions import allowed
from portal.ui import web, widgets, zh
from portal.ui.charts import totals_chart
from portal.ui.text import plain

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SUMMARY_COLUMNS = ["rank", "unit_name", "indicators_score", "tasks_score", "reporting_score", "deductions"]
SUMMARY_COLUMNS += ["bonus", "total", "grade"]

LINE_COLUMNS = ["component", "item", "rule", "line_points", "completion", "score", "basis"]


def _done(outcome) -> None:
    web.flash(outcome)
    st.rerun()


def _saved(outcome) -> None:
    """A scheme saved: on to the page anew with the message; refused: the message, edits kept."""
    if outcome.ok:
        _done(outcome)
    st.error(plain(outcome.message))


def _shown(frame, columns, empty: str) -> None:
    """A table with Chinese headings, or one line saying there is nothing."""
    if frame.is_empty():
        st.caption(empty)
    else:
        st.dataframe(L.headed(frame, columns), hide_index=True, width="stretch")


def _objections_table(frame) -> None:
    _shown(frame, lc.OBJECTION_COLUMNS, L.LC_NO_OBJECTIONS)


def _unit_publicity(portal, account) -> None:
    """A unit's own account: its own published result (公示 or 定稿) and its objections, nothing else."""
    st.subheader(L.UNIT_RESULT_HEADING)
    last_year = portal.settings.today().year - 1  # results are published after the year
    plans = {
        code: (name, list(range(start, end + 1)), min(max(last_year, start), end))
        for code, name, start, end in lc.unit_plans(portal, account)
    }
    if not plans:
        st.info(L.UNIT_RESULT_NO_PLANS)
        return
    code, year = widgets.plan_year(plans, "unit_result")
    seen = lc.unit_result(portal, account, code, year, account.unit)
    st.info(plain(L.LC_STAGE.format(summary=seen.lifecycle.summary)))
    if seen.entry is None:
        st.caption(L.UNIT_RESULT_NOT_PUBLISHED)
    else:
        e = seen.entry
        st.markdown(
            L.UNIT_RESULT_SCORE.format(
                total=e["total"], count=seen.unit_count, rank=e["rank"], grade=plain(e["grade"])
            )
        )
        lines = pl.DataFrame(e["lines"], infer_schema_length=None) if e["lines"] else pl.DataFrame()
        if lines.height:
            lines = lines.rename({"points": "line_points"}).with_columns(
                pl.col("completion").cast(pl.Float64)
            )
            st.dataframe(L.headed(lines, LINE_COLUMNS), hide_index=True, width="stretch")
    st.markdown(f"**{L.LC_OBJECTIONS}**")
    _objections_table(seen.objections)
    if seen.lifecycle.taking_objections:
        with st.form("unit_objection_form", clear_on_submit=True):
            st.markdown(f"**{L.UNIT_OBJECTION_HEADING}**")
            st.caption(L.UNIT_OBJECTION_HELP.format(until=seen.lifecycle.publicity_to))
            text = st.text_area(L.UNIT_OBJECTION_TEXT, key="unit_objection_text")
            upload = st.file_uploader(L.UNIT_OBJECTION_FILE, key="unit_objection_file")
            if st.form_submit_button(L.UNIT_OBJECTION_SUBMIT, key="unit_objection_submit", type="primary"):
                name, data = (upload.name, upload.getvalue()) if upload is not None else (None, None)
                _done(lc.file_objection(portal, account, code, year, account.unit, text, name, data))


def _lifecycle_section(portal, account, code: str, year: int) -> None:
    """The year's stage for everyone who reads the assessment; 公示 / 定稿 / 重新评定 and the answers
    to objections for the evaluators of the plan's own office."""
    life = lc.lifecycle_of(portal, code, year)
    st.info(plain(L.LC_STAGE.format(summary=life.summary)))
    can_publish = allowed(account, "assessment.publish", plan=code)
    objections = lc.list_objections(portal, account, code, year)
    versions = lc.list_versions(portal, account, code, year)
    if not (can_publish or objections.height or versions.height):
        return
    with st.expander(L.LC_HEADING, expanded=life.stage == lc.PUBLICITY):
        if can_publish and life.stage == lc.PRELIMINARY:
            days = st.number_input(
                L.LC_DAYS, min_value=1, max_value=lc.MAX_DAYS, value=lc.DEFAULT_DAYS, key="lc_days"
            )
            sure = st.checkbox(L.LC_CONFIRM_PUBLISH, key="lc_confirm_publish")
            if st.button(L.LC_PUBLISH, key="lc_publish", disabled=not sure, type="primary"):
                _done(lc.publish(portal, account, code, year, int(days)))
        if can_publish and life.stage == lc.PUBLICITY:
            sure = st.checkbox(L.LC_CONFIRM_FINALIZE, key="lc_confirm_finalize")
            if st.button(L.LC_FINALIZE, key="lc_finalize", disabled=not sure, type="primary"):
                _done(lc.finalize(portal, account, code, year))
        if can_publish and life.stage != lc.PRELIMINARY:
            reason = st.text_input(L.LC_REOPEN_REASON, key="lc_reopen_reason")
            sure = st.checkbox(L.LC_CONFIRM_REOPEN, key="lc_confirm_reopen")
            if st.button(L.LC_REOPEN, key="lc_reopen", disabled=not sure):
                _done(lc.reopen(portal, account, code, year, reason))
        st.markdown(f"**{L.LC_OBJECTIONS}**")
        _objections_table(objections)
        open_ones = objections.filter(pl.col("decision").is_null()) if objections.height else objections
        if (
            open_ones.height
            and life.stage == lc.PUBLICITY
            and allowed(account, "assessment.answer", plan=code)
        ):
            with st.form("lc_answer_form", clear_on_submit=True):
                texts = dict(zip(open_ones["objection_id"], open_ones["text"], strict=True))
                picked = st.selectbox(
                    L.LC_ANSWER_PICK,
                    list(texts),
                    format_func=lambda i: f"{i} {texts[i][:40]}",
                    key="lc_answer_pick",
                )
                decision = st.radio(
                    L.LC_ANSWER_DECISION, [L.LC_REJECT, L.LC_ACCEPT], key="lc_answer_decision"
                )
                reply = st.text_area(L.LC_REPLY, key="lc_answer_reply")
                if st.form_submit_button(L.LC_ANSWER, key="lc_answer_submit", type="primary"):
                    _done(lc.answer_objection(portal, account, picked, decision == L.LC_ACCEPT, reply))
        if versions.height:
            st.markdown(f"**{L.LC_VERSIONS}**")
            st.dataframe(L.headed(versions, lc.VERSION_COLUMNS), hide_index=True, width="stretch")


portal, account = web.portal(), web.account()
st.title(L.PAGE_ASSESSMENT)
web.show_flash()

if not allowed(account, "assessment.view"):  # a unit's own account: its result during 公示 and after
    _unit_publicity(portal, account)
    st.stop()

choices = assessment_choices(portal, account)
code, year = widgets.chosen_plan_year(choices, "assess", L.ASSESS_NO_PLANS)

_lifecycle_section(portal, account, code, year)


def _table(
    rows: list[dict], columns: list[str], key: str, fixed: bool = False, choices=None, disabled=()
) -> list[dict]:
    """One editable table of the scheme; Chinese headings, choices as drop-downs."""
    config = {
        c: st.column_config.SelectboxColumn(L.SCHEME_COLUMNS[c], options=(choices or {})[c])
        if c in (choices or {})
        else L.SCHEME_COLUMNS[c]
        for c in columns
    }
    frame = pd.DataFrame(rows, columns=columns)
    edited = st.data_editor(
        frame,
        column_config=config,
        num_rows="fixed" if fixed else "dynamic",
        disabled=list(disabled),
        hide_index=True,
        width="stretch",
        key=key,
    )
    return edited.to_dict("records")


def _scheme_tables(code: str, year: int, digest: str) -> None:
    """The scheme as tables; saving goes through the same check as an uploaded file. Widget keys
    carry the file's digest: once saved, the tables open on the file, not on the edits made."""
    editor = scheme_tables_as(portal, account, code, year)
    for problem in editor.problems:
        st.warning(L.SCHEME_EDIT_BROKEN + plain(problem))
    t = editor.tables
    k = f"_{code}_{year}_{digest}"
    st.markdown(f"**{L.SCHEME_GENERAL}**")
    general = {}
    cols = st.columns(3)
    for i, (path, label) in enumerate(GENERAL.items()):
        box, value, wkey = cols[i % 3], t.general.get(path), f"scheme_{path}{k}"
        if path in CHOICES:
            options = list(CHOICES[path].values())
            general[path] = box.selectbox(
                label, options, index=options.index(value) if value in options else 0, key=wkey
            )
        elif path in TEXT_KEYS:
            general[path] = box.text_input(label, value=value or "", key=wkey)
        else:
            general[path] = box.number_input(label, value=float(value or 0), min_value=0.0, key=wkey)
    rules = {"rule": list(RULE_LABELS.values())}
    parts = {"component": list(COMPONENTS.values())}
    st.markdown(f"**{L.SCHEME_COMPONENTS}**")
    components = _table(
        t.components,
        ["component", "rule", "floor", "ratio_cap", "item_points"],
        f"scheme_components{k}",
        fixed=True,
        choices=rules,
        disabled=["component"],
    )
    st.markdown(f"**{L.SCHEME_BANDS}**")
    bands = _table(t.bands, ["component", "min", "fraction"], f"scheme_bands{k}", choices=parts)
    st.markdown(f"**{L.SCHEME_ITEMS}**")
    items = _table(
        t.items,
        ["component", "code", "points", "rule", "floor"],
        f"scheme_items{k}",
        choices=parts | rules,
    )
    st.markdown(f"**{L.SCHEME_DEDUCTIONS}**")
    deductions = _table(t.deductions, ["code", "name", "points", "max_total"], f"scheme_deductions{k}")
    cols = st.columns(2)
    with cols[0]:
        st.markdown(f"**{L.SCHEME_VETO}**")
        veto = _table(t.veto_reasons, ["reason"], f"scheme_veto{k}")
        st.markdown(f"**{L.SCHEME_LEVELS}**")
        levels = _table(t.levels, ["name", "min"], f"scheme_levels{k}")
        st.markdown(f"**{L.SCHEME_GROUPS}**")
        groups = _table(t.groups, ["group", "members"], f"scheme_groups{k}")
    with cols[1]:
        st.markdown(f"**{L.SCHEME_QUALITATIVE}**")
        qualitative = _table(t.qualitative, ["name", "points"], f"scheme_qualitative{k}")
        st.markdown(f"**{L.SCHEME_QUOTA}**")
        quota = _table(t.quota, ["grade", "share"], f"scheme_quota{k}")
    if st.button(L.SCHEME_TABLE_SAVE, key="assess_scheme_table_save", type="primary"):
        edited = SchemeTables(
            general=general,
            components=components,
            bands=bands,
            items=items,
            deductions=deductions,
            veto_reasons=veto,
            qualitative=qualitative,
            levels=levels,
            quota=quota,
            groups=groups,
            item_bands=t.item_bands,
        )
        _saved(save_scheme_tables_as(portal, account, code, year, edited))


if allowed(account, "assessment.configure", plan=code):  # not a plan of an office below
    with st.expander(L.SCHEME_HEADING):
        text = scheme_text_as(portal, account, code, year)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]  # a saved file shows anew
        tables, raw = st.tabs([L.SCHEME_TAB_TABLES, L.SCHEME_TAB_TEXT])
        with tables:
            st.caption(L.SCHEME_EDIT_HELP.format(plan=code, year=year))
            if st.toggle(L.SCHEME_EDIT, key="assess_scheme_edit"):
                _scheme_tables(code, year, digest)
        with raw:
            st.caption(L.SCHEME_HELP.format(plan=code, year=year))
            edited_text = st.text_area(
                L.SCHEME_TEXT_EDIT, value=text, height=400, key=f"assess_scheme_text_{code}_{year}_{digest}"
            )
            if st.button(L.SCHEME_TEXT_SAVE, key="assess_scheme_text_save"):
                _saved(save_scheme_as(portal, account, code, year, edited_text.encode("utf-8")))
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
                _saved(save_scheme_as(portal, account, code, year, upload.getvalue()))

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
sources = score_sources(portal, account, board, unit)
detail = unit_detail(board, unit, sources)
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
for tab, (title, frame) in zip(widgets.kept_tabs([title for title, _ in parts], "tab"), parts, strict=True):
    with tab:
        zh.table(L.headed(frame, frame.columns), L.ASSESS_PART_EMPTY[title])
if not sources.is_empty():
    # no page opens an approved submission by address: its id and version here, and its original
    st.markdown(f"**{L.ASSESS_SOURCES}**")
    shown = ["id", "unit_name", "round", "version", "uploaded_at", "file_name"]
    st.dataframe(L.headed(sources, shown), hide_index=True, width="stretch", key="assess_sources")
    if allowed(account, "submission.download"):
        subs = {r["id"]: r for r in sources.iter_rows(named=True)}
        sid = st.selectbox(
            L.ASSESS_SOURCE_PICK,
            list(subs),
            format_func=lambda i: L.ASSESS_SOURCE_LABEL.format(
                id=i,
                unit=subs[i]["unit_name"],
                round=subs[i]["round"],
                version=subs[i]["version"],
                uploaded_at=f"{subs[i]['uploaded_at']:%Y-%m-%d %H:%M}",
            ),
            key="assess_source_pick",
        )
        widgets.original_download(portal, account, subs[sid], "assess_source")


def _pick_unit(label: str, key: str) -> str:
    return st.selectbox(label, list(names), format_func=lambda u: names[u], key=key)


def _withdraw(
    frame, label: str, button: str, key: str, describe, withdraw, id_column: str = "entry_id"
) -> None:
    """Pick one of the rows to withdraw (`{key}_pick`) and its button (`{key}_withdraw`)."""
    if frame.is_empty():
        return
    rows = {r[id_column]: r for r in frame.iter_rows(named=True)}
    picked = st.selectbox(label, list(rows), format_func=lambda i: describe(rows[i]), key=f"{key}_pick")
    if st.button(button, key=f"{key}_withdraw"):
        _done(withdraw(portal, account, picked))


st.subheader(L.ASSESS_BONUS_ALL)
_shown(board.bonus, ["unit_name", "points", "reason", "entered_by_name", "entered_at"], L.ASSESS_NO_BONUS)
if board.can_adjust:
    with st.form("assess_bonus_form", clear_on_submit=True):
        st.markdown(f"**{L.BONUS_ADD}**")
        bonus_unit = _pick_unit(L.BONUS_UNIT, "assess_bonus_unit")
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
    _withdraw(
        board.bonus,
        L.BONUS_WITHDRAW_PICK,
        L.BONUS_WITHDRAW,
        "assess_bonus",
        lambda r: (
            f"{r['unit_name']} +{r['points']:g} {r['reason']}（{r['entered_by_name']} {r['entered_at']:%Y-%m-%d}）"
        ),
        withdraw_bonus,
        "bonus_id",
    )

st.subheader(L.ENTRIES_HEADING)
entries = entry_board(portal, account, a)
tabs = st.tabs([L.DEDUCTION_HEADING, L.VETO_HEADING, L.QUALITATIVE_HEADING, L.SELF_SCORE_HEADING])


def _entry_form(key: str, labels: tuple[str, str, str, str], codes: dict[str, str], add) -> None:
    """A deduction or veto: unit, what (`codes`: code → as shown), why and the evidence, recorded by
    `add`. `labels`: the what, why and evidence fields and the button; widget keys `{key}_…`."""
    code_label, reason_label, evidence_label, submit = labels
    with st.form(f"{key}_form", clear_on_submit=True):
        unit = _pick_unit(L.ENTRIES_UNIT, f"{key}_unit")
        picked = st.selectbox(code_label, list(codes), format_func=codes.get, key=f"{key}_code")
        reason = st.text_area(reason_label, key=f"{key}_reason")
        evidence = st.text_input(evidence_label, key=f"{key}_evidence")
        if st.form_submit_button(submit, key=f"{key}_submit", type="primary"):
            _done(add(portal, account, code, year, unit, picked, reason, evidence).outcome())


with tabs[0]:
    _shown(entries.deductions, DEDUCTION_TABLE, L.DEDUCTION_NONE)
    if entries.can_adjust:
        labels = (L.DEDUCTION_CODE, L.DEDUCTION_REASON, L.DEDUCTION_EVIDENCE, L.DEDUCTION_SUBMIT)
        _entry_form("assess_ded", labels, entries.deduction_kinds, add_deduction)
        _withdraw(
            entries.deductions,
            L.DEDUCTION_WITHDRAW_PICK,
            L.DEDUCTION_WITHDRAW,
            "assess_ded",
            lambda r: f"{r['entry_id']} {r['unit_name']} {r['deduction_name']} {r['entry_reason']}",
            withdraw_deduction,
        )

with tabs[1]:
    _shown(entries.vetoes, VETO_TABLE, L.VETO_NONE)
    if entries.can_adjust:
        labels = (L.VETO_REASON_CODE, L.VETO_REASON, L.VETO_EVIDENCE, L.VETO_SUBMIT)
        _entry_form("assess_veto", labels, {r: r for r in entries.veto_reasons}, add_veto)
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
        _shown(entries.qualitative, QUALITATIVE_TABLE, L.QUALITATIVE_NONE)
        if entries.can_adjust:
            with st.form("assess_qual_form", clear_on_submit=True):
                qual_unit = _pick_unit(L.ENTRIES_UNIT, "assess_qual_unit")
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
    _shown(self_score_comparison(a), SELF_SCORE_TABLE, L.SELF_SCORE_NONE)
