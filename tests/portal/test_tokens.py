"""API tokens (issue 21): created once and stored only as a hash, listed without their secret,
revoked by name or id, refused when expired, revoked or when the account is deactivated; the CLI."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest

from portal.accounts.auth import Account, set_account_active
from portal.accounts.tokens import authenticate, create_token, list_tokens, revoke_token
from portal.core.context import Portal
from portal.core.errors import Conflict, InvalidInput, NotFound
from portal.core.permissions import PermissionDenied
from schemas.enums import Role
from tests.actors import ADMIN, OFFICE
from tests.conftest import cli, run_cli

OPERATOR = Account("cli", "服务器运维", Role.ADMIN, None)


def test_a_token_is_shown_once_and_only_its_sha256_is_stored(demo_portal):
    new = create_token(demo_portal, OPERATOR, "office_jzkf", "jz-dashboard")
    assert new.token.startswith("kjt_") and len(new.token) == 4 + 12 + 1 + 43
    with demo_portal.warehouse.connect() as con:
        stored = con.execute("SELECT * FROM api_tokens").fetchall()
    assert new.token not in repr(stored) and new.token.rsplit("_", 1)[1] not in repr(stored)
    with demo_portal.warehouse.connect() as con:
        digest = con.execute("SELECT secret_hash FROM api_tokens WHERE name = 'jz-dashboard'").fetchone()[0]
    assert digest == hashlib.sha256(new.token.encode()).hexdigest()
    use = authenticate(demo_portal, new.token)
    assert use.account.username == "office_jzkf" and use.account.scope.granted == ("JZKF",)
    assert use.account.audit_name == "office_jzkf（接口令牌“jz-dashboard”）"


def test_a_token_past_its_last_day_revoked_or_of_a_deactivated_account_does_not_work(demo_portal):
    today = dt.datetime.now(dt.UTC).date()
    lasting = create_token(demo_portal, OPERATOR, "eval_yy", "until-today", expires_on=today).token
    assert authenticate(demo_portal, lasting) is not None  # the last day still works
    tomorrow = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(0, 1))
    assert authenticate(demo_portal, lasting, clock=lambda: tomorrow) is None
    revoked = create_token(demo_portal, OPERATOR, "office_yy", "revoked").token
    revoke_token(demo_portal, OPERATOR, "revoked")
    assert authenticate(demo_portal, revoked) is None
    deactivated = create_token(demo_portal, OPERATOR, "office_sy", "of-deactivated").token
    assert set_account_active(demo_portal, ADMIN, "office_sy", False).ok
    assert authenticate(demo_portal, deactivated) is None
    assert authenticate(demo_portal, lasting[:-2] + "xx") is None and authenticate(demo_portal, "") is None


def test_tokens_are_refused_for_unit_accounts_past_days_taken_names_and_non_admins(demo_portal):
    with pytest.raises(InvalidInput, match="不能读取开放数据"):
        create_token(demo_portal, OPERATOR, "reporter", "unit-token")
    with pytest.raises(InvalidInput, match="早于今天"):
        create_token(demo_portal, OPERATOR, "office", "old", expires_on=dt.date(2020, 1, 1))
    with pytest.raises(InvalidInput, match="令牌名称"):
        create_token(demo_portal, OPERATOR, "office", "has space")
    with pytest.raises(NotFound, match="不存在"):
        create_token(demo_portal, OPERATOR, "nobody", "x")
    create_token(demo_portal, OPERATOR, "office", "taken")
    with pytest.raises(Conflict, match="已有名为“taken”"):
        create_token(demo_portal, OPERATOR, "evaluator", "taken")
    with pytest.raises(PermissionDenied, match="管理接口令牌"):
        create_token(demo_portal, OFFICE, "office", "by-office")
    with pytest.raises(NotFound, match="没有名为或编号为“nope”"):
        revoke_token(demo_portal, OPERATOR, "nope")


def test_token_create_list_and_revoke_on_the_command_line(demo_portal):
    home = demo_portal.settings.home
    made = run_cli(
        "token", "create", "--user", "office_jzkf", "--name", "jz-stats", "--expires", "2099-12-31", home=home
    )
    assert made.returncode == 0, made.stderr.decode()
    out = made.stdout.decode()
    token = out.strip().splitlines()[-1]
    assert "只显示这一次" in out and "有效期至 2099-12-31" in out and token.startswith("kjt_")
    listed = cli("token", "list", "--json", home=home)
    (row,) = json.loads(listed.stdout)
    assert (row["name"], row["username"], row["state"], row["expires_on"]) == (
        "jz-stats", "office_jzkf", "active", "2099-12-31")  # fmt: skip
    assert token not in listed.stdout and "secret_hash" not in row
    assert "jz-stats" in cli("token", "list", home=home).stdout
    again = cli("token", "create", "--user", "office_yy", "--name", "jz-stats", home=home)
    assert again.returncode == 1 and "已有名为" in again.stderr
    bad_day = cli(
        "token", "create", "--user", "office_yy", "--name", "y", "--expires", "31/12/2099", home=home
    )
    assert bad_day.returncode == 2 and "2026-12-31" in bad_day.stderr
    done = cli("token", "revoke", str(row["id"]), home=home)
    assert done.returncode == 0 and "已撤销令牌“jz-stats”" in done.stdout
    assert cli("token", "revoke", "jz-stats", home=home).returncode == 1  # already revoked
    assert json.loads(cli("token", "list", "--json", home=home).stdout)[0]["state"] == "revoked"
    assert authenticate(demo_portal, token) is None
    with demo_portal.warehouse.connect() as con:
        audited = con.execute(
            "SELECT action, target FROM audit_log WHERE action LIKE 'token.%' ORDER BY id"
        ).fetchall()
    assert audited == [("token.create", "jz-stats"), ("token.revoke", "jz-stats")]


def test_the_listing_says_which_tokens_are_active_expired_or_revoked(demo_portal):
    create_token(demo_portal, OPERATOR, "office", "a")
    create_token(demo_portal, OPERATOR, "office", "b")
    revoke_token(demo_portal, OPERATOR, "b")
    with demo_portal.warehouse.transaction() as con:
        con.execute("UPDATE api_tokens SET expires_on = DATE '2020-01-01' WHERE name = 'a'")
    states = dict(list_tokens(demo_portal, OPERATOR).select("name", "state").iter_rows())
    assert states == {"a": "expired", "b": "revoked"}


def test_a_restore_revokes_the_restored_tokens_so_a_revoked_one_cannot_come_back(demo_portal, tmp_path):
    from portal.ops.backup import create_backup, restore_backup

    token = create_token(demo_portal, OPERATOR, "office_jzkf", "before-backup").token
    archive = create_backup(demo_portal, tmp_path / "b.zip").path
    revoke_token(demo_portal, OPERATOR, "before-backup")  # revoked after the backup was made
    done = restore_backup(demo_portal, archive, force=True)
    assert any("已撤销恢复出的 1 个接口令牌" in m for m in done.messages)
    assert authenticate(Portal.open(demo_portal.settings.home), token) is None
