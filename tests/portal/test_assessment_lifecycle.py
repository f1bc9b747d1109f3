"""The annual assessment's lifecycle on a copy of the demo: 预评 → 公示 (objections) → 定稿, reopening
into a new version, the locks, what a unit sees, scope refusals, the CLI and the printed 考核表.

The demo's clock says 2025-10-10; the year 2025 may only be published once it is over, so these
tests move the clock to January 2026 (settings `today`)."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook

from portal.assessment import entries
from portal.assessment import lifecycle as lc
from portal.assessment.assess import add_bonus, assess, score_live, withdraw_bonus
from portal.assessment.assessment_xlsx import SUMMARY_SHEET
from portal.assessment.board import assessment_book, save_scheme_as, scheme_text_as
from portal.core.context import Portal
from portal.core.errors import Conflict, InvalidInput, NotFound
from portal.core.permissions import PermissionDenied, missing_plan
from schemas.enums import Role
from tests.actors import EVALUATOR, OFFICE, reporter
from tests.conftest import account_in, cli
from tests.portal import evidence_files
from warehouse import assessment as data

PLAN, YEAR = "JZ", 2025
PDF = evidence_files.pdf()


def _on(portal: Portal, day: str) -> Portal:
    """The same home with the portal's clock set to `day`."""
    settings = portal.settings.home / "settings.toml"
    kept = [x for x in settings.read_text(encoding="utf-8").splitlines() if not x.startswith("today")]
    settings.write_text("\n".join([*kept, f'today = "{day}"']) + "\n", encoding="utf-8")
    return Portal.open(portal.settings.home)


@pytest.fixture
def jan(demo_portal) -> Portal:
    return _on(demo_portal, "2026-01-10")


def _units(portal: Portal) -> list[str]:
    return [u.unit for u in assess(portal, EVALUATOR, PLAN, YEAR).units]


def _audited(portal: Portal) -> list[str]:
    with portal.warehouse.connect() as con:
        rows = con.execute(
            "SELECT action FROM audit_log WHERE action LIKE 'assessment.%' ORDER BY id"
        ).fetchall()
    return [r[0] for r in rows]


def test_publishing_a_year_that_is_not_over_is_refused(demo_portal):
    with pytest.raises(Conflict, match="2025年度尚未结束"):
        lc.publish(demo_portal, EVALUATOR, PLAN, YEAR)
    assert assess(demo_portal, EVALUATOR, PLAN, YEAR).as_json()["stage"] == "预评"


def test_the_full_cycle_publish_object_answer_finalize(jan):
    before = assess(jan, EVALUATOR, PLAN, YEAR).as_json()
    assert (before["stage"], lc.lifecycle_of(jan, PLAN, YEAR).version) == ("预评", 0)
    unit = _units(jan)[0]

    done = lc.publish(jan, EVALUATOR, PLAN, YEAR, days=7)
    assert "公示期 2026年1月10日至2026年1月16日" in done.message
    published = assess(jan, EVALUATOR, PLAN, YEAR).as_json()
    assert (published["stage"], published["preliminary"]) == ("公示", False)
    assert published["units"] == before["units"]  # the numbers published are the 预评's

    filed = lc.file_objection(
        jan, reporter(unit), PLAN, YEAR, unit, "任务 JZ-1.1 已完成，应计满分。", "佐证.pdf", PDF
    )
    assert filed.ok and "异议" in filed.message
    with pytest.raises(Conflict, match="公示期内不能定稿"):
        lc.finalize(jan, EVALUATOR, PLAN, YEAR)

    after = _on(jan, "2026-01-17")  # the period is over
    with pytest.raises(Conflict, match="尚有 1 条异议未答复"):
        lc.finalize(after, EVALUATOR, PLAN, YEAR)
    (objection_id,) = lc.list_objections(after, EVALUATOR, PLAN, YEAR)["objection_id"].to_list()
    evidence = lc.objection_evidence(after, reporter(unit), objection_id)
    assert (evidence.name, evidence.data) == ("佐证.pdf", PDF)
    with pytest.raises(InvalidInput, match="答复意见"):
        lc.answer_objection(after, EVALUATOR, objection_id, accept=False, reply=" ")
    assert lc.answer_objection(after, EVALUATOR, objection_id, accept=False, reply="该任务年末尚未验收。").ok
    with pytest.raises(Conflict, match="不能重复答复"):
        lc.answer_objection(after, EVALUATOR, objection_id, accept=True, reply="改为采纳")

    assert lc.finalize(after, EVALUATOR, PLAN, YEAR).ok
    final = assess(after, EVALUATOR, PLAN, YEAR).as_json()
    assert (final["stage"], final["preliminary"], final["units"]) == ("定稿", False, before["units"])
    assert list(final) == ["plan", "year", "as_of", "stage", "preliminary", "scheme", "units"]
    seen = lc.unit_result(after, reporter(unit), PLAN, YEAR, unit)
    assert seen.objections["answer_label"].to_list() == ["不采纳"]
    assert seen.objections["reply"].to_list() == ["该任务年末尚未验收。"]
    assert _audited(after) == [
        "assessment.publish",
        "assessment.object",
        "assessment.answer",
        "assessment.finalize",
    ]


def test_published_numbers_no_longer_move_with_new_data(jan):
    lc.publish(jan, EVALUATOR, PLAN, YEAR)
    unit = _units(jan)[0]
    with jan.warehouse.transaction() as con:  # data arriving behind the lock's back
        data.insert_bonus(con, PLAN, YEAR, unit, 3.0, "补录", "someone", jan.settings.now())
    frozen = assess(jan, EVALUATOR, PLAN, YEAR)
    live, _ = score_live(jan, EVALUATOR, PLAN, YEAR)
    assert live.unit(unit).total == pytest.approx(frozen.unit(unit).total + 3.0)
    assert frozen.as_json()["units"][0]["total"] == frozen.units[0].total


def test_an_objection_after_the_last_day_is_refused_with_the_date(jan):
    lc.publish(jan, EVALUATOR, PLAN, YEAR, days=3)
    unit = _units(jan)[0]
    late = _on(jan, "2026-01-13")
    with pytest.raises(Conflict, match="公示期已于2026年1月12日结束，不再受理异议"):
        lc.file_objection(late, reporter(unit), PLAN, YEAR, unit, "有异议")
    assert lc.list_objections(late, EVALUATOR, PLAN, YEAR).is_empty()


def test_objections_outside_publicity_and_bad_evidence_are_refused(jan):
    unit = _units(jan)[0]
    with pytest.raises(Conflict, match="不在公示期"):
        lc.file_objection(jan, reporter(unit), PLAN, YEAR, unit, "有异议")
    lc.publish(jan, EVALUATOR, PLAN, YEAR)
    with pytest.raises(InvalidInput, match="佐证材料未接收"):
        lc.file_objection(
            jan, reporter(unit), PLAN, YEAR, unit, "有异议", "说明.pdf", b"MZ\x90\x00 not a pdf"
        )
    with pytest.raises(InvalidInput, match="请写明异议"):
        lc.file_objection(jan, reporter(unit), PLAN, YEAR, unit, "  ")
    with pytest.raises(PermissionDenied):
        lc.file_objection(jan, OFFICE, PLAN, YEAR, unit, "办公室不能代提")
    assert lc.list_objections(jan, EVALUATOR, PLAN, YEAR).is_empty()


def test_an_accepted_objection_blocks_finalizing_until_reopened(jan):
    lc.publish(jan, EVALUATOR, PLAN, YEAR, days=1)
    unit = _units(jan)[0]
    lc.file_objection(jan, reporter(unit), PLAN, YEAR, unit, "加分项漏录")
    after = _on(jan, "2026-01-11")
    (objection_id,) = lc.list_objections(after, EVALUATOR, PLAN, YEAR)["objection_id"].to_list()
    lc.answer_objection(after, EVALUATOR, objection_id, accept=True, reply="核实无误，予以更正。")
    with pytest.raises(Conflict, match="已采纳 1 条异议"):
        lc.finalize(after, EVALUATOR, PLAN, YEAR)


def test_a_published_or_final_year_refuses_bonus_entries_and_scheme_changes(jan):
    unit = _units(jan)[0]
    bonus = add_bonus(jan, EVALUATOR, PLAN, YEAR, unit, 1.0, "获省级表彰").bonus_id
    text = scheme_text_as(jan, EVALUATOR, PLAN, YEAR).encode("utf-8")
    lc.publish(jan, EVALUATOR, PLAN, YEAR, days=1)
    for stage, portal in (("正在公示", jan), ("已定稿", _on(jan, "2026-01-12"))):
        if stage == "已定稿":
            lc.finalize(portal, EVALUATOR, PLAN, YEAR)
        with pytest.raises(Conflict, match=f"{stage}.*考核数据已锁定"):
            add_bonus(portal, EVALUATOR, PLAN, YEAR, unit, 1.0, "获省级表彰")
        with pytest.raises(Conflict, match=stage):
            withdraw_bonus(portal, EVALUATOR, bonus)
        with pytest.raises(Conflict, match=stage):
            save_scheme_as(portal, EVALUATOR, PLAN, YEAR, text)
        with pytest.raises(Conflict, match=stage):
            entries.add_deduction(portal, EVALUATOR, PLAN, YEAR, unit, "DB", "督办事项逾期")
        with pytest.raises(Conflict, match=stage):
            entries.set_self_score(portal, reporter(unit), PLAN, YEAR, unit, "tasks", 20)
    assert _on(jan, "2026-01-12").settings.today().isoformat() == "2026-01-12"
    # another plan's year is not locked
    assert add_bonus(
        jan, EVALUATOR, "YY", YEAR, assess(jan, EVALUATOR, "YY", YEAR).units[0].unit, 1.0, "表彰"
    ).bonus_id


def test_a_scheme_saved_while_the_year_is_published_in_another_run_is_not_written(jan, monkeypatch):
    """Page runs read side by side: the year may be published between the editor's first check and
    the write. The file is replaced only under the write lock, after the check is made again."""
    from portal.assessment import board

    text = scheme_text_as(jan, EVALUATOR, PLAN, YEAR).replace("[grades]", "# 已改\n[grades]", 1)
    assert "# 已改" in text
    path = board._scheme_path(jan, PLAN, YEAR)
    before = path.read_bytes() if path.exists() else None
    original = board.parse_layers

    def publishing_meanwhile(layers):
        monkeypatch.setattr(board, "parse_layers", original)
        lc.publish(jan, EVALUATOR, PLAN, YEAR, days=1)
        return original(layers)

    monkeypatch.setattr(board, "parse_layers", publishing_meanwhile)
    with pytest.raises(Conflict, match="正在公示"):
        save_scheme_as(jan, EVALUATOR, PLAN, YEAR, text.encode("utf-8"))
    assert (path.read_bytes() if path.exists() else None) == before
    assert list(path.parent.glob("*.part")) == []
    assert "assessment.configure" not in _audited(jan)


def test_a_deduction_entered_while_the_year_is_being_published_is_refused_not_left_uncounted(
    jan, monkeypatch
):
    """Another evaluator's page run enters a deduction while the year is being scored for 公示. It
    must wait for the publication and then be refused (the year is locked), never be stored beside
    a published table that does not count it."""
    import threading

    from portal.assessment import assess as assess_module

    unit = _units(jan)[0]
    entered: dict = {}

    def other_evaluator():
        try:
            entered["result"] = entries.add_deduction(jan, EVALUATOR, PLAN, YEAR, unit, "DB", "督办事项逾期")
        except Conflict as exc:
            entered["refused"] = str(exc)

    original = assess_module.score_live

    def scoring(*args, **kwargs):
        monkeypatch.setattr(assess_module, "score_live", original)
        other = threading.Thread(target=other_evaluator)
        other.start()
        other.join(timeout=1.0)  # it finishes at once unless it waits for the publication's lock
        entered["thread"] = other
        return original(*args, **kwargs)

    monkeypatch.setattr(assess_module, "score_live", scoring)
    lc.publish(jan, EVALUATOR, PLAN, YEAR, days=1)
    entered["thread"].join(timeout=60)
    assert "result" not in entered and "正在公示" in entered["refused"]
    with jan.warehouse.connect() as con:
        assert data.entries(con, "deductions", PLAN, YEAR).is_empty()


def test_reopening_makes_version_2_and_keeps_version_1(jan):
    unit = _units(jan)[0]
    lc.publish(jan, EVALUATOR, PLAN, YEAR, days=1)
    feb = _on(jan, "2026-02-01")
    lc.finalize(feb, EVALUATOR, PLAN, YEAR)
    first = assess(feb, EVALUATOR, PLAN, YEAR).as_json()
    with pytest.raises(InvalidInput, match="写明理由"):
        lc.reopen(feb, EVALUATOR, PLAN, YEAR, "")
    assert "版本 1（定稿）保留备查" in lc.reopen(feb, EVALUATOR, PLAN, YEAR, "审计发现漏计加分").message
    assert assess(feb, EVALUATOR, PLAN, YEAR).as_json()["stage"] == "预评"
    assert add_bonus(feb, EVALUATOR, PLAN, YEAR, unit, 2.0, "获国家级表彰").bonus_id  # editable again
    assert "版本 2" in lc.publish(feb, EVALUATOR, PLAN, YEAR, days=1).message
    lc.finalize(_on(jan, "2026-02-02"), EVALUATOR, PLAN, YEAR)

    versions = lc.list_versions(feb, EVALUATOR, PLAN, YEAR)
    assert versions.select("version", "stage", "version_reason", "reopen_reason").rows() == [
        (1, "已重新评定", None, "审计发现漏计加分"),
        (2, "定稿", "审计发现漏计加分", None),
    ]
    assert lc.version_document(feb, EVALUATOR, PLAN, YEAR, 1)["units"] == first["units"]  # kept as it was
    second = assess(feb, EVALUATOR, PLAN, YEAR).as_json()
    totals = {u["unit"]: u["total"] for u in second["units"]}
    assert totals[unit] == pytest.approx(next(u["total"] for u in first["units"] if u["unit"] == unit) + 2.0)
    assert "assessment.reopen" in _audited(feb)


def test_a_unit_sees_only_its_own_lines_and_objections(jan):
    mine, theirs = _units(jan)[:2]
    during = lc.unit_result(jan, reporter(mine), PLAN, YEAR, mine)
    assert (during.lifecycle.stage, during.entry) == ("预评", None)  # nothing shown before 公示
    lc.publish(jan, EVALUATOR, PLAN, YEAR)
    lc.file_objection(jan, reporter(theirs), PLAN, YEAR, theirs, "另一单位的异议")
    seen = lc.unit_result(jan, reporter(mine), PLAN, YEAR, mine)
    assert seen.entry["unit"] == mine and seen.unit_count == len(_units(jan))
    assert set(seen.entry) >= {"total", "rank", "grade", "lines"}
    assert seen.objections.is_empty()
    assert lc.list_objections(jan, reporter(mine), PLAN, YEAR).is_empty()
    assert lc.list_objections(jan, reporter(theirs), PLAN, YEAR)["unit"].to_list() == [theirs]
    with pytest.raises(PermissionDenied, match="只能访问本单位"):
        lc.unit_result(jan, reporter(mine), PLAN, YEAR, theirs)
    with pytest.raises(PermissionDenied):
        lc.file_objection(jan, reporter(mine), PLAN, YEAR, theirs, "替别人提")
    with pytest.raises(NotFound) as other_plan:
        lc.unit_result(jan, reporter(mine), "YY", YEAR, mine)
    assert other_plan.value.message == missing_plan("YY")
    with pytest.raises(PermissionDenied):
        assess(jan, reporter(mine), PLAN, YEAR)  # the whole table stays with the offices


def test_another_offices_plan_and_objection_are_refused_in_the_words_of_missing_ones(jan):
    eval_yy = account_in(jan, "eval_yy", Role.EVALUATOR, offices=["YY"])
    with pytest.raises(NotFound) as outside:
        lc.publish(jan, eval_yy, PLAN, YEAR)
    with pytest.raises(NotFound) as missing:
        lc.publish(jan, eval_yy, "NOPE", YEAR)
    assert outside.value.message == missing_plan(PLAN) and missing.value.message == missing_plan("NOPE")
    lc.publish(jan, EVALUATOR, PLAN, YEAR)
    unit = _units(jan)[0]
    lc.file_objection(jan, reporter(unit), PLAN, YEAR, unit, "有异议")
    (objection_id,) = lc.list_objections(jan, EVALUATOR, PLAN, YEAR)["objection_id"].to_list()
    assert lc.list_objections(jan, eval_yy, "YY", YEAR).is_empty()
    with pytest.raises(NotFound) as outside:
        lc.answer_objection(jan, eval_yy, objection_id, accept=False, reply="不采纳")
    with pytest.raises(NotFound) as missing:
        lc.answer_objection(jan, eval_yy, 987654, accept=False, reply="不采纳")
    assert outside.value.message == missing.value.message.replace("987654", str(objection_id))
    with pytest.raises(PermissionDenied):
        lc.answer_objection(jan, OFFICE, objection_id, accept=False, reply="办公室不答复")
    with pytest.raises(NotFound):
        lc.finalize(jan, eval_yy, PLAN, YEAR)


def test_the_cli_runs_the_cycle_and_keeps_portal_assess_as_it_was(jan, fast_hashes):
    home = jan.settings.home
    unit = _units(jan)[0]
    account_in(jan, "eval_jzkf", Role.EVALUATOR, offices=["JZKF"])
    account_in(jan, "clerk_lc", Role.UNIT_REPORTER, unit)
    plain = cli("assess", "--plan", PLAN, "--year", str(YEAR), "--json", home=home)
    assert plain.returncode == 0 and json.loads(plain.stdout)["stage"] == "预评"

    started = cli(
        "assess",
        "publish",
        "--plan",
        PLAN,
        "--year",
        str(YEAR),
        "--days",
        "2",
        "--user",
        "eval_jzkf",
        home=home,
    )
    assert started.returncode == 0, started.stderr
    assert "公示期 2026年1月10日至2026年1月11日" in started.stderr
    assert (
        json.loads(cli("assess", "--plan", PLAN, "--year", str(YEAR), "--json", home=home).stdout)["stage"]
        == "公示"
    )
    evidence = home / "说明.pdf"
    evidence.write_bytes(PDF)
    args = [
        "--plan",
        PLAN,
        "--year",
        str(YEAR),
        "--unit",
        unit,
        "--text",
        "得分偏低",
        "--evidence",
        str(evidence),
    ]
    filed = cli("objection", "add", *args, "--user", "clerk_lc", home=home)
    assert filed.returncode == 0, filed.stderr
    refused = cli("objection", "add", *args, "--user", "eval_jzkf", home=home)
    assert refused.returncode == 1 and "无权对考核结果提出异议" in refused.stderr
    listed = json.loads(
        cli(
            "objection", "list", "--plan", PLAN, "--year", str(YEAR), "--json", "--as", "clerk_lc", home=home
        ).stdout
    )
    assert [(o["unit"], o["answer_label"], o["evidence_name"]) for o in listed] == [
        (unit, "未答复", "说明.pdf")
    ]

    _on(jan, "2026-01-12")
    early = cli(
        "assessment", "finalize", "--plan", PLAN, "--year", str(YEAR), "--user", "eval_jzkf", home=home
    )
    assert early.returncode == 1 and "异议未答复" in early.stderr
    answer = cli(
        "objection",
        "answer",
        str(listed[0]["objection_id"]),
        "--reject",
        "--reply",
        "按细则计分",
        "--user",
        "eval_jzkf",
        home=home,
    )
    assert answer.returncode == 0, answer.stderr
    assert (
        cli(
            "assess", "finalize", "--plan", PLAN, "--year", str(YEAR), "--user", "eval_jzkf", home=home
        ).returncode
        == 0
    )
    final = json.loads(cli("assess", "--plan", PLAN, "--year", str(YEAR), "--json", home=home).stdout)
    assert (final["stage"], final["preliminary"]) == ("定稿", False)
    versions = json.loads(
        cli("assess", "versions", "--plan", PLAN, "--year", str(YEAR), "--json", home=home).stdout
    )
    assert [(v["version"], v["stage"], v["published_by"], v["finalized_by"]) for v in versions] == [
        (1, "定稿", "eval_jzkf", "eval_jzkf")
    ]
    reopened = cli(
        "assessment",
        "reopen",
        "--plan",
        PLAN,
        "--year",
        str(YEAR),
        "--reason",
        "数据更正",
        "--user",
        "eval_jzkf",
        home=home,
    )
    assert reopened.returncode == 0 and "版本 2" in reopened.stderr
    text = cli("assessment", "versions", "--plan", PLAN, "--year", str(YEAR), home=home).stdout
    assert "版本 1  已重新评定" in text and "数据更正" in text


def _stage_cell(portal: Portal) -> str:
    a = assess(portal, EVALUATOR, PLAN, YEAR)
    book = load_workbook(io.BytesIO(assessment_book(portal, EVALUATOR, a).data))
    (line,) = [c.value for c in book[SUMMARY_SHEET][2] if c.value and str(c.value).startswith("考核阶段")]
    return line


def test_the_table_prints_the_stage_with_its_dates(jan):
    assert _stage_cell(jan).startswith("考核阶段：预评")
    lc.publish(jan, EVALUATOR, PLAN, YEAR, days=7)
    assert _stage_cell(jan).startswith("考核阶段：公示（版本 1，公示期 2026年1月10日至2026年1月16日）")
    after = _on(jan, "2026-01-20")
    lc.finalize(after, EVALUATOR, PLAN, YEAR)
    assert _stage_cell(after).startswith("考核阶段：定稿（版本 1，定稿日期 2026年1月20日）")


@pytest.mark.libreoffice
@pytest.mark.slow
def test_the_printed_table_says_publicity_then_final(jan, tmp_path):
    from tests.portal.printing import pdf_text, to_pdf

    def printed(portal: Portal, name: str) -> str:
        a = assess(portal, EVALUATOR, PLAN, YEAR)
        path = tmp_path / name
        path.write_bytes(assessment_book(portal, EVALUATOR, a).data)
        return "".join(pdf_text(to_pdf(path)).split())  # words, whatever the line breaks

    lc.publish(jan, EVALUATOR, PLAN, YEAR, days=7)
    during = printed(jan, "公示.xlsx")
    assert "考核阶段：公示（版本1，公示期2026年1月10日至2026年1月16日）" in during
    assert "本表为公示稿" in during and "portalobjectionadd" in during and "逾期不再受理" in during
    after = _on(jan, "2026-01-20")
    lc.finalize(after, EVALUATOR, PLAN, YEAR)
    final = printed(after, "定稿.xlsx")
    assert "考核阶段：定稿（版本1，定稿日期2026年1月20日）" in final
    assert "定稿结果" in final and "公示稿" not in final
