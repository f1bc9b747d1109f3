"""登录 page and the session around it: sign-in, failure, lockout, sign-out, expiry."""

import datetime as dt
import re
import traceback
from pathlib import Path

from apptest_support import audit, open_app, page, sign_in, signed_in, texts
from streamlit.proto.TextInput_pb2 import TextInput

from portal.accounts.auth import deactivate_account, failure_message
from portal.accounts.auth import sign_in as service_sign_in
from portal.core import labels as L


def test_signed_out_visitors_see_only_the_sign_in_form(site):
    at = open_app()
    assert not at.exception
    assert texts(at.subheader) == [L.LOGIN_HEADING]
    assert at.text_input(key="login_password").proto.type == TextInput.Type.PASSWORD
    assert not at.sidebar.button  # no sign-out, no account in the sidebar
    for file in ("home.py", "admin.py", "account.py"):
        try:
            at.switch_page(f"../../pages/{file}")
        except ValueError:
            continue
        raise AssertionError(f"{file} is reachable without signing in")


def test_the_sign_in_page_loads_the_landing_pages_frontend_modules_that_streamlit_ships(site):
    import streamlit

    at = open_app()
    (script,) = [h.value for h in at.html if "import(base + file)" in h.value]
    files = re.findall(r"[A-Za-z]+\.[A-Za-z0-9_-]+\.js", script.split("for (const file of ")[1])
    assert {f.split(".")[0] for f in files} == {"DataFrame", "Metric", "Button"}
    shipped = Path(streamlit.__file__).parent / "static" / "static" / "js"
    assert all((shipped / f).is_file() for f in files), files
    assert all("import(base" not in h.value for h in signed_in("rep1").html)  # only the sign-in page


def test_the_right_password_opens_the_overview_with_the_account_in_the_sidebar(site):
    at = signed_in("rep1")
    assert texts(at.title) == [L.APP_TITLE]
    sidebar = texts(at.sidebar.caption)
    assert "角色：单位填报员" in sidebar
    assert "单位：创新创业服务中心（JZKF-CXCY）" in sidebar
    assert "今天：2025-10-10" in sidebar
    assert "当前轮次：2025Q3（填报中，截止 2025-10-15）" in sidebar
    assert audit(site, "auth.sign_in")[-1][0] == "rep1"


def test_a_wrong_password_shows_the_vague_message_and_stays_on_the_form(site):
    at = sign_in(open_app(), "rep1", "wrong-password")
    assert texts(at.error) == [failure_message(site)]
    assert "portal_session" not in at.session_state
    assert texts(at.subheader) == [L.LOGIN_HEADING]


def test_an_unknown_user_sees_the_same_message_as_a_wrong_password(site):
    at = sign_in(open_app(), "nobody", "wrong-password")
    assert texts(at.error) == [failure_message(site)]


def test_after_five_failures_even_the_right_password_is_refused(site):
    at = open_app()
    for _ in range(5):
        at = sign_in(at, "rep1", "wrong-password")
    at = sign_in(at, "rep1")
    assert "portal_session" not in at.session_state
    assert texts(at.error) == [failure_message(site)]
    assert [row[1] for row in audit(site, "auth.lock")] == ["rep1"]


def test_sign_out_returns_to_the_form_with_a_notice_and_is_audited(site):
    at = signed_in("office1")
    at = at.button(key="sign_out").click().run()
    assert "portal_session" not in at.session_state
    assert texts(at.info) == [L.SIGNED_OUT]
    assert texts(at.subheader) == [L.LOGIN_HEADING]
    assert audit(site, "auth.sign_out") == [("office1", "office1", None)]


def test_an_idle_session_expires_and_asks_to_sign_in_again(site):
    at = signed_in("rep1")
    session = at.session_state["portal_session"]
    idle = dt.timedelta(minutes=site.settings.session_minutes, seconds=1)
    with site.warehouse.transaction() as con:
        con.execute("UPDATE web_sessions SET last_seen = last_seen - ? WHERE id = ?", [idle, session.id])
    at = at.run()
    assert "portal_session" not in at.session_state
    assert texts(at.info) == [L.SESSION_EXPIRED]
    assert texts(at.subheader) == [L.LOGIN_HEADING]
    assert audit(site, "auth.session_expired")[-1][0] == "rep1"


def test_a_deactivated_account_is_signed_out_at_its_next_page(site):
    at = signed_in("rep1")
    boss = service_sign_in(site, "boss", "pw-boss-123").session.account
    deactivate_account(site, boss, "rep1")
    at = at.run()
    assert "portal_session" not in at.session_state
    assert texts(at.info) == [L.SESSION_EXPIRED]


def test_a_damaged_warehouse_is_said_before_sign_in_without_a_traceback(_demo_home, portal_home):
    whole = (_demo_home / "warehouse.duckdb").read_bytes()
    (portal_home / "warehouse.duckdb").write_bytes(whole[: len(whole) // 2])

    at = open_app()

    assert not at.exception
    [error] = texts(at.error)
    assert f"数据仓库文件 {portal_home / 'warehouse.duckdb'} 已损坏或不完整" in error
    assert "portal restore" in error
    assert not at.text_input  # no sign-in form in front of a broken warehouse


def test_a_missing_warehouse_is_said_before_sign_in_and_not_created(portal_home):
    at = open_app()

    assert not at.exception
    [error] = texts(at.error)
    assert f"找不到数据仓库文件 {portal_home / 'warehouse.duckdb'}" in error
    assert not any(portal_home.iterdir())


def _counting_opens(monkeypatch) -> list:
    from warehouse.db import Warehouse

    opened = []
    real = Warehouse.open_unlocked

    def counted(self, *a, **k):
        opened.append("".join(traceback.format_stack(limit=14)))
        return real(self, *a, **k)

    monkeypatch.setattr(Warehouse, "open_unlocked", counted)
    return opened


def test_a_signed_in_page_run_opens_the_warehouse_once_and_not_at_all_when_it_is_unchanged(site, monkeypatch):
    at = page(signed_in("rep1"), "account.py")  # 我的账号 reads nothing else from the warehouse
    opened = _counting_opens(monkeypatch)
    monkeypatch.setattr(site.warehouse._shared, "linger", 0)  # closed between runs: opens count reads
    at = at.run()
    assert not at.exception and texts(at.title) == [L.ACCOUNT_HEADING]
    assert opened == [], opened[0]  # session check and sidebar as kept at the last run
    with site.warehouse.transaction() as con:  # any write: both are read again, on one connection
        site.audit(con, "boss", "test.write")
    opened.clear()
    at = at.run()
    assert not at.exception and texts(at.title) == [L.ACCOUNT_HEADING]
    assert len(opened) == 1, opened


def test_the_sign_in_form_checks_the_warehouse_once_per_tab_not_at_every_run(site, monkeypatch):
    at = open_app()
    opened = _counting_opens(monkeypatch)
    at = at.run()
    assert texts(at.subheader) == [L.LOGIN_HEADING]
    assert opened == [], opened[0]


def test_sign_out_ends_the_session_row_so_every_tab_is_signed_out(site):
    first = signed_in("office1")
    second = signed_in("office1")  # another tab (or browser) of the same account
    first.button(key="sign_out").click().run()
    second = second.run()
    assert "portal_session" not in second.session_state
    assert texts(second.info) == [L.SIGNED_OUT_ELSEWHERE]
    assert texts(second.subheader) == [L.LOGIN_HEADING]
