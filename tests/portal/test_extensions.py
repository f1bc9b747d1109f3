"""延期 (issue 20): a list per round, revoking with a reason, a bound on the date, only for units
that owe the round, and a confirmation before a closed or locked round's history is rewritten."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from portal.core.context import Portal
from portal.core.errors import NotFound
from portal.core.permissions import PermissionDenied
from portal.reporting import workflow as wf
from portal.reporting.review import (
    ConfirmationNeeded,
    WorkflowError,
    extension_list,
    grant_extension,
    revoke_extension,
)
from tests.actors import OFFICE, reporter
from tests.conftest import account_in, cli
from tests.warehouse.fixtures import ROUND_TODAY, round_fixture

ROUND = "2025Q3"  # round_fixture: due 2025-10-15; B reported on 10-18, 3 days late


def _rows(portal: Portal, sql: str, params=()) -> list[tuple]:
    with portal.warehouse.connect() as con:
        return con.execute(sql, list(params)).fetchall()


@pytest.fixture
def round_portal(empty_portal) -> Portal:
    """round_fixture's warehouse with B's late report approved (已通过, 迟报3天)."""
    with empty_portal.warehouse.transaction() as con:
        round_fixture().write(con)
        con.execute("UPDATE submissions SET status = 'approved' WHERE unit = 'B' AND round = ?", [ROUND])
    return Portal.open(empty_portal.settings.home, today=ROUND_TODAY.isoformat())


def _close(portal: Portal, state: str = "closed") -> None:
    with portal.warehouse.transaction() as con:
        con.execute("UPDATE rounds SET state = ? WHERE code = ?", [state, ROUND])


def test_the_round_lists_every_grant_with_who_why_when_and_its_state(round_portal):
    first = grant_extension(round_portal, OFFICE, ROUND, "D", dt.date(2025, 10, 25), "系统故障")
    second = grant_extension(round_portal, OFFICE, ROUND, "D", dt.date(2025, 10, 28), "材料待补")
    listed = extension_list(round_portal, OFFICE, ROUND)
    rows = {r["extension_id"]: r for r in listed.to_dicts()}
    assert rows[second.id]["state_label"] == "生效" and rows[second.id]["reason"] == "材料待补"
    assert rows[second.id]["due_date"] == dt.date(2025, 10, 28) and rows[second.id]["granted_by"] == "office"
    assert rows[first.id]["state_label"] == "已被新的延期替代"  # kept, not overwritten
    assert rows[first.id]["due_date"] == dt.date(2025, 10, 25)
    # the fixture's own grants for C and E are listed too, in force
    assert {r["unit"] for r in listed.to_dicts() if r["state"] == "active"} == {"C", "D", "E"}
    assert _rows(round_portal, "SELECT due_date FROM extensions WHERE unit = 'D'") == [
        (dt.date(2025, 10, 28),)
    ]


def test_revoking_restores_the_rounds_due_date_and_keeps_the_grant_as_revoked(round_portal):
    done = grant_extension(round_portal, OFFICE, ROUND, "D", dt.date(2025, 10, 25), "系统故障")
    revoked = revoke_extension(round_portal, OFFICE, done.id, "故障已排除")
    assert revoked.due == dt.date(2025, 10, 15)
    assert _rows(round_portal, "SELECT count(*) FROM extensions WHERE unit = 'D'") == [(0,)]
    row = extension_list(round_portal, OFFICE, ROUND).filter(extension_id=done.id).row(0, named=True)
    assert (row["state_label"], row["ended_by"], row["end_reason"]) == ("已撤销", "office", "故障已排除")
    assert _rows(
        round_portal, "SELECT actor, target FROM audit_log WHERE action = 'round.extension.revoke'"
    ) == [("office", f"{ROUND}/D")]
    with pytest.raises(WorkflowError, match="已撤销，不能再撤销"):
        revoke_extension(round_portal, OFFICE, done.id, "再撤一次")


def test_revoking_needs_a_reason_and_an_existing_id(round_portal):
    done = grant_extension(round_portal, OFFICE, ROUND, "D", dt.date(2025, 10, 25), "系统故障")
    with pytest.raises(WorkflowError, match="撤销延期必须写明理由"):
        revoke_extension(round_portal, OFFICE, done.id, " ")
    with pytest.raises(NotFound, match="延期记录 999 不存在"):
        revoke_extension(round_portal, OFFICE, 999, "理由")


def test_an_extension_beyond_the_configured_bound_is_refused_and_the_bound_is_a_setting(round_portal):
    with pytest.raises(WorkflowError, match=r"不能晚于 2026-01-13（原截止日期 2025-10-15 后 90 天"):
        grant_extension(round_portal, OFFICE, ROUND, "D", dt.date(2035, 12, 31), "十年")
    grant_extension(round_portal, OFFICE, ROUND, "D", dt.date(2026, 1, 13), "最长一季")
    tight = Portal.open(round_portal.settings.home, today=ROUND_TODAY.isoformat(), extension_max_days=5)
    with pytest.raises(WorkflowError, match="不能晚于 2025-10-20"):
        grant_extension(tight, OFFICE, ROUND, "D", dt.date(2025, 10, 21), "超出五天")


@pytest.mark.parametrize("unit", ["I", "J", "H"])  # no duties / only an ended plan's / inactive
def test_a_unit_with_nothing_to_report_in_the_round_gets_no_extension(round_portal, unit):
    with pytest.raises(WorkflowError, match=f"单位 {unit} 在 {ROUND} 轮次没有需要报送的指标或任务"):
        grant_extension(round_portal, OFFICE, ROUND, unit, dt.date(2025, 10, 25), "系统故障")


@pytest.mark.parametrize("state", ["closed", "locked"])
def test_granting_on_a_closed_round_says_what_changes_and_waits_for_confirmation(round_portal, state):
    _close(round_portal, state)
    with pytest.raises(ConfirmationNeeded) as asked:
        grant_extension(round_portal, OFFICE, ROUND, "B", dt.date(2025, 10, 20), "补登")
    message = asked.value.message
    assert "截止日期将由 2025-10-15 改为 2025-10-20" in message
    assert "“已通过（迟报3天）”将变为“已通过”" in message
    assert "2025 年度考核的报送扣分随之改变" in message
    assert _rows(round_portal, "SELECT count(*) FROM extensions WHERE unit = 'B'") == [(0,)]

    done = grant_extension(round_portal, OFFICE, ROUND, "B", dt.date(2025, 10, 20), "补登", confirm=True)
    assert "将变为“已通过”" in done.effect
    (detail,) = _rows(round_portal, "SELECT detail FROM audit_log WHERE action = 'round.extension'")[0]
    assert "confirmed:" in detail and "迟报3天" in detail


def test_revoking_on_a_closed_round_says_the_lateness_comes_back(round_portal):
    done = grant_extension(round_portal, OFFICE, ROUND, "B", dt.date(2025, 10, 20), "补登")
    _close(round_portal)
    with pytest.raises(ConfirmationNeeded, match="“已通过”将变为“已通过（迟报3天）”"):
        revoke_extension(round_portal, OFFICE, done.id, "误批")
    revoke_extension(round_portal, OFFICE, done.id, "误批", confirm=True)
    assert _rows(round_portal, "SELECT count(*) FROM extensions WHERE unit = 'B'") == [(0,)]


def test_the_page_service_turns_the_confirmation_into_a_refusal_that_says_how_to_confirm(round_portal):
    _close(round_portal)
    refused = wf.grant_unit_extension(round_portal, OFFICE, ROUND, "B", dt.date(2025, 10, 20), "补登")
    assert not refused.ok and "将变为“已通过”" in refused.message and "勾选" in refused.message
    done = wf.grant_unit_extension(
        round_portal, OFFICE, ROUND, "B", dt.date(2025, 10, 20), "补登", confirm=True
    )
    assert done.ok and "已按确认修改" in done.message


def test_a_unit_clerk_may_neither_revoke_nor_list(round_portal):
    done = grant_extension(round_portal, OFFICE, ROUND, "D", dt.date(2025, 10, 25), "系统故障")
    with pytest.raises(PermissionDenied):
        revoke_extension(round_portal, reporter("D"), done.id, "不要了")
    with pytest.raises(PermissionDenied):
        extension_list(round_portal, reporter("D"), ROUND)


def test_an_office_sees_only_its_scopes_extensions_and_cannot_revoke_others(demo_portal):
    others = grant_extension(demo_portal, OFFICE, ROUND, "YY-KJJ", dt.date(2025, 10, 25), "系统故障")
    ours = grant_extension(demo_portal, OFFICE, ROUND, "JZKF-CXCY", dt.date(2025, 10, 25), "系统故障")
    jz = account_in(demo_portal, "office_jz_only", "office_reviewer", offices=["JZKF"])
    assert extension_list(demo_portal, jz, ROUND)["extension_id"].to_list() == [ours.id]
    with pytest.raises(NotFound) as refused:
        revoke_extension(demo_portal, jz, others.id, "越权")
    assert refused.value.message == f"延期记录 {others.id} 不存在。"


def test_the_cli_grants_lists_and_revokes_and_asks_for_confirm_on_a_closed_round(demo_portal):
    home = demo_portal.settings.home
    args = ["extension", "grant", "--round", ROUND, "--unit", "JZKF-CXCY", "--due", "2025-10-25"]
    done = cli(*args, "--reason", "系统故障", "--user", "office", home=home)
    assert done.returncode == 0, done.stderr
    listed = cli("extension", "list", "--round", ROUND, "--json", home=home)
    (row,) = json.loads(listed.stdout)
    assert (row["unit"], row["due_date"], row["state"], row["granted_by"]) == (
        "JZKF-CXCY",
        "2025-10-25",
        "active",
        "office",
    )
    revoked = cli(
        "extension", "revoke", str(row["extension_id"]), "--reason", "误批", "--user", "office", home=home
    )
    assert revoked.returncode == 0, revoked.stderr
    assert "截止日期现为 2025-10-15" in revoked.stdout
    closed = ["extension", "grant", "--round", "2025Q2", "--unit", "JZKF-CXCY", "--due", "2025-07-25"]
    asked = cli(*closed, "--reason", "补登", "--user", "office", home=home)
    assert asked.returncode == 1 and "--confirm" in asked.stderr and "已截止" in asked.stderr
    confirmed = cli(*closed, "--reason", "补登", "--user", "office", "--confirm", home=home)
    assert confirmed.returncode == 0, confirmed.stderr
    text = cli("extension", "list", "--round", ROUND, "--as", "office", home=home)
    assert "已撤销" in text.stdout and "误批" in text.stdout


def test_a_units_due_date_is_the_one_its_standing_shows_granted_replaced_revoked_or_none(round_portal):
    from warehouse import extensions
    from warehouse.views import due_dates

    def both() -> tuple[dict, dict]:
        with round_portal.warehouse.connect() as con:
            standing = due_dates(con, ROUND)
            return standing, {unit: extensions.due_date(con, ROUND, unit) for unit in standing}

    grant_extension(round_portal, OFFICE, ROUND, "D", dt.date(2025, 10, 25), "系统故障")
    granted = grant_extension(round_portal, OFFICE, ROUND, "D", dt.date(2025, 10, 28), "材料待补")
    standing, looked_up = both()
    assert looked_up == standing and looked_up["D"] == dt.date(2025, 10, 28)
    assert len(set(looked_up.values())) > 1  # extended units and the round's date both appear
    revoke_extension(round_portal, OFFICE, granted.id, "故障已排除")
    standing, looked_up = both()
    assert looked_up == standing and looked_up["D"] == dt.date(2025, 10, 15)
    with round_portal.warehouse.connect() as con:
        assert extensions.due_date(con, "2031Q1", "D") is None
