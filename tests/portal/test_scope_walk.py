"""The authorization walk, with scopes: every action × role for an account scoped to one office,
against a unit inside that office ("own") and a unit of another city ("other"), and the office
above it (read-only below). Same real services as tests/portal/test_authorization_walk.py.

Expected, from the permissions table and the account's scope:
- NO: refused for both units; OWN (unit accounts): allowed for their own unit only;
- ALL: allowed inside the scope, refused outside it; an action on the whole platform is refused
  to any account that is not platform-wide; the office above may read "own" but decide nothing.
An id or code outside the scope is refused in the words of a missing one (NotFound).
"""

from __future__ import annotations

import io
import shutil

import pytest
from openpyxl import load_workbook

from portal.accounts.auth import acting_account
from portal.core.context import Portal
from portal.core.errors import NotFound
from portal.core.permissions import ACTIONS, Grant, PermissionDenied, grant
from portal.core.scope import office_scope
from portal.monitoring import dashboards, rollup
from portal.notify import log as notify_log
from portal.notify.remind import remind
from portal.registry import admin
from portal.registry.workbook import export_registry_json, export_registry_xlsx, import_registry
from portal.reporting import workflow as wf
from schemas.enums import Role, SubmissionStatus
from tests.actors import ADMIN, OFFICE
from tests.conftest import account_in
from tests.portal import test_authorization_walk as walk

ROUND, CLOSED_ROUND, YEAR = walk.ROUND, walk.CLOSED_ROUND, walk.YEAR
UPPER = "upper"  # the office reviewer of the office above "own"'s office


def _candidates(con) -> list[tuple[str, str]]:
    rows = con.execute(
        """
        SELECT s.unit, u.org FROM submissions s JOIN units u ON u.code = s.unit
        WHERE s.round = ? AND s.status = ?
        INTERSECT
        SELECT s.unit, u.org FROM submissions s JOIN units u ON u.code = s.unit
        WHERE s.round = ? AND s.status = ?
        ORDER BY 1
        """,
        [CLOSED_ROUND, SubmissionStatus.APPROVED.value, ROUND, SubmissionStatus.VALIDATED.value],
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


@pytest.fixture(scope="module")
def world(_filled_demo_home, tmp_path_factory):
    from argon2 import PasswordHasher

    import portal.accounts.auth

    saved = portal.accounts.auth._hasher
    portal.accounts.auth._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    home = tmp_path_factory.mktemp("scope-walk-home")
    shutil.copytree(_filled_demo_home, home, dirs_exist_ok=True)
    p = Portal.open(home)
    with p.warehouse.connect() as con:
        candidates = _candidates(con)
        own, own_office = candidates[0]
        scope = office_scope(con, [own_office])
        other, other_office = next((u, o) for u, o in candidates if u not in scope.read_units)
        parent = con.execute("SELECT parent FROM offices WHERE code = ?", [own_office]).fetchall()[0][0]
        plans = {
            "own": con.execute(
                "SELECT DISTINCT t.plan FROM task_units tu JOIN tasks t ON t.code = tu.task WHERE tu.unit = ?",
                [own],
            ).fetchall()[0][0],
            "other": con.execute(
                "SELECT DISTINCT t.plan FROM task_units tu JOIN tasks t ON t.code = tu.task WHERE tu.unit = ?",
                [other],
            ).fetchall()[0][0],
        }

        pending, approved = walk.submission_ids(con, {"own": own, "other": other})
    accounts, passwords = {}, {}
    for role in Role:
        name = f"swalk_{role.value}"
        passwords[name] = f"pw-{name}-123"
        unit = own if role in (Role.UNIT_REPORTER, Role.UNIT_LEADER) else None
        offices = [] if unit else [own_office]
        accounts[role] = account_in(
            p, name, role, unit, offices=offices, platform=False if not unit else None
        )
    account_in(p, "swalk_other_clerk", Role.UNIT_REPORTER, other)  # so the other unit has an account to list
    accounts[UPPER] = account_in(p, "swalk_upper", Role.OFFICE_REVIEWER, offices=[parent], platform=False)
    passwords["swalk_upper"] = "pw-swalk_upper-123"
    evidence = {}
    for target, sid in pending.items():
        result = wf.upload_evidence(p, OFFICE, sid, "佐证.pdf", walk.PDF)
        assert result.ok, result.message
        evidence[target] = result.evidence_id
    w = walk.World(
        p,
        {**accounts, Role.OFFICE_REVIEWER: accounts[Role.OFFICE_REVIEWER]},
        passwords,
        {"own": own, "other": other},
        pending,
        approved,
        evidence,
        registry_xlsx=export_registry_xlsx(p, ADMIN),
    )
    w.plans = plans
    w.offices = {"own": own_office, "other": other_office}
    yield w
    portal.accounts.auth._hasher = saved


# Each case's calls inside one page run of the world's warehouse, as in the table-wide walk.
_as_a_page_run = walk._as_a_page_run
# …and the assessment's stored facts checked after every case that changed data.
_assessment_facts_follow = walk._assessment_facts_follow


def _original(w, target: str) -> bytes:
    return wf.original_file(w.portal, OFFICE, w.approved[target]).data


def _visible(shown: bool) -> None:
    """A listing is 'allowed' for a target when the target's unit is in it, 'refused' when not."""
    if not shown:
        raise PermissionDenied("not in the listing", "listing")


def _registry_import(w, a, t):
    """Own: the stored registry unchanged imports; other: a change to the other city's unit is refused."""
    if t == "own":
        result = import_registry(w.portal, a, w.registry_xlsx)
    else:
        book = load_workbook(io.BytesIO(w.registry_xlsx))
        changed = False
        for ws in book.worksheets:
            for row in ws.iter_rows():
                if row and row[0].value == w.units["other"]:
                    for cell in row:
                        if cell.value and "example.org" in str(cell.value):
                            cell.value = "changed@example.org"
                            changed = True
                    if not changed:
                        row[1].value = f"{row[1].value}（改）"
                        changed = True
        assert changed
        out = io.BytesIO()
        book.save(out)
        result = import_registry(w.portal, a, out.getvalue())
    codes = {i.code for i in result.report.issues} if hasattr(result, "report") else set()
    if any(c.startswith("registry-out-of-scope") for c in codes):
        raise PermissionDenied("out of scope", "registry.import")
    return result


def _unit(w, a, t):
    outcome = admin.update_unit_as(w.portal, a, w.units[t], phone="0710-5550101")
    if not outcome.ok and "不存在" in outcome.message:
        raise NotFound(outcome.message)
    assert outcome.ok, outcome.message


# Calls that name the target's plan, office or unit where the table-wide walk asks for everything.
# fmt: off
SCOPED: dict = {
    "upload.after_close": lambda w, a, t: _after_close(w, a, t),
    "registry.import": _registry_import,
    "registry.export": lambda w, a, t: _visible(
        any(u["code"] == w.units[t] for u in export_registry_json(w.portal, a)["units"])),
    "unit.manage": _unit,
    "completion.view": lambda w, a, t: dashboards.completion_board(w.portal, a, ROUND, plan=w.plans[t]),
    "completion.export": lambda w, a, t: dashboards.export_missing_list(w.portal, a, ROUND, plan=w.plans[t]),
    "kpi.view": lambda w, a, t: dashboards.kpi_board(w.portal, a, ROUND, plan=w.plans[t]),
    "task_progress.view": lambda w, a, t: dashboards.task_board(w.portal, a, ROUND, plan=w.plans[t]),
    "rollup.view": lambda w, a, t: rollup.rollup(w.portal, a, w.offices[t], ROUND),
    "lists.view": lambda w, a, t: walk.registers.project_register(w.portal, a, w.units[t]),
    "lists.double_counts": lambda w, a, t: walk.registers.double_count_pairs(w.portal, a, ROUND, w.plans[t]),
    "assessment.view": lambda w, a, t: walk.assessment_board.assessment_board(w.portal, a, w.plans[t], YEAR),
    "assessment.configure": lambda w, a, t: _scheme(w, a, t),
    "assessment.adjust": lambda w, a, t: walk._adjust(w, a, w.plans[t], w.units[t]),
    "assessment.self_score": lambda w, a, t: walk._self_score(w, a, w.plans[t], w.units[t]),
    "assessment.export": lambda w, a, t: walk.assessment_board.export_assessment(w.portal, a, w.plans[t], YEAR),
    "assessment.publicity": lambda w, a, t: walk.lifecycle.unit_result(
        w.portal, a, w.plans[t], walk.LC_YEAR, w.units[t]),
    "assessment.object": lambda w, a, t: walk._object(w, a, t, w.plans[t]),
    "assessment.publish": lambda w, a, t: walk._publish(w, a, t, w.plans[t]),
    "assessment.answer": lambda w, a, t: walk._answer(w, a, t, w.plans[t]),
    "bulletin.export": lambda w, a, t: dashboards.export_bulletin(w.portal, a, ROUND, plan=w.plans[t]),
    "bulletin.configure": lambda w, a, t: dashboards.save_bulletin_rules(w.portal, a, ROUND, w.plans[t], {}),
    "problem.view": lambda w, a, t: walk.pb.list_problems(w.portal, a, unit=w.units[t], plan=w.plans[t]),
    "problem.manage": lambda w, a, t: walk._problem_manage(w, a, w.plans[t], w.units[t]),
    "problem.answer": lambda w, a, t: walk._problem_answer(w, a, w.plans[t], w.units[t]),
    "outbox.view": lambda w, a, t: notify_log.send_log(w.portal, a),
    "reminder.send": lambda w, a, t: remind(w.portal, a, ROUND, dry_run=True),
    "data.read": lambda w, a, t: walk.fetch(
        w.portal, a, "indicator-values", walk.Query(unit=w.units[t], round=CLOSED_ROUND)),
    "account.manage": lambda w, a, t: _visible(
        w.units[t] in set(walk.list_accounts(w.portal, a)["unit"].drop_nulls().to_list())),
}
# fmt: on
# Listings with nothing to name: checked only for who may open them (no unit to tell apart).
UNTARGETED = {"outbox.view", "reminder.send", "account.change_password"}


def _after_close(w, a, t):
    result = wf.upload(w.portal, a, w.units[t], CLOSED_ROUND, "late.xlsx", _original(w, t))
    codes = {i.code for i in result.ingest.report.issues}
    if "round-not-open" in codes:
        raise PermissionDenied("round closed for this role", "upload.after_close")
    assert result.accepted


def _scheme(w, a, t):
    text = walk.assessment_board.scheme_text_as(w.portal, a, w.plans[t], YEAR)
    outcome = walk.assessment_board.save_scheme_as(w.portal, a, w.plans[t], YEAR, text.encode("utf-8"))
    assert outcome.ok, outcome.message


def _call(action: str):
    return SCOPED.get(action) or walk.CALLS[action]


def _run(w, account, action, target) -> tuple[bool, Exception | None]:
    try:
        _call(action)(w, account, target)
    except PermissionDenied as refused:
        assert refused.message
        return False, refused
    except NotFound as refused:
        assert refused.message
        return False, refused
    return True, None


def _expected(role: Role, action: str, target: str) -> bool:
    spec = ACTIONS[action]
    cell = grant(role, action)
    if cell is Grant.NO:
        return False
    if cell is Grant.OWN:
        return target == "own"
    if spec.platform:
        return False
    return target == "own" or action in UNTARGETED


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_a_scoped_account_acts_inside_its_office_and_is_refused_outside(world, role, action):
    account = acting_account(world.portal, world.accounts[role].username)
    for target in ("own", "other"):
        allowed, _ = _run(world, account, action, target)
        assert allowed == _expected(role, action, target), (role.value, action, target)


@pytest.mark.parametrize("action", [a for a in ACTIONS if grant(Role.OFFICE_REVIEWER, a) is Grant.ALL])
def test_the_office_above_reads_its_cities_and_decides_nothing_there(world, action):
    account = acting_account(world.portal, "swalk_upper")
    spec = ACTIONS[action]
    if action in UNTARGETED or action in ("registry.import", "unit.manage", "rollup.view"):
        pytest.skip("no unit of the city to tell apart (covered by the scoped walk)")
    allowed, _ = _run(world, account, action, "own")
    assert allowed == (not spec.act and not spec.platform), action
    allowed, _ = _run(world, account, action, "other")
    assert not allowed, action


def test_another_citys_submission_is_refused_in_the_words_of_a_missing_one(world):
    account = acting_account(world.portal, world.accounts[Role.OFFICE_REVIEWER].username)
    with pytest.raises(NotFound) as outside:
        wf.submission_report(world.portal, account, world.pending["other"])
    with pytest.raises(NotFound) as missing:
        wf.submission_report(world.portal, account, 987654)
    assert outside.value.message == missing.value.message.replace("987654", str(world.pending["other"]))
