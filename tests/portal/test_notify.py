"""Notifications against real servers on this machine: an SMTP server (aiosmtpd) and an HTTP
receiver for the group robots. Messages go through the outbox: queued in the event's transaction,
delivered by the sender, retried after a failure, never sent twice for one event and recipient."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from portal.core.context import Portal
from portal.notify import log as notify_log
from portal.notify.remind import remind
from portal.notify.sender import LEASE, backoff, send_outbox
from portal.registry import admin
from portal.registry.rounds import set_round_state
from portal.reporting.review import APPROVE, RETURN, ItemComment, grant_extension, review, revoke_extension
from portal.reporting.submissions import ingest
from schemas.enums import RoundState
from tests.actors import ADMIN, OFFICE, reporter
from tests.conftest import cli as cli_here
from tests.conftest import run_cli
from tests.portal.notify_servers import RobotReceiver, SmtpServer
from tests.portal.reliability_support import cli, filled
from warehouse import outbox
from warehouse.outbox import Message
from warehouse.views import completion

ROUND = "2025Q3"
DUE_TEXT = "2025年10月15日"
SOON = "2025-10-12"  # three days before 2025Q3's due date (2025-10-15)
UNIT = "JZKF-CXCY"
UNIT_EMAIL = "jzkf-cxcy@example.org"


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def robots():
    receiver = RobotReceiver(dingtalk_secret="SECdemo").start()
    yield receiver
    receiver.stop()


def _portal(home, smtp: SmtpServer, **more) -> Portal:
    return Portal.open(home, smtp_host="127.0.0.1", smtp_port=smtp.port, **more)


def _use_robot(portal: Portal, robots: RobotReceiver) -> str:
    """Point the demo office's robot (127.0.0.1:8765) at this test's receiver, signed."""
    url = robots.url("/robot/send?access_token=demo#secret=SECdemo")
    with portal.warehouse.transaction() as con:
        con.execute("UPDATE offices SET webhook = ? WHERE webhook IS NOT NULL", [url])
    return url


def _queue(portal: Portal, *messages: Message) -> None:
    with portal.warehouse.transaction() as con:
        outbox.enqueue(con, list(messages), portal.settings.now())


def _mail(key: str, to: str, subject: str = "【测试】通知") -> Message:
    return Message(key, "due_soon", "email", to, subject, f"{subject}正文", round=ROUND)


# ----------------------------------------------------------------------------- acceptance


@pytest.mark.slow  # two real `portal` processes each way on a demo copy (~30 s)
def test_remind_on_the_demo_delivers_one_due_soon_email_per_unreported_unit_and_nothing_new_again(
    demo_portal, smtp, robots
):
    home = demo_portal.settings.home
    _use_robot(demo_portal, robots)
    settings = home / "settings.toml"
    kept = [
        line for line in settings.read_text(encoding="utf-8").splitlines() if not line.startswith("today")
    ]
    extra = [f'today = "{SOON}"', 'smtp_host = "127.0.0.1"', f"smtp_port = {smtp.port}"]
    settings.write_text("\n".join(kept + extra) + "\n", encoding="utf-8")
    portal = Portal.open(home)
    with portal.warehouse.connect() as con:
        owing = completion(con, ROUND, portal.settings.today()).missing
    assert owing.height > 10  # nobody has reported 2025Q3 in the unfilled demo

    first = run_cli("remind", "--round", ROUND, home=home)
    assert first.returncode == 0, first.stderr.decode()
    sent = run_cli("outbox", "send", home=home)
    assert sent.returncode == 0, sent.stderr.decode()

    assert len(smtp.inbox) == owing.height
    for unit in owing.to_dicts():
        [mail] = smtp.to(f"{unit['unit'].lower()}@example.org")
        body = mail.get_content()
        assert unit["name"] in body and DUE_TEXT in body and "2025年第三季度" in body
        assert "3天后" in body and portal.settings.portal_url in body
        assert "催报提醒" in mail["Subject"]
    [(path, _, digest)] = robots.received  # the office's weekly digest, signed for 钉钉
    assert path == "/robot/send" and "每周汇总" in digest["text"]["content"]

    # the repeats: the same commands, in this process
    again = cli_here("remind", "--round", ROUND, "--json", home=home)
    assert '"new": 0' in again.stdout
    cli_here("outbox", "send", home=home)
    assert len(smtp.inbox) == owing.height and len(robots.received) == 1


@pytest.mark.slow  # a real upload through validation (~10 s)
def test_returning_a_submission_delivers_the_comments_to_the_units_address(_demo_home, demo_portal, smtp):
    portal = _portal(demo_portal.settings.home, smtp)
    result = ingest(
        portal, reporter(UNIT), filled(_demo_home, UNIT), "cxcy.xlsx", unit=UNIT, round_code=ROUND
    )
    assert result.accepted, result.report.issues
    sid = result.submission_id
    with portal.warehouse.connect() as con:
        indicator = con.execute(
            "SELECT indicator FROM indicator_values WHERE submission_id = ? LIMIT 1", [sid]
        ).fetchall()[0][0]
    review(
        portal,
        OFFICE,
        sid,
        RETURN,
        "请补充佐证材料。",
        [ItemComment("indicator", indicator, "数值偏低，请核实。")],
    )
    assert smtp.inbox == []  # queued with the decision, not sent inside it

    assert send_outbox(portal, OFFICE).sent == 1
    [mail] = smtp.to(UNIT_EMAIL)
    body = mail.get_content()
    assert "退回修改" in mail["Subject"] and "第1版" in mail["Subject"]
    assert "请补充佐证材料。" in body and f"指标 {indicator}" in body and "数值偏低，请核实。" in body
    assert DUE_TEXT in body and "2025年第三季度" in body


@pytest.mark.slow  # a real upload through validation
def test_approval_and_an_extension_each_reach_the_unit_once(_demo_home, demo_portal, smtp):
    portal = _portal(demo_portal.settings.home, smtp)
    sid = ingest(
        portal, reporter(UNIT), filled(_demo_home, UNIT), "cxcy.xlsx", unit=UNIT, round_code=ROUND
    ).submission_id
    review(portal, OFFICE, sid, APPROVE, "")
    grant_extension(portal, OFFICE, ROUND, "JZKF-YQB", dt.date(2025, 10, 30), "系统故障")
    send_outbox(portal, OFFICE)
    send_outbox(portal, OFFICE)

    [approved] = smtp.to(UNIT_EMAIL)
    assert "审核通过" in approved["Subject"]
    [extended] = smtp.to("jzkf-yqb@example.org")
    assert "2025年10月30日" in extended["Subject"] and "系统故障" in extended.get_content()


def test_a_revoked_extension_tells_the_unit_its_due_date_is_the_rounds_again(demo_portal, smtp):
    portal = _portal(demo_portal.settings.home, smtp)
    granted = grant_extension(portal, OFFICE, ROUND, "JZKF-YQB", dt.date(2025, 10, 30), "系统故障")
    revoke_extension(portal, OFFICE, granted.id, "故障已排除")
    send_outbox(portal, OFFICE)
    send_outbox(portal, OFFICE)

    extended, revoked = smtp.to("jzkf-yqb@example.org")
    assert "延期批准" in extended["Subject"]
    assert "延期撤销" in revoked["Subject"] and DUE_TEXT in revoked["Subject"]
    body = revoked.get_content()
    assert "原延至2025年10月30日" in body and "故障已排除" in body
    [row] = [r for r in notify_log.outbox_rows(portal) if r["event"] == "extension_revoked"]
    assert row["state"] == "sent"


# ----------------------------------------------------------------------------- sending


def test_a_mail_server_that_is_down_delays_the_message_with_a_reason_and_delivers_it_when_back(
    empty_portal, smtp
):
    portal = _portal(empty_portal.settings.home, smtp)
    _queue(portal, _mail("k1", "a@example.org"))
    smtp.stop()
    now = portal.settings.now()

    down = send_outbox(portal, OFFICE, now=now)

    assert (down.sent, down.failed) == (0, 1)
    [row] = notify_log.outbox_rows(portal)
    assert row["state"] == "failed" and row["attempts"] == 1
    assert "无法连接邮件服务器" in row["last_error"]
    assert row["next_attempt_at"] == (now + backoff(1)).isoformat(sep=" ", timespec="seconds")
    assert send_outbox(portal, OFFICE, now=now + dt.timedelta(seconds=30)).sent == 0  # not due yet

    smtp.start()
    back = send_outbox(portal, OFFICE, now=now + backoff(1))

    assert back.sent == 1 and len(smtp.to("a@example.org")) == 1
    [row] = notify_log.outbox_rows(portal)
    assert row["state"] == "sent" and row["attempts"] == 2 and row["last_error"] is None


def test_backoff_doubles_from_a_minute_up_to_six_hours():
    assert [backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert backoff(30) == dt.timedelta(hours=6)


def test_queueing_an_event_twice_for_a_recipient_keeps_one_message(empty_portal, smtp):
    portal = _portal(empty_portal.settings.home, smtp)
    _queue(portal, _mail("k1", "a@example.org"), _mail("k1", "b@example.org"))
    _queue(portal, _mail("k1", "a@example.org"))
    send_outbox(portal, OFFICE)
    assert sorted(m["To"] for m in smtp.inbox) == ["a@example.org", "b@example.org"]


def test_robots_get_text_messages_and_a_dingtalk_robot_checks_the_signature(empty_portal, robots):
    portal = empty_portal
    wecom = robots.url("/cgi-bin/webhook/send?key=abc")
    signed = robots.url("/robot/send?access_token=t1#secret=SECdemo")
    wrong = robots.url("/robot/send?access_token=t2#secret=SECwrong")
    _queue(
        portal,
        Message("e1", "digest", "wecom", wecom, "【每周汇总】企业微信", "正文一"),
        Message("e1", "digest", "dingtalk", signed, "【每周汇总】钉钉", "正文二"),
        Message("e1", "digest", "dingtalk", wrong, "【每周汇总】钉钉错签", "正文三"),
    )

    result = send_outbox(portal, OFFICE)

    assert (result.sent, result.failed) == (2, 1)
    by_path = {path: (query, body) for path, query, body in robots.received}
    query, body = by_path["/cgi-bin/webhook/send"]
    assert query == {"key": "abc"} and body == {
        "msgtype": "text",
        "text": {"content": "【每周汇总】企业微信\n正文一"},
    }
    query, body = by_path["/robot/send"]
    assert query["access_token"] == "t1" and {"timestamp", "sign"} <= set(query)
    assert body["text"]["content"].startswith("【每周汇总】钉钉\n")
    failed = [r for r in notify_log.outbox_rows(portal) if r["state"] == "failed"]
    assert len(failed) == 1 and "310000" in failed[0]["last_error"]
    assert "secret" not in failed[0]["recipient"] and "access_token" not in failed[0]["recipient"]


def test_email_waits_while_no_mail_server_is_configured(empty_portal):
    _queue(empty_portal, _mail("k1", "a@example.org"))
    assert send_outbox(empty_portal, OFFICE).sent == 0
    assert [r["state"] for r in notify_log.outbox_rows(empty_portal)] == ["pending"]


# ----------------------------------------------------------------------------- reminders


def test_a_unit_without_any_address_is_listed_not_an_error(demo_portal, make_account):
    office = make_account(demo_portal, "office1", "office_reviewer")
    outcome = admin.update_unit_as(demo_portal, office, UNIT, emails="", webhook="")
    assert outcome.ok, outcome.message
    portal = Portal.open(demo_portal.settings.home, today=SOON)

    result = remind(portal, OFFICE, ROUND)

    assert (UNIT, "创新创业服务中心") in result.unreachable
    assert all(m.unit != UNIT for m in result.messages)
    assert result.new == len(result.messages) > 0


def test_a_dry_run_lists_the_reminders_and_queues_nothing(demo_portal):
    portal = Portal.open(demo_portal.settings.home, today=SOON)
    dry = remind(portal, OFFICE, ROUND, dry_run=True)
    assert dry.new > 0 and notify_log.outbox_rows(portal) == []
    real = remind(portal, OFFICE, ROUND)
    assert real.new == dry.new
    assert remind(portal, OFFICE, ROUND, dry_run=True).new == 0


def test_far_from_the_due_date_nobody_is_reminded_and_after_it_the_reminder_is_overdue(demo_portal):
    early = remind(Portal.open(demo_portal.settings.home, today="2025-10-01"), OFFICE, ROUND)
    assert [m.event for m in early.messages] == ["digest"]
    late = remind(Portal.open(demo_portal.settings.home, today="2025-10-20"), OFFICE, ROUND)
    events = {m.event for m in late.messages}
    assert events == {"overdue", "digest"}
    assert all("逾期提醒" in m.subject for m in late.messages if m.event == "overdue")


def test_the_unit_page_refuses_an_address_that_is_not_one(demo_portal, make_account):
    office = make_account(demo_portal, "office1", "office_reviewer")
    bad = admin.update_unit_as(demo_portal, office, UNIT, emails="a@example.org；不是邮箱")
    assert not bad.ok and "不是邮箱" in bad.message
    assert not admin.update_unit_as(demo_portal, office, UNIT, webhook="群里的机器人").ok
    good = admin.update_unit_as(demo_portal, office, UNIT, emails="a@example.org，b@example.org")
    assert good.ok
    row = admin.list_units_as(demo_portal, office).filter(code=UNIT).row(0, named=True)
    assert row["emails"] == "a@example.org; b@example.org"


# ----------------------------------------------------------------------------- crash


@pytest.mark.slow  # a real sender process killed between delivery and marking
def test_a_sender_killed_between_delivery_and_marking_sends_at_most_one_duplicate(empty_portal, smtp):
    portal = _portal(empty_portal.settings.home, smtp)
    addresses = [f"u{i}@example.org" for i in range(3)]
    _queue(portal, *[_mail(f"k{i}", a) for i, a in enumerate(addresses)])
    env = {
        "PORTAL_SMTP_HOST": "127.0.0.1",
        "PORTAL_SMTP_PORT": str(smtp.port),
        "PORTAL_FAULT_AT": "outbox.delivered",
    }

    killed = cli("outbox", "send", home=portal.settings.home, env=env)

    assert killed.returncode == -9, killed.stderr.decode()[-2000:]
    assert len(smtp.inbox) == 1  # delivered, then killed before marking it
    assert send_outbox(portal, OFFICE).sent == 0  # the killed sender's batch is leased: nobody doubles it now
    assert send_outbox(portal, OFFICE, now=portal.settings.now() + LEASE).sent == 3
    counts = [len(smtp.to(a)) for a in addresses]
    assert sorted(counts) == [1, 1, 2]  # exactly the one in flight went twice
    assert {r["state"] for r in notify_log.outbox_rows(portal)} == {"sent"}


def test_remind_without_a_round_takes_the_quarter_being_reported_and_between_rounds_is_no_failure(
    demo_portal,
):
    """What a daily timer runs (docs/deploy.md): no --round to edit every quarter."""
    home = demo_portal.settings.home
    dry = cli_here("remind", "--dry-run", "--json", home=home)
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout)["round"] == ROUND

    set_round_state(demo_portal, ADMIN, ROUND, RoundState.CLOSED)
    quiet = cli_here("remind", home=home)
    assert quiet.returncode == 0, quiet.stderr
    assert f"按当前填报的季度 {ROUND}" in quiet.stdout and "不在填报中" in quiet.stdout
    assert notify_log.outbox_rows(demo_portal) == []
    named = cli_here("remind", "--round", ROUND, home=home)  # asked for by name, a closed round still fails
    assert named.returncode == 1 and "不在填报中" in named.stderr
