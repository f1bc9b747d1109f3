"""`portal init`: create or upgrade the warehouse; with the demo, load the seed plans and accounts."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from portal.accounts.auth import create_account, hash_password, new_password, system_actor
from portal.core.context import Portal
from portal.demo.fill import FillResult, fill_demo
from portal.registry.rounds import demo_rounds
from portal.registry.workbook import ImportResult, demo_registry_workbook, import_registry
from schemas.enums import Role
from warehouse import offices as office_tree
from warehouse import rounds
from warehouse.accounts import any_accounts
from warehouse.db import SCHEMA_VERSION, schema_version
from warehouse.lookups import plans, unit_name
from warehouse.registry import upsert_rounds

# The seed plans end in 2025; the demo runs on a day inside them, with 2025Q3 open.
DEMO_TODAY = "2025-10-10"

# (username, display name, role, unit, offices). The first four are platform-wide (no offices):
# the demo fill and many tests act as them. The others show scopes: each seed plan's office has a
# reviewer and an evaluator acting for it alone, the 襄十随神 cluster and 湖北 read their cities
# below them, and a few units have a clerk and a sign-off account (several accounts per unit).
DEMO_ACCOUNTS = [
    ("admin", "系统管理员", Role.ADMIN, None, ()),
    ("office", "领导小组办公室", Role.OFFICE_REVIEWER, None, ()),
    ("evaluator", "考核组", Role.EVALUATOR, None, ()),
    ("reporter", "创新创业服务中心填报员", Role.UNIT_REPORTER, "JZKF-CXCY", ()),
    ("office_xy", "襄阳市领导小组办公室", Role.OFFICE_REVIEWER, None, ("XY",)),
    ("eval_xy", "襄阳市考核组", Role.EVALUATOR, None, ("XY",)),
    ("office_sy", "十堰市领导小组办公室", Role.OFFICE_REVIEWER, None, ("SY",)),
    ("eval_sy", "十堰市考核组", Role.EVALUATOR, None, ("SY",)),
    ("office_jzkf", "荆州经开区创新创业服务中心", Role.OFFICE_REVIEWER, None, ("JZKF",)),
    ("eval_jzkf", "荆州经开区考核组", Role.EVALUATOR, None, ("JZKF",)),
    ("office_yy", "益阳市科学技术局", Role.OFFICE_REVIEWER, None, ("YY",)),
    ("eval_yy", "益阳市考核组", Role.EVALUATOR, None, ("YY",)),
    ("office_xsss", "襄十随神城市群办公室", Role.OFFICE_REVIEWER, None, ("XSSS",)),
    ("office_hb", "湖北省领导小组办公室", Role.OFFICE_REVIEWER, None, ("HB",)),
    # Not on JZKF-CXCY: `reporter`'s uploads there go straight to the office, as the README's walk shows.
    ("reporter_jzkf_scjgj", "市场监管局填报员", Role.UNIT_REPORTER, "JZKF-SCJGJ", ()),
    ("leader_jzkf_scjgj", "市场监管局审核人", Role.UNIT_LEADER, "JZKF-SCJGJ", ()),
    ("reporter_yy_kjj", "益阳市科学技术局填报员", Role.UNIT_REPORTER, "YY-KJJ", ()),
    ("leader_yy_kjj", "益阳市科学技术局审核人", Role.UNIT_LEADER, "YY-KJJ", ()),
    ("reporter_xy_kjj", "襄阳市科技局填报员", Role.UNIT_REPORTER, "XY-KJJ", ()),
    ("leader_xy_kjj", "襄阳市科技局审核人", Role.UNIT_LEADER, "XY-KJJ", ()),
]


@dataclass
class InitResult:
    created: bool
    schema_version: int
    registry: ImportResult | None = None
    accounts: list[tuple[str, str, str, str]] = field(
        default_factory=list
    )  # username, password, role label, scope in words (unit code and name, offices, 全平台)
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
    # The demo accounts' passwords are hashed in other threads (argon2 releases the GIL: ~0.3 s of
    # CPU each) while the registry is imported here.
    hashing = ThreadPoolExecutor(max_workers=min(os.cpu_count() or 1, 2)) if not has_users else None
    passwords = [new_password() for _ in DEMO_ACCOUNTS] if hashing else []
    hashes = [hashing.submit(hash_password, p) for p in passwords] if hashing else []
    try:
        if has_registry:
            result.messages.append("数据仓库中已有规划数据，未重复导入演示数据。")
        else:
            result.registry = import_registry(portal, system_actor(), demo_registry_workbook())
            if not result.registry.loaded:
                return portal, result
        with portal.warehouse.transaction() as con:
            upsert_rounds(
                con, [r for r in demo_rounds(portal.settings) if rounds.get(con, r["code"]) is None]
            )
            if not has_users:
                for (username, name, role, unit, offices), password, hashed in zip(
                    DEMO_ACCOUNTS, passwords, hashes, strict=True
                ):
                    account = create_account(
                        portal,
                        con,
                        username,
                        name,
                        role,
                        unit,
                        password,
                        actor=system_actor().audit_name,
                        offices=offices,
                        password_hash=hashed.result(),
                    )
                    result.accounts.append((username, password, role.label, _scope_words(con, account)))
            else:
                result.messages.append("已有账号，未重新生成演示账号。")
    finally:
        if hashing:
            hashing.shutdown(cancel_futures=True)
    if fill:
        result.fill = fill_demo(portal, progress=progress)
        if result.fill.skipped:
            result.messages.append(result.fill.summary())
    return portal, result


def _scope_words(con, account) -> str:
    """The scope printed beside a demo password: the unit, the offices, or 全平台."""
    if account.unit:
        return f"{account.unit} {unit_name(con, account.unit) or ''}".strip()
    granted = account.scope.granted if account.scope else ()
    if not granted:
        return "全平台"
    return "、".join(f"{code} {office_tree.office(con, code)['name']}" for code in granted)


def _ensure_demo_clock(portal: Portal, result: InitResult) -> Portal:
    if portal.settings.fixed_today is not None:
        return portal
    path = portal.settings.home / "settings.toml"
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    path.write_text(existing + f'today = "{DEMO_TODAY}"\n', encoding="utf-8")
    result.messages.append(f"演示数据以 {DEMO_TODAY} 为“今天”（已写入 {path}）。")
    return Portal.open(portal.settings.home)


__all__ = ["init_portal", "InitResult", "SCHEMA_VERSION"]
