"""`portal problem …` on the demo: the same checked use cases as the 问题整改 page, as named accounts;
`list --json` keys fixed; refusals and bad dates are exit codes with Chinese messages."""

import json

from tests.conftest import cli, run_cli
from tests.portal import evidence_files
from tests.portal.test_problems import PROBLEM_TEXT, _reported

LIST_KEYS = {
    "problem_id",
    "problem_title",
    "state_label",
    "unit",
    "unit_name",
    "assignee",
    "assignee_name",
    "feedback_due",
    "overdue",
    "plan",
    "source_label",
    "problem_text",
    "last_answer",
    "created_by",
    "created_at",
    "updated_at",
    "state",
}


def _json(result) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_problem_goes_add_assign_answer_return_answer_close_on_the_command_line(demo_portal, tmp_path):
    home = demo_portal.settings.home
    sid, task = _reported(demo_portal)
    added = _json(
        cli(
            "problem",
            "add",
            "--submission",
            str(sid),
            "--task",
            task,
            "--json",
            "--user",
            "office_jzkf",
            home=home,
        )
    )
    pid = added["problem_id"]
    assert (added["step"], added["state"], added["state_label"]) == ("add", "new", "已立项-待交办")
    assigned = _json(
        cli(
            "problem",
            "assign",
            str(pid),
            "--unit",
            "JZKF-CXCY",
            "--due",
            "2025-10-20",
            "--json",
            "--user",
            "office_jzkf",
            home=home,
        )
    )
    assert assigned["state"] == "assigned" and assigned["notified"] >= 1
    evidence = tmp_path / "整改报告.pdf"
    evidence.write_bytes(evidence_files.pdf())
    done = cli(
        "problem",
        "answer",
        str(pid),
        "--text",
        "已整改",
        "--evidence",
        str(evidence),
        "--user",
        "reporter",
        home=home,
    )
    assert done.returncode == 0 and "已答复" in done.stderr
    returned = cli(
        "problem", "return", str(pid), "--reason", "请补充照片", "--user", "office_jzkf", home=home
    )
    assert returned.returncode == 0, returned.stderr
    cli("problem", "answer", str(pid), "--text", "已补充", "--user", "reporter", home=home)
    closed = _json(
        cli(
            "problem",
            "close",
            str(pid),
            "--comment",
            "同意销号",
            "--json",
            "--user",
            "office_jzkf",
            home=home,
        )
    )
    assert closed["state"] == "resolved" and closed["state_label"] == "已销号"

    listed = _json(cli("problem", "list", "--json", "--as", "reporter", home=home))["problems"]
    assert [r["problem_id"] for r in listed] == [pid]
    assert set(listed[0]) == LIST_KEYS
    assert (listed[0]["problem_text"], listed[0]["last_answer"], listed[0]["overdue"]) == (
        PROBLEM_TEXT,
        "已补充",
        False,
    )
    assert listed[0]["feedback_due"] == "2025-10-20"


def test_refusals_and_usage_errors_are_exit_codes_with_chinese_messages(demo_portal):
    home = demo_portal.settings.home
    made = _json(
        cli(
            "problem",
            "add",
            "--plan",
            "YY",
            "--unit",
            "YY-KJJ",
            "--title",
            "益阳问题",
            "--text",
            "描述",
            "--source",
            "问诊",
            "--json",
            "--user",
            "office",
            home=home,
        )
    )
    outside = cli("problem", "close", str(made["problem_id"]), "--user", "office_jzkf", home=home)
    missing = cli("problem", "close", "987654", "--user", "office_jzkf", home=home)
    assert outside.returncode == missing.returncode == 1
    assert outside.stderr == missing.stderr.replace("987654", str(made["problem_id"]))
    state = cli("problem", "close", str(made["problem_id"]), "--user", "office", home=home)
    assert state.returncode == 1 and "当前状态为“已立项-待交办”" in state.stderr
    bad_date = cli(
        "problem",
        "assign",
        str(made["problem_id"]),
        "--unit",
        "YY-KJJ",
        "--due",
        "10月20日",
        "--user",
        "office",
        home=home,
    )
    assert bad_date.returncode == 2 and "YYYY-MM-DD" in bad_date.stderr
    no_user = cli("problem", "close", str(made["problem_id"]), home=home)
    assert no_user.returncode == 2 and "--user" in no_user.stderr


def test_the_real_command_lists_problems_as_json(demo_portal):
    result = run_cli("problem", "list", "--json", home=demo_portal.settings.home)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"problems": []}


def test_the_register_is_written_to_xlsx_from_the_command_line_in_the_readers_scope(demo_portal, tmp_path):
    from openpyxl import load_workbook

    home = demo_portal.settings.home
    for plan, unit in [("JZ", "JZKF-CXCY"), ("YY", "YY-KJJ")]:
        _json(
            cli(
                "problem",
                "add",
                "--plan",
                plan,
                "--unit",
                unit,
                "--title",
                f"{plan}的问题",
                "--text",
                "描述",
                "--json",
                "--user",
                "office",
                home=home,
            )
        )
    out = tmp_path / "台账.xlsx"
    done = cli("problem", "list", "--xlsx", str(out), "--as", "office_jzkf", home=home)
    assert done.returncode == 0, done.stderr
    assert "已导出问题台账（1 项）" in done.stderr
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("问题编号", "问题标题", "状态", "规划")
    assert [r[1] for r in rows[1:]] == ["JZ的问题"]
