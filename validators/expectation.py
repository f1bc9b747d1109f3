"""What the platform expects of one upload: plain data the portal fills from the warehouse.

The validators never query anything; they compare the workbook with an `Expectation`. A field
left as None means "not known", and the checks that need it are skipped rather than guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.enums import IndicatorKind, RoundState
from schemas.sheets import SUPPORTED_TEMPLATE_VERSIONS


@dataclass(frozen=True)
class IndicatorFacts:
    """One indicator the unit owns, with the history the plausibility checks compare against."""

    code: str
    kind: str = IndicatorKind.STOCK.value
    allow_negative: bool = False
    direction: str = ">="  # "<=": lower is better, so a decline is no warning
    target: float | None = None  # this year's target where one is set, else the plan target
    previous: float | None = None  # the unit's last approved value, any earlier round
    previous_round: str | None = None
    year_previous: float | None = None  # flows: last approved value earlier in the same year
    year_previous_round: str | None = None
    backed_by: str | None = None  # the ListType whose list sheet backs the number, if any
    list_previous: int | None = None  # items on the unit's last approved list, earlier round
    list_previous_round: str | None = None

    @property
    def counts_new(self) -> bool:
        """A list-backed flow (年新增, 年净增) counts the items added since the last approved list;
        any other kind counts the list's rows."""
        return self.kind == IndicatorKind.FLOW.value


@dataclass(frozen=True)
class TaskFacts:
    code: str
    role: str = "lead"


@dataclass(frozen=True)
class Expectation:
    """The unit and round the upload is for, their state, and what the unit must report.

    `indicators`/`tasks` None: the set of items is unknown (e.g. the unit is not in the
    registry), so presence and history checks do not run. `round_state` None: the round does not
    exist. `unit_known` False: the unit code is not in the registry or is inactive.
    """

    unit: str | None = None
    round: str | None = None
    unit_name: str | None = None
    round_state: str | None = RoundState.OPEN.value
    unit_known: bool = True
    supported_versions: tuple[str, ...] = SUPPORTED_TEMPLATE_VERSIONS
    indicators: tuple[IndicatorFacts, ...] | None = None
    tasks: tuple[TaskFacts, ...] | None = None
    # (indicator, item key) already on another unit's accepted list for this round: a double count
    claimed_elsewhere: frozenset[tuple[str, str]] = frozenset()

    def indicator(self, code: str) -> IndicatorFacts | None:
        return self._indicators().get(code)

    def _indicators(self) -> dict[str, IndicatorFacts]:
        return {i.code: i for i in self.indicators or ()}

    @property
    def indicator_keys(self) -> list[str] | None:
        return None if self.indicators is None else [i.code for i in self.indicators]

    @property
    def task_keys(self) -> list[str] | None:
        return None if self.tasks is None else [t.code for t in self.tasks]

    def keys_for(self, sheet_key: str) -> list[str] | None:
        return {"indicator_values": self.indicator_keys, "task_progress": self.task_keys}.get(sheet_key)
