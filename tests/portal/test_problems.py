"""问题库 on the real demo warehouse: a reported 存在问题 taken up, 交办, answered, 销号 or 退回;
the trail, the audit log, the outbox, overdue items, state refusals and scope refusals."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from openpyxl import load_workbook

from portal.core.errors import Conflict, InvalidInput, NotFound
from portal.core.permissions import PermissionDenied
from portal.reporting import problems as pb
from portal.reporting import workflow as wf
from portal.reporting.templates import build_unit_template
from schemas.enums import ProblemState, Role
from tests.actors import OFFICE, reporter
from tests.conftest import account_in
from tests.portal import evidence_files
from tests.xlsx_fill import fill_valid, template_rows

UNIT, OTHER_UNIT, ROUND = "JZKF-CXCY", "JZKF-JFJ", "2025Q3"
PROBLEM_TEXT = "孵化场地不足，部分在孵企业无法扩大规模。"
DUE = dt.date(2025, 10, 20)


def _reported(portal, unit: str = UNIT, text: str = PROBLEM_TEXT) -> tuple[int, str]:
    """A real upload of `unit` for 2025Q3 with `text` as the 存在问题 of its first task."""
    template = build_unit_template(portal, unit, ROUND).data
    task = next(iter(template_rows(template)["task_progress"]))
    data = fill_valid(template, tasks={task: {"problems": text}})
    result = wf.upload(portal, reporter(unit), unit, ROUND, "填报.xlsx", data)
    assert result.ingest.accepted, result.ingest.report.summary()
    return result.ingest.submission_id, task


@pytest.fixture
def jzkf(demo_portal):
    """The 荆州经开区 office's reviewer (acts on plan JZ and its units)."""
    return account_in(demo_portal, "office_jzkf", Role.OFFICE_REVIEWER, offices=["JZKF"], platform=False)


def _audit(portal, action: str) -> list[tuple[str, str]]:
    with portal.warehouse.connect() as con:
        return con.execute(
            "SELECT actor, target FROM audit_log WHERE action = ? ORDER BY id", [action]
        ).fetchall()


def _outbox(portal, event: str) -> list[tuple[str, str]]:
    with portal.warehouse.connect() as con:
        return con.execute("SELECT unit, subject FROM outbox WHERE event = ? ORDER BY id", [event]).fetchall()


def test_a_reported_problem_goes_from_taken_up_to_assigned_answered_and_closed(demo_portal, jzkf):
    sid, task = _reported(demo_portal)
    offered = pb.candidates(demo_portal, jzkf, ROUND)
    row = offered.filter(offered["submission_id"] == sid).to_dicts()
    assert [(r["unit"], r["task"], r["problems"], r["problem_id"]) for r in row] == [
        (UNIT, task, PROBLEM_TEXT, None)
    ]

    added = pb.add_from_report(demo_portal, jzkf, sid, task)
    pid = added.problem_id
    assert added.state == ProblemState.NEW
    item = pb.problem(demo_portal, jzkf, pid)
    assert (item["problem_text"], item["unit"], item["plan"], item["source_submission"]) == (
        PROBLEM_TEXT,
        UNIT,
        "JZ",
        sid,
    )
    assert item["problem_title"] == "孵化场地不足，部分在孵企业无法扩大规模。"
    offered = pb.candidates(demo_portal, jzkf, ROUND)
    assert offered.filter(offered["submission_id"] == sid)["problem_id"].to_list() == [pid]

    assigned = pb.assign(demo_portal, jzkf, pid, UNIT, DUE)
    assert assigned.state == ProblemState.ASSIGNED and assigned.notified >= 1
    assert "2025年10月20日前反馈" in assigned.message
    [(unit, subject)] = _outbox(demo_portal, "problem_assigned")
    assert unit == UNIT and subject.startswith("【问题交办】请于2025年10月20日前反馈")

    clerk = reporter(UNIT)
    assert pb.list_problems(demo_portal, clerk, unit=UNIT)["problem_id"].to_list() == [pid]
    answered = pb.answer(
        demo_portal, clerk, pid, "已协调新增孵化场地2000平方米。", "场地协议.pdf", evidence_files.pdf()
    )
    assert answered.state == ProblemState.ANSWERED
    closed = pb.close(demo_portal, jzkf, pid, "整改到位")
    assert closed.state == ProblemState.CLOSED

    trail = pb.trail(demo_portal, clerk, pid)
    assert trail.select("step_label", "state_label", "actor", "assignee").rows() == [
        ("立项", "已立项-待交办", "office_jzkf", None),
        ("交办", "已交办-待答复", "office_jzkf", UNIT),
        ("答复", "已答复-待销号", "reporter", UNIT),
        ("销号", "已销号", "office_jzkf", UNIT),
    ]
    assert trail["event_text"].to_list()[2:] == ["已协调新增孵化场地2000平方米。", "整改到位"]
    answer_event = trail["event_id"].to_list()[2]
    kept = pb.answer_evidence(demo_portal, jzkf, answer_event)
    assert kept.data == evidence_files.pdf() and kept.name == "场地协议.pdf"
    for action, who in [
        ("problem.add", "office_jzkf"),
        ("problem.assign", "office_jzkf"),
        ("problem.answer", "reporter"),
        ("problem.close", "office_jzkf"),
    ]:
        assert _audit(demo_portal, action) == [(who, str(pid))], action


def test_a_return_sends_the_answer_back_with_its_reason_and_the_unit_answers_again(demo_portal, jzkf):
    pid = pb.add_by_hand(
        demo_portal, jzkf, "JZ", UNIT, "众创空间运营不规范", "问诊发现台账缺失。", "2025年三季度问诊"
    ).problem_id
    pb.assign(demo_portal, jzkf, pid, UNIT, DUE)
    pb.answer(demo_portal, reporter(UNIT), pid, "已整改。")
    returned = pb.send_back(demo_portal, jzkf, pid, "未附台账，请补充")
    assert returned.state == ProblemState.RETURNED and returned.notified >= 1
    [(unit, subject)] = _outbox(demo_portal, "problem_returned")
    assert unit == UNIT and "被退回" in subject
    with pytest.raises(pb.ProblemStateError, match="已退回-待重新答复"):
        pb.close(demo_portal, jzkf, pid)
    pb.answer(demo_portal, reporter(UNIT), pid, "已补充台账。")
    pb.close(demo_portal, jzkf, pid)
    steps = pb.trail(demo_portal, jzkf, pid)["step_label"].to_list()
    assert steps == ["立项", "交办", "答复", "退回", "答复", "销号"]
    assert _audit(demo_portal, "problem.return") == [("office_jzkf", str(pid))]
    item = pb.problem(demo_portal, jzkf, pid)
    assert item["source_label"] == "2025年三季度问诊" and item["last_answer"] == "已补充台账。"


@pytest.mark.parametrize(
    ("steps", "refused", "named"),
    [
        ([], "close", "已立项-待交办"),
        ([], "return", "已立项-待交办"),
        (["assign"], "close", "已交办-待答复"),
        (["assign", "answer"], "assign", "已答复-待销号"),
        (["assign", "answer", "close"], "return", "已销号"),
        (["assign", "answer", "close"], "answer", "已销号"),
    ],
)
def test_a_step_the_state_does_not_allow_is_refused_naming_the_current_state(
    demo_portal, jzkf, steps, refused, named
):
    pid = pb.add_by_hand(demo_portal, jzkf, "JZ", UNIT, "问题", "描述").problem_id
    do = {
        "assign": lambda: pb.assign(demo_portal, jzkf, pid, UNIT, DUE),
        "answer": lambda: pb.answer(demo_portal, reporter(UNIT), pid, "答复"),
        "close": lambda: pb.close(demo_portal, jzkf, pid),
        "return": lambda: pb.send_back(demo_portal, jzkf, pid, "理由"),
    }
    for step in steps:
        do[step]()
    with pytest.raises(pb.ProblemStateError) as refused_step:
        do[refused]()
    assert f"当前状态为“{named}”" in refused_step.value.message
    assert len(pb.trail(demo_portal, jzkf, pid)) == 1 + len(steps)  # nothing written


def test_the_state_machine_is_one_table_and_every_state_is_reached():
    reached = {to for _, to in pb.TRANSITIONS.values()}
    assert reached == set(ProblemState)
    assert pb.next_state(1, ProblemState.ANSWERED, pb.RETURN) == ProblemState.RETURNED


def test_an_item_past_its_due_date_and_not_closed_is_overdue(demo_portal, jzkf):
    late = pb.add_by_hand(demo_portal, jzkf, "JZ", UNIT, "逾期问题", "描述").problem_id
    done = pb.add_by_hand(demo_portal, jzkf, "JZ", OTHER_UNIT, "按期销号", "描述").problem_id
    for pid, unit in [(late, UNIT), (done, OTHER_UNIT)]:
        pb.assign(demo_portal, jzkf, pid, unit, dt.date(2025, 10, 12))
    pb.answer(demo_portal, reporter(OTHER_UNIT), done, "已整改")
    pb.close(demo_portal, jzkf, done)
    assert not pb.problem(demo_portal, jzkf, late)["overdue"]  # 10-10: not yet due

    later = type(demo_portal).open(demo_portal.settings.home, today="2025-10-20")
    board = pb.problem_board(later, jzkf, plan="JZ")
    assert (board.open, board.overdue, board.closed) == (1, 1, 1)
    assert board.items["problem_id"].to_list()[0] == late  # overdue first
    assert board.by_unit.select("unit", "open", "overdue").rows() == [(UNIT, 1, 1)]
    assert pb.problem(later, jzkf, done)["overdue"] is False


def test_an_item_outside_the_scope_is_refused_in_the_words_of_a_missing_one(demo_portal, jzkf):
    pid = pb.add_by_hand(demo_portal, OFFICE, "YY", "YY-KJJ", "益阳的问题", "描述").problem_id
    for call in (pb.trail, pb.problem, pb.close):
        with pytest.raises(NotFound) as outside:
            call(demo_portal, jzkf, pid)
        with pytest.raises(NotFound) as missing:
            call(demo_portal, jzkf, 987654)
        assert outside.value.message == missing.value.message.replace("987654", str(pid))
    assert pid not in pb.list_problems(demo_portal, jzkf)["problem_id"].to_list()
    with pytest.raises(NotFound):
        pb.add_by_hand(demo_portal, jzkf, "YY", "YY-KJJ", "越权", "描述")
    with pytest.raises(NotFound):
        pb.assign(demo_portal, OFFICE, pid, "NO-SUCH-UNIT", DUE)


def test_only_the_assigned_unit_answers_and_another_unit_cannot_tell_the_item_exists(demo_portal, jzkf):
    pid = pb.add_by_hand(demo_portal, jzkf, "JZ", UNIT, "问题", "描述").problem_id
    with pytest.raises(PermissionDenied) as before_assignment:
        pb.answer(demo_portal, reporter(UNIT), pid, "答复")  # not yet 交办: not the unit's item yet
    pb.assign(demo_portal, jzkf, pid, UNIT, DUE)
    with pytest.raises(PermissionDenied) as other:
        pb.answer(demo_portal, reporter(OTHER_UNIT), pid, "答复")
    with pytest.raises(PermissionDenied) as missing:
        pb.answer(demo_portal, reporter(OTHER_UNIT), 987654, "答复")
    assert other.value.message == missing.value.message
    assert "只能访问本单位" in before_assignment.value.message
    assert pb.list_problems(demo_portal, reporter(OTHER_UNIT), unit=OTHER_UNIT).is_empty()
    with pytest.raises(PermissionDenied):
        pb.answer(demo_portal, jzkf, pid, "办公室不能代答")
    leader = account_in(demo_portal, "leader_cxcy", Role.UNIT_LEADER, unit=UNIT)
    assert pb.answer(demo_portal, leader, pid, "单位审核人答复").state == ProblemState.ANSWERED


def test_the_office_above_reads_the_item_but_takes_no_step(demo_portal, jzkf):
    pid = pb.add_by_hand(demo_portal, jzkf, "JZ", UNIT, "问题", "描述").problem_id
    upper = account_in(demo_portal, "office_jz_upper", Role.OFFICE_REVIEWER, offices=["JZ"], platform=False)
    assert pid in pb.list_problems(demo_portal, upper)["problem_id"].to_list()
    assert len(pb.trail(demo_portal, upper, pid)) == 1
    with pytest.raises(PermissionDenied, match="只读"):
        pb.assign(demo_portal, upper, pid, UNIT, DUE)
    with pytest.raises(PermissionDenied, match="只读"):
        pb.add_by_hand(demo_portal, upper, "JZ", UNIT, "问题", "描述")


def test_taking_up_needs_a_real_problem_once_from_a_submission_the_office_has(demo_portal, jzkf):
    sid, task = _reported(demo_portal)
    pb.add_from_report(demo_portal, jzkf, sid, task)
    with pytest.raises(Conflict, match="已经立项"):
        pb.add_from_report(demo_portal, jzkf, sid, task)
    none_sid, none_task = _reported(demo_portal, OTHER_UNIT, "无。")
    with pytest.raises(InvalidInput, match="没有填写存在问题"):
        pb.add_from_report(demo_portal, jzkf, none_sid, none_task)
    assert none_sid not in pb.candidates(demo_portal, jzkf, ROUND)["submission_id"].to_list()
    with pytest.raises(InvalidInput, match="早于今天"):
        pid = pb.add_by_hand(demo_portal, jzkf, "JZ", UNIT, "问题", "描述").problem_id
        pb.assign(demo_portal, jzkf, pid, UNIT, dt.date(2025, 10, 1))
    with pytest.raises(InvalidInput, match="问题描述"):
        pb.add_by_hand(demo_portal, jzkf, "JZ", UNIT, "问题", "  ")


def test_a_bad_evidence_file_is_refused_and_nothing_is_recorded(demo_portal, jzkf):
    pid = pb.add_by_hand(demo_portal, jzkf, "JZ", UNIT, "问题", "描述").problem_id
    pb.assign(demo_portal, jzkf, pid, UNIT, DUE)
    with pytest.raises(InvalidInput, match="佐证材料未接收"):
        pb.answer(demo_portal, reporter(UNIT), pid, "答复", "宏.pdf", b"MZ\x90\x00 not a pdf")
    assert pb.problem(demo_portal, jzkf, pid)["state"] == ProblemState.ASSIGNED.value


def test_the_register_download_is_the_scoped_items_with_days_overdue_and_last_step(demo_portal, jzkf):
    evil = '=HYPERLINK("http://evil.example","点我")'
    late = pb.add_by_hand(demo_portal, jzkf, "JZ", UNIT, evil, "描述").problem_id
    done = pb.add_by_hand(demo_portal, jzkf, "JZ", OTHER_UNIT, "按期销号", "描述").problem_id
    for pid, unit in [(late, UNIT), (done, OTHER_UNIT)]:
        pb.assign(demo_portal, jzkf, pid, unit, dt.date(2025, 10, 12))
    pb.answer(demo_portal, reporter(OTHER_UNIT), done, "已整改")
    pb.close(demo_portal, jzkf, done)
    pb.add_by_hand(demo_portal, OFFICE, "YY", "YY-KJJ", "益阳的问题", "描述")  # not the office's

    later = type(demo_portal).open(demo_portal.settings.home, today="2025-10-20")
    book = load_workbook(io.BytesIO(pb.register_xlsx(later, jzkf)))
    ws = book[pb.REGISTER_SHEET]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0] == list(pb.REGISTER_HEADERS.values())
    shown = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert set(shown) == {late, done}  # the YY item is outside the office's scope
    assert shown[late]["逾期天数"] == 8 and shown[late]["最近一步"] == "交办"
    assert shown[late]["状态"] == "已交办-待答复" and shown[late]["责任单位"] == "创新创业服务中心"
    assert shown[late]["反馈期限"].date() == dt.date(2025, 10, 12)
    assert (shown[done]["逾期天数"], shown[done]["最近一步"], shown[done]["最近一步操作人"]) == (
        None,
        "销号",
        "office_jzkf",
    )
    # a title typed like a formula stays text (quote prefix), never a formula
    cell = next(c for c in ws["B"] if c.value == evil)
    assert cell.data_type == "s" and cell.quotePrefix
    with zipfile.ZipFile(io.BytesIO(pb.register_xlsx(later, jzkf))) as z:
        assert "<f>" not in z.read("xl/worksheets/sheet1.xml").decode()
    # a unit's clerk gets only what is assigned to it
    mine = pb.register(later, reporter(UNIT))
    assert mine["问题编号"].to_list() == [late]
