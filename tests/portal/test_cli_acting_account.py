"""The command line acts as a named account (issue 14): a command that records a decision resolves
`--user` to an existing, active account whose role may do it, through the same checked use case
as the page; anything else exits 1 with a Chinese message and writes nothing, not even an audit
line. An allowed action's audit line says it came from the command line and which
operating-system user ran it."""

from __future__ import annotations

import getpass

import pytest

from portal.accounts.auth import set_account_active
from portal.reporting.submissions import ingest
from portal.reporting.templates import build_unit_template
from schemas.enums import Role
from tests.actors import ADMIN, OFFICE
from tests.conftest import cli
from tests.xlsx_fill import fill_valid

UNIT, ROUND = "JZKF-CXCY", "2025Q3"
TABLES = ("submissions", "reviews", "audit_log", "assessment_bonus", "plans", "indicators")


def _snapshot(portal) -> dict[str, list[tuple]]:
    with portal.warehouse.connect() as con:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}


@pytest.fixture
def pending(demo_portal) -> int:
    """A submission of the demo reporter's unit awaiting review."""
    data = fill_valid(build_unit_template(demo_portal, UNIT, ROUND).data)
    result = ingest(demo_portal, OFFICE, data, "cxcy.xlsx", unit=UNIT, round_code=ROUND)
    assert result.accepted, result.report.issues
    return result.submission_id


def _refused(demo_portal, *args: str) -> str:
    """Run a command that must be refused; returns its stderr after checking nothing changed."""
    before = _snapshot(demo_portal)
    done = cli(*args, home=demo_portal.settings.home)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and not done.stdout
    assert _snapshot(demo_portal) == before
    return done.stderr


def test_review_as_an_unknown_account_exits_1_and_writes_nothing(demo_portal, pending):
    err = _refused(demo_portal, "review", str(pending), "--approve", "--comment", "x", "--user", "nobody")
    assert "账号“nobody”不存在" in err


def test_review_as_a_unit_reporter_is_refused_by_the_permission_table(demo_portal, pending):
    err = _refused(demo_portal, "review", str(pending), "--approve", "--comment", "x", "--user", "reporter")
    assert "无权审核报送" in err


def test_a_deactivated_account_cannot_act(demo_portal, pending, make_account):
    make_account(demo_portal, "office2", Role.OFFICE_REVIEWER)
    assert set_account_active(demo_portal, ADMIN, "office2", False).ok
    err = _refused(demo_portal, "review", str(pending), "--approve", "--user", "office2")
    assert "账号“office2”已停用" in err


def test_the_system_actor_is_not_an_account_anyone_can_name(demo_portal, pending):
    err = _refused(demo_portal, "review", str(pending), "--approve", "--user", "system")
    assert "不存在" in err


def test_review_as_the_office_is_recorded_under_its_name_and_audited_as_from_the_command_line(
    demo_portal, pending
):
    done = cli(
        "review",
        str(pending),
        "--approve",
        "--comment",
        "x",
        "--user",
        "office",
        home=demo_portal.settings.home,
    )
    assert done.returncode == 0, done.stderr
    assert "已通过" in done.stdout
    with demo_portal.warehouse.connect() as con:
        reviewer = con.execute("SELECT reviewer FROM reviews WHERE submission_id = ?", [pending]).fetchall()
        audit = con.execute(
            "SELECT actor FROM audit_log WHERE action = 'submission.approve' AND target = ?", [str(pending)]
        ).fetchall()
    assert reviewer == [("office",)]
    assert audit == [(f"office（命令行，系统用户 {getpass.getuser()}）",)]


def test_a_bonus_item_needs_an_evaluator(demo_portal):
    args = [
        "bonus",
        "add",
        "--plan",
        "JZ",
        "--year",
        "2025",
        "--unit",
        UNIT,
        "--points",
        "1",
        "--reason",
        "获奖",
    ]
    assert "无权录入考核加分项" in _refused(demo_portal, *args, "--user", "office")
    assert "无权录入考核加分项" in _refused(demo_portal, "bonus", "withdraw", "1", "--user", "office")


def test_a_registry_import_needs_the_office_or_an_administrator(demo_portal, tmp_path):
    from portal.registry.workbook import export_registry_xlsx

    book = tmp_path / "任务分解表.xlsx"
    book.write_bytes(export_registry_xlsx(demo_portal, ADMIN))
    assert "无权导入任务分解表" in _refused(
        demo_portal, "registry", "import", str(book), "--user", "evaluator"
    )
    done = cli("registry", "import", str(book), "--user", "admin", home=demo_portal.settings.home)
    assert done.returncode == 0, done.stderr
    with demo_portal.warehouse.connect() as con:
        actors = con.execute("SELECT actor FROM audit_log WHERE action = 'registry.import'").fetchall()
    assert actors[-1] == (f"admin（命令行，系统用户 {getpass.getuser()}）",)
    assert actors[0] == ("system",)  # the demo registry, imported at init by the system actor


def test_a_unit_reporter_may_not_load_a_closed_rounds_file(demo_portal, tmp_path):
    path = tmp_path / "q2.xlsx"
    path.write_bytes(fill_valid(build_unit_template(demo_portal, UNIT, "2025Q2").data))
    err = _refused(
        demo_portal, "ingest", str(path), "--unit", UNIT, "--round", "2025Q2", "--late", "--user", "reporter"
    )
    assert "无权在轮次截止后补报数据" in err


def test_ingest_without_an_account_is_a_usage_error_and_writes_nothing(demo_portal, tmp_path):
    path = tmp_path / "q3.xlsx"
    path.write_bytes(fill_valid(build_unit_template(demo_portal, UNIT, ROUND).data))
    before = _snapshot(demo_portal)
    done = cli("ingest", str(path), "--unit", UNIT, "--round", ROUND, home=demo_portal.settings.home)
    assert done.returncode == 2 and "--user" in done.stderr
    assert _snapshot(demo_portal) == before
