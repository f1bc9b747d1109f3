"""The hand-computed assessment fixture: plan P (2024-2025, base year 2023), year 2025, seen on
2026-01-25 (after 2025Q4's due date 2026-01-15). Built in a real warehouse under a PORTAL_HOME.

Units: A 经发局, B 科技局, C 高新园区 (assessed); X 统计局 has no duties (not assessed).
Tasks: T1 lead A, helpers B and C, weight 2; T2 lead B alone; T3 lead C, helper A; T4 lead A,
due 2024 (done with, not in 2025). Indicators (target year 2025):
  I1 stock 100 (2023) → 200, owner A, weight 2      I2 flow 50 a year, owner A
  I3 rate 15 %, owner B                             I4 milestone (1 = achieved), owner B
  I5 cumulative 0 → 60 (no baseline: 0 at the end of the base year), owner C
Submissions (rounds 2025Q3 due 2025-10-15, 2025Q4 due 2026-01-15):
  A Q3 on time; A Q4 v1 on time but RETURNED (its values must not count), v2 approved after the
  due date (still on time: the first valid upload was); B Q3 3 days LATE; B Q4 on time;
  C Q3 on time (on the due date); C Q4 only a rejected upload (missing).
Bonus (entered by the evaluator): C +3 and +4, capped at 5.
"""

from __future__ import annotations

from pathlib import Path

from portal.assessment.assess import add_bonus
from portal.core.context import Portal
from tests.actors import EVALUATOR
from tests.warehouse.fixtures import Fixture

TODAY = "2026-01-25"

# The rules this fixture was computed by hand under (before issue 16's default): weighted shares
# with an empty component reweighted, linear indicators without a floor, tasks by status fraction,
# one ranking group and no grade quota, all written with today's keys in scoring/P.toml: the proof
# that a scheme can still say exactly what the old default did.
LEGACY_SCHEME = """
[points.if_nothing_assigned]
mode = "reweight"
[indicators]
item_points = 0
rule = "linear"
floor = 0
[tasks]
item_points = 0
measure = "status"
rule = "linear"
[ranking]
by = "all"
[grades]
quota = { "优秀" = 1.0 }
"""


def assessment_fixture() -> Fixture:
    fx = Fixture().plan("P", 2024, 2025, base_year=2023)
    fx.unit("A", "department", name="经发局").unit("B", "department", name="科技局")
    fx.unit("C", "park", name="高新园区").unit("X", "department", name="统计局")
    fx.task("T1", "A", helpers=("B", "C"), due_year=2025, weight=2)
    fx.task("T2", "B", due_year=2025)
    fx.task("T3", "C", helpers=("A",), due_year=2025)
    fx.task("T4", "A", due_year=2024)
    fx.indicator(
        "I1", "stock", 200, owners=["A"], target_year=2025, baseline=100, baseline_year=2023, weight=2
    )
    fx.indicator("I2", "flow", 50, owners=["A"], target_year=2025)
    fx.indicator("I3", "rate", 15, owners=["B"], target_year=2025)
    fx.indicator("I4", "milestone", 1, owners=["B"], target_year=2025)
    fx.indicator("I5", "cumulative", 60, owners=["C"], target_year=2025)
    fx.round("2025Q3").round("2025Q4")
    q3, q4 = "2025Q3", "2025Q4"
    fx.submission(
        "A",
        q3,
        "approved",
        "2025-10-14 09:00",
        values={"I1": 160, "I2": 40},
        tasks={"T1": ("in_progress", 60), "T3": ("in_progress", 50)},
    )
    fx.submission(
        "B",
        q3,
        "approved",
        "2025-10-18 10:00",
        values={"I3": 11, "I4": 0},
        tasks={"T1": ("in_progress", 30), "T2": ("in_progress", 70)},
    )
    fx.submission(
        "C",
        q3,
        "approved",
        "2025-10-15 16:00",
        values={"I5": 36},
        tasks={"T1": ("in_progress", 50), "T3": ("behind", 30)},
    )
    returned = fx.submission(
        "A",
        q4,
        "superseded",
        "2026-01-14 09:00",
        values={"I1": 150, "I2": 55},
        tasks={"T1": ("completed", 100), "T3": ("completed", 100)},
    )
    fx.review(returned, "return", "数据口径有误,请核实后重报", "2026-01-15 10:00")
    fx.submission(
        "A",
        q4,
        "approved",
        "2026-01-18 09:00",
        values={"I1": 170, "I2": 70},
        tasks={"T1": ("in_progress", 80), "T3": ("completed", 100)},
    )
    fx.submission(
        "B",
        q4,
        "approved",
        "2026-01-10 09:00",
        values={"I3": 12, "I4": 1},
        tasks={"T1": ("behind", 40), "T2": ("completed", 100)},
    )
    fx.submission("C", q4, "rejected", "2026-01-12 09:00", values={"I5": 99})
    return fx


def build_assessment_portal(
    home: Path, fx: Fixture | None = None, bonuses: bool = True, legacy: bool = True
) -> Portal:
    """The fixture's warehouse as PORTAL_HOME/warehouse.duckdb, today = 2026-01-25, C's bonus
    items, and (legacy) the scheme the fixture was computed under as scoring/P.toml."""
    home.mkdir(parents=True, exist_ok=True)
    if legacy:
        (home / "scoring").mkdir(exist_ok=True)
        (home / "scoring" / "P.toml").write_text(LEGACY_SCHEME, encoding="utf-8")
    (home / "settings.toml").write_text(f'secret_key = "test-secret"\ntoday = "{TODAY}"\n', encoding="utf-8")
    portal = Portal.open(home)
    (fx or assessment_fixture()).warehouse(home, portal.settings.warehouse_path.name)
    if bonuses:
        add_bonus(portal, EVALUATOR, "P", 2025, "C", 3, "获省级科技进步奖")
        add_bonus(portal, EVALUATOR, "P", 2025, "C", 4, "承办全市科技创新现场会")
    return portal
