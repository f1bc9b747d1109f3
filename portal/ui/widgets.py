"""Streamlit pieces more than one page shows; like pages, they only lay out what services return."""

from __future__ import annotations

from pathlib import PurePath

import polars as pl
import streamlit as st

from portal.core import labels as L
from portal.core.context import Portal
from portal.core.documents import table_xlsx
from portal.reporting import workflow as wf

# The columns of a validation report as every page shows it: where (sheet, cell, column) and what to do.
ISSUE_COLUMNS = ["severity", "sheet", "cell", "column", "value", "message", "hint"]


def issues_table(issues: pl.DataFrame, key: str) -> None:
    """A submission's validation issues, or one line saying there are none (审核 and 单位审核)."""
    if issues.is_empty():
        st.caption(L.REVIEW_NO_ISSUES)
    else:
        st.dataframe(L.headed(issues, ISSUE_COLUMNS), hide_index=True, width="stretch", key=key)


def evidence_table(portal: Portal, account, evidence: pl.DataFrame, columns: list[str], key: str) -> None:
    """A submission's evidence files as a table, one to pick and its (permission-checked) download."""
    st.dataframe(L.headed(evidence, columns), hide_index=True, width="stretch", key=f"{key}_evidence_list")
    files = {r["id"]: r for r in evidence.iter_rows(named=True)}
    if st.session_state.get(f"{key}_evidence_pick") not in files:  # a file just removed, another version's
        st.session_state.pop(f"{key}_evidence_pick", None)
    which = st.selectbox(
        L.EVIDENCE_PICK,
        list(files),
        format_func=lambda i: files[i]["file_name"],
        key=f"{key}_evidence_pick",
    )
    st.download_button(
        L.EVIDENCE_DOWNLOAD,
        data=lambda: wf.download_evidence(portal, account, which).data,
        file_name=files[which]["file_name"],
        mime=files[which]["media_type"],
        key=f"{key}_evidence_download",
    )


def original_download(portal: Portal, account, submission: dict, key: str) -> None:
    """The button for a submission's original workbook (fetched, checked and audited on click)."""
    st.download_button(
        L.REPORT_ORIGINAL_DOWNLOAD,
        data=lambda: wf.original_file(portal, account, submission["id"]).data,
        file_name=wf.original_name(submission),
        mime=wf.XLSX,
        key=f"{key}_original_download",
        icon=":material/download:",
    )


def table_download(shown: pl.DataFrame, file_name: str, key: str) -> None:
    """Our own download of a shown table (headers as shown) as .xlsx, text kept as text: the
    grid's built-in CSV export is off (`client.disableDataExport`) because it writes = + - @
    cells unescaped, and a spreadsheet would run them as formulas."""
    st.download_button(
        L.TABLE_DOWNLOAD,
        data=lambda: table_xlsx(shown, PurePath(file_name).stem),
        file_name=file_name,
        mime=wf.XLSX,
        key=f"{key}_xlsx",
        icon=":material/download:",
    )


def kept_tabs(labels: list[str], key: str):
    """Tabs that stay on the chosen one across the rerun an action causes (a message above them
    used to send the page back to the first tab) and across a reload: the choice is kept in the
    address as `?{key}=标签`, so a bookmark opens the same tab."""
    return st.tabs(labels, key=key, bind="query-params")


def column_widths(large: tuple[str, ...] = (), small: tuple[str, ...] = ()) -> dict:
    """column_config for a grid headed by L.headed: free text (进展情况) wide enough to read, short
    codes narrow, so what matters is in view at 1440 px without scrolling sideways."""
    config = {L.COLUMNS[k]: st.column_config.TextColumn(width="large") for k in large}
    config |= {L.COLUMNS[k]: st.column_config.Column(width="small") for k in small}
    return config


def plan_year(plans: dict[str, tuple[str, list[int], int]], key: str) -> tuple[str, int]:
    """The plan picker and, beside it, the plan's year picker (年度考核, 年度自评): `plans` maps a
    plan's code to (name, years, the year shown first). One year picker per plan (`{key}_year_{code}`),
    so another plan opens on its own first year."""
    cols = st.columns(2)
    code = cols[0].selectbox(
        L.ASSESS_PLAN, list(plans), format_func=lambda c: f"{c} {plans[c][0]}", key=f"{key}_plan"
    )
    _, years, first = plans[code]
    return code, cols[1].selectbox(L.ASSESS_YEAR, years, index=years.index(first), key=f"{key}_year_{code}")


def chosen_plan_year(choices, key: str, none: str) -> tuple[str, int]:
    """`plan_year` over the plans of `choices` (their years, `default_year` first); with no plan,
    the line `none` and the page stops there."""
    if not choices.plans:
        st.info(none)
        st.stop()
    return plan_year({p.code: (p.name, p.years, choices.default_year(p)) for p in choices.plans}, key)
