"""系统管理 beyond accounts (portal.auth) and rounds (portal.rounds): the registry out, units, the
audit log, form choices. The registry import is one use case with its own check
(`portal.registry.workbook.import_registry`), called by the page and the CLI alike.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from portal.core import labels as L
from portal.core.context import Portal
from portal.core.labels import enum_label
from portal.core.outcome import Outcome
from portal.core.permissions import ACTIONS, missing_unit, require, scope_of, visible_units
from portal.registry.audit_text import detail_text
from schemas.enums import UnitKind
from schemas.issues import Report
from schemas.text import bad_email_addresses, email_addresses, is_webhook_url
from warehouse import audit
from warehouse.lookups import active_units
from warehouse.offices import office_tree
from warehouse.registry import unit_settings, units_listing, update_unit


def report_frame(report: Report) -> pl.DataFrame:
    """A validation report as rows a person can work through: where, what, how to fix. Errors
    come first (in the order found), then warnings, so no error sits below a page of warnings."""
    rows = [
        {
            "severity": i.severity.label,
            "sheet": i.sheet or "",
            "cell": i.cell or "",
            "column": i.column or "",
            "value": i.value or "",
            "message": i.message,
            "hint": i.hint,
        }
        for i in sorted(report.issues, key=lambda i: not i.is_error)
    ]
    schema = dict.fromkeys(["severity", "sheet", "cell", "column", "value", "message", "hint"], pl.String)
    return pl.DataFrame(rows, schema=schema)


def unit_choices(portal: Portal, account) -> list[tuple[str, str]]:
    """(code, name) of the active units an account can be bound to: those in the admin's scope."""
    require(account, "account.manage")
    scope = scope_of(account)
    with portal.warehouse.connect() as con:
        return [(code, name) for code, name in active_units(con) if scope.has_unit(code)]


def office_choices(portal: Portal, account) -> list[tuple[str, str]]:
    """(code, name) of the offices an admin can grant: its subtree (every office for a
    platform-wide admin), in tree order, each name indented by its depth below the top one shown."""
    require(account, "account.manage")
    scope = scope_of(account)
    with portal.warehouse.connect() as con:
        shown = [o for o in office_tree(con) if scope.has_office(o["code"])]
    top = min((o["depth"] for o in shown), default=0)
    return [(o["code"], "　" * (o["depth"] - top) + o["name"]) for o in shown]


# --- 操作日志 (audit.view) -------------------------------------------------------------------------

AUDIT_COLUMNS = ["logged_at", "actor", "action", "action_label", "target", "detail", "detail_text"]
# The most rows one look at the log returns: enough to page through a day's work, small enough to
# render at once. Filters narrow further.
AUDIT_MAX_ROWS = 5000


def _action_label(code: str) -> str:
    """The Chinese name of an audited action: the permission table's label, a few audit-only codes,
    else the code itself (a new code still shows, just untranslated)."""
    action = ACTIONS.get(code)
    if action is not None:
        return action.label
    return L.AUDIT_ACTION_LABELS.get(code, code)


def audit_log_as(
    portal: Portal,
    account,
    limit: int = 500,
    action: str | None = None,
    actor: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> pl.DataFrame:
    """The newest `limit` lines of the audit log, optionally only one action code, one actor and
    the days from `since` to `until` (both included; either may be left open)."""
    require(account, "audit.view")
    limit = max(1, min(int(limit), AUDIT_MAX_ROWS))
    with portal.warehouse.connect() as con:
        frame = audit.lines(con, limit, action=action, actor=actor, since=since, until=until)
    labels = {code: _action_label(code) for code in frame["action"].unique().to_list()}
    frame = frame.with_columns(
        action_label=pl.col("action").replace_strict(
            labels, default=pl.col("action"), return_dtype=pl.String
        ),
        detail_text=pl.col("detail").map_elements(detail_text, return_dtype=pl.String, skip_nulls=True),
    )
    return frame.select(AUDIT_COLUMNS)


def audit_choices_as(portal: Portal, account) -> tuple[list[tuple[str, str]], list[str]]:
    """What the log's filters offer: (action code, label) and actors that appear in the log."""
    require(account, "audit.view")
    with portal.warehouse.connect() as con:
        actions, actors = audit.actions(con), audit.actors(con)
    return [(a, _action_label(a)) for a in actions], actors


# --- 责任单位 (unit.manage) ------------------------------------------------------------------------

UNIT_COLUMNS = [
    "code",
    "name",
    "kind",
    "kind_label",
    "parent",
    "contact",
    "phone",
    "emails",
    "webhook",
    "active",
    "assumed",
]
# Longest contact or phone text kept: a name or a couple of numbers, not a paragraph.
UNIT_TEXT_MAX = 100


def list_units_as(portal: Portal, account) -> pl.DataFrame:
    """Every unit the account may manage (its offices' units), active or not, in code order."""
    visible = visible_units(account, "unit.manage")
    with portal.warehouse.connect() as con:
        frame = units_listing(con)
    if visible is not None:
        frame = frame.filter(pl.col("code").is_in(sorted(visible)))
    kinds = {k: enum_label(UnitKind, k) for k in frame["kind"].unique().to_list()}
    frame = frame.with_columns(
        kind_label=pl.col("kind").replace_strict(kinds, default=pl.col("kind"), return_dtype=pl.String)
    )
    return frame.select(UNIT_COLUMNS)


def _clean(value: str | None) -> str | None:
    text = (value or "").strip()
    return text or None


def update_unit_as(
    portal: Portal,
    account,
    code: str,
    contact: str | None = None,
    phone: str | None = None,
    active: bool | None = None,
    emails: str | None = None,
    webhook: str | None = None,
) -> Outcome:
    """Change a unit's contact, phone, active flag, notification emails or group-robot address
    (only the arguments given; "" clears a text).

    A deactivated unit is no longer expected to report (completion.sql counts only active units).
    A unit the account does not act for (another office's, or one below it) is refused in the
    words for a unit that does not exist: the listing does not show it either.
    """
    require(account, "unit.manage")
    wanted: dict[str, object] = {}
    for field_name, value in (("contact", contact), ("phone", phone)):
        if value is not None:
            if len(value.strip()) > UNIT_TEXT_MAX:
                label = L.COLUMNS[field_name]
                return Outcome(False, L.UNIT_TEXT_TOO_LONG.format(field=label, max=UNIT_TEXT_MAX))
            wanted[field_name] = _clean(value)
    if emails is not None:
        if bad := bad_email_addresses(emails):
            return Outcome(False, L.UNIT_BAD_EMAIL.format(value="、".join(bad)))
        wanted["emails"] = "; ".join(email_addresses(emails)) or None
    if webhook is not None:
        if webhook.strip() and not is_webhook_url(webhook):
            return Outcome(False, L.UNIT_BAD_WEBHOOK.format(value=webhook.strip()))
        wanted["webhook"] = _clean(webhook)
    if active is not None:
        wanted["active"] = bool(active)
    if not wanted:
        return Outcome(False, L.UNIT_NOTHING_GIVEN)
    with portal.warehouse.transaction() as con:
        found = unit_settings(con, code)
        if found is None or not scope_of(account).has_unit(code, act=True):
            return Outcome(False, missing_unit(code))
        name, before = found
        changed = {k: v for k, v in wanted.items() if before[k] != v}
        if not changed:
            return Outcome(True, L.UNIT_UNCHANGED.format(code=code, name=name))
        update_unit(con, code, changed)
        detail = "; ".join(f"{k}: {before[k]!r} -> {v!r}" for k, v in changed.items())
        portal.audit(con, account.username, "unit.update", code, detail)
    what = "、".join(
        (L.UNIT_ACTIVATED if v else L.UNIT_DEACTIVATED) if k == "active" else L.COLUMNS[k]
        for k, v in changed.items()
    )
    return Outcome(True, L.UNIT_UPDATED.format(code=code, name=name, what=what))
