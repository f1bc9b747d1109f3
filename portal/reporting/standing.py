"""A unit's standing in a round as 数据上报 and 概览 both show it: its state, its words, the due banner.

Here, below monitoring, so that reporting's page services and monitoring's overview share one definition.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from portal.core import labels as L
from schemas.enums import RoundState
from warehouse.rounds import RoundInfo
from warehouse.views import DUE_SOON_DAYS, Standing, standing


@dataclass(frozen=True)
class Banner:
    level: str  # "warning" or "error": how the page shows it
    text: str


def due_banner(
    round_code: str, state: RoundState, due: dt.date, today: dt.date, reported: bool
) -> Banner | None:
    """Warn a unit that has not reported an open round when its due date is near or past."""
    if reported or state != RoundState.OPEN:
        return None
    days = (due - today).days
    if days < 0:
        return Banner("error", f"{round_code} 轮次已于 {due} 截止，已逾期 {-days} 天，请尽快报送。")
    if days == 0:
        return Banner("warning", f"{round_code} 轮次今天（{due}）截止，请今天内完成报送。")
    if days <= DUE_SOON_DAYS:
        return Banner("warning", f"距 {round_code} 轮次截止还有 {days} 天（{due}），请按时报送。")
    return None


def round_standing(con, unit: str, rnd: RoundInfo | None, today: dt.date):
    """(standing, its words, the due banner) of the unit in the round; (None, "", None) without a round."""
    found: Standing | None = standing(con, rnd.code, unit) if rnd else None
    if found is None:
        return None, "", None
    text = L.report_state_text(found.state, found.rejected_attempts)
    return found, text, due_banner(rnd.code, rnd.state, found.due_date, today, found.reported)
