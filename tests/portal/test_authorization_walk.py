"""Every action in the permissions table × every role, against the real service that checks it.

`CALLS` must name a service call for every action in `portal.permissions.ACTIONS`: a new action
cannot ship without a call here, and the call's outcome for each role must match the table's cell
(NO: refused for any unit; OWN: allowed for the account's own unit, refused for another; ALL:
allowed for both). Allowed means the service ran and returned; refused means PermissionDenied.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from portal.accounts.auth import Account, change_password, create_account, list_accounts, sign_in
from portal.accounts.tokens import list_tokens
from portal.assessment import board as assessment_board
from portal.assessment import entries, lifecycle
from portal.assessment.assess import add_bonus
from portal.core.context import Portal
from portal.core.permissions import ACTIONS, Grant, PermissionDenied, grant
from portal.monitoring import dashboards, overview, registers, rollup
from portal.notify import log as notify_log
from portal.notify.remind import remind
from portal.ops import backup
from portal.registry import admin, rounds
from portal.registry.workbook import export_registry_json, export_registry_xlsx, import_registry
from portal.reporting import problems as pb
from portal.reporting import workflow as wf
from portal.reporting.review import grant_extension
from portal.sharing.datasets import Query, fetch
from schemas.enums import Role, SubmissionStatus
from tests.actors import ADMIN, EVALUATOR, OFFICE, reporter
from tests.portal import evidence_files
from tests.warehouse.test_assessment_facts import same_as_defined
from warehouse import assessment_facts, offices

ROUND, CLOSED_ROUND = "2025Q3", "2025Q2"
PLAN, YEAR = "JZ", 2025
PDF = evidence_files.pdf()  # a well-formed PDF: evidence is checked by structure


@dataclass
class World:
    """The filled demo with one account per role; the reporter's unit and another unit each have
    a submission awaiting review in the open round and an approved one in the closed round."""

    portal: Portal
    accounts: dict[Role, Account]
    passwords: dict[str, str]
    units: dict[str, str]  # "own"/"other" → unit code
    pending: dict[str, int]  # "own"/"other" → submission id awaiting review (open round)
    approved: dict[str, int]  # "own"/"other" → approved submission id (closed round)
    evidence: dict[str, int]  # "own"/"other" → evidence id
    registry_xlsx: bytes = b""
    calls: list[str] = field(default_factory=list)

    def original(self, target: str) -> bytes:
        """The stored file of the target unit's approved submission, fetched as the office."""
        office = self.accounts[Role.OFFICE_REVIEWER]
        return wf.original_file(self.portal, office, self.approved[target]).data


def _two_units(con) -> list[str]:
    """Units with an approved submission in the closed round and a pending one in the open round."""
    rows = con.execute(
        """
        SELECT unit FROM submissions WHERE round = ? AND status = ?
        INTERSECT
        SELECT unit FROM submissions WHERE round = ? AND status = ?
        ORDER BY unit
        """,
        [CLOSED_ROUND, SubmissionStatus.APPROVED.value, ROUND, SubmissionStatus.VALIDATED.value],
    ).fetchall()
    assert len(rows) >= 2, "the filled demo should leave several units awaiting review"
    return [rows[0][0], rows[1][0]]


def submission_ids(con, units: dict[str, str]) -> tuple[dict[str, int], dict[str, int]]:
    """Per target ("own"/"other"): its latest submission awaiting review in the open round, and
    its latest approved one in the closed round."""

    def sub(unit: str, round_code: str, status: SubmissionStatus) -> int:
        return con.execute(
            "SELECT max(id) FROM submissions WHERE unit = ? AND round = ? AND status = ?",
            [unit, round_code, status.value],
        ).fetchall()[0][0]

    pending = {t: sub(u, ROUND, SubmissionStatus.VALIDATED) for t, u in units.items()}
    approved = {t: sub(u, CLOSED_ROUND, SubmissionStatus.APPROVED) for t, u in units.items()}
    return pending, approved


@pytest.fixture(scope="module")
def world(_filled_demo_home, tmp_path_factory) -> World:
    from argon2 import PasswordHasher

    import portal.accounts.auth

    saved = portal.accounts.auth._hasher
    portal.accounts.auth._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    home = tmp_path_factory.mktemp("walk-home")
    shutil.copytree(_filled_demo_home, home, dirs_exist_ok=True)
    p = Portal.open(home)
    with p.warehouse.connect() as con:
        own, other = _two_units(con)
        pending, approved = submission_ids(con, {"own": own, "other": other})
    passwords, accounts = {}, {}
    with p.warehouse.transaction() as con:
        for role in Role:
            name = f"walk_{role.value}"
            passwords[name] = f"pw-{name}-123"
            unit = own if role in (Role.UNIT_REPORTER, Role.UNIT_LEADER) else None
            accounts[role] = create_account(p, con, name, name, role, unit, passwords[name])
    office = accounts[Role.OFFICE_REVIEWER]
    evidence = {}
    for target, sid in pending.items():
        result = wf.upload_evidence(p, office, sid, "佐证.pdf", PDF)
        assert result.ok, result.message
        evidence[target] = result.evidence_id
    world = World(
        p,
        accounts,
        passwords,
        {"own": own, "other": other},
        pending,
        approved,
        evidence,
        registry_xlsx=export_registry_xlsx(p, ADMIN),
    )
    yield world
    portal.accounts.auth._hasher = saved


@pytest.fixture(autouse=True)
def _as_a_page_run(request):
    """Each case's calls made as a page makes them (portal/ui/app.py): inside one page run of the
    world's warehouse, one cursor of the process's instance for the case, instead of the instance
    opened and closed again for every call (~70 ms of CPU each, several calls a case). Every call
    still checks role and scope itself; a call that needs the file to itself (a backup) gives the
    run's cursor back first, as on a page."""
    if "world" not in request.fixturenames:
        yield
        return
    with request.getfixturevalue("world").portal.warehouse.page_run():
        yield


@pytest.fixture(autouse=True)
def _assessment_facts_follow(request):
    """After every case that changed the world's data (an upload, a review, a restore, a registry
    import, a unit's change…), the assessment's stored facts equal their definitions (issue 16:
    warehouse/assessment_facts.py must follow every write path, or an annual score goes stale).
    Compared again only when the tables or what they are computed from moved since they were last
    found equal (a full comparison ~0.4 s, the fingerprint ~0.05 s: 167 cases change data)."""
    if "world" not in request.fixturenames:
        yield
        return
    warehouse = request.getfixturevalue("world").portal.warehouse
    before = warehouse.data_version()
    yield
    if warehouse.data_version() == before:
        return
    with warehouse.connect() as con:
        mark = assessment_facts.fingerprint(con)
        if _FACTS_FOUND_EQUAL.get(str(warehouse.path)) == mark:  # neither they nor their inputs moved
            return
        same_as_defined(con, after=request.node.name)
    _FACTS_FOUND_EQUAL[str(warehouse.path)] = mark


# warehouse path → assessment_facts.fingerprint when the tables were last found equal to their definitions
_FACTS_FOUND_EQUAL: dict[str, tuple] = {}


def _change_password(w: World, a: Account, target: str) -> None:
    old = w.passwords[a.username]
    session = sign_in(w.portal, a.username, old).session
    new = "walk-" + hashlib.sha256(old.encode()).hexdigest()[:12]  # passes the policy, never the username
    result = change_password(w.portal, session, old, new, new)
    assert result.ok, result.messages
    w.passwords[a.username] = new


def _upload_after_close(w: World, a: Account, target: str) -> None:
    """Refused is either the permission check or, for a role that may upload but not after the
    close, the round's state reported in the file's report (what the reporter sees)."""
    result = wf.upload(w.portal, a, w.units[target], CLOSED_ROUND, "late.xlsx", w.original(target))
    codes = {i.code for i in result.ingest.report.issues}
    if "round-not-open" in codes:
        raise PermissionDenied("round closed for this role", "upload.after_close")
    assert result.accepted


def _review(w: World, a: Account, target: str) -> None:
    outcome = wf.review_submission(w.portal, a, w.pending[target], wf.APPROVE, "核对无误")
    assert outcome.ok, outcome.message


def _restore(w: World, a: Account, target: str) -> None:
    outcome = backup.restore_backup_as(w.portal, a, b"not a backup", force=False)
    assert not outcome.ok  # allowed to try; this file is refused for what it is, nothing replaced


def _scheme(w: World, a: Account, target: str) -> None:
    text = assessment_board.scheme_text_as(w.portal, a, PLAN, YEAR)
    outcome = assessment_board.save_scheme_as(w.portal, a, PLAN, YEAR, text.encode("utf-8"))
    assert outcome.ok, outcome.message


def _unit(w: World, a: Account, target: str) -> None:
    outcome = admin.update_unit_as(w.portal, a, w.units[target], phone="0710-5550101")
    assert outcome.ok, outcome.message
    assert admin.list_units_as(w.portal, a).height > 0


def _move_due_date(w: World, a: Account) -> None:
    """A real change each time (setting the same date is refused as no change)."""
    w.calls.append("round.manage")
    due = dt.date(2025, 10, 15) + dt.timedelta(days=len(w.calls))
    _ok(rounds.set_due_date(w.portal, a, ROUND, due))


def _ok(outcome) -> None:
    assert outcome.ok, outcome.message


def _revoke_extension(w: World, a: Account, target: str) -> None:
    """Revoke, as `a`, an extension the platform's office has just granted the target unit."""
    granted = grant_extension(w.portal, OFFICE, ROUND, w.units[target], dt.date(2025, 10, 30), "系统故障")
    _ok(wf.revoke_unit_extension(w.portal, a, granted.id, "误批"))


# The assessment lifecycle works on a finished year: 2024 is over on the demo's clock (2025-10-10).
LC_YEAR = 2024


def _plan_of(w: World, target: str) -> str:
    with w.portal.warehouse.connect() as con:
        return offices.plans_of_unit(con, w.units[target])[0]


def _in_publicity(w: World, plan: str, call):
    """`call()` while `plan`'s year is in 公示 (opened by a platform evaluator), then back to 预评."""
    _ok(lifecycle.publish(w.portal, EVALUATOR, plan, LC_YEAR))
    try:
        return call()
    finally:
        _ok(lifecycle.reopen(w.portal, EVALUATOR, plan, LC_YEAR, "授权检查后恢复"))


def _publish(w: World, a: Account, target: str, plan: str) -> None:
    _ok(lifecycle.publish(w.portal, a, plan, LC_YEAR))
    _ok(lifecycle.reopen(w.portal, a, plan, LC_YEAR, "授权检查后恢复"))


def _object(w: World, a: Account, target: str, plan: str) -> None:
    unit = w.units[target]
    _in_publicity(
        w, plan, lambda: _ok(lifecycle.file_objection(w.portal, a, plan, LC_YEAR, unit, "得分有误"))
    )


def _answer(w: World, a: Account, target: str, plan: str) -> None:
    unit = w.units[target]

    def answer():
        _ok(lifecycle.file_objection(w.portal, reporter(unit), plan, LC_YEAR, unit, "得分有误"))
        last = lifecycle.list_objections(w.portal, EVALUATOR, plan, LC_YEAR)["objection_id"].max()
        _ok(lifecycle.answer_objection(w.portal, a, last, accept=False, reply="按细则计分"))

    _in_publicity(w, plan, answer)


def _alike(calls: list[Callable[[], object]]) -> None:
    """Several use cases of one action: each must be allowed, or each refused (the first refusal raised)."""
    refusals = []
    for call in calls:
        try:
            call()
            refusals.append(None)
        except PermissionDenied as refused:
            refusals.append(refused)
    assert len({r is None for r in refusals}) == 1, refusals
    if refusals[0] is not None:
        raise refusals[0]


def _adjust(w: World, a: Account, plan: str, unit: str) -> None:
    """Every evaluator's entry (bonus, deduction, veto, qualitative score, withdrawals) alike. The
    default scheme has no qualitative item: that call is allowed when it returns (its issue says so)."""
    deduction = entries.add_deduction(w.portal, EVALUATOR, plan, YEAR, unit, "DB", "督办事项逾期").entry_id
    veto = entries.add_veto(w.portal, EVALUATOR, plan, YEAR, unit, "数据弄虚作假", "核查属实").entry_id
    _alike(
        [
            lambda: _ok(add_bonus(w.portal, a, plan, YEAR, unit, 1.0, "获省级表彰").outcome()),
            lambda: _ok(entries.add_deduction(w.portal, a, plan, YEAR, unit, "TB", "被通报批评").outcome()),
            lambda: _ok(
                entries.add_veto(w.portal, a, plan, YEAR, unit, "数据弄虚作假", "核查属实").outcome()
            ),
            lambda: entries.set_qualitative(w.portal, a, plan, YEAR, unit, "工作创新", 1.0),
            lambda: _withdrawn(entries.withdraw_deduction(w.portal, a, deduction)),
            lambda: _withdrawn(entries.withdraw_veto(w.portal, a, veto)),
        ]
    )


def _withdrawn(outcome) -> None:
    """A withdrawal outside the scope answers as for a missing id (an outcome, not an exception)."""
    if not outcome.ok:
        raise PermissionDenied(outcome.message, "assessment.adjust")


def _unit_plan(w: World, unit: str) -> str:
    from warehouse.offices import plans_of_unit

    with w.portal.warehouse.connect() as con:
        return plans_of_unit(con, unit)[0]


def _self_score(w: World, a: Account, plan: str, unit: str) -> None:
    """A unit's 自评分: entered for the unit, and its listing read as the same account."""
    _ok(entries.set_self_score(w.portal, a, plan, YEAR, unit, "tasks", 20).outcome())
    assert entries.list_self_scores(w.portal, a, plan, YEAR)["unit"].to_list() == [unit]


PROBLEM_DUE = dt.date(2025, 10, 30)


def _problem_manage(w: World, a: Account, plan: str, unit: str) -> None:
    """问题库's office steps alike: 立项 by hand and 交办 (the rest follow the same check)."""
    added = pb.add_by_hand(w.portal, a, plan, unit, "授权检查的问题", "描述")
    pb.assign(w.portal, a, added.problem_id, unit, PROBLEM_DUE)


def _problem_answer(w: World, a: Account, plan: str, unit: str) -> None:
    """The unit's answer to an item the platform's office has taken up and assigned to it."""
    pid = pb.add_by_hand(w.portal, OFFICE, plan, unit, "授权检查的问题", "描述").problem_id
    pb.assign(w.portal, OFFICE, pid, unit, PROBLEM_DUE)
    pb.answer(w.portal, a, pid, "已整改")


Call = Callable[[World, Account, str], object]
# fmt: off
CALLS: dict[str, Call] = {
    "overview.view": lambda w, a, t: overview.unit_overview(w.portal, a, w.units[t]),
    "account.change_password": _change_password,
    "template.download": lambda w, a, t: wf.download_template(w.portal, a, w.units[t], ROUND),
    "upload.submit": lambda w, a, t: wf.upload_rounds(w.portal, a, w.units[t]),
    "upload.after_close": _upload_after_close,
    "submission.view": lambda w, a, t: wf.submission_report(w.portal, a, w.pending[t]),
    "submission.download": lambda w, a, t: wf.original_file(w.portal, a, w.approved[t]),
    "submission.review": _review,
    "submission.sign_off": lambda w, a, t: wf.sign_off_queue(w.portal, a, w.units[t]),
    "evidence.upload": lambda w, a, t: wf.upload_evidence(w.portal, a, w.pending[t], "照片.pdf", PDF),
    "evidence.download": lambda w, a, t: wf.download_evidence(w.portal, a, w.evidence[t]),
    "extension.grant": lambda w, a, t: _ok(wf.grant_unit_extension(
        w.portal, a, ROUND, w.units[t], dt.date(2025, 10, 30), "系统故障")),
    "extension.revoke": lambda w, a, t: _revoke_extension(w, a, t),
    "round.manage": lambda w, a, t: _move_due_date(w, a),
    "registry.import": lambda w, a, t: import_registry(w.portal, a, w.registry_xlsx),
    "registry.export": lambda w, a, t: export_registry_json(w.portal, a),
    "unit.manage": _unit,
    "completion.view": lambda w, a, t: dashboards.completion_board(w.portal, a, ROUND),
    "completion.export": lambda w, a, t: dashboards.export_missing_list(w.portal, a, ROUND),
    "kpi.view": lambda w, a, t: dashboards.kpi_board(w.portal, a, ROUND),
    "task_progress.view": lambda w, a, t: dashboards.task_board(w.portal, a, ROUND),
    "rollup.view": lambda w, a, t: rollup.rollup(w.portal, a, "XSSS", ROUND),
    "lists.view": lambda w, a, t: registers.enterprise_register(w.portal, a, ROUND, w.units[t]),
    "lists.double_counts": lambda w, a, t: registers.double_count_pairs(w.portal, a, ROUND),
    "assessment.view": lambda w, a, t: assessment_board.assessment_board(w.portal, a, PLAN, YEAR),
    "assessment.configure": _scheme,
    "assessment.adjust": lambda w, a, t: _adjust(w, a, PLAN, w.units[t]),
    "assessment.self_score": lambda w, a, t: _self_score(w, a, _unit_plan(w, w.units[t]), w.units[t]),
    "assessment.export": lambda w, a, t: assessment_board.export_assessment(w.portal, a, PLAN, YEAR),
    "assessment.publicity": lambda w, a, t: lifecycle.unit_result(
        w.portal, a, _plan_of(w, t), LC_YEAR, w.units[t]),
    "assessment.object": lambda w, a, t: _object(w, a, t, _plan_of(w, t)),
    "assessment.publish": lambda w, a, t: _publish(w, a, t, _plan_of(w, t)),
    "assessment.answer": lambda w, a, t: _answer(w, a, t, _plan_of(w, t)),
    "bulletin.export": lambda w, a, t: dashboards.export_bulletin(w.portal, a, ROUND),
    "bulletin.configure": lambda w, a, t: dashboards.save_bulletin_rules(w.portal, a, ROUND, PLAN, {}),
    "problem.view": lambda w, a, t: pb.list_problems(w.portal, a, unit=w.units[t]),
    "problem.manage": lambda w, a, t: _problem_manage(w, a, _plan_of(w, t), w.units[t]),
    "problem.answer": lambda w, a, t: _problem_answer(w, a, _plan_of(w, t), w.units[t]),
    "outbox.view": lambda w, a, t: notify_log.send_log(w.portal, a),
    "reminder.send": lambda w, a, t: remind(w.portal, a, ROUND, dry_run=True),
    "account.manage": lambda w, a, t: list_accounts(w.portal, a),
    "audit.view": lambda w, a, t: admin.audit_log_as(w.portal, a),
    "backup.create": lambda w, a, t: backup.create_backup_as(w.portal, a),
    "backup.download": lambda w, a, t: backup.list_backups_as(w.portal, a),
    "backup.restore": _restore,
    "data.read": lambda w, a, t: fetch(w.portal, a, "indicator-values", Query(unit=w.units[t], round=CLOSED_ROUND)),
    "token.manage": lambda w, a, t: list_tokens(w.portal, a),
}
# fmt: on


def test_every_action_in_the_table_has_a_service_call_in_the_walk():
    assert sorted(CALLS) == sorted(ACTIONS)


def _expected(cell: Grant, target: str) -> bool:
    return cell is Grant.ALL or (cell is Grant.OWN and target == "own")


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_is_allowed_or_refused_exactly_as_the_table_says(world, role, action):
    account = world.accounts[role]
    cell = grant(role, action)
    for target in ("own", "other"):
        try:
            CALLS[action](world, account, target)
            allowed = True
        except PermissionDenied as refused:
            assert refused.message  # a Chinese sentence for the person, not an internal code
            allowed = False
        assert allowed == _expected(cell, target), (role.value, action, target, cell.value)
