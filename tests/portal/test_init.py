import shutil

import pytest

from portal.accounts.auth import verify_password
from portal.core.context import Portal
from portal.ops.init import DEMO_ACCOUNTS, init_portal
from tests.conftest import cli, run_cli


def test_init_demo_prints_each_account_once_and_the_passwords_work(portal_home):
    done = run_cli("init", "--demo", "--no-fill", home=portal_home)  # the fill: test_demo_fill.py
    assert done.returncode == 0, done.stderr.decode()
    out = done.stdout.decode()
    assert "规划 5 个" in out
    portal = Portal.open(portal_home)
    assert portal.settings.today().isoformat() == "2025-10-10"
    with portal.warehouse.connect() as con:
        users = dict(con.execute("SELECT username, password_hash FROM users").fetchall())
    assert set(users) == {a[0] for a in DEMO_ACCOUNTS}
    for line in out.splitlines():
        if "用户名" in line:
            parts = line.split()
            username, password = parts[parts.index("用户名") + 1], parts[parts.index("密码") + 1]
            assert verify_password(users[username], password)
            assert password not in users[username]

    # the repeat: the same command, in this process (the first one above is the real process)
    again = cli("init", "--demo", "--no-fill", home=portal_home)
    assert again.returncode == 0
    assert "密码" not in again.stdout and "未重复导入" in again.stdout
    with portal.warehouse.connect() as con:
        assert con.execute("SELECT count(*) FROM submissions").fetchall() == [(0,)]


def test_init_without_demo_creates_an_empty_current_warehouse(portal_home):
    portal, result = init_portal(Portal.open(portal_home))
    assert result.created and result.registry is None
    with portal.warehouse.connect() as con:
        assert con.execute("SELECT count(*) FROM plans").fetchall() == [(0,)]


@pytest.mark.parametrize("command", [("status",), ("backup",), ("assess", "--plan", "JZ", "--year", "2025")])
def test_commands_other_than_init_refuse_a_home_without_a_warehouse_and_create_nothing(command, portal_home):
    (portal_home / "backups").mkdir()
    (portal_home / "backups" / "portal-backup-20251010-020000.zip").write_bytes(b"PK")

    done = run_cli(*command, home=portal_home)

    err = done.stderr.decode()
    assert done.returncode == 1, err
    assert f"找不到数据仓库文件 {portal_home / 'warehouse.duckdb'}" in err
    assert "portal-backup-20251010-020000.zip" in err and "Traceback" not in err
    assert sorted(p.name for p in portal_home.iterdir()) == ["backups"]  # no empty warehouse


@pytest.mark.parametrize("command", [("status",), ("backup",), ("assess", "--plan", "JZ", "--year", "2025")])
def test_commands_refuse_a_truncated_warehouse_with_a_message_not_a_traceback(
    command, _demo_home, portal_home
):
    whole = (_demo_home / "warehouse.duckdb").read_bytes()
    (portal_home / "warehouse.duckdb").write_bytes(whole[: len(whole) // 2])
    shutil.copy(_demo_home / "settings.toml", portal_home / "settings.toml")

    done = run_cli(*command, home=portal_home)

    err = done.stderr.decode()
    assert done.returncode == 1, err
    assert f"数据仓库文件 {portal_home / 'warehouse.duckdb'} 已损坏或不完整" in err
    assert "portal restore" in err and "Traceback" not in err
    assert (portal_home / "warehouse.duckdb").stat().st_size == len(whole) // 2
