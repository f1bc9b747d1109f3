"""Scoped account administration (issue 15): every account has a role and a scope; an admin scoped
to one office's subtree manages only the accounts inside it, and the rest read as unknown names.
The command line (`portal accounts list/add/scope`) calls the same use cases."""

from __future__ import annotations

import json

import pytest

from portal.accounts.auth import (
    add_account,
    list_accounts,
    reset_password,
    set_account_active,
    set_account_scope,
    sign_in,
    unlock_account,
)
from schemas.enums import Role
from tests.actors import ADMIN
from tests.conftest import account_in, cli


def audit(portal, action):
    with portal.warehouse.connect() as con:
        return con.execute(
            "SELECT actor, target, detail FROM audit_log WHERE action = ? ORDER BY id", [action]
        ).fetchall()


def listed(portal, *more: str) -> dict[str, dict]:
    done = cli("accounts", "list", "--json", *more, home=portal.settings.home)
    assert done.returncode == 0, done.stderr
    return {a["username"]: a for a in json.loads(done.stdout)}


@pytest.fixture
def jz_admin(demo_portal, fast_hashes):
    """An admin whose scope is the 荆州 office's subtree (JZ and JZKF under it)."""
    return account_in(demo_portal, "admin_jz", Role.ADMIN, offices=["JZ"])


# ----------------------------------------------------------------------------- the demo's accounts


def test_the_account_list_json_has_username_role_scope_and_active_for_each_account(demo_portal):
    accounts = listed(demo_portal)
    for account in accounts.values():
        assert {"username", "role", "scope", "active"} <= set(account)
        assert {"offices", "units", "platform"} == set(account["scope"])
    assert accounts["admin"] == {
        "username": "admin",
        "role": "admin",
        "scope": {"offices": [], "units": [], "platform": True},
        "active": True,
        "display_name": "系统管理员",
    }
    assert accounts["reporter"]["scope"] == {"offices": [], "units": ["JZKF-CXCY"], "platform": False}


def test_the_demo_has_a_reviewer_and_an_evaluator_per_office_a_cluster_a_province_and_unit_sign_offs(
    demo_portal,
):
    accounts = listed(demo_portal)
    for code in ("XY", "SY", "JZKF", "YY"):
        for username, role in (
            (f"office_{code.lower()}", "office_reviewer"),
            (f"eval_{code.lower()}", "evaluator"),
        ):
            assert accounts[username]["role"] == role
            assert accounts[username]["scope"] == {"offices": [code], "units": [], "platform": False}
    assert accounts["office_xsss"]["scope"]["offices"] == ["XSSS"]
    assert accounts["office_hb"]["scope"]["offices"] == ["HB"]
    for unit in ("JZKF-SCJGJ", "YY-KJJ", "XY-KJJ"):
        clerks = [a for a in accounts.values() if a["scope"]["units"] == [unit]]
        assert sorted(a["role"] for a in clerks) == ["unit_leader", "unit_reporter"]
    assert accounts["leader_jzkf_scjgj"]["role"] == "unit_leader"
    assert [a["role"] for a in accounts.values() if a["scope"]["units"] == ["JZKF-CXCY"]] == ["unit_reporter"]
    # the accounts other tests and the demo fill act as stay platform-wide
    for username in ("admin", "office", "evaluator"):
        assert accounts[username]["scope"]["platform"] is True


@pytest.mark.parametrize(
    "argv",
    [
        ["status"],
        ["assess", "--plan", "YY", "--year", "2025"],
        ["bulletin", "--round", "2025Q3", "-o", "x.docx"],
        ["registry", "export", "--format", "json"],
        ["bonus", "list", "--plan", "YY", "--year", "2025"],
    ],
    ids=lambda argv: argv[0],
)
def test_every_read_command_takes_as_and_acts_with_that_accounts_scope(demo_portal, argv):
    from portal.cli.main import _reader, build_parser

    reader = _reader(demo_portal, build_parser().parse_args([*argv, "--as", "office_yy"]))
    assert (reader.username, reader.scope.granted, reader.scope.read_plans) == ("office_yy", ("YY",), {"YY"})


# ----------------------------------------------------------------------------- add and scope


def test_accounts_add_prints_the_one_time_password_once_and_it_signs_in(demo_portal, fast_hashes):
    done = cli(
        "accounts", "add", "office_sz", "--role", "office_reviewer", "--office", "SZ",
        "--name", "随州市办公室", "--user", "admin", home=demo_portal.settings.home,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "已创建账号 office_sz（办公室审核员）。初始密码只显示这一次，首次登录后须修改。"
    password = lines[1].split("：")[1]
    assert done.stdout.count(password) == 1
    session = sign_in(demo_portal, "office_sz", password).session
    assert session.account.must_change_password and session.account.scope.granted == ("SZ",)
    actor, target, detail = audit(demo_portal, "account.create")[-1]
    assert actor.startswith("admin（命令行，系统用户 ")
    assert (target, detail) == ("office_sz", "role=office_reviewer unit= scope=SZ")
    assert listed(demo_portal)["office_sz"]["scope"] == {"offices": ["SZ"], "units": [], "platform": False}


def test_several_accounts_may_work_for_one_unit(demo_portal, fast_hashes):
    for username, role in (("cxcy2", Role.UNIT_REPORTER), ("cxcy_lead2", Role.UNIT_LEADER)):
        assert add_account(demo_portal, ADMIN, username, "某人", role, "JZKF-CXCY").ok
    units = [a["username"] for a in listed(demo_portal).values() if a["scope"]["units"] == ["JZKF-CXCY"]]
    assert sorted(units) == ["cxcy2", "cxcy_lead2", "reporter"]


@pytest.mark.parametrize(
    "role, unit, offices, platform, message",
    [
        (
            Role.OFFICE_REVIEWER,
            None,
            [],
            False,
            "办公室审核员账号须指定工作范围：选择一个或几个办公室，或选择全平台。",
        ),
        (
            Role.EVALUATOR,
            None,
            ["XY"],
            True,
            "全平台范围已包含所有办公室：请选择办公室或全平台，不要同时选择。",
        ),
        (Role.UNIT_LEADER, "YY-KJJ", ["YY"], False, "单位账号的范围就是它的单位，不能再指定办公室或全平台。"),
        (
            Role.OFFICE_REVIEWER,
            None,
            ["NOPE"],
            False,
            "办公室代码“NOPE”不存在，请核对（系统管理页的办公室列表）。",
        ),
    ],
)
def test_an_account_without_a_fitting_scope_is_refused_with_a_reason(
    demo_portal, role, unit, offices, platform, message
):
    outcome = add_account(demo_portal, ADMIN, "newbie", "某人", role, unit, offices, platform)
    assert (outcome.ok, outcome.message) == (False, message)
    assert "newbie" not in listed(demo_portal)


def test_accounts_add_refused_exits_1_and_without_user_is_a_usage_error(demo_portal):
    home = demo_portal.settings.home
    refused = cli("accounts", "add", "ev2", "--role", "evaluator", "--user", "admin", home=home)
    assert refused.returncode == 1 and not refused.stdout
    assert "考核评价员账号须指定工作范围" in refused.stderr
    nobody = cli("accounts", "add", "ev2", "--role", "evaluator", "--platform", home=home)
    assert nobody.returncode == 2 and "--user" in nobody.stderr
    assert "ev2" not in listed(demo_portal)


def test_accounts_scope_replaces_the_offices_and_is_audited(demo_portal):
    home = demo_portal.settings.home
    done = cli(
        "accounts", "scope", "office_xy", "--office", "XY", "--office", "SY", "--user", "admin", home=home
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "账号 office_xy 的范围已改为：襄阳市推进科技创新领导小组办公室、十堰市科技创新领导小组办公室。"
    )
    assert listed(demo_portal)["office_xy"]["scope"]["offices"] == ["XY", "SY"]
    assert audit(demo_portal, "account.scope")[-1][1:] == ("office_xy", "scope=XY → XY,SY")
    wide = cli("accounts", "scope", "office_xy", "--platform", "--user", "admin", home=home)
    assert wide.returncode == 0, wide.stderr
    assert listed(demo_portal)["office_xy"]["scope"] == {"offices": [], "units": [], "platform": True}


def test_a_unit_accounts_scope_is_its_unit_and_nobody_changes_their_own(demo_portal):
    assert set_account_scope(demo_portal, ADMIN, "reporter", ["JZKF"], False).message == (
        "单位账号的范围就是它的单位，不能再指定办公室或全平台。"
    )
    assert not set_account_scope(demo_portal, ADMIN, "admin", ["HB"], False).ok
    assert audit(demo_portal, "account.scope") == []


def test_the_only_platform_admin_cannot_be_narrowed_or_deactivated(demo_portal, fast_hashes):
    admin2 = account_in(demo_portal, "admin2", Role.ADMIN, platform=True)
    assert set_account_scope(demo_portal, admin2, "admin", ["HB"], False).ok  # admin2 stays platform-wide
    assert set_account_scope(demo_portal, ADMIN, "admin2", ["HB"], False).message == (
        "不能取消最后一个全平台系统管理员的全平台范围。"
    )
    assert set_account_active(demo_portal, ADMIN, "admin2", False).message == (
        "不能停用最后一个全平台范围的系统管理员账号。"
    )


# ----------------------------------------------------------------------------- a subtree admin


def test_a_subtree_admin_lists_only_the_accounts_inside_its_subtree(demo_portal, jz_admin):
    frame = list_accounts(demo_portal, jz_admin)
    assert set(frame["username"]) == {
        "reporter",
        "reporter_jzkf_scjgj",
        "leader_jzkf_scjgj",
        "office_jzkf",
        "eval_jzkf",
        "admin_jz",
    }
    labels = dict(zip(frame["username"], frame["scope_label"], strict=True))
    assert labels["office_jzkf"] == "荆州经开区创新创业服务中心"
    assert labels["reporter"] == "创新创业服务中心"
    assert set(listed(demo_portal, "--as", "admin_jz")) == set(frame["username"])
    everyone = list_accounts(demo_portal, ADMIN)
    assert dict(zip(everyone["username"], everyone["scope_label"], strict=True))["admin"] == "全平台"


def test_a_subtree_admin_grants_inside_it_only_and_never_the_platform(demo_portal, jz_admin):
    assert add_account(
        demo_portal, jz_admin, "rev_jzkf2", "经开区审核", Role.OFFICE_REVIEWER, None, ["JZKF"]
    ).ok
    assert add_account(demo_portal, jz_admin, "cxcy3", "填报", Role.UNIT_REPORTER, "JZKF-CXCY").ok
    outside = add_account(demo_portal, jz_admin, "rev_yy2", "某人", Role.OFFICE_REVIEWER, None, ["YY"])
    unknown = add_account(demo_portal, jz_admin, "rev_yy2", "某人", Role.OFFICE_REVIEWER, None, ["NOPE"])
    assert outside.message == unknown.message.replace("NOPE", "YY")
    outside = add_account(demo_portal, jz_admin, "yy3", "某人", Role.UNIT_REPORTER, "YY-KJJ")
    unknown = add_account(demo_portal, jz_admin, "yy3", "某人", Role.UNIT_REPORTER, "NOPE")
    assert outside.message == unknown.message.replace("NOPE", "YY-KJJ") == "单位代码 YY-KJJ 不存在。"
    wide = add_account(demo_portal, jz_admin, "wide", "某人", Role.EVALUATOR, None, (), True)
    assert wide.message == "只有全平台范围的系统管理员才能授予全平台范围。"
    assert set_account_scope(demo_portal, jz_admin, "office_jzkf", [], True).message == wide.message
    assert set_account_scope(demo_portal, jz_admin, "office_jzkf", ["HB"], False).message == (
        "办公室代码“HB”不存在，请核对（系统管理页的办公室列表）。"
    )
    assert set_account_scope(demo_portal, jz_admin, "office_jzkf", ["JZ", "JZKF"], False).ok
    assert {"rev_yy2", "yy3", "wide"}.isdisjoint(listed(demo_portal))


@pytest.mark.parametrize(
    "call",
    [
        lambda p, a, name: set_account_scope(p, a, name, ["JZKF"], False),
        lambda p, a, name: set_account_active(p, a, name, False),
        lambda p, a, name: reset_password(p, a, name),
        lambda p, a, name: unlock_account(p, a, name),
    ],
    ids=["scope", "deactivate", "reset", "unlock"],
)
def test_an_account_outside_the_subtree_is_refused_in_the_words_of_an_unknown_name(
    demo_portal, jz_admin, call
):
    outside = call(demo_portal, jz_admin, "office_yy")
    unknown = call(demo_portal, jz_admin, "nobody")
    assert not outside.ok and outside.password is None
    assert outside.message == unknown.message.replace("nobody", "office_yy")
    assert unknown.message == "账号 nobody 不存在或不在您的管辖范围内，请核对用户名。"
    for name in ("office", "admin", "leader_yy_kjj"):  # platform-wide accounts and other units too
        assert call(demo_portal, jz_admin, name).message == unknown.message.replace("nobody", name)
    assert listed(demo_portal)["office_yy"]["active"] is True


def test_the_cli_confines_a_subtree_admin_the_same_way(demo_portal, jz_admin):
    home = demo_portal.settings.home
    outside = cli("accounts", "scope", "office_yy", "--office", "JZKF", "--user", "admin_jz", home=home)
    unknown = cli("accounts", "scope", "nobody", "--office", "JZKF", "--user", "admin_jz", home=home)
    assert (outside.returncode, unknown.returncode) == (1, 1)
    assert outside.stderr == unknown.stderr.replace("nobody", "office_yy")
    reader = cli("accounts", "list", "--json", "--as", "office_jzkf", home=home)
    assert reader.returncode == 1 and "无权管理账号" in reader.stderr


def test_the_first_account_of_a_new_warehouse_is_made_without_user_and_later_ones_need_it(
    empty_portal, fast_hashes
):
    home = empty_portal.settings.home
    first = cli("accounts", "add", "boss", "--role", "admin", "--platform", "--name", "管理员", home=home)
    assert first.returncode == 0, first.stderr
    assert audit(empty_portal, "account.create")[0][0].startswith("cli（命令行，系统用户 ")
    second = cli("accounts", "add", "boss2", "--role", "admin", "--platform", home=home)
    assert second.returncode == 2 and "--user" in second.stderr
    assert list(listed(empty_portal)) == ["boss"]
