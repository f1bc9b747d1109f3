"""The rules that choose the 季度通报's 亮点 and 存在问题 (PORTAL_HOME/bulletin/<OFFICE>.toml), on the
filled demo's 2025Q2 荆州经开区 (plan JZ, office JZKF): the office changes them through a use case
that checks role and scope, the quotes are chosen again, "无" is never a problem, bad values are
refused naming the key with nothing saved."""

import re
from dataclasses import replace

import polars as pl
import pytest

from portal.core.errors import NotFound
from portal.core.permissions import PermissionDenied, missing_plan
from portal.monitoring.bulletin import bulletin, pick_quotes
from portal.monitoring.dashboards import bulletin_draft, bulletin_rules, save_bulletin_rules
from portal.monitoring.quote_rules import (
    DEFAULT_RULES,
    RulesError,
    load_rules,
    rules_from_dict,
    rules_from_text,
    rules_path,
    rules_text,
)
from schemas.enums import Role
from tests.actors import OFFICE
from tests.conftest import account_in, cli

pytestmark = pytest.mark.slow  # the filled demo

ROUND, PLAN, OFFICE_CODE = "2025Q2", "JZ", "JZKF"


def _units(text: str) -> set[str]:
    """The units quoted: each line is “单位（任务）：原文”."""
    return {re.match(r"^(.+?)（", line)[1] for line in text.splitlines() if line.strip()}


def _audits(portal) -> int:
    with portal.warehouse.connect() as con:
        return con.execute("SELECT count(*) FROM audit_log WHERE action = 'bulletin.configure'").fetchone()[0]


def test_the_default_rules_are_the_bulletins_own_and_read_back_from_their_file():
    assert rules_from_text(rules_text(DEFAULT_RULES)) == DEFAULT_RULES
    assert rules_from_dict({}) == DEFAULT_RULES
    assert "无" in DEFAULT_RULES.skip and DEFAULT_RULES.highlights.max == DEFAULT_RULES.problems.max == 3


def test_a_rule_change_saved_by_the_office_changes_which_units_are_quoted(filled_demo_portal):
    portal = filled_demo_portal
    before = bulletin_draft(portal, OFFICE, ROUND, PLAN)
    assert _units(before.highlights) == {"经发局", "招商促进中心", "创新创业服务中心"}
    assert all("新兴产业" in line for line in before.highlights.splitlines())
    office = account_in(portal, "office_jzkf", Role.OFFICE_REVIEWER, offices=[OFFICE_CODE])
    rules = {
        "highlights": {"exclude": ["新兴产业"], "max": 4},
        "problems": {"statuses": ["behind"], "order": "registry", "max": 2},
        "behind_schedule": False,
    }
    done = save_bulletin_rules(portal, office, ROUND, PLAN, rules)
    assert done.ok, done.message
    assert rules_path(portal.settings.home, OFFICE_CODE).is_file() and _audits(portal) == 1
    after = bulletin_draft(portal, office, ROUND, PLAN)  # chosen again by the saved rules
    lines = after.highlights.splitlines()
    assert len(lines) == 4 and not any("新兴产业" in line for line in lines)
    assert _units(after.highlights) != _units(before.highlights)
    assert "税务局" in _units(after.highlights)  # a helper of 着力引培高新技术企业, not quoted before
    problems = after.problems.splitlines()
    assert len(problems) == 2
    b = bulletin(portal, ROUND, PLAN)
    behind = b.task_rows.filter((pl.col("submission_status") == "approved") & (pl.col("status") == "behind"))
    said = set(behind["problems"].drop_nulls())
    assert all(line.split("：", 1)[1] in said for line in problems)  # only tasks reported 滞后
    # the office above reads the rules (the same ones) and cannot change them
    upper = account_in(portal, "office_jz_upper", Role.OFFICE_REVIEWER, offices=["JZ"])
    seen = bulletin_rules(portal, upper, ROUND, PLAN)
    assert seen.rules == load_rules(portal.settings.home, OFFICE_CODE) and seen.saved and not seen.editable
    with pytest.raises(PermissionDenied, match="只读"):
        save_bulletin_rules(portal, upper, ROUND, PLAN, {})
    assert _audits(portal) == 1


def test_none_is_never_quoted_as_a_problem(filled_demo_portal):
    b = bulletin(filled_demo_portal, ROUND, PLAN)
    _, problems = pick_quotes(b)
    assert problems  # the units' own problems of tasks behind 序时进度
    quoted = {(q.unit_name, q.text) for q in problems}
    # the same units had written that they have no problem, in the ways people write it
    nothing = ["无", "暂无。", " 没有 ", "—"]
    rows = b.task_rows.with_row_index("i").with_columns(
        problems=pl.when(pl.col("problems").is_not_null())
        .then(pl.col("i").map_elements(lambda i: nothing[i % len(nothing)], return_dtype=pl.String))
        .otherwise(None)
    )
    every = replace(DEFAULT_RULES, problems=replace(DEFAULT_RULES.problems, max=20))
    _, none = pick_quotes(replace(b, task_rows=rows.drop("i")), every)
    assert none == [] and quoted


def test_invalid_rules_are_refused_naming_the_key_and_nothing_is_saved(filled_demo_portal):
    portal = filled_demo_portal
    bad = {
        "highlights": {"max": -1, "statuses": ["done"]},
        "problems": {"order": "random"},
        "min_ahead": "五",
    }
    done = save_bulletin_rules(portal, OFFICE, ROUND, PLAN, bad)
    assert not done.ok
    for key in ("highlights.max", "highlights.statuses", "problems.order", "min_ahead"):
        assert key in done.message, key
    assert "亮点·最多条数" in done.message and "“done”不是任务状态" in done.message
    assert not rules_path(portal.settings.home, OFFICE_CODE).exists() and _audits(portal) == 0
    with pytest.raises(RulesError, match="behind_schedule"):
        rules_from_text("behind_schedule = 1\n")
    with pytest.raises(RulesError, match="不是有效的 TOML"):
        rules_from_text("highlights = [\n")


def test_another_citys_plan_is_refused_in_the_words_of_a_missing_plan(filled_demo_portal):
    portal = filled_demo_portal
    xy = account_in(portal, "office_xy_rules", Role.OFFICE_REVIEWER, offices=["XY"])
    with pytest.raises(NotFound) as outside:
        save_bulletin_rules(portal, xy, ROUND, PLAN, {"highlights": {"max": 1}})
    with pytest.raises(NotFound) as missing:
        save_bulletin_rules(portal, xy, ROUND, "NOPE", {"highlights": {"max": 1}})
    assert outside.value.message == missing_plan(PLAN)
    assert missing.value.message == missing_plan("NOPE")
    reporter = account_in(portal, "rules_rep", Role.UNIT_REPORTER, unit="JZKF-CXCY")
    with pytest.raises(PermissionDenied):
        save_bulletin_rules(portal, reporter, ROUND, PLAN, {})
    assert not rules_path(portal.settings.home, OFFICE_CODE).exists() and _audits(portal) == 0


def test_the_cli_quotes_by_a_rules_file_and_refuses_a_bad_one(filled_demo_portal, tmp_path):
    home = filled_demo_portal.settings.home
    rules = tmp_path / "rules.toml"
    rules.write_text('[highlights]\nmax = 1\nexclude = ["新兴产业"]\n', encoding="utf-8")
    out = tmp_path / "b.docx"
    # `portal bulletin` run in this process: its real process is test_bulletin.py's and test_bulletin_document.py's
    done = cli("bulletin", "--round", ROUND, "--plan", PLAN, "--rules", str(rules), "-o", str(out), home=home)
    assert done.returncode == 0, done.stderr
    from docx import Document

    text = "\n".join(p.text for p in Document(str(out)).paragraphs)
    section = text.split("四、工作亮点")[1].split("五、存在问题")[0]
    assert len([line for line in section.splitlines() if line.strip()]) == 1 and "新兴产业" not in section
    rules.write_text("[highlights]\nmax = 99\n", encoding="utf-8")
    bad = cli("bulletin", "--round", ROUND, "--plan", PLAN, "--rules", str(rules), "-o", str(out), home=home)
    assert bad.returncode != 0 and "highlights.max" in bad.stderr
