"""`portal validate` as a script calls it: exit codes, a pure --json stdout, the annotated workbook."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook

from portal.reporting.templates import build_unit_template
from tests.conftest import cli, run_cli
from tests.xlsx_fill import fill_valid

UNIT = "XY-KJJ"


@pytest.fixture
def files(demo_portal, tmp_path):
    template = build_unit_template(demo_portal, UNIT, "2025Q3").data
    good = tmp_path / "good.xlsx"
    good.write_bytes(fill_valid(template))
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(
        fill_valid(
            template,
            indicators={"XY-K02": {"value": "１２０"}, "XY-K04": {"value": "一千"}},
            tasks={"XY-2.1.1": {"percent": 120}},
        )
    )
    return {"good": good, "bad": bad, "home": demo_portal.settings.home, "dir": tmp_path}


def test_a_good_workbook_exits_0_and_says_so(files):
    done = run_cli("validate", str(files["good"]), home=files["home"])
    assert done.returncode == 0, done.stderr.decode()
    assert "校验通过" in done.stdout.decode()


def test_json_is_all_stdout_has_the_contract_shape_and_exit_1_on_errors(files):
    done = cli("validate", str(files["bad"]), "--json", home=files["home"])
    assert done.returncode == 1
    payload = json.loads(done.stdout)  # nothing but the JSON on stdout
    assert set(payload) == {"ok", "issues"} and payload["ok"] is False
    assert all(
        set(i) == {"code", "severity", "sheet", "cell", "column", "value", "message"}
        for i in payload["issues"]
    )
    found = [(i["code"], i["severity"], i["sheet"], i["cell"], i["value"]) for i in payload["issues"]]
    assert found == [
        ("number-full-width", "warning", "指标填报", "N5", "１２０"),
        ("value-not-number", "error", "指标填报", "N7", "一千"),
        ("value-above-max", "error", "任务进展", "H4", "120"),
    ]


def test_annotate_marks_cells_and_lists_every_issue(files):
    out = files["dir"] / "标注.xlsx"
    done = cli("validate", str(files["bad"]), "--annotate", str(out), home=files["home"])
    assert done.returncode == 1
    book = load_workbook(io.BytesIO(out.read_bytes()))
    assert book.sheetnames[0] == "校验结果"
    listing = [[c.value for c in row] for row in book["校验结果"].iter_rows(min_row=1, max_col=8)]
    assert listing[0] == ["序号", "级别", "工作表", "单元格", "列", "填写值", "问题", "处理建议"]
    assert [(r[1], r[2], r[3]) for r in listing[1:]] == [
        ("警告", "指标填报", "N5"),
        ("错误", "指标填报", "N7"),
        ("错误", "任务进展", "H4"),
    ]
    ind, tsk = book["指标填报"], book["任务进展"]
    assert ind["N5"].fill.fgColor.rgb.endswith("FFEB9C") and "全角" in ind["N5"].comment.text
    assert ind["N7"].fill.fgColor.rgb.endswith("FFC7CE") and "不是有效的数字" in ind["N7"].comment.text
    assert tsk["H4"].fill.fgColor.rgb.endswith("FFC7CE") and "处理建议" in tsk["H4"].comment.text


def test_unit_and_round_given_on_the_command_line_must_match_the_workbook(files):
    done = cli(
        "validate", str(files["good"]), "--unit", "YY-KJJ", "--round", "2025Q2", "--json", home=files["home"]
    )
    codes = [i["code"] for i in json.loads(done.stdout)["issues"]]
    assert done.returncode == 1 and codes == ["wrong-unit", "wrong-round", "round-not-open"]


def test_a_file_that_is_no_workbook_is_an_issue_not_a_traceback(files):
    junk = files["dir"] / "表格.xls"
    junk.write_bytes(b"<html><table><tr><td>1</td></tr></table></html>")
    out = files["dir"] / "标注.xlsx"
    done = cli("validate", str(junk), "--json", "--annotate", str(out), home=files["home"])
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert [i["code"] for i in json.loads(done.stdout)["issues"]] == ["file-not-xlsx"]
    assert load_workbook(out).sheetnames == ["校验结果"]


@pytest.mark.parametrize(
    "args",
    [("missing.xlsx",), ("{good}", "--round", "2025-3"), ()],
    ids=["file-not-found", "bad-round", "no-file"],
)
def test_usage_errors_exit_2(files, args):
    args = tuple(a.format(good=files["good"]) for a in args)
    done = cli("validate", *args, home=files["home"])
    assert done.returncode == 2 and done.stdout == ""


def test_an_unwritable_annotate_path_fails_without_leaving_a_partial_file(files):
    target = files["dir"] / "no-such-dir" / "out.xlsx"
    done = cli("validate", str(files["good"]), "--annotate", str(target), home=files["home"])
    assert done.returncode == 1 and not target.exists()
    assert list(files["dir"].glob("**/.out.xlsx.tmp")) == []
