"""The account's scope on the monitoring boards and documents: which plans and units a parameter may
name, what a listing keeps, and which office issues a document.

A plan or unit the account cannot read is refused exactly like one that does not exist (OutOfScope,
a NotFound, in the same words), so codes outside the scope cannot be probed through a filter.
"""

from __future__ import annotations

from collections.abc import Iterable

from portal.core.permissions import OutOfScope, missing_plan, missing_unit, require
from warehouse import lookups, offices


def check_plan(con, account, action: str, plan: str | None) -> None:
    """`plan` (a filter parameter) must exist and be readable by the account; None passes."""
    if plan is None:
        return
    require(account, action, plan=plan)
    if plan not in dict(lookups.plans(con)):
        raise OutOfScope(missing_plan(plan), action)


def check_plans(con, account, action: str, plans: list[str | None]) -> None:
    """check_plan of each of `plans`, in order, from one read of the plans (the roll-up's many)."""
    named = [plan for plan in plans if plan is not None]
    known = dict(lookups.plans(con)) if named else {}
    for plan in named:
        require(account, action, plan=plan)
        if plan not in known:
            raise OutOfScope(missing_plan(plan), action)


def check_unit(con, account, action: str, unit: str | None) -> None:
    """`unit` (a filter parameter) must exist and be readable by the account; None passes."""
    if unit is None:
        return
    require(account, action, unit=unit)
    if lookups.unit_name(con, unit) is None:
        raise OutOfScope(missing_unit(unit), action)


def keep_pairs(pairs: Iterable[tuple[str, str]], codes: frozenset[str] | None) -> list[tuple[str, str]]:
    """(code, name) choices limited to `codes` (None: all), in their order."""
    return [p for p in pairs if codes is None or p[0] in codes]


def issuer(con, plans: Iterable[str]) -> tuple[dict | None, dict | None]:
    """(issuing office, the office above it) of a document over `plans`: the plan's own office for
    one plan, the nearest office above all of them for several; (None, None) when there is none."""
    found = offices.office(con, offices.common_office(con, plans))
    parent = offices.office(con, found["parent"]) if found else None
    return found, parent
