"""Templates from the demo warehouse: every unit's workbook, what it pre-fills, and the CLI."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import polars as pl
import pytest

from portal.cli.main import main
from portal.core.context import Portal
from portal.reporting.templates import (
    TemplateRequestError,
    build_from_context,
    build_round_templates,
    build_unit_template,
    default_jobs,
    iter_built,
    round_built,
    round_template_contexts,
    template_context,
    template_filename,
    zip_templates,
)
from templates_xlsx.signature import verify_meta
from templates_xlsx.upload import read_upload
from tests.conftest import run_cli
from tests.xlsx_fill import fill_valid
from warehouse.registry import upsert_rounds

# The demo registry: 63 units, of which 7 (the region, cities, district and one office) own no
# indicator and help with no task.
DEMO_UNITS_WITH_WORK = 56


def _insert(con, table: str, rows: list[dict]) -> None:
    con.register("incoming", pl.DataFrame(rows).to_arrow())
    con.execute(f"INSERT INTO {table} ({', '.join(rows[0])}) SELECT * FROM incoming")
    con.unregister("incoming")


def _approved(con, submissions: list[tuple]) -> None:
    """(id, unit, round, status, uploaded_at, {indicator: value}) as submissions with facts."""
    _insert(
        con,
        "submissions",
        [
            dict(id=sid, unit=unit, round=rnd, version=1, file_hash=f"h{sid}", uploaded_by="t",
                 uploaded_at=at, status=status)
            for sid, unit, rnd, status, at, _ in submissions
        ],
    )  # fmt: skip
    _insert(
        con,
        "indicator_values",
        [
            dict(submission_id=sid, indicator=code, unit=unit, round=rnd, value=value)
            for sid, unit, rnd, _, _, values in submissions
            for code, value in values.items()
        ],
    )


@pytest.fixture(scope="module")
def demo_round(_demo_home):
    """Every demo unit's 2025Q3 template, built once (read-only use of the session's warehouse)."""
    portal = Portal.open(_demo_home)
    return portal.settings.secret(), build_round_templates(portal, "2025Q3")


def test_a_template_builds_for_every_demo_unit_that_has_something_to_report(demo_round):
    secret, built = demo_round
    assert len(built) == DEMO_UNITS_WITH_WORK
    assert len({b.filename for b in built}) == len(built)
    for b in built:
        parsed = read_upload(b.data)
        assert parsed.issues == [], b.unit
        assert (parsed.meta["unit"], parsed.meta["round"]) == (b.unit, "2025Q3")
        indicators = parsed.sheets["indicator_values"].frame["indicator"].to_list()
        tasks = parsed.sheets["task_progress"].frame["task"].to_list()
        assert (len(indicators), len(tasks)) == (b.indicators, b.tasks)
        assert verify_meta(parsed.meta, secret, indicator_keys=indicators, task_keys=tasks), b.unit


def test_every_demo_template_accepts_a_valid_filling(demo_round):
    for b in demo_round[1]:
        parsed = read_upload(fill_valid(b.data))
        assert parsed.issues == [], b.unit
        assert parsed.sheets["task_progress"].frame["status"].to_list() == ["推进中"] * b.tasks


def test_a_units_rows_are_the_indicators_it_owns_and_the_tasks_it_leads_or_helps(demo_portal):
    ctx = template_context(demo_portal, "JZKF-JFJ", "2025Q3")
    with demo_portal.warehouse.connect() as con:
        owned = con.sql(
            "SELECT o.indicator FROM indicator_owners o JOIN indicators i ON i.code = o.indicator "
            "WHERE o.unit = 'JZKF-JFJ' ORDER BY i.position"
        ).fetchall()
        tasks = con.sql(
            "SELECT tu.task, tu.role FROM task_units tu JOIN tasks t ON t.code = tu.task "
            "WHERE tu.unit = 'JZKF-JFJ' ORDER BY t.position"
        ).fetchall()
    assert [r["indicator"] for r in ctx.indicators] == [code for (code,) in owned]
    assert [(r["task"], r["role"]) for r in ctx.tasks] == [
        (code, {"lead": "牵头", "helper": "配合"}[role]) for code, role in tasks
    ]
    assert (ctx.unit_name, ctx.round, ctx.due_date) == ("经发局", "2025Q3", dt.date(2025, 10, 15))
    assert ctx.office_name == "荆州经开区创新创业服务中心"  # the office running plan JZ
    assert ctx.office_contact == "区级联络员(演示) 0716-5550208"
    assert ctx.plans and all("荆州" in p for p in ctx.plans)


def test_a_template_whose_plans_share_no_office_names_the_platforms(demo_portal):
    with demo_portal.warehouse.transaction() as con:
        con.execute("UPDATE plans SET office = NULL WHERE code = 'JZ'")
    ctx = template_context(demo_portal, "JZKF-JFJ", "2025Q3")
    settings = demo_portal.settings
    assert (ctx.office_name, ctx.office_contact) == (settings.office_name, settings.office_contact)


def test_prefilled_rows_read_as_a_clerk_reads_them(demo_portal):
    ctx = template_context(demo_portal, "JZKF-JFJ", "2025Q3")
    k02 = next(r for r in ctx.indicators if r["indicator"] == "JZ-K02")
    assert k02["kind"] in {"存量", "年度流量", "累计量", "比率", "里程碑"}
    assert k02["direction"] in {"≥", "≤"}
    assert k02["year_target"] == 70  # the yearly target of the round's year
    task = next(r for r in ctx.tasks if r["task"] == "JZ-3.2.2")
    assert task["lead_unit"] == "经发局"
    assert task["helper_units"].split("、")[:2] == ["财政局", "市场监管局"]


def test_last_approved_value_is_the_latest_approved_one_of_an_earlier_round(demo_portal):
    at = dt.datetime(2025, 7, 10, 9, 0)
    with demo_portal.warehouse.transaction() as con:
        _approved(
            con,
            [
                (1, "JZKF-JFJ", "2025Q1", "approved", at, {"JZ-K01": 80.0, "JZ-K02": 5.0}),
                (2, "JZKF-JFJ", "2025Q2", "approved", at, {"JZ-K01": 90.0, "JZ-K02": None}),
                (3, "JZKF-JFJ", "2025Q2", "validated", at + dt.timedelta(days=1), {"JZ-K01": 95.0}),
                (4, "JZKF-JFJ", "2025Q3", "approved", at, {"JZ-K01": 99.0}),  # this round: not "last"
                (5, "JZKF-CZJ", "2025Q2", "approved", at, {"JZ-K01": 1000.0}),  # another unit
            ],
        )
    rows = {r["indicator"]: r for r in template_context(demo_portal, "JZKF-JFJ", "2025Q3").indicators}
    assert (rows["JZ-K01"]["last_value"], rows["JZ-K01"]["last_round"]) == (90.0, "2025Q2")
    assert (rows["JZ-K02"]["last_value"], rows["JZ-K02"]["last_round"]) == (5.0, "2025Q1")
    assert rows["JZ-K03"]["last_value"] is None and rows["JZ-K03"]["last_round"] is None


def test_an_extension_moves_the_due_date_on_that_units_template_only(demo_portal):
    with demo_portal.warehouse.transaction() as con:
        _insert(
            con,
            "extensions",
            [dict(round="2025Q3", unit="JZKF-JFJ", due_date=dt.date(2025, 10, 31), reason="系统故障",
                  granted_by="office", granted_at=dt.datetime(2025, 10, 9))],
        )  # fmt: skip
    assert template_context(demo_portal, "JZKF-JFJ", "2025Q3").due_date == dt.date(2025, 10, 31)
    assert template_context(demo_portal, "JZKF-CZJ", "2025Q3").due_date == dt.date(2025, 10, 15)


@pytest.mark.parametrize(
    ("unit", "round_code", "usage", "words"),
    [
        ("NOPE", "2025Q3", True, "不存在"),
        ("JZKF-JFJ", "2031Q1", True, "轮次 2031Q1 不存在"),
        ("JZKF-JFJ", "2025Q5", True, "格式不对"),
        ("JZKF", "2025Q3", False, "无需填报"),
    ],
)
def test_requests_that_cannot_be_served_say_why_in_chinese(demo_portal, unit, round_code, usage, words):
    with pytest.raises(TemplateRequestError) as caught:
        build_unit_template(demo_portal, unit, round_code)
    assert caught.value.usage is usage
    assert words in caught.value.message


def test_an_inactive_unit_gets_no_template(demo_portal):
    with demo_portal.warehouse.transaction() as con:
        con.execute("UPDATE units SET active = false WHERE code = 'JZKF-JFJ'")
    with pytest.raises(TemplateRequestError, match="已停用"):
        build_unit_template(demo_portal, "JZKF-JFJ", "2025Q3")
    assert "JZKF-JFJ" not in {c.unit for c in round_template_contexts(demo_portal, "2025Q3")}


def test_file_names_carry_round_code_and_chinese_name_and_nothing_unsafe():
    assert template_filename("2025Q3", "JZKF-JFJ", "经发局") == "2025Q3_JZKF-JFJ_经发局_填报模板.xlsx"
    assert template_filename("2025Q3", "X", "a/b: c") == "2025Q3_X_a_b_c_填报模板.xlsx"


def test_the_round_zip_holds_every_template_under_its_name(demo_portal):
    contexts = round_template_contexts(demo_portal, "2025Q3")[:3]
    built = [build_from_context(c, b"k") for c in contexts]
    archive = zipfile.ZipFile(io.BytesIO(zip_templates(built)))
    assert archive.namelist() == [b.filename for b in built]
    assert archive.read(built[0].filename) == built[0].data


# ---------------------------------------------------------------- CLI


def test_cli_writes_one_units_template(demo_portal, portal_home, tmp_path):
    out = tmp_path / "out" / "jfj.xlsx"
    done = run_cli("template", "--unit", "JZKF-JFJ", "--round", "2025Q3", "-o", str(out), home=portal_home)
    assert done.returncode == 0, done.stderr.decode()
    assert "指标 10 个" in done.stderr.decode()
    parsed = read_upload(out.read_bytes())
    assert parsed.meta["unit"] == "JZKF-JFJ" and parsed.issues == []


def test_cli_writes_every_units_template_and_a_zip_with_a_progress_bar(demo_portal, portal_home, tmp_path):
    out = tmp_path / "round"
    done = run_cli("template", "--all", "--round", "2025Q3", "-o", str(out), home=portal_home)
    stderr = done.stderr.decode()
    assert done.returncode == 0, stderr
    assert f"{DEMO_UNITS_WITH_WORK}/{DEMO_UNITS_WITH_WORK}" in stderr  # tqdm's final count
    files = sorted(p.name for p in out.glob("*.xlsx"))
    assert len(files) == DEMO_UNITS_WITH_WORK
    assert "2025Q3_JZKF-JFJ_经发局_填报模板.xlsx" in files
    (archive,) = out.glob("*.zip")
    assert sorted(zipfile.ZipFile(archive).namelist()) == files
    assert done.stdout == b""


def test_cli_into_a_directory_uses_the_template_file_name(demo_portal, portal_home, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["template", "--unit", "JZKF-JFJ", "--round", "2025Q3", "-o", "dir/"]) == 0
    assert (tmp_path / "dir" / "2025Q3_JZKF-JFJ_经发局_填报模板.xlsx").is_file()
    assert main(["template", "--unit", "JZKF-CZJ", "--round", "2025Q3"]) == 0
    assert (tmp_path / "2025Q3_JZKF-CZJ_财政局_填报模板.xlsx").is_file()


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["--unit", "NOPE", "--round", "2025Q3"], 2, "单位代码“NOPE”不存在"),
        (["--unit", "JZKF-JFJ", "--round", "2031Q1"], 2, "轮次 2031Q1 不存在"),
        (["--all", "--round", "2031Q1"], 2, "轮次 2031Q1 不存在"),
        (["--unit", "JZKF", "--round", "2025Q3"], 1, "无需填报"),
    ],
)
def test_cli_reports_unknown_units_and_rounds_in_chinese(demo_portal, tmp_path, capsys, args, code, words):
    assert main(["template", *args, "-o", str(tmp_path / "x")]) == code
    assert words in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_cli_all_when_nobody_has_anything_to_report_says_so(empty_portal, tmp_path, capsys):
    with empty_portal.warehouse.transaction() as con:
        upsert_rounds(con, [{"code": "2025Q3", "due_date": dt.date(2025, 10, 15), "state": "open"}])
    assert main(["template", "--all", "--round", "2025Q3", "-o", str(tmp_path / "x")]) == 1
    assert "没有需要填报的单位" in capsys.readouterr().err


def test_building_in_several_processes_gives_the_same_workbooks_in_order(demo_round, _demo_home):
    secret, sequential = demo_round
    contexts = round_template_contexts(Portal.open(_demo_home), "2025Q3")[:5]
    parallel = list(iter_built(contexts, secret, jobs=2))
    assert [b.filename for b in parallel] == [b.filename for b in sequential[:5]]
    for a, b in zip(parallel, sequential, strict=False):
        pa, pb = read_upload(a.data), read_upload(b.data)
        assert pa.meta.pop("generated_at") and pb.meta.pop("generated_at")
        assert pa.meta == pb.meta  # the signature too: it does not cover the time
        for key in pa.sheets:
            assert pa.sheets[key].frame.equals(pb.sheets[key].frame)


def test_a_round_built_in_two_processes_zips_to_the_same_templates_as_in_one(demo_portal):
    contexts, built = round_built(demo_portal, "2025Q3", jobs=2)
    in_processes = list(built)
    assert all(b.deflated is not None for b in in_processes)  # compressed by the workers
    here = [build_from_context(c, demo_portal.settings.secret()) for c in contexts]
    assert [b.filename for b in in_processes] == [b.filename for b in here]
    two, one = (zipfile.ZipFile(io.BytesIO(zip_templates(b))) for b in (iter(in_processes), here))
    assert two.testzip() is None and two.namelist() == one.namelist()
    for name, a, b in zip(two.namelist(), in_processes, here, strict=True):
        assert two.read(name) == a.data
        pa, pb = read_upload(a.data), read_upload(b.data)
        assert pa.meta.pop("generated_at") and pb.meta.pop("generated_at")
        assert pa.meta == pb.meta
        for key in pa.sheets:
            assert pa.sheets[key].frame.equals(pb.sheets[key].frame)


def test_cli_all_in_two_processes_writes_every_template_and_the_zip(demo_portal, portal_home, tmp_path):
    out = tmp_path / "round"
    done = run_cli("template", "--all", "--round", "2025Q3", "-o", str(out), "--jobs", "2", home=portal_home)
    assert done.returncode == 0, done.stderr.decode()
    files = sorted(p.name for p in out.glob("*.xlsx"))
    assert len(files) == DEMO_UNITS_WITH_WORK
    (archive,) = out.glob("*.zip")
    with zipfile.ZipFile(archive) as zf:
        assert zf.testzip() is None and sorted(zf.namelist()) == files
        assert all(zf.read(name) == (out / name).read_bytes() for name in files)


def test_a_round_of_hundreds_of_units_is_built_on_every_core_unless_told(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert default_jobs(299) == 1  # starting workers costs more than a small round takes
    assert default_jobs(2000) == 2
    monkeypatch.setattr("os.cpu_count", lambda: 16)
    assert default_jobs(2000) == 4  # memory: a handful of workers at most
