"""Validate uploads against the warehouse: who the unit is, what it owns, what it reported before.

The validators compare a workbook with an `Expectation`; this module fills it from the registry
and past approvals. Unit and round default to the workbook's own metadata, so a clerk's file can
be checked without saying whose it is; with --unit/--round a mismatch is reported instead.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field, replace
from typing import Any

from portal.core.context import Portal
from schemas.enums import RoundState, TaskRole
from validators.expectation import Expectation, IndicatorFacts, TaskFacts
from validators.file_safety import Limits
from validators.pipeline import ValidationResult, validate_in_slices
from warehouse.db import WarehouseError
from warehouse.expected import ExpectedFrames, expected_frames
from warehouse.lists import ListFrames, list_frames


def _float(value) -> float | None:
    return None if value is None else float(value)


def _list_facts(lists: ListFrames | None) -> tuple[dict, dict[str, frozenset]]:
    """(unit, indicator) → the IndicatorFacts fields of its list; unit → (indicator, key) pairs
    other units already reported for the unit's list-backed indicators this round."""
    if lists is None or lists.backed.is_empty():
        return {}, {}
    previous = {(r["unit"], r["indicator"]): r for r in lists.previous.iter_rows(named=True)}
    facts = {
        (r["unit"], r["indicator"]): {
            "backed_by": r["backed_by"],
            "list_previous": (previous.get((r["unit"], r["indicator"])) or {}).get("items"),
            "list_previous_round": (previous.get((r["unit"], r["indicator"])) or {}).get("round"),
        }
        for r in lists.backed.iter_rows(named=True)
    }
    by_indicator: dict[str, list[tuple[str, str]]] = {}
    for unit, indicator, key in lists.reported.select("unit", "indicator", "item_key").iter_rows():
        by_indicator.setdefault(indicator, []).append((unit, key))
    claimed: dict[str, set] = {}
    for unit, indicator in facts:
        claimed.setdefault(unit, set()).update(
            (indicator, key) for other, key in by_indicator.get(indicator, ()) if other != unit
        )
    return facts, {unit: frozenset(pairs) for unit, pairs in claimed.items()}


def expectations_from(
    frames: ExpectedFrames, round_code: str, lists: ListFrames | None = None
) -> dict[str, Expectation]:
    """One Expectation per unit in the frames (with `lists`: what its list sheets are checked against)."""
    list_facts, claimed = _list_facts(lists)
    indicators: dict[str, list[IndicatorFacts]] = {}
    for r in frames.indicators.iter_rows(named=True):
        indicators.setdefault(r["unit"], []).append(
            IndicatorFacts(
                **list_facts.get((r["unit"], r["code"]), {}),
                code=r["code"],
                kind=r["kind"],
                allow_negative=bool(r["allow_negative"]),
                direction=r["direction"] or ">=",
                target=_float(r["target"]),
                previous=_float(r["previous"]),
                previous_round=r["previous_round"],
                year_previous=_float(r["year_previous"]),
                year_previous_round=r["year_previous_round"],
            )
        )
    tasks: dict[str, list[TaskFacts]] = {}
    for r in frames.tasks.iter_rows(named=True):
        tasks.setdefault(r["unit"], []).append(TaskFacts(r["code"], r["role"] or TaskRole.LEAD.value))
    return {
        u["code"]: Expectation(
            unit=u["code"],
            unit_name=u["name"],
            round=round_code,
            round_state=frames.round_state,
            unit_known=bool(u["active"]),
            indicators=tuple(indicators.get(u["code"], ())),
            tasks=tuple(tasks.get(u["code"], ())),
            claimed_elsewhere=claimed.get(u["code"], frozenset()),
        )
        for u in frames.units.iter_rows(named=True)
    }


@dataclass
class ExpectationBook:
    """Expectations read from the warehouse and kept: a batch loads every unit of a round in one
    query (`whole_round`), a single upload only its own unit."""

    portal: Portal
    whole_round: bool = False
    units: dict[tuple[str, str], Expectation] = field(default_factory=dict)
    states: dict[str, str | None] = field(default_factory=dict)
    loaded: set[tuple[str, str | None]] = field(default_factory=set)
    allow_closed: bool = False  # the office may still load late uploads into a closed round
    fault: WarehouseError | None = None  # the warehouse could not be read: the batch must fail
    con: Any = None  # an open warehouse connection to read from; else one is opened per load
    # The units the uploader may report for (None: all): another's is unknown to it, in the same words.
    within: frozenset[str] | None = None

    def _load(self, round_code: str, unit: str | None) -> None:
        if self.con is not None:
            frames = expected_frames(self.con, round_code, unit)
            lists = list_frames(self.con, round_code, unit)
        else:
            with self.portal.warehouse.connect() as con:
                frames = expected_frames(con, round_code, unit)
                lists = list_frames(con, round_code, unit)
        if self.allow_closed and frames.round_state == RoundState.CLOSED.value:
            frames = replace(frames, round_state=RoundState.OPEN.value)
        for code, expectation in expectations_from(frames, round_code, lists).items():
            self.units[(round_code, code)] = expectation
        self.states[round_code] = frames.round_state
        self.loaded.add((round_code, unit))

    def get(self, unit: str | None, round_code: str | None) -> Expectation:
        if not round_code:
            # No round anywhere (no --round, no metadata): nothing to compare with but the file itself.
            return Expectation(unit=unit, round=None, unit_known=True)
        scope = None if self.whole_round or unit is None else unit
        if (round_code, None) not in self.loaded and (round_code, scope) not in self.loaded:
            self._load(round_code, scope)
        state = self.states[round_code]
        if unit is None:
            return Expectation(unit=None, round=round_code, round_state=state)
        found = self.units.get((round_code, unit))
        if found is None or (self.within is not None and unit not in self.within):
            return Expectation(unit=unit, round=round_code, round_state=state, unit_known=False)
        return found


def _source(book: ExpectationBook, unit: str | None, round_code: str | None):
    def expect(meta: Mapping[str, str]) -> Expectation:
        try:
            return book.get(unit or _clean(meta.get("unit")), round_code or _clean(meta.get("round")))
        except WarehouseError as exc:
            # A system fault (warehouse busy), not the file's: raised after the batch, never an Issue.
            book.fault = book.fault or exc
            return Expectation(unit=unit, round=None, unit_known=True)

    return expect


def _clean(value) -> str | None:
    text = str(value or "").strip()
    return text or None


def validate_files(
    portal: Portal,
    items: Sequence[tuple[bytes, str | None, str | None]],
    allow_closed: bool = False,
    con: Any = None,
    within: frozenset[str] | None = None,
) -> list[ValidationResult]:
    """(bytes, unit or None, round or None) each; one Great Expectations run for the whole batch.
    `con`: an open warehouse connection to read expectations from (saves opening the file again);
    `within`: the units the uploader may report for, any other is reported as unknown."""
    slices = validate_files_in_slices(portal, items, allow_closed=allow_closed, con=con, within=within)
    return [result for part in slices for result in part]


def validate_files_in_slices(
    portal: Portal,
    items: Sequence[tuple[bytes, str | None, str | None]],
    allow_closed: bool = False,
    con: Any = None,
    within: frozenset[str] | None = None,
    size: int | None = None,
) -> Iterator[list[ValidationResult]]:
    """`validate_files`' results `size` items at a time (validators.pipeline.validate_in_slices),
    each slice's before the next is validated; a warehouse fault is raised before the slice it
    struck is handed out. Expectations are read once per round and kept for the whole batch: a
    caller that writes between slices must make sure every round was read before its first write."""
    book = ExpectationBook(
        portal, whole_round=len(items) > 1, allow_closed=allow_closed, con=con, within=within
    )
    settings = portal.settings
    slices = validate_in_slices(
        [(data, _source(book, unit, round_code)) for data, unit, round_code in items],
        Limits.from_settings(settings),
        settings.secret(),
        size=size,
    )
    with closing(slices):
        for part in slices:
            if book.fault is not None:
                raise book.fault
            yield part


def validate_file(
    portal: Portal, data: bytes, unit: str | None = None, round_code: str | None = None
) -> ValidationResult:
    return validate_files(portal, [(data, unit, round_code)])[0]


def annotated(data: bytes, result: ValidationResult) -> bytes:
    """The uploaded workbook with its issues marked; a report-only workbook if it could not be read."""
    from templates_xlsx.annotate import annotate  # openpyxl: only when an annotated copy is asked for

    return annotate(data if result.upload is not None else None, result.report.issues)
