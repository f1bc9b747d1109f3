"""`portal export` (issue 21): the shared tables of a round or a year as Parquet or CSV with a
Frictionless Data Package descriptor, read back with Polars and DuckDB; CSV text safe against
formula injection; the account's scope; assessment results only once final (定稿)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

from portal.accounts.auth import system_actor
from portal.assessment import lifecycle as lc
from portal.assessment.assess import assess
from portal.core.context import Portal
from portal.sharing.datasets import DATASETS, TYPES, Query, fetch
from tests.actors import EVALUATOR
from tests.conftest import cli
from warehouse import views

ROUND = "2025Q2"

# frictionless, installed by `scripts/setup.sh test` into its own directory beside the venv's packages
# (pyproject.toml [tool.kjcx-portal]): it needs the PyPI package `validators`, whose top-level name is
# our own validators/ package, so it is never installed into the venv itself.
FRICTIONLESS = Path(sys.prefix) / "isolated" / "frictionless"

# Run by frictionless's interpreter: validate the package (descriptor, and every resource's rows
# against its schema); the package's own errors and, per resource, the rows read and each error.
VALIDATE = """
import json, sys
import frictionless
report = frictionless.validate(sys.argv[1])
keys = ("type", "fieldName", "rowNumber", "cell")
print(json.dumps({
    "module": frictionless.__file__,
    "valid": report.valid,
    "errors": [e.message for e in report.errors],
    "tasks": {t.name: {"rows": t.stats.get("rows") or 0, "errors": [{k: e.to_dict().get(k) for k in keys} for e in t.errors]}
              for t in report.tasks},
}, ensure_ascii=False))
"""


@pytest.fixture(scope="module")
def filled(_filled_demo_home, tmp_path_factory) -> Portal:
    home = tmp_path_factory.mktemp("open-export") / "home"
    shutil.copytree(_filled_demo_home, home)
    return Portal.open(home)


def _descriptor(directory) -> dict:
    return json.loads((directory / "datapackage.json").read_text(encoding="utf-8"))


def _check_package(directory, fmt: str) -> dict[str, pl.DataFrame]:
    """The descriptor's shape (Frictionless Data Package), and every file and field it lists read
    back with the declared types; the tables by name."""
    package = _descriptor(directory)
    assert re.fullmatch(r"[a-z0-9._-]+", package["name"])
    assert package["profile"] == "tabular-data-package" and package["title"] and package["created"]
    assert [r["name"] for r in package["resources"]] == list(DATASETS)
    assert sorted(p.name for p in directory.iterdir()) == sorted(
        ["datapackage.json", *(r["path"] for r in package["resources"])]
    )
    tables = {}
    for resource in package["resources"]:
        assert resource["format"] == fmt and resource["profile"] == "tabular-data-resource"
        fields = resource["schema"]["fields"]
        assert all({"name", "type", "description"} <= set(f) for f in fields)
        assert all(re.search(r"[\u4e00-\u9fff]", f["description"]) for f in fields)  # Chinese
        schema = {f["name"]: TYPES[f["type"]] for f in fields}
        path = directory / resource["path"]
        if fmt == "parquet":
            frame = pl.read_parquet(path)
            assert frame.schema == pl.Schema(schema), resource["name"]
        else:
            assert resource["encoding"] == "utf-8"
            frame = pl.read_csv(path, schema=schema)  # fails on a column or value of another type
            assert pl.read_csv(path, n_rows=0).columns == list(schema)
        tables[resource["name"]] = frame
    return tables


def _frictionless_validate(directory) -> dict:
    """frictionless.validate(datapackage.json) in a fresh interpreter whose path starts with
    frictionless's own directory and holds none of ours (so `validators` is the PyPI one)."""
    if not (FRICTIONLESS / "frictionless").is_dir():
        pytest.fail(f"frictionless is not installed in {FRICTIONLESS}: run `bash scripts/setup.sh test`")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")} | {
        "PYTHONPATH": str(FRICTIONLESS)
    }
    done = subprocess.run(
        [sys.executable, "-c", VALIDATE, str(directory / "datapackage.json")],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["module"].startswith(str(FRICTIONLESS))
    return result


def test_a_rounds_csv_export_validates_with_the_frictionless_library_descriptor_and_data(filled, tmp_path):
    out = tmp_path / "csv"
    done = cli("export", "--round", ROUND, "--format", "csv", "-o", str(out), home=filled.settings.home)
    assert done.returncode == 0, done.stderr
    heights = {name: frame.height for name, frame in _check_package(out, "csv").items()}
    report = _frictionless_validate(out)
    assert report["valid"] and report["errors"] == [], report
    # Every resource was read and checked row by row against its declared fields, not only the descriptor.
    assert {name: task["rows"] for name, task in report["tasks"].items()} == heights
    assert heights["indicator-values"] > 0 and heights["task-progress"] > 0


def test_a_rounds_parquet_export_validates_with_the_frictionless_library_descriptor_and_data(
    filled, tmp_path
):
    """frictionless 5.21 reads Parquet itself (pyarrow, then pandas: no plugin to install). The files
    carry pandas metadata so that an integer column with empty cells reaches pandas as a nullable
    integer, not float NaN (which frictionless reports as a type error in every empty cell)."""
    out = tmp_path / "parquet"
    done = cli("export", "--round", ROUND, "--format", "parquet", "-o", str(out), home=filled.settings.home)
    assert done.returncode == 0, done.stderr
    tables = _check_package(out, "parquet")
    report = _frictionless_validate(out)
    assert report["valid"] and report["errors"] == [], report
    assert {name: task["rows"] for name, task in report["tasks"].items()} == {
        n: t.height for n, t in tables.items()
    }
    # the case that needs the metadata is there: integer fields with empty cells
    empty_integers = [
        (resource["name"], f["name"])
        for resource in _descriptor(out)["resources"]
        for f in resource["schema"]["fields"]
        if f["type"] == "integer" and tables[resource["name"]][f["name"]].null_count()
    ]
    assert empty_integers, "no integer field with an empty cell in this export"
    assert all(task["errors"] == [] for task in report["tasks"].values())


def test_frictionless_refuses_a_package_whose_data_breaks_its_schema(filled, tmp_path):
    """The validation above can fail: a text in an integer column and a wrong type in the descriptor."""
    out = tmp_path / "broken"
    assert cli("export", "--round", ROUND, "--format", "csv", "-o", str(out), home=filled.settings.home).returncode == 0  # fmt: skip
    values = pl.read_csv(out / "indicator-values.csv", infer_schema=False)
    values.with_columns(pl.lit("第二季度").alias("submission_id")).write_csv(out / "indicator-values.csv")
    report = _frictionless_validate(out)
    assert not report["valid"]
    assert {name for name, task in report["tasks"].items() if task["errors"]} == {"indicator-values"}
    assert {e["fieldName"] for e in report["tasks"]["indicator-values"]["errors"]} == {"submission_id"}
    package = _descriptor(out)
    package["resources"][0]["schema"]["fields"][0]["type"] = "数字"
    (out / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False), encoding="utf-8")
    assert not _frictionless_validate(out)["valid"]


def test_a_rounds_export_in_parquet_loads_back_with_the_warehouses_row_counts(filled, tmp_path):
    out = tmp_path / "open"
    done = cli("export", "--round", ROUND, "--format", "parquet", "-o", str(out), home=filled.settings.home)
    assert done.returncode == 0, done.stderr
    assert "已写出开放数据" in done.stdout
    tables = _check_package(out, "parquet")
    with filled.warehouse.connect() as con:
        views.install_macros(con)
        approved = con.execute(
            "SELECT count(*) FROM approved_submissions() s JOIN indicator_values v ON v.submission_id = s.id "
            "WHERE s.round = ? AND v.value IS NOT NULL",
            [ROUND],
        ).fetchone()[0]
        progress = con.execute(
            "SELECT count(*) FROM approved_submissions() s JOIN task_progress p ON p.submission_id = s.id "
            "WHERE s.round = ?",
            [ROUND],
        ).fetchone()[0]
        registry = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("plans", "units", "tasks", "indicators")}  # fmt: skip
    assert tables["indicator-values"].height == approved > 0
    assert tables["task-progress"].height == progress > 0
    assert {t: tables[t].height for t in registry} == registry
    assert tables["rounds"]["code"].to_list() == [ROUND]
    assert set(tables["kpi-pace"]["round"]) == {ROUND} and tables["kpi-pace"].height == registry["indicators"]
    for name in DATASETS:  # DuckDB reads the same files with the same counts
        parquet = str(out / f"{name}.parquet")
        counted = duckdb.sql("SELECT count(*) FROM read_parquet($path)", params={"path": parquet}).fetchall()[
            0
        ][0]
        assert counted == tables[name].height, name


def test_a_years_export_in_csv_matches_the_descriptor_and_keeps_to_the_plan(filled, tmp_path):
    out = tmp_path / "csv"
    done = cli(
        "export",
        "--year",
        "2025",
        "--plan",
        "JZ",
        "--format",
        "csv",
        "-o",
        str(out),
        home=filled.settings.home,
    )
    assert done.returncode == 0, done.stderr
    tables = _check_package(out, "csv")
    assert _descriptor(out)["name"] == "kjrw-open-data-2025-jz"
    assert set(tables["plans"]["code"]) == {"JZ"} and set(tables["indicator-values"]["plan"]) == {"JZ"}
    assert set(tables["indicator-values"]["round"]) == {"2025Q1", "2025Q2", "2025Q3"} & set(
        tables["indicator-values"]["round"]
    ) and set(tables["indicator-values"]["year"]) == {2025}
    expected = fetch(filled, system_actor(), "completion", Query(plan="JZ", year=2025)).height
    assert tables["completion"].height == expected > 0


def test_csv_text_cells_cannot_run_as_formulas(filled, tmp_path):
    with filled.warehouse.transaction() as con:
        views.install_macros(con)
        sid = con.execute(
            "SELECT id FROM approved_submissions() WHERE round = ? AND unit LIKE 'JZKF-%' ORDER BY id LIMIT 1",
            [ROUND],
        ).fetchone()[0]
        task = con.execute(
            "SELECT task FROM task_progress WHERE submission_id = ? LIMIT 1", [sid]
        ).fetchone()[0]
        con.execute(
            "UPDATE task_progress SET narrative = ? WHERE submission_id = ? AND task = ?",
            ['=HYPERLINK("http://example.org","点此")', sid, task],
        )
    out = tmp_path / "formula"
    assert cli("export", "--round", ROUND, "--plan", "JZ", "--format", "csv", "-o", str(out), home=filled.settings.home).returncode == 0  # fmt: skip
    progress = pl.read_csv(out / "task-progress.csv")
    (cell,) = progress.filter((pl.col("submission_id") == sid) & (pl.col("task") == task))[
        "narrative"
    ].to_list()
    assert cell == '\'=HYPERLINK("http://example.org","点此")'
    raw = (out / "task-progress.csv").read_text(encoding="utf-8")
    assert ",=HYPERLINK" not in raw and ',"=HYPERLINK' not in raw
    # The Parquet export keeps the text as it is (typed data, not opened by a spreadsheet).
    assert cli("export", "--round", ROUND, "--plan", "JZ", "-o", str(tmp_path / "pq"), home=filled.settings.home).returncode == 0  # fmt: skip
    typed = pl.read_parquet(tmp_path / "pq" / "task-progress.parquet")
    assert typed.filter(pl.col("submission_id") == sid)["narrative"].str.starts_with("=").any()


def test_an_export_as_an_account_keeps_to_its_scope_and_refuses_a_plan_outside_it(filled, tmp_path):
    home = filled.settings.home
    out = tmp_path / "yy"
    assert cli("export", "--round", ROUND, "--user", "office_yy", "-o", str(out), home=home).returncode == 0
    tables = _check_package(out, "parquet")
    assert set(tables["plans"]["code"]) == {"YY"} and set(tables["indicator-values"]["plan"]) == {"YY"}
    assert all(u.startswith("YY-") for u in tables["completion"]["unit"])
    outside = cli(
        "export",
        "--round",
        ROUND,
        "--plan",
        "JZ",
        "--user",
        "office_yy",
        "-o",
        str(tmp_path / "x"),
        home=home,
    )
    missing = cli(
        "export",
        "--round",
        ROUND,
        "--plan",
        "QQ",
        "--user",
        "office_yy",
        "-o",
        str(tmp_path / "y"),
        home=home,
    )
    assert outside.returncode == missing.returncode == 1
    assert outside.stderr == missing.stderr.replace("QQ", "JZ")
    unit = cli("export", "--round", ROUND, "--user", "reporter", "-o", str(tmp_path / "z"), home=home)
    assert unit.returncode == 1 and "无权读取开放数据" in unit.stderr
    assert cli("export", "--round", "2031Q1", "-o", str(tmp_path / "w"), home=home).returncode == 1


def _on(portal: Portal, day: str) -> Portal:
    settings = portal.settings.home / "settings.toml"
    kept = [x for x in settings.read_text(encoding="utf-8").splitlines() if not x.startswith("today")]
    settings.write_text("\n".join([*kept, f'today = "{day}"']) + "\n", encoding="utf-8")
    return Portal.open(portal.settings.home)


def test_assessment_results_are_shared_only_once_final(demo_portal):
    jan = _on(demo_portal, "2026-01-10")
    assert lc.publish(jan, EVALUATOR, "JZ", 2025, days=7).ok
    assert fetch(jan, system_actor(), "assessment-results").height == 0  # 公示 is not final
    after = _on(jan, "2026-01-17")
    assert lc.finalize(after, EVALUATOR, "JZ", 2025).ok
    results = fetch(after, system_actor(), "assessment-results", Query(year=2025))
    published = {u["unit"]: u for u in assess(after, EVALUATOR, "JZ", 2025).as_json()["units"]}
    assert results.height == len(published) > 0
    assert set(results["plan"]) == {"JZ"} and set(results["version"]) == {1}
    for row in results.iter_rows(named=True):
        unit = published[row["unit"]]
        assert (row["total"], row["rank"], row["grade"]) == (unit["total"], unit["rank"], unit["grade"])
    assert fetch(after, system_actor(), "assessment-results", Query(year=2024)).height == 0
