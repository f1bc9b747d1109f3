"""系统管理: accounts (admin), rounds and the registry (office and admin). One tab per permission held."""

import streamlit as st

from portal.accounts.auth import (
    Role,
    add_account,
    list_accounts,
    reset_password,
    set_account_active,
    set_account_scope,
    unlock_account,
)
from portal.core import labels as L
from portal.core.permissions import allowed, scope_of
from portal.ops.backup import create_backup_as, list_backups_as, read_backup_as, restore_backup_as
from portal.registry.admin import (
    audit_choices_as,
    audit_log_as,
    list_units_as,
    office_choices,
    report_frame,
    unit_choices,
    update_unit_as,
)
from portal.registry.rounds import (
    TRANSITIONS,
    RoundState,
    create_round,
    list_rounds,
    set_due_date,
    set_round_state,
    suggested_round,
)
from portal.registry.workbook import export_registry_json_text, export_registry_xlsx, import_registry
from portal.ui import web, widgets
from portal.ui.text import plain

portal, account = web.portal(), web.account()
st.title(L.PAGE_ADMIN)
web.show_flash()


def _done(outcome) -> None:
    web.flash(outcome)
    st.rerun()


def accounts_tab() -> None:
    frame = list_accounts(portal, account)
    columns = ["username", "display_name", "role_label", "scope_label", "unit", "active"]
    columns += ["must_change_password", "failed_attempts", "locked_until", "created_at"]
    st.dataframe(L.headed(frame, columns), hide_index=True, width="stretch")

    st.subheader(L.NEW_ACCOUNT)
    units = dict(unit_choices(portal, account))
    offices = dict(office_choices(portal, account))
    with st.form("admin_new_account", clear_on_submit=True):
        username = st.text_input(L.USERNAME, key="admin_new_username")
        display_name = st.text_input(L.DISPLAY_NAME, key="admin_new_display")
        role = st.selectbox(L.ROLE, list(Role), format_func=lambda r: r.label, key="admin_new_role")
        st.caption(L.ACCOUNT_SCOPE_HELP)
        unit = st.selectbox(
            L.UNIT,
            ["", *units],
            format_func=lambda c: f"{c} {units[c]}" if c else L.NO_UNIT,
            key="admin_new_unit",
        )
        granted = st.multiselect(
            L.ACCOUNT_OFFICES, list(offices), format_func=offices.get, key="admin_new_offices"
        )
        platform = st.checkbox(L.ACCOUNT_PLATFORM, key="admin_new_platform")
        if st.form_submit_button(L.CREATE, key="admin_new_submit", type="primary"):
            _done(add_account(portal, account, username, display_name, role, unit or None, granted, platform))

    usernames = frame["username"].to_list()
    picked = st.selectbox(L.ACCOUNT_PICK, usernames, key="admin_account_pick")
    cols = st.columns(4)
    if cols[0].button(L.DEACTIVATE, key="admin_deactivate"):
        _done(set_account_active(portal, account, picked, False))
    if cols[1].button(L.ACTIVATE, key="admin_activate"):
        _done(set_account_active(portal, account, picked, True))
    if cols[2].button(L.RESET_PASSWORD, key="admin_reset"):
        _done(reset_password(portal, account, picked))
    if cols[3].button(L.UNLOCK, key="admin_unlock", icon=":material/lock_open:"):
        _done(unlock_account(portal, account, picked))
    with st.form("admin_scope", clear_on_submit=True):
        granted = st.multiselect(
            L.ACCOUNT_OFFICES, list(offices), format_func=offices.get, key="admin_scope_offices"
        )
        platform = st.checkbox(L.ACCOUNT_PLATFORM, key="admin_scope_platform")
        if st.form_submit_button(L.ACCOUNT_SCOPE_CHANGE, key="admin_scope_submit"):
            _done(set_account_scope(portal, account, picked, granted, platform))


def rounds_tab() -> None:
    frame = list_rounds(portal, account)
    st.dataframe(
        L.headed(frame, ["code", "due_date", "state_label", "submissions"]),
        hide_index=True,
        width="stretch",
    )
    codes = frame["code"].to_list()
    if codes:
        picked = st.selectbox(L.ROUND_PICK, codes, key="admin_round_pick")
        row = frame.row(codes.index(picked), named=True)
        can = TRANSITIONS[RoundState(row["state"])]
        cols = st.columns(3)
        for col, (state, label, key) in zip(
            cols,
            [
                (RoundState.OPEN, L.ROUND_OPEN, "admin_round_open"),
                (RoundState.CLOSED, L.ROUND_CLOSE, "admin_round_close"),
                (RoundState.LOCKED, L.ROUND_LOCK, "admin_round_lock"),
            ],
            strict=True,
        ):
            if col.button(label, key=key, disabled=state not in can):
                _done(set_round_state(portal, account, picked, state))
        due = st.date_input(L.ROUND_DUE, value=row["due_date"], key=f"admin_round_due_{picked}")
        if st.button(L.ROUND_SET_DUE, key="admin_round_due_submit", disabled=not can):
            _done(set_due_date(portal, account, picked, due))
    suggestion = suggested_round(codes[0] if codes else None)
    code = st.text_input(L.ROUND_NEW, value=suggestion, key="admin_round_new_code")
    if st.button(L.ROUND_CREATE, key="admin_round_create"):
        _done(create_round(portal, account, code))


def registry_tab() -> None:
    if allowed(account, "registry.import"):
        st.caption(L.REGISTRY_IMPORT_HELP)
        if not scope_of(account).platform:
            st.caption(L.REGISTRY_SCOPED_HELP)
        upload = st.file_uploader(L.REGISTRY_UPLOAD, type=["xlsx"], key="admin_registry_file")
        if st.button(L.REGISTRY_IMPORT, key="admin_registry_import", disabled=upload is None):
            result = import_registry(portal, account, upload.getvalue())
            if result.loaded:
                st.success(L.REGISTRY_LOADED + "、".join(f"{k} {v}" for k, v in result.counts.items()))
            else:
                st.error(L.REGISTRY_NOT_LOADED)
            if result.report.issues:
                st.caption(plain(result.report.summary()))
                st.dataframe(
                    L.headed(report_frame(result.report), widgets.ISSUE_COLUMNS),
                    hide_index=True,
                    width="stretch",
                )
    if allowed(account, "registry.export"):
        cols = st.columns(2)
        cols[0].download_button(
            L.REGISTRY_EXPORT_XLSX,
            data=lambda: export_registry_xlsx(portal, account),
            file_name=L.REGISTRY_FILE_XLSX,
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key="admin_registry_xlsx",
        )
        cols[1].download_button(
            L.REGISTRY_EXPORT_JSON,
            data=lambda: export_registry_json_text(portal, account).encode("utf-8"),
            file_name=L.REGISTRY_FILE_JSON,
            mime="application/json",
            key="admin_registry_json",
        )


def backup_tab() -> None:
    st.caption(L.BACKUP_HELP)
    if st.button(L.BACKUP_CREATE, key="admin_backup_create", type="primary"):
        made = create_backup_as(portal, account)
        st.success(f"{L.BACKUP_CREATED} {plain(made.path.name)}({made.size / 1048576:.1f} MB)")
    backups = list_backups_as(portal, account)
    if not backups:
        st.caption(L.BACKUP_LIST_EMPTY)
    for i, (name, size, modified) in enumerate(backups):
        cols = st.columns([3, 1])
        cols[0].markdown(f"{plain(name)}  ·  {size / 1048576:.1f} MB  ·  {modified:%Y-%m-%d %H:%M}")
        cols[1].download_button(
            L.BACKUP_DOWNLOAD,
            data=lambda name=name: read_backup_as(portal, account, name),
            file_name=name,
            mime="application/zip",
            key=f"admin_backup_download_{i}",
        )
    if allowed(account, "backup.restore"):
        st.subheader(L.BACKUP_RESTORE_HEADING)
        st.caption(L.BACKUP_RESTORE_HELP)
        upload = st.file_uploader(L.BACKUP_RESTORE_FILE, type=["zip"], key="admin_backup_file")
        force = st.checkbox(L.BACKUP_RESTORE_FORCE, key="admin_backup_force")
        foreign = st.checkbox(L.BACKUP_RESTORE_FOREIGN, key="admin_backup_foreign")
        if foreign:
            st.warning(L.BACKUP_RESTORE_FOREIGN_WARNING, icon=":material/warning:")
        if st.button(L.BACKUP_RESTORE, key="admin_backup_restore", disabled=upload is None):
            _done(restore_backup_as(portal, account, upload.getvalue(), force=force, foreign=foreign))


def units_tab() -> None:
    frame = list_units_as(portal, account)
    columns = ["code", "name", "kind_label", "parent", "contact", "phone", "emails", "active", "assumed"]
    st.dataframe(L.headed(frame, columns), hide_index=True, width="stretch")
    names = dict(zip(frame["code"], frame["name"], strict=True))
    if not names:
        return
    picked = st.selectbox(
        L.UNIT_PICK, list(names), format_func=lambda c: f"{c} {names[c]}", key="admin_unit_pick"
    )
    row = frame.row(list(names).index(picked), named=True)
    with st.form(f"admin_unit_form_{picked}"):
        st.markdown(f"**{L.UNIT_EDIT}**")
        contact = st.text_input(
            L.COLUMNS["contact"], value=row["contact"] or "", key=f"admin_unit_contact_{picked}"
        )
        phone = st.text_input(L.COLUMNS["phone"], value=row["phone"] or "", key=f"admin_unit_phone_{picked}")
        emails = st.text_input(
            L.COLUMNS["emails"],
            value=row["emails"] or "",
            help=L.UNIT_EMAILS_HELP,
            key=f"admin_unit_emails_{picked}",
        )
        webhook = st.text_input(
            L.COLUMNS["webhook"],
            value=row["webhook"] or "",
            help=L.UNIT_WEBHOOK_HELP,
            key=f"admin_unit_webhook_{picked}",
        )
        active = st.checkbox(L.UNIT_ACTIVE, value=row["active"], key=f"admin_unit_active_{picked}")
        if st.form_submit_button(L.UNIT_SAVE, key="admin_unit_save", type="primary"):
            _done(update_unit_as(portal, account, picked, contact, phone, active, emails, webhook))


def audit_tab() -> None:
    actions, actors = audit_choices_as(portal, account)
    labels = dict(actions)
    cols = st.columns(5)
    action = cols[0].selectbox(
        L.AUDIT_FILTER_ACTION,
        [None, *labels],
        format_func=lambda a: L.ALL if a is None else f"{labels[a]}({a})",
        key="admin_audit_action",
    )
    actor = cols[1].selectbox(
        L.AUDIT_FILTER_ACTOR, [None, *actors], format_func=lambda a: a or L.ALL, key="admin_audit_actor"
    )
    since = cols[2].date_input(L.AUDIT_SINCE, value=None, key="admin_audit_since")
    until = cols[3].date_input(L.AUDIT_UNTIL, value=None, key="admin_audit_until")
    limit = cols[4].number_input(L.AUDIT_LIMIT, 10, 5000, 500, step=100, key="admin_audit_limit")
    if since and until and since > until:
        st.warning(L.AUDIT_DATES_REVERSED)
        return
    frame = audit_log_as(portal, account, int(limit), action, actor, since, until)
    if frame.is_empty():
        st.caption(L.AUDIT_EMPTY)
        return
    columns = ["logged_at", "actor", "action_label", "target", "detail"]
    st.dataframe(L.headed(frame, columns), hide_index=True, width="stretch")


tabs = [
    (L.TAB_ACCOUNTS, "account.manage", accounts_tab),
    (L.TAB_ROUNDS, "round.manage", rounds_tab),
    (L.TAB_REGISTRY, "registry.import", registry_tab),
    (L.TAB_UNITS, "unit.manage", units_tab),
    (L.TAB_BACKUP, "backup.create", backup_tab),
    (L.TAB_AUDIT, "audit.view", audit_tab),
]
tabs = [(title, render) for title, action, render in tabs if allowed(account, action)]
for tab, (_, render) in zip(widgets.kept_tabs([title for title, _ in tabs], "tab"), tabs, strict=True):
    with tab:
        render()
