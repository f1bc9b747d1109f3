"""The small form on 完成情况 where the issuing office adjusts how 亮点 and 存在问题 are quoted.

It draws the office's rules (bulletin_rules) and saves them through save_bulletin_rules, which
checks role and scope; an office above reads them with the button disabled. A save bumps
`bulletin_rules_saved` so the page drafts its quotes again under the new rules.
"""

from __future__ import annotations

import streamlit as st

from portal.core import labels as L
from portal.monitoring.dashboards import bulletin_rules, save_bulletin_rules
from portal.monitoring.quote_rules import KEY_LABELS, ORDER_LABELS, STATUS_LABELS
from portal.ui.text import plain

SAVED_KEY = "bulletin_rules_saved"


def _words(text: str) -> list[str]:
    return [w.strip() for w in text.replace("，", "、").replace(",", "、").split("、") if w.strip()]


def _part(col, part: str, values, key: str) -> dict:
    label = KEY_LABELS
    return {
        "max": col.number_input(
            label[f"{part}.max"], min_value=0, max_value=20, value=values.max, step=1, key=f"{key}_max"
        ),
        "statuses": col.multiselect(
            label[f"{part}.statuses"],
            list(STATUS_LABELS),
            default=list(values.statuses),
            format_func=STATUS_LABELS.get,
            key=f"{key}_statuses",
            placeholder="",
        ),
        "min_length": col.number_input(
            label[f"{part}.min_length"],
            min_value=0,
            max_value=500,
            value=values.min_length,
            step=1,
            key=f"{key}_min_length",
        ),
        "prefer": _words(
            col.text_input(
                label[f"{part}.prefer"] + "（用顿号分隔）", "、".join(values.prefer), key=f"{key}_prefer"
            )
        ),
        "exclude": _words(
            col.text_input(
                label[f"{part}.exclude"] + "（用顿号分隔）", "、".join(values.exclude), key=f"{key}_exclude"
            )
        ),
        "order": col.selectbox(
            label[f"{part}.order"],
            list(ORDER_LABELS),
            index=list(ORDER_LABELS).index(values.order),
            format_func=ORDER_LABELS.get,
            key=f"{key}_order",
        ),
    }


def rules_form(portal, account, round_code: str, plan: str | None) -> None:
    current = bulletin_rules(portal, account, round_code, plan)
    st.markdown(f"**{L.QUOTE_RULES_HEADING}**")
    if current.office is None:
        st.caption(L.QUOTE_RULES_NO_OFFICE)
        return
    state = L.QUOTE_RULES_OWN if current.saved else L.QUOTE_RULES_DEFAULT
    st.caption(plain(L.QUOTE_RULES_OF.format(office=current.office_name, state=state)))
    if not current.editable:
        st.caption(plain(L.QUOTE_RULES_READ_ONLY_NOTE.format(office=current.office_name)))
    rules, key = current.rules, f"quote_rules_{current.office}"
    with st.form(key, border=True):
        left, right = st.columns(2)
        left.markdown(L.QUOTE_RULES_HIGHLIGHTS)
        right.markdown(L.QUOTE_RULES_PROBLEMS)
        highlights = _part(left, "highlights", rules.highlights, f"{key}_h")
        min_ahead = left.number_input(
            KEY_LABELS["min_ahead"],
            min_value=-100.0,
            max_value=100.0,
            value=rules.min_ahead,
            key=f"{key}_ahead",
        )
        problems = _part(right, "problems", rules.problems, f"{key}_p")
        behind = right.checkbox(
            KEY_LABELS["behind_schedule"], value=rules.behind_schedule, key=f"{key}_behind"
        )
        skip = _words(
            right.text_input(KEY_LABELS["skip"] + "（用顿号分隔）", "、".join(rules.skip), key=f"{key}_skip")
        )
        submitted = st.form_submit_button(L.QUOTE_RULES_SAVE, disabled=not current.editable)
    if submitted:
        values = {
            "highlights": highlights,
            "problems": problems,
            "min_ahead": float(min_ahead),
            "behind_schedule": bool(behind),
            "skip": skip,
        }
        outcome = save_bulletin_rules(portal, account, round_code, plan, values)
        (st.success if outcome.ok else st.error)(plain(outcome.message))
        if outcome.ok:
            st.session_state[SAVED_KEY] = st.session_state.get(SAVED_KEY, 0) + 1
