"""What the landing page shows: the plans and how much each carries."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from portal.context import Portal
from portal.rounds import reporting_round


@dataclass
class Overview:
    today: str
    current_round: str
    plans: pl.DataFrame


def overview(portal: Portal) -> Overview:
    with portal.warehouse.connect() as con:
        plans = con.sql("""
            SELECT p.code AS 规划代码, p.name AS 规划名称, p.start_year || '-' || p.end_year AS 规划期,
                   (SELECT count(*) FROM tasks t WHERE t.plan = p.code) AS 任务数,
                   (SELECT count(*) FROM indicators i WHERE i.plan = p.code) AS 指标数
            FROM plans p ORDER BY p.rowid""").pl()
    today = portal.settings.today()
    return Overview(today.isoformat(), reporting_round(today), plans)
