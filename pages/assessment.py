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
from portal.ui import web, widgets
from portal.ui.charts import totals_chart
from portal.ui.text import plain

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SUMMARY_COLUMNS = ["rank", "unit_name", "indicators_score", "tasks_score", "reporting_score", "deductions"]
SUMMARY_COLUMNS += ["bonus", "total", "grade"]

LINE_COLUMNS = ["component", "item", "rule", "line_points", "completion", "score", "basis"]


def _done(outcome) -> None:
    web.flash(outcome)
    st.rerun()


def _objections_table(frame) -> None:
    if frame.is_empty():
        st.caption(L.LC_NO_OBJECTIONS)
    else:
        st.dataframe(L.headed(frame, lc.OBJECTION_COLUMNS), hide_index=True, width="stretch")


def _unit_publicity(portal, account) -> None:
    """A unit's own account: its own published result (公示 or 定稿) and its objections, nothing else."""
    st.subheader(L.UNIT_RESULT_HEADING)
    plans = {code: (name, start, end) for code, name, start, end in lc.unit_plans(portal, account)}
    if not plans:
        st.info(L.UNIT_RESULT_NO_PLANS)
        return
    cols = st.columns(2)
    code = cols[0].selectbox(
        L.ASSESS_PLAN, list(plans), format_func=lambda c: f"{c} {plans[c][0]}", key="unit_result_plan"
    )
    _, start, end = plans[code]
    years = list(range(start, end + 1))
    latest = min(max(portal.settings.today().year - 1, start), end)  # results are published after the year
    year = cols[1].selectbox(L.ASSESS_YEAR, years, index=years.index(latest), key=f"unit_result_year_{code}")
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
        outcome = save_scheme_tables_as(portal, account, code, year, edited)
        if outcome.ok:
            web.flash(outcome)
            st.rerun()
        st.error(plain(outcome.message))


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
                outcome = save_scheme_as(portal, account, code, year, edited_text.encode("utf-8"))
                if outcome.ok:
                    web.flash(outcome)
                    st.rerun()
                st.error(plain(outcome.message))
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
for tab, (_, frame) in zip(widgets.kept_tabs([title for title, _ in parts], "tab"), parts, strict=True):
    with tab:
        st.dataframe(L.headed(frame, frame.columns), hide_index=True, width="stretch")
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

st.subheader(L.ASSESS_BONUS)
if board.bonus.is_empty():
    st.caption(L.ASSESS_NO_BONUS)
else:
    bonus_columns = ["unit_name", "points", "reason", "entered_by_name", "entered_at"]
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
            format_func=lambda i: (
                f"{items[i]['unit_name']} +{items[i]['points']:g} {items[i]['reason']}"
                f"（{items[i]['entered_by_name']} {items[i]['entered_at']:%Y-%m-%d}）"
            ),
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
