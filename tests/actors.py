"""Accounts that tests act as when calling use cases directly, named like the demo's accounts
(portal.ops.init.DEMO_ACCOUNTS). A use case trusts the Account it is given and checks its role
and unit against the permission table; resolving a name to an account is the caller's job (the
web session, `portal … --user`), tested on its own."""

from portal.accounts.auth import Account
from schemas.enums import Role

OFFICE = Account("office", "领导小组办公室", Role.OFFICE_REVIEWER, None)
EVALUATOR = Account("evaluator", "考核组", Role.EVALUATOR, None)
ADMIN = Account("admin", "系统管理员", Role.ADMIN, None)


def reporter(unit: str, username: str = "reporter") -> Account:
    """A unit clerk of `unit`."""
    return Account(username, f"{unit} 填报员", Role.UNIT_REPORTER, unit)
