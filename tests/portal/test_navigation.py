"""The app shell as data: which pages each role gets, without Streamlit."""

from pathlib import Path

import pytest

from portal.accounts.auth import Account
from portal.ui.navigation import ACCOUNT, LOGIN, PAGES, pages_for, pages_for_account, sidebar_info
from schemas.enums import Role

ROOT = Path(__file__).resolve().parents[2]

EXPECTED = {
    Role.UNIT_REPORTER: [
        "概览",
        "数据上报",
        "问题整改",
        "年度考核",
        "年度自评",
        "我的账号",
    ],  # 年度考核: its own result
    Role.UNIT_LEADER: ["概览", "单位审核", "问题整改", "年度考核", "年度自评", "我的账号"],
    Role.OFFICE_REVIEWER: [
        "概览",
        "数据上报",
        "审核",
        "问题整改",
        "完成情况",
        "指标监测",
        "下级汇总",
        "通知发送记录",
        "年度考核",
        "系统管理",
        "我的账号",
    ],
    Role.EVALUATOR: ["概览", "问题整改", "完成情况", "指标监测", "下级汇总", "年度考核", "我的账号"],
    Role.ADMIN: [
        "概览",
        "问题整改",
        "完成情况",
        "指标监测",
        "下级汇总",
        "通知发送记录",
        "年度考核",
        "系统管理",
        "我的账号",
    ],
}


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_each_role_gets_exactly_its_pages(role):
    assert [p.title for p in pages_for(role)] == EXPECTED[role]


def test_every_listed_page_exists_and_paths_are_unique():
    for spec in [*PAGES, LOGIN]:
        assert (ROOT / "pages" / spec.file).is_file(), spec.file
    assert len({p.url_path for p in [*PAGES, LOGIN]}) == len(PAGES) + 1


def test_signed_out_is_the_sign_in_page_only():
    assert pages_for_account(None) == [LOGIN]


def test_a_one_time_password_confines_the_account_to_changing_it():
    account = Account("boss", "管理员", Role.ADMIN, None, must_change_password=True)
    assert pages_for_account(account) == [ACCOUNT]


def test_the_sidebar_shows_unit_clock_and_current_round(demo_portal):
    info = sidebar_info(demo_portal, Account("rep1", "填报员", Role.UNIT_REPORTER, "JZKF-CXCY"))
    assert (info.role_label, info.unit_name, str(info.today), info.round.code) == (
        "单位填报员",
        "创新创业服务中心",
        "2025-10-10",
        "2025Q3",
    )
    office = sidebar_info(demo_portal, Account("o", "办公室", Role.OFFICE_REVIEWER, None))
    assert (office.unit, office.unit_name) == (None, None)


def test_signed_out_every_address_of_the_app_is_registered_so_a_bookmark_keeps_its_page():
    from portal.ui.navigation import other_addresses

    extra = other_addresses(pages_for_account(None), asked="completion")
    assert set(extra) == {p.url_path for p in PAGES}
    assert LOGIN.url_path not in extra  # the sign-in page itself is the account's page


def test_signed_in_the_addresses_of_other_roles_pages_and_an_unknown_one_are_registered():
    from portal.ui.navigation import other_addresses

    clerk = pages_for(Role.UNIT_REPORTER)
    extra = other_addresses(clerk, asked="no-such-page")
    assert "admin" in extra and "review" in extra
    assert not {p.url_path for p in clerk} & set(extra)
    assert extra[-1] == "no-such-page"


def test_the_sign_in_address_is_registered_signed_in_only_when_typed():
    """The run after signing in asks for the sign-in page by hash: nothing there lands on 概览."""
    from portal.ui.navigation import other_addresses

    clerk = pages_for(Role.UNIT_REPORTER)
    assert "login" not in other_addresses(clerk, None)
    assert other_addresses(clerk, "login")[-1] == "login"


@pytest.mark.parametrize("asked", [None, "", "home", "a/b", "../x", "x" * 41, "Ünïcode"])
def test_only_a_plain_unknown_page_name_is_registered(asked):
    from portal.ui.navigation import other_addresses

    clerk = pages_for(Role.UNIT_REPORTER)
    assert other_addresses(clerk, asked) == other_addresses(clerk, None)


def test_the_modules_to_warm_are_the_ones_the_pages_import():
    from portal.ui.navigation import page_modules

    modules = page_modules(ROOT / "pages")
    assert "streamlit" in modules and "portal.reporting.workflow" in modules
    assert all(not name.startswith(".") for name in modules)
