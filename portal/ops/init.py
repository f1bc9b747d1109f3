"""`portal init`: create or upgrade the warehouse; with the demo, load the seed plans and accounts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from portal.accounts.auth import create_account, new_password, system_actor
from portal.core.context import Portal
from portal.demo.fill import FillResult, fill_demo
from portal.registry.rounds import demo_rounds
from portal.registry.workbook import ImportResult, demo_registry_workbook, import_registry
from schemas.enums import Role
from warehouse import rounds
from warehouse.accounts import any_accounts
from warehouse.db import SCHEMA_VERSION, schema_version
from warehouse.lookups import plans
from warehouse.registry import upsert_rounds

# The seed plans end in 2025; the demo runs on a day inside them, with 2025Q3 open.
DEMO_TODAY = "2025-10-10"

# (username, display name, role, unit): one account per role.
DEMO_ACCOUNTS = [
    ("admin", "系统管理员", Role.ADMIN, None),
    ("office", "领导小组办公室", Role.OFFICE_REVIEWER, None),
    ("evaluator", "考核组", Role.EVALUATOR, None),
    ("reporter", "创新创业服务中心填报员", Role.UNIT_REPORTER, "JZKF-CXCY"),
]


@dataclass
class InitResult:
    created: bool
    schema_version: int
    registry: ImportResult | None = None
    accounts: list[tuple[str, str, str, str]] = field(
        default_factory=list
    )  # username, password, role label, unit
    messages: list[str] = field(default_factory=list)
    fill: FillResult | None = None  # the demo's past quarters, when filled (portal.demo_fill)


def init_portal(
    portal: Portal,
    demo: bool = False,
    fill: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Portal, InitResult]:
    """Create or upgrade the warehouse; with `demo`, load the seed plans, rounds and accounts and
    (unless `fill` is False) report the past quarters through the real pipeline (portal.demo_fill).
    Safe to run again: nothing already there is imported, created or filled twice."""
    created = not portal.warehouse.exists()
    portal.settings.home.mkdir(parents=True, exist_ok=True)
    result = InitResult(created=created, schema_version=0)
    if demo:
        portal = _ensure_demo_clock(portal, result)
    with portal.warehouse.connect(create=True) as con:  # the one command that makes a new warehouse
        result.schema_version = schema_version(con)
        has_registry = bool(plans(con))
        has_users = any_accounts(con)
    if not demo:
        return portal, result
    if has_registry:
        result.messages.append("数据仓库中已有规划数据,未重复导入演示数据。")
    else:
        result.registry = import_registry(portal, system_actor(), demo_registry_workbook())
        if not result.registry.loaded:
            return portal, result
    with portal.warehouse.transaction() as con:
        upsert_rounds(con, [r for r in demo_rounds(portal.settings) if rounds.get(con, r["code"]) is None])
        if not has_users:
            for username, name, role, unit in DEMO_ACCOUNTS:
                password = new_password()
                create_account(
                    portal, con, username, name, role, unit, password, actor=system_actor().audit_name
                )
                result.accounts.append((username, password, role.label, unit or ""))
        else:
            result.messages.append("已有账号,未重新生成演示账号。")
    if fill:
        result.fill = fill_demo(portal, progress=progress)
        if result.fill.skipped:
            result.messages.append(result.fill.summary())
    return portal, result


def _ensure_demo_clock(portal: Portal, result: InitResult) -> Portal:
    if portal.settings.fixed_today is not None:
        return portal
    path = portal.settings.home / "settings.toml"
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    path.write_text(existing + f'today = "{DEMO_TODAY}"\n', encoding="utf-8")
    result.messages.append(f"演示数据以 {DEMO_TODAY} 为“今天”(已写入 {path})。")
    return Portal.open(portal.settings.home)


__all__ = ["init_portal", "InitResult", "SCHEMA_VERSION"]
