"""系统管理 services: accounts, rounds and the registry, each checked against the table and audited."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from portal.accounts.auth import (
    Account,
    add_account,
    deactivate_account,
    list_accounts,
    reset_password,
    set_account_active,
    sign_in,
)
from portal.core.permissions import PermissionDenied
from portal.monitoring.overview import unit_overview
from portal.registry.admin import (
    report_frame,
    unit_choices,
)
from portal.registry.rounds import (
    create_round,
    current_round,
    list_rounds,
    set_due_date,
    set_round_state,
)
from portal.registry.workbook import export_registry_json, export_registry_xlsx, import_registry
from schemas.enums import Role, RoundState
from tests.conftest import demo_with_accounts, private_copy

ADMIN = Account("boss", "管理员", Role.ADMIN, None)
OFFICE = Account("office1", "办公室", Role.OFFICE_REVIEWER, None)
EVALUATOR = Account("eval1", "考核组", Role.EVALUATOR, None)
REPORTER = Account("rep1", "填报员", Role.UNIT_REPORTER, "JZKF-CXCY")


ACCOUNTS = (
    ("boss", Role.ADMIN, None, "boss-password"),
    ("rep1", Role.UNIT_REPORTER, "JZKF-CXCY", "rep1-password"),
)


@pytest.fixture(scope="session")
def _admin_home(_demo_home, tmp_path_factory):
    return demo_with_accounts(tmp_path_factory, _demo_home, "admin-demo-home", ACCOUNTS)


@pytest.fixture
def portal(_admin_home, portal_home, fast_hashes):
    """A private copy of the demo with boss and rep1 (built once per run)."""
    return private_copy(_admin_home, portal_home)


def audit(portal, action):
    with portal.warehouse.connect() as con:
        return con.execute(
            "SELECT actor, target, detail FROM audit_log WHERE action = ? ORDER BY id", [action]
        ).fetchall()


def round_row(portal, code):
    with portal.warehouse.connect() as con:
        return con.execute("SELECT state, due_date FROM rounds WHERE code = ?", [code]).fetchall()[0]


# ----------------------------------------------------------------------------- accounts


def test_admin_creates_an_account_with_a_one_time_password_to_change_at_first_sign_in(portal):
    outcome = add_account(portal, ADMIN, "jfj", "经发局填报员", Role.UNIT_REPORTER, "JZKF-JFJ")
    assert outcome.ok and outcome.password and "只显示这一次" in outcome.message
    session = sign_in(portal, "jfj", outcome.password).session
    assert session.account == Account("jfj", "经发局填报员", Role.UNIT_REPORTER, "JZKF-JFJ", True)
    assert audit(portal, "account.create")[-1] == ("boss", "jfj", "role=unit_reporter unit=JZKF-JFJ")


@pytest.mark.parametrize(
    "username, name, role, unit, message",
    [
        ("x", "某人", Role.EVALUATOR, None, "用户名须为 2–32 位英文字母、数字或 _ . -。"),
        ("张三", "某人", Role.EVALUATOR, None, "用户名须为 2–32 位英文字母、数字或 _ . -。"),
        ("eval2", "  ", Role.EVALUATOR, None, "请填写姓名或单位名称。"),
        (
            "eval2",
            "某人",
            Role.EVALUATOR,
            "JZKF-JFJ",
            "只有单位的填报员和审核人账号绑定单位；其他角色请不要选择单位。",
        ),
        (
            "eval2",
            "某人",
            Role.EVALUATOR,
            None,
            "考核评价员账号须指定工作范围：选择一个或几个办公室，或选择全平台。",
        ),
        ("lead2", "某人", Role.UNIT_LEADER, None, "单位审核人账号必须绑定一个单位。"),
        ("rep2", "某人", Role.UNIT_REPORTER, None, "单位填报员账号必须绑定一个单位。"),
        ("rep2", "某人", Role.UNIT_REPORTER, "NOPE", "单位代码 NOPE 不存在。"),
        ("rep1", "某人", Role.UNIT_REPORTER, "JZKF-JFJ", "账号 rep1 已存在。"),
    ],
)
def test_bad_account_details_are_refused_with_a_reason(portal, username, name, role, unit, message):
    before = list_accounts(portal, ADMIN).height
    outcome = add_account(portal, ADMIN, username, name, role, unit)
    assert (outcome.ok, outcome.message, outcome.password) == (False, message, None)
    assert list_accounts(portal, ADMIN).height == before


@pytest.mark.parametrize("actor", [OFFICE, EVALUATOR, REPORTER], ids=lambda a: str(a.role))
def test_only_admin_manages_accounts(portal, actor):
    for call in (
        lambda: list_accounts(portal, actor),
        lambda: add_account(portal, actor, "x2", "某人", Role.EVALUATOR, None, platform=True),
        lambda: deactivate_account(portal, actor, "rep1"),
        lambda: reset_password(portal, actor, "rep1"),
        lambda: unit_choices(portal, actor),
    ):
        with pytest.raises(PermissionDenied, match="无权管理账号"):
            call()


def test_deactivating_and_reactivating_an_account_is_audited(portal):
    assert deactivate_account(portal, ADMIN, "rep1").ok
    assert not sign_in(portal, "rep1", "rep1-password").ok
    assert deactivate_account(portal, ADMIN, "rep1").message == "账号 rep1 已是停用状态。"
    assert set_account_active(portal, ADMIN, "rep1", True).ok
    assert sign_in(portal, "rep1", "rep1-password").ok
    assert audit(portal, "account.deactivate") == [("boss", "rep1", None)]
    assert audit(portal, "account.activate") == [("boss", "rep1", None)]


def test_an_admin_cannot_deactivate_itself_or_the_last_admin(portal):
    assert deactivate_account(portal, ADMIN, "boss").message == "不能停用自己正在使用的账号。"
    assert deactivate_account(portal, ADMIN, "admin").ok  # the demo admin; boss remains
    other = Account("admin", "系统管理员", Role.ADMIN, None)
    assert deactivate_account(portal, other, "boss").message == "不能停用最后一个系统管理员账号。"
    assert (
        deactivate_account(portal, ADMIN, "ghost").message
        == "账号 ghost 不存在或不在您的管辖范围内，请核对用户名。"
    )


def test_reset_password_gives_a_new_one_time_password_and_lifts_a_lock(portal):
    for _ in range(5):
        sign_in(portal, "rep1", "wrong")
    outcome = reset_password(portal, ADMIN, "rep1")
    assert outcome.ok and outcome.password
    assert not sign_in(portal, "rep1", "rep1-password").ok
    session = sign_in(portal, "rep1", outcome.password).session
    assert session.account.must_change_password
    assert audit(portal, "account.reset_password") == [("boss", "rep1", None)]


def test_the_account_list_shows_role_labels_unit_names_and_lock_state(portal):
    frame = list_accounts(portal, ADMIN)
    rep = frame.filter(frame["username"] == "rep1").row(0, named=True)
    assert (rep["role_label"], rep["unit_name"], rep["active"], rep["failed_attempts"]) == (
        "单位填报员",
        "创新创业服务中心",
        True,
        0,
    )
    assert set(frame["username"]) >= {"admin", "office", "evaluator", "reporter", "boss", "rep1"}


def test_unit_choices_are_the_active_units(portal):
    choices = dict(unit_choices(portal, ADMIN))
    assert len(choices) == 63 and choices["JZKF-CXCY"] == "创新创业服务中心"


# ----------------------------------------------------------------------------- rounds


def test_the_demo_rounds_are_listed_newest_first_with_state_labels(portal):
    frame = list_rounds(portal, OFFICE)
    assert frame["code"].to_list()[:2] == ["2025Q3", "2025Q2"]
    assert frame.row(0, named=True)["state_label"] == "填报中"
    assert frame.height == 7


def test_a_round_is_closed_reopened_closed_and_locked_with_every_step_audited(portal):
    assert set_round_state(portal, OFFICE, "2025Q3", RoundState.CLOSED).ok
    assert set_round_state(portal, ADMIN, "2025Q3", RoundState.OPEN).ok
    assert set_round_state(portal, OFFICE, "2025Q3", RoundState.CLOSED).ok
    outcome = set_round_state(portal, OFFICE, "2025Q3", RoundState.LOCKED)
    assert outcome.message == "轮次 2025Q3 已由“已截止”改为“已锁定”。"
    assert round_row(portal, "2025Q3")[0] == "locked"
    assert audit(portal, "round.state") == [
        ("office1", "2025Q3", "open→closed"),
        ("boss", "2025Q3", "closed→open"),
        ("office1", "2025Q3", "open→closed"),
        ("office1", "2025Q3", "closed→locked"),
    ]


def test_an_open_round_must_be_closed_before_it_is_locked(portal):
    outcome = set_round_state(portal, OFFICE, "2025Q3", RoundState.LOCKED)
    assert (outcome.ok, outcome.message) == (False, "轮次 2025Q3 当前为“填报中”，不能改为“已锁定”。")
    assert round_row(portal, "2025Q3")[0] == "open"


def test_a_locked_round_cannot_change_at_all(portal):
    set_round_state(portal, OFFICE, "2025Q2", RoundState.LOCKED)
    for state in RoundState:
        assert set_round_state(portal, OFFICE, "2025Q2", state).message == "轮次 2025Q2 已锁定，不能再更改。"
    refused = set_due_date(portal, OFFICE, "2025Q2", dt.date(2025, 7, 31))
    assert refused.message == "轮次 2025Q2 已锁定，不能再更改截止日期。"


def test_the_due_date_moves_later_and_the_change_is_audited(portal):
    outcome = set_due_date(portal, OFFICE, "2025Q3", dt.date(2025, 10, 20))
    assert outcome.message == "轮次 2025Q3 的截止日期已由 2025-10-15 改为 2025-10-20。"
    assert round_row(portal, "2025Q3")[1] == dt.date(2025, 10, 20)
    assert audit(portal, "round.due_date") == [("office1", "2025Q3", "2025-10-15→2025-10-20")]


def test_a_due_date_inside_the_quarter_is_refused(portal):
    outcome = set_due_date(portal, OFFICE, "2025Q3", dt.date(2025, 9, 30))
    assert (outcome.ok, outcome.message) == (False, "截止日期 2025-09-30 应晚于该季度末 2025-09-30。")


def test_a_new_round_opens_with_the_rule_due_date(portal):
    outcome = create_round(portal, OFFICE, "2025q4")
    assert outcome.message == "已新建轮次 2025Q4，状态“填报中”，截止日期 2026-01-15。"
    assert round_row(portal, "2025Q4") == ("open", dt.date(2026, 1, 15))
    assert audit(portal, "round.create") == [("office1", "2025Q4", "due=2026-01-15")]
    assert create_round(portal, OFFICE, "2025Q4").message == "轮次 2025Q4 已存在。"
    assert not create_round(portal, OFFICE, "2025-4").ok


@pytest.mark.parametrize("actor", [EVALUATOR, REPORTER], ids=lambda a: str(a.role))
def test_evaluators_and_reporters_cannot_manage_rounds(portal, actor):
    for call in (
        lambda: list_rounds(portal, actor),
        lambda: set_round_state(portal, actor, "2025Q3", RoundState.CLOSED),
        lambda: set_due_date(portal, actor, "2025Q3", dt.date(2025, 10, 20)),
        lambda: create_round(portal, actor, "2025Q4"),
    ):
        with pytest.raises(PermissionDenied, match="无权管理调度轮次"):
            call()
    assert round_row(portal, "2025Q3") == ("open", dt.date(2025, 10, 15))


def test_the_current_round_follows_the_portal_clock(portal):
    found = current_round(portal)
    assert (found.code, found.state, found.due_date) == ("2025Q3", RoundState.OPEN, dt.date(2025, 10, 15))


def test_an_extension_moves_the_units_due_date_on_its_overview_only(portal):
    with portal.warehouse.transaction() as con:
        con.execute(
            "INSERT INTO extensions (round, unit, due_date, reason, granted_by, granted_at) "
            "VALUES ('2025Q3', 'JZKF-CXCY', DATE '2025-10-25', '系统故障', 'office', now())"
        )
    assert unit_overview(portal, REPORTER, "JZKF-CXCY").due == dt.date(2025, 10, 25)
    other = Account("rep2", "经发局", Role.UNIT_REPORTER, "JZKF-JFJ")
    assert unit_overview(portal, other, "JZKF-JFJ").due == dt.date(2025, 10, 15)


# ----------------------------------------------------------------------------- registry


def test_a_broken_registry_workbook_is_reported_by_cell_and_nothing_is_replaced(portal):

    book = load_workbook(io.BytesIO(export_registry_xlsx(portal, ADMIN)))
    book["指标"]["A2"].value = None  # indicator code is required
    buf = io.BytesIO()
    book.save(buf)
    result = import_registry(portal, ADMIN, buf.getvalue())
    assert not result.loaded
    rows = report_frame(result.report)
    assert rows.columns == ["severity", "sheet", "cell", "column", "value", "message", "hint"]
    assert rows.filter(rows["cell"] == "A2").row(0, named=True)["sheet"] == "指标"
    assert not audit(portal, "registry.import")[1:]  # only the demo's own import


def test_office_reimports_the_exported_registry_and_the_import_is_audited(portal):
    data = export_registry_xlsx(portal, OFFICE)
    result = import_registry(portal, OFFICE, data)
    assert result.loaded and result.counts["indicators"] == 78
    assert audit(portal, "registry.import")[-1][0] == "office1"
    assert [r[2] for r in audit(portal, "registry.export")] == ["xlsx"]


def test_the_json_export_holds_the_registry_and_is_audited(portal):
    data = export_registry_json(portal, EVALUATOR)
    assert len(data["units"]) == 63 and len(data["rounds"]) == 7
    assert audit(portal, "registry.export") == [("eval1", None, "json")]


def test_reporters_can_neither_import_nor_export_the_registry(portal):
    with pytest.raises(PermissionDenied):
        import_registry(portal, REPORTER, b"")
    with pytest.raises(PermissionDenied):
        export_registry_json(portal, REPORTER)
    with pytest.raises(PermissionDenied):
        import_registry(portal, EVALUATOR, b"")


def test_a_report_lists_its_errors_before_its_warnings_each_in_the_order_found():
    from schemas.enums import Severity
    from schemas.issues import Issue, Report

    W, E = Severity.WARNING, Severity.ERROR
    issues = [
        Issue("text-trimmed", W, "首尾空格", "", "任务进展", "H4"),
        Issue("value-not-number", E, "不是数字", "", "指标填报", "N17"),
        Issue("text-trimmed", W, "首尾空格", "", "任务进展", "H5"),
        Issue("value-not-number", E, "不是数字", "", "指标填报", "N4"),
    ]
    frame = report_frame(Report(issues))
    assert frame.select("severity", "cell").rows() == [
        (E.label, "N17"),
        (E.label, "N4"),
        (W.label, "H4"),
        (W.label, "H5"),
    ]
