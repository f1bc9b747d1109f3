"""Failures on a page: a PortalError shows its Chinese message as plain text; anything else shows a
generic message, with the traceback in the server's log and nowhere on the page."""

import logging

from apptest_support import open_app, signed_in, texts

import portal.monitoring.overview as overview
from portal.core import labels as L
from portal.reporting.review import WorkflowError
from portal.ui.text import plain
from warehouse.db import WarehouseBusy

SECRET = "/srv/portal/var/warehouse.duckdb: INTERNAL Error: hash join spilled (row 81723)"


def _every_text(at) -> str:
    elements = [*at.main, *at.sidebar]
    return "\n".join(str(getattr(e, "value", "")) for e in elements) + str(at.exception)


def test_a_fault_inside_a_page_shows_only_the_generic_message_and_logs_the_traceback(
    site, monkeypatch, caplog
):
    def broken(*args, **kwargs):
        raise RuntimeError(SECRET)

    monkeypatch.setattr(overview, "plans_overview", broken)
    with caplog.at_level(logging.ERROR, logger="portal.ui"):
        at = signed_in("office1")
    assert texts(at.error) == [L.INTERNAL_ERROR]
    assert not at.exception
    assert SECRET not in _every_text(at) and "Traceback" not in _every_text(at)
    logged = [r for r in caplog.records if r.name == "portal.ui"]
    assert logged and logged[-1].exc_info[0] is RuntimeError and SECRET in caplog.text


def test_a_refusal_inside_a_page_shows_its_message_as_plain_text(site, monkeypatch):
    message = "报送记录 [点此查看](http://example.invalid/x) 不存在。"

    def refused(*args, **kwargs):
        raise WorkflowError(message)

    monkeypatch.setattr(overview, "plans_overview", refused)
    at = signed_in("office1")
    assert texts(at.error) == [plain(message)]  # Markdown escaped: no link, the characters typed
    assert not at.exception


def test_a_busy_warehouse_before_sign_in_shows_its_message_on_the_sign_in_page(site, monkeypatch):
    import portal.accounts.auth as auth

    busy = "数据仓库正被另一个程序使用（1 秒内未释放），请稍后重试。"

    def held(*args, **kwargs):
        raise WarehouseBusy(busy)

    monkeypatch.setattr(auth, "check_session", held)
    at = open_app()
    assert texts(at.error) == [plain(busy)]
    assert not at.exception


def test_a_bad_setting_shows_which_and_where_instead_of_a_traceback(site, monkeypatch):
    monkeypatch.setenv("PORTAL_LOCKOUT_MINUTES", "-1")
    at = open_app()
    assert texts(at.error) == [
        plain(
            "设置项 lockout_minutes 应为不小于 1 的整数，当前为 '-1'（来自环境变量 PORTAL_LOCKOUT_MINUTES）。"
        )
    ]
    assert not at.exception
