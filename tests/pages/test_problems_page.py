"""问题整改 page: the office takes up a reported 存在问题 and 交办 it, the unit answers, the office
销号 it, every step in the audit log; overdue items counted and marked; Chinese only; user text plain."""

import pytest
from apptest_support import PEOPLE, UNIT, audit, page, signed_in, texts

from portal.core import labels as L
from portal.reporting import problems as pb
from schemas.enums import Role
from tests.actors import OFFICE, reporter
from tests.conftest import account_in
from tests.e2e.test_chinese_only_in_browser import english_words
from tests.portal.test_problems import DUE, _reported

HOSTILE = "**加粗**[链接](http://evil.example/x)"


def problems_page(username: str):
    at = page(signed_in(username), "problems.py")
    assert not at.exception, at.exception
    assert not at.error, texts(at.error)
    return at


def _shown_text(at) -> str:
    """What the page says in words: titles, captions, markdown, notices, metrics, tabs, widget labels."""
    parts = [*texts(at.title), *texts(at.caption), *texts(at.markdown), *texts(at.info), *texts(at.subheader)]
    parts += [m.label for m in at.metric] + [t.label for t in at.tabs]
    for kind in (at.button, at.selectbox, at.text_area, at.text_input, at.date_input):
        parts += [w.label for w in kind]
    return "\n".join(parts)


def test_a_reported_problem_goes_assigned_answered_closed_in_the_browser(site):
    sid, task = _reported(site)
    office = problems_page("office1")
    assert texts(office.title) == [L.PAGE_PROBLEMS]
    assert office.selectbox(key="problems_source_pick").value == (sid, task)
    office = office.button(key="problems_take_up").click().run()
    assert any("已立项" in s for s in texts(office.success)), texts(office.error)
    [pid] = pb.list_problems(site, OFFICE)["problem_id"].to_list()

    assert office.selectbox(key="problems_pick").value == pid
    assert office.selectbox(key="problems_assign_unit").value == UNIT
    office.date_input(key="problems_due").set_value(DUE)
    office = office.button(key="problems_assign").click().run()
    assert any("交办" in s for s in texts(office.success)), texts(office.error)

    clerk = problems_page("rep1")
    assert clerk.selectbox(key="problems_pick").value == pid
    clerk.text_area(key="problems_answer_text").input("已新增孵化场地。")
    clerk = clerk.button(key="problems_answer").click().run()
    assert any("已答复" in s for s in texts(clerk.success)), texts(clerk.error)

    office = problems_page("office1")
    office.text_area(key="problems_comment").input("整改到位")
    office = office.button(key="problems_close").click().run()
    assert any("已销号" in s for s in texts(office.success)), texts(office.error)
    assert pb.problem(site, OFFICE, pid)["state_label"] == "已销号"
    for action, who in [
        ("problem.add", "office1"),
        ("problem.assign", "office1"),
        ("problem.answer", "rep1"),
        ("problem.close", "office1"),
    ]:
        assert [(a, t) for a, t, _ in audit(site, action)] == [(who, str(pid))], action


def test_an_overdue_item_is_counted_and_marked_on_both_pages(site):
    pid = pb.add_by_hand(site, OFFICE, "JZ", UNIT, "逾期的问题", "描述").problem_id
    pb.assign(site, OFFICE, pid, UNIT, DUE)
    settings = site.settings.home / "settings.toml"
    kept = [x for x in settings.read_text(encoding="utf-8").splitlines() if not x.startswith("today")]
    settings.write_text("\n".join([*kept, 'today = "2025-10-25"']) + "\n", encoding="utf-8")
    for username in ("office1", "rep1"):
        at = problems_page(username)
        metrics = {m.label: m.value for m in at.metric}
        assert (metrics[L.PROBLEMS_OPEN], metrics[L.PROBLEMS_OVERDUE]) == ("1", "1"), username
        table = at.dataframe[0].value
        assert table[L.COLUMNS["overdue_mark"]].tolist() == [L.PROBLEMS_OVERDUE_MARK]
    assert len(problems_page("office1").get("vega_lite_chart")) == 1  # open/overdue by unit


@pytest.mark.parametrize("username", ["office1", "rep1", "eval1", "boss", "lead1"])
def test_the_page_speaks_chinese_and_shows_user_text_plain(site, username):
    pid = pb.add_by_hand(site, OFFICE, "JZ", UNIT, HOSTILE, HOSTILE, "问诊").problem_id
    pb.assign(site, OFFICE, pid, UNIT, DUE)
    at = problems_page(username)
    words = english_words(_shown_text(at))
    # the hostile title's own address, and account names (the sidebar names who is signed in)
    assert not [w for w in words if w not in ("http", "evil", "example", "x", *PEOPLE)], words
    if username in ("office1", "rep1", "eval1", "boss"):
        assert "\\*\\*加粗\\*\\*\\[链接\\]" in at.subheader[0].value  # escaped: shown as typed
        assert any("\\*\\*加粗\\*\\*" in m for m in texts(at.markdown))
    else:  # another unit's sign-off account: none of its unit's items
        assert texts(at.info) == [L.PROBLEMS_NONE]


def test_an_office_takes_up_a_problem_of_its_own_and_the_office_above_only_reads_it(site):
    office = problems_page("office1")
    office.selectbox(key="problems_new_plan").set_value("JZ")
    office = office.run()
    office.selectbox(key="problems_new_unit").set_value(UNIT)
    office.text_input(key="problems_new_title").input("众创空间台账缺失")
    office.text_area(key="problems_new_text").input("问诊发现在孵企业台账缺失。")
    office.text_input(key="problems_new_source").input("2025年三季度问诊")
    office = office.button(key="problems_new_save").click().run()
    assert any("已立项" in s for s in texts(office.success)), texts(office.error)
    [pid] = pb.list_problems(site, OFFICE)["problem_id"].to_list()

    account_in(site, "office_hb", Role.OFFICE_REVIEWER, offices=["HB"], platform=False)
    upper = problems_page("office_hb")
    assert upper.selectbox(key="problems_pick").value == pid
    assert [t.label for t in upper.tabs] == [
        L.PROBLEMS_TAB_LIST
    ]  # nothing to take up: it acts on no plan below
    assert not [b for b in upper.button if b.key in ("problems_assign", "problems_close", "problems_return")]
    assert "2025年三季度问诊" in "".join(texts(upper.caption))


def test_the_register_download_is_offered_to_the_office_and_the_unit(site):
    pid = pb.add_by_hand(site, OFFICE, "JZ", UNIT, "台账里的问题", "描述").problem_id
    pb.assign(site, OFFICE, pid, UNIT, DUE)
    for username in ("office1", "rep1"):
        buttons = problems_page(username).get("download_button")
        labels = [b.proto.label for b in buttons]
        assert L.PROBLEMS_REGISTER_DOWNLOAD in labels, (username, labels)
    # what the unit's button downloads: its own items, as the register (portal.reporting.problems)
    assert pb.register(site, reporter(UNIT))["问题编号"].to_list() == [pid]
