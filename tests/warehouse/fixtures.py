"""Small hand-built warehouses for view tests: registry rows, rounds, submissions and their facts.

Rows are collected in plain dicts and written table by table as Polars frames (never row by row)
into a real DuckDB file opened through warehouse.db.Warehouse:

    fx = Fixture()
    fx.plan("P", 2024, 2026, base_year=2023)
    fx.unit("U1")
    fx.indicator("K1", "stock", 200, owners=["U1"], baseline=100, baseline_year=2023)
    fx.round("2025Q3")
    fx.submission("U1", "2025Q3", values={"K1": 150})
    wh = fx.warehouse(tmp_path)
"""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from warehouse import approved
from warehouse.db import Warehouse, transaction

TXT, INT, NUM, BOOL, DATE, TS = pl.Utf8, pl.Int64, pl.Float64, pl.Boolean, pl.Date, pl.Datetime("us")

SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "plans": {"code": TXT, "name": TXT, "start_year": INT, "end_year": INT, "base_year": INT},
    "units": {"code": TXT, "name": TXT, "kind": TXT, "contact": TXT, "phone": TXT, "active": BOOL},
    "tasks": {
        "code": TXT,
        "plan": TXT,
        "title": TXT,
        "lead_unit": TXT,
        "due_year": INT,
        "weight": NUM,
        "position": INT,
    },
    "task_units": {"task": TXT, "unit": TXT, "role": TXT, "position": INT},
    "indicators": {
        "code": TXT,
        "plan": TXT,
        "task": TXT,
        "name": TXT,
        "measure_unit": TXT,
        "kind": TXT,
        "direction": TXT,
        "baseline_value": NUM,
        "baseline_year": INT,
        "target_value": NUM,
        "target_year": INT,
        "weight": NUM,
        "position": INT,
    },
    "indicator_owners": {"indicator": TXT, "unit": TXT, "position": INT},
    "indicator_yearly_targets": {"indicator": TXT, "year": INT, "target_value": NUM},
    "rounds": {"code": TXT, "year": INT, "quarter": INT, "due_date": DATE, "state": TXT},
    "submissions": {
        "id": INT,
        "unit": TXT,
        "round": TXT,
        "version": INT,
        "file_hash": TXT,
        "uploaded_by": TXT,
        "uploaded_at": TS,
        "status": TXT,
        "days_late": INT,
    },
    "indicator_values": {"submission_id": INT, "indicator": TXT, "unit": TXT, "round": TXT, "value": NUM},
    "task_progress": {
        "submission_id": INT,
        "task": TXT,
        "unit": TXT,
        "round": TXT,
        "role": TXT,
        "status": TXT,
        "percent": NUM,
    },
    "extensions": {
        "round": TXT,
        "unit": TXT,
        "due_date": DATE,
        "reason": TXT,
        "granted_by": TXT,
        "granted_at": TS,
    },
    "reviews": {"submission_id": INT, "decision": TXT, "comment": TXT, "reviewer": TXT, "reviewed_at": TS},
}


def _when(value: str | dt.date | dt.datetime) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(10, 0))
    return (
        dt.datetime.fromisoformat(value)
        if " " in value or "T" in value
        else _when(dt.date.fromisoformat(value))
    )


def _date(value: str | dt.date) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


@dataclass
class Fixture:
    rows: dict[str, list[dict]] = field(default_factory=lambda: {t: [] for t in SCHEMAS})
    submission_ids: dict[int, int] = field(default_factory=dict)  # local key -> id in the warehouse

    def plan(self, code: str, start_year: int, end_year: int, base_year: int | None = None) -> Fixture:
        self.rows["plans"].append(
            {"code": code, "name": f"规划{code}", "start_year": start_year, "end_year": end_year}
            | {"base_year": base_year}
        )
        return self

    def unit(
        self,
        code: str,
        kind: str = "department",
        active: bool = True,
        contact: str | None = None,
        phone: str | None = None,
        name: str | None = None,
    ) -> Fixture:
        self.rows["units"].append(
            {"code": code, "name": name or f"单位{code}", "kind": kind, "active": active}
            | {"contact": contact, "phone": phone}
        )
        return self

    def task(
        self,
        code: str,
        lead: str,
        helpers: tuple[str, ...] = (),
        plan: str = "P",
        due_year: int = 2026,
        weight: float = 1.0,
    ) -> Fixture:
        position = len(self.rows["tasks"])
        self.rows["tasks"].append(
            {"code": code, "plan": plan, "title": f"任务{code}", "lead_unit": lead, "due_year": due_year}
            | {"weight": weight, "position": position}
        )
        for pos, unit in enumerate([lead, *helpers]):
            role = "lead" if pos == 0 else "helper"
            self.rows["task_units"].append({"task": code, "unit": unit, "role": role, "position": pos})
        return self

    def indicator(
        self,
        code: str,
        kind: str,
        target: float,
        *,
        owners: list[str],
        target_year: int = 2026,
        baseline: float | None = None,
        baseline_year: int | None = None,
        direction: str = ">=",
        plan: str = "P",
        task: str | None = None,
        yearly: dict[int, float] | None = None,
        weight: float = 1.0,
    ) -> Fixture:
        self.rows["indicators"].append(
            {"code": code, "plan": plan, "task": task, "name": f"指标{code}", "measure_unit": "个"}
            | {"kind": kind, "direction": direction, "baseline_value": baseline}
            | {"baseline_year": baseline_year, "target_value": target, "target_year": target_year}
            | {"weight": weight, "position": len(self.rows["indicators"])}
        )
        for pos, unit in enumerate(owners):
            self.rows["indicator_owners"].append({"indicator": code, "unit": unit, "position": pos})
        for year, value in (yearly or {}).items():
            self.rows["indicator_yearly_targets"].append(
                {"indicator": code, "year": year, "target_value": value}
            )
        return self

    def round(self, code: str, due_date: str | dt.date | None = None, state: str = "closed") -> Fixture:
        year, quarter = int(code[:4]), int(code[-1])
        if due_date is None:
            end = dt.date(year + (quarter == 4), quarter * 3 % 12 + 1, 1) - dt.timedelta(days=1)
            due_date = end + dt.timedelta(days=15)
        self.rows["rounds"].append(
            {"code": code, "year": year, "quarter": quarter, "due_date": _date(due_date), "state": state}
        )
        return self

    def due_date(self, round_code: str) -> dt.date:
        return next(r["due_date"] for r in self.rows["rounds"] if r["code"] == round_code)

    def submission(
        self,
        unit: str,
        round_code: str,
        status: str = "approved",
        uploaded_at: str | dt.date | dt.datetime | None = None,
        values: dict[str, float | None] | None = None,
        tasks: dict[str, tuple[str, float]] | None = None,
    ) -> int:
        """One upload with its facts; returns a local key (see `submission_ids` after writing).
        Uploaded by default the day before the round's due date."""
        key = len(self.rows["submissions"]) + 1
        when = _when(uploaded_at) if uploaded_at else _when(self.due_date(round_code) - dt.timedelta(days=1))
        version = 1 + sum(
            1 for s in self.rows["submissions"] if (s["unit"], s["round"]) == (unit, round_code)
        )
        self.rows["submissions"].append(
            {"id": key, "unit": unit, "round": round_code, "version": version, "file_hash": f"h{key}"}
            | {"uploaded_by": "test", "uploaded_at": when, "status": status, "days_late": 0}
        )
        for indicator, value in (values or {}).items():
            self.rows["indicator_values"].append(
                {"submission_id": key, "indicator": indicator, "unit": unit, "round": round_code}
                | {"value": value}
            )
        roles = {(r["task"], r["unit"]): r["role"] for r in self.rows["task_units"]}
        for task, (status_, percent) in (tasks or {}).items():
            self.rows["task_progress"].append(
                {"submission_id": key, "task": task, "unit": unit, "round": round_code}
                | {"role": roles.get((task, unit), "helper"), "status": status_, "percent": percent}
            )
        return key

    def review(self, key: int, decision: str, comment: str = "", when: str | None = None) -> Fixture:
        """A review of the submission with local key `key` (decision as stored: "approve", "return", "comment")."""
        self.rows["reviews"].append(
            {"submission_id": key, "decision": decision, "comment": comment, "reviewer": "office"}
            | {"reviewed_at": _when(when) if when else dt.datetime(2025, 1, 1)}
        )
        return self

    def extension(self, round_code: str, unit: str, due_date: str | dt.date) -> Fixture:
        self.rows["extensions"].append(
            {"round": round_code, "unit": unit, "due_date": _date(due_date), "reason": "测试延期"}
            | {"granted_by": "office", "granted_at": dt.datetime(2025, 1, 1)}
        )
        return self

    def write(self, con) -> dict[int, int]:
        """Insert everything on `con` (call inside a transaction); submission ids come from the
        warehouse's own sequence, so later real loads do not collide with them."""
        n = len(self.rows["submissions"])
        ids = [r[0] for r in con.execute(f"SELECT nextval('submission_id_seq') FROM range({n})").fetchall()]
        self.submission_ids = dict(zip(range(1, n + 1), ids, strict=True))
        for table, schema in SCHEMAS.items():
            rows = self.rows[table]
            if not rows:
                continue
            frame = pl.DataFrame([{k: r.get(k) for k in schema} for r in rows], schema=schema, orient="row")
            if "id" in schema:
                frame = frame.with_columns(pl.col("id").replace_strict(self.submission_ids))
            if "submission_id" in schema:
                frame = frame.with_columns(pl.col("submission_id").replace_strict(self.submission_ids))
            con.register("fixture_rows", frame.to_arrow())
            con.execute(f"INSERT INTO {table} ({', '.join(frame.columns)}) SELECT * FROM fixture_rows")
            con.unregister("fixture_rows")
        approved.rebuild(con)  # a bulk load: the approved values follow, as after any load
        return self.submission_ids

    def warehouse(self, directory: Path, name: str = "fixture.duckdb") -> Warehouse:
        path = Path(directory) / name
        if not path.exists():
            shutil.copyfile(_empty_warehouse(), path)
        wh = Warehouse(path)
        with wh.connect() as con, transaction(con):
            self.write(con)
        return wh


def one_table_warehouse(directory: Path, **settings) -> Warehouse:
    """A new warehouse file in `directory` with one empty table t (x INTEGER): for the tests of how
    the file is held (page runs, the idle instance), not of its schema. `settings`: Warehouse's."""
    wh = Warehouse(Path(directory) / "warehouse.duckdb", **settings)
    with wh.connect(create=True) as con:
        con.execute("CREATE TABLE t (x INTEGER)")
    return wh


@functools.cache
def _empty_warehouse() -> Path:
    """A new warehouse brought to the current schema, made once per test process: each fixture
    starts from a copy of it (~1 ms) instead of creating and migrating a file (~0.2 s of CPU).
    Creating and migrating are tested where they are the subject (init, migrations)."""
    folder = Path(tempfile.mkdtemp(prefix="kjcx-empty-warehouse-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    with Warehouse(folder / "empty.duckdb").connect(create=True):
        pass
    return folder / "empty.duckdb"


def kpi_fixture() -> Fixture:
    """One indicator of every kind, judged at 2025Q3 (plan P 2024-2026, base year 2023).

    U1 department, U2 park, U3 town. Owners of record: STOCK_B/STOCK_NB/STOCK_NONE U1 (STOCK_B
    co-owned by U2, whose values must be ignored), CUM/CUM_NB U2, FLOW/RATE/MILESTONE/LE/LE_RATE U3.
    """
    fx = Fixture().plan("P", 2024, 2026, base_year=2023)
    fx.unit("U1", "department").unit("U2", "park").unit("U3", "town")
    fx.task("T1", "U1").task("T2", "U1", helpers=("U2",)).task("T3", "U1")
    fx.indicator("STOCK_B", "stock", 200, owners=["U1", "U2"], baseline=100, baseline_year=2023)
    fx.indicator("STOCK_NB", "stock", 300, owners=["U1"])
    fx.indicator("STOCK_NONE", "stock", 50, owners=["U1"], task="T1")
    fx.indicator("FLOW", "flow", 100, owners=["U3"], yearly={2025: 80})
    fx.indicator("CUM", "cumulative", 60, owners=["U2"], baseline=0, baseline_year=2023, task="T2")
    fx.indicator("CUM_NB", "cumulative", 120, owners=["U2"])
    fx.indicator("RATE", "rate", 15, owners=["U3"], task="T3")
    fx.indicator("MILESTONE", "milestone", 1, owners=["U3"], baseline=0, baseline_year=2023)
    fx.indicator("LE", "stock", 4, owners=["U3"], baseline=10, baseline_year=2023, direction="<=")
    fx.indicator("LE_RATE", "rate", 5, owners=["U3"], direction="<=")
    for code in ("2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4"):
        fx.round(code)
    fx.submission("U1", "2024Q4", values={"STOCK_B": 130, "STOCK_NB": 200})
    fx.submission("U1", "2025Q2", values={"STOCK_B": 140})
    fx.submission(
        "U1",
        "2025Q3",
        values={"STOCK_B": 150, "STOCK_NB": 240, "STOCK_NONE": None},
        tasks={"T1": ("completed", 100), "T2": ("in_progress", 60), "T3": ("in_progress", 70)},
    )
    fx.submission("U1", "2025Q4", values={"STOCK_B": 999})  # after the round: ignored at 2025Q3
    fx.submission("U2", "2025Q3", status="rejected", values={"CUM": 0})
    fx.submission(
        "U2", "2025Q3", values={"STOCK_B": 500, "CUM": 36, "CUM_NB": 63}, tasks={"T2": ("behind", 40)}
    )
    fx.submission("U3", "2024Q4", values={"FLOW": 90})
    fx.submission("U3", "2025Q2", values={"FLOW": 30, "RATE": 13.8, "MILESTONE": 0, "LE": 6.8, "LE_RATE": 4})
    fx.submission("U3", "2025Q3", status="validated", values={"FLOW": 55, "RATE": 20})  # not approved yet
    return fx


# The clock of round_fixture: two days before 2025Q3's due date.
ROUND_TODAY = dt.date(2025, 10, 13)


def round_fixture() -> Fixture:
    """Round 2025Q3 (due 2025-10-15) seen from ROUND_TODAY, a unit in every situation.

    Plan P (2024-2026) is live; plan Q (2022-2024) has ended, so its only unit J is not expected.
    A approved on time (then a rejected re-upload)   B validated 3 days late
    C validated late but within its extension        D two rejected uploads only (missing, due soon)
    E nothing, extension to 10-30 (missing)          F returned
    G v1 superseded by v2 (first report on time)     H inactive, I no duties: reported but not expected
    Tasks: T1 lead B helpers C, A; T2 lead B due 2024; T3 lead A helper C; T4 lead G; T5 lead D
    helper E due 2024; TQ in plan Q.
    """
    fx = Fixture().plan("P", 2024, 2026, base_year=2023).plan("Q", 2022, 2024, base_year=2021)
    fx.unit("A", "department", contact="赵一", phone="0710-0001")
    fx.unit("B", "department", contact="钱二", phone="0710-0002")
    fx.unit("C", "park", contact="孙三", phone="0710-0003")
    fx.unit("D", "park", contact="李四", phone="0710-0004")
    fx.unit("E", "town", contact="周五", phone="0710-0005")
    fx.unit("F", "town", contact="吴六", phone="0710-0006")
    fx.unit("G", "department", contact="郑七", phone="0710-0007")
    fx.unit("H", "department", active=False)
    fx.unit("I", "department")
    fx.unit("J", "department")
    for code, owner in [("KA", "A"), ("KD", "D"), ("KE", "E"), ("KF", "F"), ("KG", "G"), ("KH", "H")]:
        fx.indicator(code, "stock", 10, owners=[owner])
    fx.indicator("KJ", "stock", 10, owners=["J"], plan="Q", target_year=2024)
    fx.task("T1", "B", helpers=("C", "A"))
    fx.task("T2", "B", due_year=2024)
    fx.task("T3", "A", helpers=("C",))
    fx.task("T4", "G")
    fx.task("T5", "D", helpers=("E",), due_year=2024)
    fx.task("TQ", "J", plan="Q", due_year=2024)
    fx.round("2025Q2").round("2025Q3", "2025-10-15", state="open")
    fx.extension("2025Q3", "C", "2025-10-20").extension("2025Q3", "E", "2025-10-30")
    r = "2025Q3"
    fx.submission(
        "A",
        r,
        "approved",
        "2025-10-10 09:00",
        values={"KA": 5},
        tasks={"T1": ("in_progress", 50), "T3": ("in_progress", 40)},
    )
    fx.submission("A", r, "rejected", "2025-10-14 09:00")
    fx.submission(
        "B", r, "validated", "2025-10-18 16:00", tasks={"T1": ("in_progress", 60), "T2": ("in_progress", 80)}
    )
    fx.submission(
        "C", r, "validated", "2025-10-18 11:00", tasks={"T1": ("completed", 100), "T3": ("behind", 20)}
    )
    fx.submission("D", r, "rejected", "2025-10-11 09:00")
    fx.submission("D", r, "rejected", "2025-10-12 09:00")
    fx.submission("F", r, "returned", "2025-10-14 09:00", values={"KF": 3})
    fx.submission("G", r, "superseded", "2025-10-14 09:00", tasks={"T4": ("behind", 10)})
    fx.submission("G", r, "validated", "2025-10-16 09:00", tasks={"T4": ("completed", 100)})
    fx.submission("H", r, "approved", "2025-10-10 09:00", values={"KH": 1})
    fx.submission("I", r, "validated", "2025-10-10 09:00")
    fx.submission("A", "2025Q2", "approved", values={"KA": 4})
    return fx
