"""The four actions that had no service: 操作日志 (audit.view), 责任单位 (unit.manage), 任务进展
(task_progress.view) and the scoring scheme (assessment.configure). Each is refused outside the
permission table, does the real thing on a real warehouse when allowed, and audits what it changes."""

import datetime as dt

import pytest

from portal.accounts.auth import Account
from portal.assessment.assess import assess
from portal.assessment.board import save_scheme_as, scheme_text_as
from portal.assessment.scheme import default_text
from portal.core.permissions import PermissionDenied, allowed
from portal.monitoring.dashboards import completion_board, task_board
from portal.registry.admin import audit_choices_as, audit_log_as, list_units_as, update_unit_as
from schemas.enums import Role
from warehouse.views import UnknownRound

REPORTER = Account("rep1", "填报员", Role.UNIT_REPORTER, "JZKF-CXCY")
OFFICE = Account("office1", "办公室", Role.OFFICE_REVIEWER, None)
EVALUATOR = Account("eval1", "考核组", Role.EVALUATOR, None)
ADMIN = Account("boss", "管理员", Role.ADMIN, None)
EVERYONE = [REPORTER, OFFICE, EVALUATOR, ADMIN]
ROUND = "2025Q3"


def who(action: str, allowed_: bool) -> list[Account]:
    return [a for a in EVERYONE if allowed(a, action) is allowed_]


def audit_rows(portal, action: str) -> list[tuple]:
    with portal.warehouse.connect() as con:
        return con.execute(
            "SELECT actor, target, detail FROM audit_log WHERE action = ? ORDER BY id", [action]
        ).fetchall()


def unit_row(portal, code: str) -> tuple:
    with portal.warehouse.connect() as con:
        return con.execute("SELECT contact, phone, active FROM units WHERE code = ?", [code]).fetchall()[0]


# --------------------------------------------------------------------------- 操作日志 (audit.view)


def test_only_the_admin_reads_the_audit_log():
    assert who("audit.view", True) == [ADMIN]


@pytest.mark.parametrize("account", who("audit.view", False), ids=lambda a: a.username)
def test_the_audit_log_is_refused_to_every_other_role(demo_portal, account):
    with pytest.raises(PermissionDenied, match="无权查看操作日志"):
        audit_log_as(demo_portal, account)
    with pytest.raises(PermissionDenied):
        audit_choices_as(demo_portal, account)


def test_the_audit_log_is_newest_first_with_chinese_action_names(demo_portal):
    update_unit_as(demo_portal, OFFICE, "JZKF-JFJ", phone="0716-1234567")
    update_unit_as(demo_portal, ADMIN, "JZKF-JFJ", contact="王五")
    log = audit_log_as(demo_portal, ADMIN)
    assert log.columns == ["logged_at", "actor", "action", "action_label", "target", "detail", "detail_text"]
    assert log["logged_at"].is_sorted(descending=True)
    first, second = log.head(2).iter_rows(named=True)
    assert (first["actor"], first["action"], first["action_label"]) == ("boss", "unit.update", "修改责任单位")
    assert first["detail_text"] == "联系人：科技联络员(演示) → 王五"  # was "contact: '…' -> '王五'"
    assert (second["actor"], second["target"]) == ("office1", "JZKF-JFJ")
    assert "registry.import" in set(log["action"])
    labels = dict(zip(log["action"], log["action_label"], strict=True))
    assert labels["registry.import"] == "导入任务分解表"  # the permission table's label


def test_the_audit_log_filters_by_action_and_actor_and_limits_rows(demo_portal):
    update_unit_as(demo_portal, OFFICE, "JZKF-JFJ", phone="1")
    update_unit_as(demo_portal, ADMIN, "JZKF-JFJ", phone="2")
    assert audit_log_as(demo_portal, ADMIN, action="unit.update").height == 2
    only = audit_log_as(demo_portal, ADMIN, action="unit.update", actor="office1")
    assert only.select("actor", "target").rows() == [("office1", "JZKF-JFJ")]
    assert audit_log_as(demo_portal, ADMIN, limit=1).height == 1
    assert audit_log_as(demo_portal, ADMIN, actor="nobody").is_empty()
    actions, actors = audit_choices_as(demo_portal, ADMIN)
    assert ("unit.update", "修改责任单位") in actions and {"office1", "boss"} <= set(actors)


# --------------------------------------------------------------------------- 责任单位 (unit.manage)


def test_office_and_admin_manage_units():
    assert who("unit.manage", True) == [OFFICE, ADMIN]


@pytest.mark.parametrize("account", who("unit.manage", False), ids=lambda a: a.username)
def test_units_are_refused_to_reporters_and_evaluators(demo_portal, account):
    with pytest.raises(PermissionDenied, match="无权管理责任单位"):
        list_units_as(demo_portal, account)
    with pytest.raises(PermissionDenied, match="无权管理责任单位"):
        update_unit_as(demo_portal, account, "JZKF-JFJ", phone="1")
    assert unit_row(demo_portal, "JZKF-JFJ")[1] == "0716-5550103"


@pytest.mark.parametrize("account", [OFFICE, ADMIN], ids=lambda a: a.username)
def test_every_unit_is_listed_with_its_kind_in_chinese(demo_portal, account):
    units = list_units_as(demo_portal, account)
    assert units.height == 63
    assert units.columns == [
        "code", "name", "kind", "kind_label", "parent", "contact", "phone", "emails", "webhook", "active", "assumed"
    ]  # fmt: skip
    jfj = units.filter(units["code"] == "JZKF-JFJ").row(0, named=True)
    assert (jfj["name"], jfj["kind"], jfj["kind_label"], jfj["active"]) == (
        "经发局",
        "department",
        "部门",
        True,
    )


def test_updating_a_unit_changes_only_the_fields_given_and_is_audited(demo_portal):
    outcome = update_unit_as(demo_portal, OFFICE, "JZKF-JFJ", phone=" 0716-8888888 ")
    assert outcome.ok and outcome.message == "已修改责任单位 JZKF-JFJ 经发局：联系电话。"
    assert unit_row(demo_portal, "JZKF-JFJ") == ("科技联络员(演示)", "0716-8888888", True)
    assert audit_rows(demo_portal, "unit.update") == [
        ("office1", "JZKF-JFJ", "phone: '0716-5550103' -> '0716-8888888'")
    ]
    outcome = update_unit_as(demo_portal, ADMIN, "JZKF-JFJ", contact="", phone="0716-8888888")
    assert outcome.ok and outcome.message == "已修改责任单位 JZKF-JFJ 经发局：联系人。"
    assert unit_row(demo_portal, "JZKF-JFJ") == (None, "0716-8888888", True)


def test_an_unchanged_unit_writes_nothing_to_the_log(demo_portal):
    outcome = update_unit_as(demo_portal, OFFICE, "JZKF-JFJ", phone="0716-5550103", active=True)
    assert outcome.ok and outcome.message == "责任单位 JZKF-JFJ 经发局 的信息没有变化。"
    assert audit_rows(demo_portal, "unit.update") == []


@pytest.mark.parametrize(
    ("code", "fields", "message"),
    [
        ("NO-SUCH", {"phone": "1"}, "单位“NO-SUCH”不存在或不在您的管辖范围内，请核对单位代码。"),
        ("JZKF-JFJ", {}, "没有要修改的内容。"),
        ("JZKF-JFJ", {"contact": "长" * 101}, "联系人不能超过 100 个字。"),
    ],
)
def test_bad_unit_updates_are_refused_in_chinese(demo_portal, code, fields, message):
    outcome = update_unit_as(demo_portal, OFFICE, code, **fields)
    assert (outcome.ok, outcome.message) == (False, message)
    assert audit_rows(demo_portal, "unit.update") == []


def test_a_deactivated_unit_is_no_longer_expected_to_report(demo_portal):
    before = completion_board(demo_portal, OFFICE, ROUND)
    assert "JZKF-JFJ" in set(before.units["unit"])
    outcome = update_unit_as(demo_portal, ADMIN, "JZKF-JFJ", active=False)
    assert outcome.ok and outcome.message == "已修改责任单位 JZKF-JFJ 经发局：停用（不再计入应报单位）。"
    after = completion_board(demo_portal, OFFICE, ROUND)
    assert "JZKF-JFJ" not in set(after.units["unit"])
    assert after.expected == before.expected - 1
    assert update_unit_as(demo_portal, ADMIN, "JZKF-JFJ", active=True).message.endswith("：启用。")
    assert completion_board(demo_portal, OFFICE, ROUND).expected == before.expected


# --------------------------------------------------------------------------- 任务进展 (task_progress.view)


def test_office_evaluator_and_admin_see_task_progress():
    assert who("task_progress.view", True) == [OFFICE, EVALUATOR, ADMIN]


def test_task_progress_is_refused_to_a_unit_reporter(demo_portal):
    with pytest.raises(PermissionDenied, match="无权查看任务进展"):
        task_board(demo_portal, REPORTER, ROUND)


@pytest.mark.slow
@pytest.mark.parametrize("account", [OFFICE, EVALUATOR, ADMIN], ids=lambda a: a.username)
def test_every_task_shows_its_lead_and_helpers_side_by_side(filled_demo_portal, account):
    board = task_board(filled_demo_portal, account, ROUND)
    assert board.tasks.height == 104 and board.tasks["task"].n_unique() == 104
    reported = board.tasks.filter(board.tasks["lead_status"].is_not_null())
    assert reported.height > 0
    row = reported.filter(reported["helper_count"] > 0).row(0, named=True)
    assert row["lead_status_label"] in {"已完成", "推进中", "滞后", "未启动"}
    helpers = row["helpers_text"].split("；")
    assert len(helpers) == row["helper_count"]
    for helper in row["helpers"]:
        status = "未报送" if helper["status"] is None else None
        assert any(h.startswith(f"{helper['name']}：{status or ''}") for h in helpers)
    counts = dict(zip(board.counts["status_label"], board.counts["tasks"], strict=True))
    assert sum(counts.values()) == 104
    assert counts["未报送"] == board.tasks["lead_status"].null_count()


@pytest.mark.slow
def test_overdue_tasks_are_the_flagged_ones_with_reasons(filled_demo_portal):
    board = task_board(filled_demo_portal, EVALUATOR, ROUND)
    assert board.overdue.height > 0
    assert set(board.overdue["task"]) == set(board.tasks.filter(board.tasks["overdue"])["task"])
    assert (board.overdue["overdue_text"] != "").all()
    behind = board.overdue.filter(board.overdue["lead_status"] == "behind")
    assert (behind["overdue_text"].str.contains("有单位报告滞后")).all()


@pytest.mark.slow
def test_the_task_board_filters_by_plan_and_by_any_responsible_unit(filled_demo_portal):
    board = task_board(filled_demo_portal, OFFICE, ROUND, plan="JZ")
    assert board.tasks.height > 0 and set(board.tasks["plan"]) == {"JZ"}
    one = task_board(filled_demo_portal, OFFICE, ROUND, unit="JZKF-JFJ")
    assert one.tasks.height > 0
    for row in one.tasks.iter_rows(named=True):
        assert row["lead_unit"] == "JZKF-JFJ" or "JZKF-JFJ" in {h["unit"] for h in row["helpers"]}
    assert ("JZKF-JFJ", "经发局") in one.units


def test_an_unknown_round_is_a_chinese_error(demo_portal):
    with pytest.raises(UnknownRound):
        task_board(demo_portal, OFFICE, "2031Q1")


# --------------------------------------------------------------------------- 考核方案 (assessment.configure)

PLAN, YEAR = "JZ", 2025
LATE_DAY = "[reporting]\nper_late_day = 0.5  # 迟报每天扣分\n"


def test_only_evaluators_configure_the_scheme():
    assert who("assessment.configure", True) == [EVALUATOR]


@pytest.mark.parametrize("account", who("assessment.configure", False), ids=lambda a: a.username)
def test_the_scheme_is_refused_to_every_other_role(demo_portal, account):
    with pytest.raises(PermissionDenied, match="无权配置考核方案"):
        scheme_text_as(demo_portal, account, PLAN, YEAR)
    with pytest.raises(PermissionDenied, match="无权配置考核方案"):
        save_scheme_as(demo_portal, account, PLAN, YEAR, LATE_DAY.encode())
    assert not (demo_portal.settings.home / "scoring" / f"{PLAN}-{YEAR}.toml").exists()


def test_without_a_file_the_shipped_default_is_in_force(demo_portal):
    assert scheme_text_as(demo_portal, EVALUATOR, PLAN, YEAR) == default_text()


def test_a_valid_scheme_is_saved_where_the_assessment_reads_it_and_audited(demo_portal):
    outcome = save_scheme_as(demo_portal, EVALUATOR, PLAN, YEAR, LATE_DAY.encode("utf-8"))
    assert outcome.ok, outcome.message
    assert outcome.message == "已保存 JZ 2025 年的考核方案（scoring/JZ-2025.toml），重新计算后生效。"
    path = demo_portal.settings.home / "scoring" / "JZ-2025.toml"
    assert path.read_text(encoding="utf-8") == LATE_DAY
    assert scheme_text_as(demo_portal, EVALUATOR, PLAN, YEAR) == LATE_DAY
    assessed = assess(demo_portal, EVALUATOR, PLAN, YEAR)
    assert assessed.ok and assessed.scheme.per_late_day == 0.5
    assert "scoring/JZ-2025.toml" in assessed.scheme.sources
    assert scheme_text_as(demo_portal, EVALUATOR, PLAN, 2024) == default_text()  # other years untouched
    ((actor, target, detail),) = audit_rows(demo_portal, "assessment.configure")
    assert (actor, target) == ("eval1", "JZ/2025") and detail.startswith("scoring/JZ-2025.toml sha256=")


def test_a_scheme_replaces_the_previous_file_for_that_year(demo_portal):
    assert save_scheme_as(demo_portal, EVALUATOR, PLAN, YEAR, LATE_DAY.encode()).ok
    # The new file must stand on its own over the default: the old one is not layered under it.
    assert save_scheme_as(demo_portal, EVALUATOR, PLAN, YEAR, b"[bonus]\nmax_total = 3.0\n").ok
    scheme = assess(demo_portal, EVALUATOR, PLAN, YEAR).scheme
    assert (scheme.bonus_max, scheme.per_late_day) == (3.0, 0.2)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            b"[points]\nindicators = 70\n",
            "考核方案有错误，未保存：各项分值合计 110（指标完成 70 + 任务推进 30 + 报送质量 10），"
            "不等于满分 100（默认方案 + scoring/JZ-2025.toml）。",
        ),
        (
            b"[bonus]\nmaximum = 3\n",
            "考核方案有错误，未保存：评分方案文件 scoring/JZ-2025.toml 中有未知设置项“bonus.maximum”。",
        ),
        (b"full_marks = [", "考核方案有错误，未保存：评分方案文件 scoring/JZ-2025.toml 不是有效的 TOML："),
        (
            b"\xff\xfe\x00",
            "考核方案有错误，未保存：评分方案文件 scoring/JZ-2025.toml 不是有效的 TOML：文件不是 UTF-8 编码的文字。",
        ),
    ],
)
def test_an_invalid_scheme_is_not_saved_and_says_why_in_chinese(demo_portal, text, message):
    outcome = save_scheme_as(demo_portal, EVALUATOR, PLAN, YEAR, text)
    assert not outcome.ok
    assert outcome.message.startswith(message), outcome.message
    assert not (demo_portal.settings.home / "scoring" / "JZ-2025.toml").exists()
    assert audit_rows(demo_portal, "assessment.configure") == []


def test_a_previous_scheme_survives_a_rejected_upload(demo_portal):
    assert save_scheme_as(demo_portal, EVALUATOR, PLAN, YEAR, LATE_DAY.encode()).ok
    assert not save_scheme_as(demo_portal, EVALUATOR, PLAN, YEAR, b"[points]\ntasks = -1\n").ok
    assert scheme_text_as(demo_portal, EVALUATOR, PLAN, YEAR) == LATE_DAY


@pytest.mark.parametrize(
    ("plan", "year", "message"),
    [
        ("NOPE", 2025, "规划“NOPE”不存在或不在您的管辖范围内，请核对规划代码。"),
        ("JZ", 2030, "2030 年不在规划 JZ 的规划期（2023—2025 年）内。"),
    ],
)
def test_a_scheme_for_an_unknown_plan_or_year_is_refused(demo_portal, plan, year, message):
    outcome = save_scheme_as(demo_portal, EVALUATOR, plan, year, LATE_DAY.encode())
    assert (outcome.ok, outcome.message) == (False, message)
    assert not (demo_portal.settings.home / "scoring").exists() or not any(
        (demo_portal.settings.home / "scoring").iterdir()
    )


def test_the_clock_is_the_portals(demo_portal):
    """Audit rows carry the portal's clock, so the log orders with the rest of the demo's history."""
    update_unit_as(demo_portal, ADMIN, "JZKF-JFJ", phone="1")
    logged = audit_log_as(demo_portal, ADMIN, action="unit.update")["logged_at"][0]
    assert logged.date() == demo_portal.settings.today() == dt.date(2025, 10, 10)


def test_an_upload_is_checked_over_the_plan_wide_file_it_will_be_layered_on(demo_portal):
    folder = demo_portal.settings.home / "scoring"
    folder.mkdir()
    (folder / "JZ.toml").write_text("[points]\nindicators = 70\ntasks = 20\n", encoding="utf-8")
    assert scheme_text_as(demo_portal, EVALUATOR, PLAN, YEAR).startswith("[points]\nindicators = 70")
    outcome = save_scheme_as(demo_portal, EVALUATOR, PLAN, YEAR, b"[points]\ntasks = 30\n")
    assert not outcome.ok and "scoring/JZ.toml + scoring/JZ-2025.toml" in outcome.message
    assert save_scheme_as(demo_portal, EVALUATOR, PLAN, YEAR, b"[points]\ntasks = 20\nreporting = 10\n").ok
    assert assess(demo_portal, EVALUATOR, PLAN, YEAR).scheme.sources == (
        "默认方案",
        "scoring/JZ.toml",
        "scoring/JZ-2025.toml",
    )


def test_the_audit_log_filters_by_a_date_range_with_both_ends_included(demo_portal):
    home = demo_portal.settings.home
    for day, phone in (("2025-10-01", "1"), ("2025-10-02", "2"), ("2025-10-03", "3")):
        update_unit_as(type(demo_portal).open(home, today=day), OFFICE, "JZKF-JFJ", phone=phone)

    def days(**between) -> list[str]:
        log = audit_log_as(demo_portal, ADMIN, action="unit.update", **between)
        return sorted(str(t.date()) for t in log["logged_at"])

    assert days(since=dt.date(2025, 10, 2)) == ["2025-10-02", "2025-10-03"]
    assert days(until=dt.date(2025, 10, 2)) == ["2025-10-01", "2025-10-02"]
    assert days(since=dt.date(2025, 10, 2), until=dt.date(2025, 10, 2)) == ["2025-10-02"]
    assert days(since=dt.date(2025, 10, 3), until=dt.date(2025, 10, 1)) == []
