"""`portal status`: the completion view for people (a Chinese table) and for scripts (JSON)."""

import json

import pytest

from portal.core.context import Portal
from portal.monitoring.status import round_status, status_json, status_text
from portal.registry.rounds import RoundCodeError
from tests.actors import OFFICE
from tests.conftest import cli, run_cli
from tests.warehouse.fixtures import ROUND_TODAY, round_fixture
from warehouse.views import UnknownRound


def test_status_json_on_the_demo_warehouse_lists_every_expected_unit_as_missing(demo_portal):
    done = run_cli("status", "--round", "2025Q3", "--json", home=demo_portal.settings.home)
    assert done.returncode == 0, done.stderr.decode()
    data = json.loads(done.stdout)
    assert set(data) == {"round", "due_date", "expected", "reported", "rate", "units", "missing"}
    assert (data["round"], data["due_date"], data["reported"], data["rate"]) == (
        "2025Q3",
        "2025-10-15",
        0,
        0.0,
    )
    assert data["expected"] == len(data["units"]) == len(data["missing"]) > 50
    assert {u["state"] for u in data["units"]} == {"missing"}
    assert set(data["units"][0]) == {"unit", "name", "kind", "state", "reported", "days_late", "due_date"}
    # the city and region nodes of the unit tree own nothing: not expected to report
    assert {"CJZY", "XY", "JZ"}.isdisjoint(u["unit"] for u in data["units"])
    assert all(m["phone"] and m["days_left"] == 5 and not m["due_soon"] for m in data["missing"])


def test_status_prints_a_chinese_table_for_the_round_being_reported_today(demo_portal):
    done = cli("status", home=demo_portal.settings.home)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("2025Q3 报送情况（截止日期 2025-10-15，今天 2025-10-10）")
    assert "报送率 0.0%" in out
    assert "催报名单（未报送" in out and "还剩 5 天" in out
    assert not done.stderr


@pytest.mark.parametrize(("round_code", "message"), [("2025Q9", "格式不对"), ("2019Q1", "没有调度轮次")])
def test_a_malformed_or_unknown_round_is_a_usage_error_without_traceback(demo_portal, round_code, message):
    done = cli("status", "--round", round_code, home=demo_portal.settings.home)
    assert done.returncode == 2
    err = done.stderr
    assert message in err and "Traceback" not in err
    assert not done.stdout


@pytest.fixture
def round_portal(empty_portal) -> Portal:
    with empty_portal.warehouse.transaction() as con:
        round_fixture().write(con)
    return Portal.open(empty_portal.settings.home, today=ROUND_TODAY.isoformat())


def test_status_text_shows_states_lateness_extensions_and_the_reminder_list(round_portal):
    text = status_text(round_status(round_portal, OFFICE, "2025Q3"))
    lines = text.splitlines()
    assert lines[1] == "应报单位 7 个，已报送 4 个，报送率 57.1%"  # F was returned: not reported

    def row(code: str) -> str:
        return next(line for line in lines if line.startswith(code + " "))

    assert "已通过" in row("A") and "按时" in row("A")
    assert "迟报 3 天" in row("B")
    assert "2025-10-20（延期）" in row("C") and "按时" in row("C")
    assert "已退回" in row("F")
    assert "未报送（上传未通过校验）" in row("D") and "上传 2 次均未通过校验" in row("D")
    reminder = lines[lines.index(next(ln for ln in lines if ln.startswith("催报名单"))) :]
    assert reminder[0] == "催报名单（未报送或被退回 3 个，其中三天内到期或已逾期 2 个）："
    assert "李四" in reminder[2] and "0710-0004" in reminder[2] and "即将到期" in reminder[2]
    assert "吴六" in reminder[3] and "已退回" in reminder[3]
    assert "周五" in reminder[4] and "还剩 17 天" in reminder[4]


def test_status_json_keeps_codes_and_iso_dates(round_portal):
    data = status_json(round_status(round_portal, OFFICE, "2025Q3"))
    units = {u["unit"]: u for u in data["units"]}
    assert units["B"] == {
        "unit": "B",
        "name": "单位B",
        "kind": "department",
        "state": "validated",
        "reported": True,
        "days_late": 3,
        "due_date": "2025-10-15",
    }
    assert units["C"]["due_date"] == "2025-10-20"
    assert [(m["unit"], m["state"]) for m in data["missing"]] == [
        ("D", "missing"),
        ("F", "returned"),
        ("E", "missing"),
    ]
    assert data["rate"] == round(4 / 7, 4)


def test_round_status_refuses_bad_codes_and_unknown_rounds(round_portal):
    with pytest.raises(RoundCodeError):
        round_status(round_portal, OFFICE, "Q3-2025")
    with pytest.raises(UnknownRound):
        round_status(round_portal, OFFICE, "2024Q1")
