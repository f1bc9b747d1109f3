"""Quarters: the one place that knows how a round code like 2025Q3 reads, ends, follows and is due.

Rounds (调度轮次) are quarters; the warehouse, the registry import and the portal all count with
`Quarter` instead of slicing codes. Pure arithmetic, no I/O.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from schemas.errors import InvalidInput

_CODE = re.compile(r"^(\d{4})Q([1-4])$")


class RoundCodeError(InvalidInput, ValueError):
    """A round code that is not “year + Q + quarter” (message in Chinese, for the caller to show)."""


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    quarter: int

    @classmethod
    def parse(cls, code: str) -> Quarter:
        m = _CODE.match(code or "")
        if not m:
            raise RoundCodeError(f"轮次代码“{code}”格式不对，应为 2025Q3 这样的“年份+Q+季度”。")
        return cls(int(m[1]), int(m[2]))

    @classmethod
    def containing(cls, day: dt.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def reported_on(cls, today: dt.date) -> Quarter:
        """The quarter being reported on `today`: the one that ended most recently."""
        return cls.containing(today).previous()

    def __str__(self) -> str:
        return f"{self.year}Q{self.quarter}"

    @property
    def label(self) -> str:
        """The quarter as documents name it: 2025年第三季度 (never the code)."""
        return f"{self.year}年第{'一二三四'[self.quarter - 1]}季度"

    @property
    def rank(self) -> int:
        """A number that grows by one per quarter (for ordering and distances)."""
        return self.year * 4 + self.quarter - 1

    @classmethod
    def _of_rank(cls, rank: int) -> Quarter:
        return cls(rank // 4, rank % 4 + 1)

    def next(self) -> Quarter:
        return self._of_rank(self.rank + 1)

    def previous(self) -> Quarter:
        return self._of_rank(self.rank - 1)

    def end(self) -> dt.date:
        """The quarter's last day."""
        following = self.next()
        return dt.date(following.year, following.quarter * 3 - 2, 1) - dt.timedelta(days=1)

    def due(self, days_after_end: int) -> dt.date:
        """The due date by the settings' rule: so many days after the quarter ends."""
        return self.end() + dt.timedelta(days=days_after_end)

    def through(self, last: Quarter) -> list[Quarter]:
        """Every quarter from this one to `last`, both included (empty when `last` is earlier)."""
        return [self._of_rank(r) for r in range(self.rank, last.rank + 1)]
