"""An account's scope: the offices, plans and units it may read, and those it may act on.

DESIGN (who uses it): a unit's clerk and sign-off account see one unit; an office reviewer or
evaluator works for one or more offices and acts on those offices' own plans, while the offices
under them are readable only (an upper office drills down, it does not approve a city's figures);
to act below, an admin grants that office too. An admin works for one office's subtree or the
whole platform (`platform`); the platform's own work (`system_actor`) and the server operator
on the command line are platform-wide.

A scope is computed once from the warehouse when the account is loaded (sign-in, each page,
`--user`/`--as`), so a check is a set lookup. `None` in a field means "everything".
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.enums import Role
from warehouse import offices as office_tree

UNIT_ROLES = (Role.UNIT_REPORTER, Role.UNIT_LEADER)


@dataclass(frozen=True)
class Scope:
    granted: tuple[str, ...] = ()  # the offices as granted (shown on the 账号 page and in JSON)
    read_offices: frozenset[str] | None = None
    act_offices: frozenset[str] | None = None
    read_plans: frozenset[str] | None = None
    act_plans: frozenset[str] | None = None
    read_units: frozenset[str] | None = None
    act_units: frozenset[str] | None = None

    @property
    def platform(self) -> bool:
        return self.read_units is None and self.act_units is None and self.act_plans is None

    def units(self, act: bool = False) -> frozenset[str] | None:
        return self.act_units if act else self.read_units

    def plans(self, act: bool = False) -> frozenset[str] | None:
        return self.act_plans if act else self.read_plans

    def offices(self, act: bool = False) -> frozenset[str] | None:
        return self.act_offices if act else self.read_offices

    def has_unit(self, unit: str, act: bool = False) -> bool:
        units = self.units(act)
        return units is None or unit in units

    def has_plan(self, plan: str, act: bool = False) -> bool:
        plans = self.plans(act)
        return plans is None or plan in plans

    def has_office(self, office: str, act: bool = False) -> bool:
        offices = self.offices(act)
        return offices is None or office in offices


PLATFORM = Scope()
NOTHING = Scope(
    (), frozenset(), frozenset(), frozenset(), frozenset(), frozenset(), frozenset()
)  # an account with no office granted yet: it sees nothing until an admin scopes it


def unit_scope_of(con, unit: str) -> Scope:
    """One unit: its own data, read and act; the plans it has a part in, read only."""
    plans = frozenset(office_tree.plans_of_unit(con, unit))
    own = frozenset({unit})
    return Scope((), frozenset(), frozenset(), plans, frozenset(), own, own)


def office_scope(con, offices: list[str]) -> Scope:
    """Offices granted: act on their own plans and units, read them and everything under them."""
    if not offices:
        return NOTHING
    granted = tuple(dict.fromkeys(offices))
    return Scope(
        granted,
        read_offices=frozenset(office_tree.offices_under(con, granted)),
        act_offices=frozenset(granted),
        read_plans=frozenset(office_tree.plans_of_offices(con, granted)),
        act_plans=frozenset(office_tree.plans_of_offices(con, granted, below=False)),
        read_units=frozenset(office_tree.units_of_offices(con, granted)),
        act_units=frozenset(office_tree.units_of_offices(con, granted, below=False)),
    )


def load_scope(con, role: Role, unit: str | None, platform: bool, offices: list[str]) -> Scope:
    """The scope of an account row: its unit for unit roles, else the platform or its offices."""
    if Role(role) in UNIT_ROLES:
        return unit_scope_of(con, unit) if unit else NOTHING
    if platform:
        return PLATFORM
    return office_scope(con, offices)
