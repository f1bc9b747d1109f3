"""Stage 4: sets and history with Great Expectations, many workbooks in one validation run.

GX costs ~4 s to import and a fixed ~85 ms per validation run (STACK-NOTES), so it is imported
on first use, its ephemeral context lives as long as the process, and a batch of workbooks is
checked as ONE frame (rows of every workbook stacked with a `_wb` column): bulk loading pays the
fixed cost once per batch.

A single workbook is checked by the same rules written as Polars expressions (`SetRule.unexpected`)
on the same frame, without importing GX: its import alone was most of a cold `portal validate`
(issue 23). Both engines give the same rows (tests/validators/test_sets_engines.py).

The frame is prepared in Polars: one row per item found in a sheet, plus one row per expected
item that is absent (`_membership`), with the reference values the history checks compare
against (`_floor`: the value it should not fall below; `_cap`: the largest plausible value).
GX then asserts; results come back by `_id` and are mapped to cells here.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import sys
import threading
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from schemas.enums import IndicatorKind, TaskStatus
from schemas.issues import Issue
from schemas.sheets import INDICATOR_SHEET, TASK_SHEET, SheetSpec
from templates_xlsx.reader import ParsedSheet
from validators.expectation import Expectation

log = logging.getLogger(__name__)

# A value more than this many times the target or the previous value is probably a slip of
# magnitude (万元 typed as 元, a percent typed as a fraction's 100×): worth a warning, not a block.
PLAUSIBLE_FACTOR = 10

# Kinds whose reported level should not fall: a stock is a level, a cumulative only grows.
_NON_DECREASING = frozenset({IndicatorKind.STOCK.value, IndicatorKind.CUMULATIVE.value})
_FLOW = IndicatorKind.FLOW.value
_NO_PLAUSIBILITY = frozenset({IndicatorKind.MILESTONE.value})
_COMPLETED = TaskStatus.COMPLETED.label
# `_membership` of a row: found and owned, expected but absent, or found but not the unit's.
_OK, _MISSING, _NOT_OWNED = "ok", "missing", "not-owned"

_SPECS: dict[str, SheetSpec] = {INDICATOR_SHEET.key: INDICATOR_SHEET, TASK_SHEET.key: TASK_SHEET}
_KEY_COLUMN = {INDICATOR_SHEET.key: "indicator", TASK_SHEET.key: "task"}

_SCHEMA: dict[str, pl.DataType] = {
    "_id": pl.Int64,
    "_wb": pl.Int64,
    "_sheet": pl.Utf8,
    "_row": pl.Int64,
    "key": pl.Utf8,
    "_membership": pl.Utf8,
    "percent": pl.Float64,
    "_completed_percent": pl.Float64,
    "value": pl.Float64,
    "_floor": pl.Float64,
    "_floor_code": pl.Utf8,
    "_floor_round": pl.Utf8,
    "_cap": pl.Float64,
    "_cap_basis": pl.Utf8,
    "_cap_reference": pl.Float64,
}


@dataclass
class SetsInput:
    """One workbook's readable sheets and what the platform expects of it."""

    sheets: dict[str, ParsedSheet]
    expectation: Expectation
    skip_rows: dict[str, set[int]] = field(default_factory=dict)  # spec key → Excel rows left out
    covered: set[tuple[str, str]] = field(default_factory=set)  # (spec key, item) reported by structure


# ---------------------------------------------------------------- the translation table


@dataclass(frozen=True)
class SetRule:
    """One GX expectation and how its unexpected rows become issues."""

    name: str
    make: Callable[[Any], Any]  # gxe module → expectation
    issue: Callable[[dict[str, Any], SetsInput], Issue | None]
    unexpected: Callable[[], pl.Expr]  # the same expectation in Polars: true on an unexpected row


def _item(sheet: str) -> str:
    return _SPECS[sheet].item


def _key_cell(row: dict[str, Any], inp: SetsInput) -> str | None:
    parsed = inp.sheets.get(row["_sheet"])
    return parsed.cell(_KEY_COLUMN[row["_sheet"]], row["_row"]) if parsed and row["_row"] else None


def _cell(row: dict[str, Any], inp: SetsInput, column: str) -> str | None:
    parsed = inp.sheets.get(row["_sheet"])
    return parsed.cell(column, row["_row"]) if parsed and row["_row"] else None


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else f"{value:g}"


def _duplicated(row: dict[str, Any], inp: SetsInput) -> Issue | None:
    if row.get("_first"):  # the first occurrence is the row; later ones are the duplicates
        return None
    code = "indicator-duplicated" if row["_sheet"] == INDICATOR_SHEET.key else "task-duplicated"
    spec = _SPECS[row["_sheet"]]
    key_col = spec.column(_KEY_COLUMN[row["_sheet"]])
    return Issue.make(
        code,
        sheet=spec.name,
        cell=_key_cell(row, inp),
        column=key_col.header,
        value=row["key"],
        row=row["_row"],
    )


def _missing(row: dict[str, Any], inp: SetsInput) -> Issue:
    code = "indicator-missing" if row["_sheet"] == INDICATOR_SHEET.key else "task-missing"
    return Issue.make(code, sheet=_SPECS[row["_sheet"]].name, value=row["key"])


def _not_owned(row: dict[str, Any], inp: SetsInput) -> Issue:
    spec = _SPECS[row["_sheet"]]
    return Issue.make(
        "unit-not-owner",
        sheet=spec.name,
        cell=_key_cell(row, inp),
        column=spec.column(_KEY_COLUMN[row["_sheet"]]).header,
        value=row["key"],
        row=row["_row"],
        item=_item(row["_sheet"]),
    )


def _completed(row: dict[str, Any], inp: SetsInput) -> Issue:
    return Issue.make(
        "completed-not-100",
        sheet=TASK_SHEET.name,
        cell=_cell(row, inp, "percent"),
        column=TASK_SHEET.column("percent").header,
        value=_num(row["percent"]),
        row=row["_row"],
    )


def _declined(row: dict[str, Any], inp: SetsInput) -> Issue:
    return Issue.make(
        row["_floor_code"],
        sheet=INDICATOR_SHEET.name,
        cell=_cell(row, inp, "value"),
        column=INDICATOR_SHEET.column("value").header,
        value=_num(row["value"]),
        row=row["_row"],
        previous=_num(row["_floor"]),
        previous_round=row["_floor_round"] or "",
    )


def _implausible(row: dict[str, Any], inp: SetsInput) -> Issue:
    return Issue.make(
        "value-implausible",
        sheet=INDICATOR_SHEET.name,
        cell=_cell(row, inp, "value"),
        column=INDICATOR_SHEET.column("value").header,
        value=_num(row["value"]),
        row=row["_row"],
        basis=row["_cap_basis"],
        reference=_num(row["_cap_reference"]),
        factor=PLAUSIBLE_FACTOR,
    )


def _given(column: str) -> pl.Expr:
    """A column's value, or null when missing: GX reads the frame in pandas, where null is NaN."""
    return pl.col(column).fill_nan(None)


def _pair_below(a: str, b: str) -> pl.Expr:
    """GX's `column_A >= column_B` failing, rows with either value missing ignored."""
    return _given(a).is_not_null() & _given(b).is_not_null() & (_given(a) < _given(b))


# GX expectation → our issue codes: the one place GX's vocabulary is translated.
SET_RULES: tuple[SetRule, ...] = (
    SetRule(
        "present-once",
        lambda gxe: gxe.ExpectCompoundColumnsToBeUnique(column_list=["_wb", "_sheet", "key"]),
        _duplicated,
        lambda: pl.struct("_wb", "_sheet", "key").is_duplicated(),
    ),
    SetRule(
        "expected-and-owned",
        lambda gxe: gxe.ExpectColumnValuesToBeInSet(column="_membership", value_set=[_OK]),
        lambda row, inp: _missing(row, inp) if row["_membership"] == _MISSING else _not_owned(row, inp),
        lambda: pl.col("_membership").is_not_null() & (pl.col("_membership") != _OK),
    ),
    SetRule(
        "completed-is-100",
        lambda gxe: gxe.ExpectColumnValuesToBeBetween(
            column="_completed_percent", min_value=100, max_value=100
        ),
        _completed,
        lambda: (
            _given("_completed_percent").is_not_null()
            & ((_given("_completed_percent") < 100) | (_given("_completed_percent") > 100))
        ),
    ),
    SetRule(
        "no-decline",
        lambda gxe: gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="value", column_B="_floor", or_equal=True, ignore_row_if="either_value_is_missing"
        ),
        _declined,
        lambda: _pair_below("value", "_floor"),
    ),
    SetRule(
        "plausible",
        lambda gxe: gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="_cap", column_B="value", or_equal=True, ignore_row_if="either_value_is_missing"
        ),
        _implausible,
        lambda: _pair_below("_cap", "value"),
    ),
)
_RULES = {r.name: r for r in SET_RULES}

# Codes that restate what the structure stage already said about an item (same sheet, same key).
_RESTATED = frozenset(
    {"indicator-duplicated", "task-duplicated", "indicator-missing", "task-missing", "unit-not-owner"}
)


# ---------------------------------------------------------------- the frame


def _references(fact) -> dict[str, Any]:
    refs: dict[str, Any] = {}
    if fact.direction != "<=":
        if fact.kind in _NON_DECREASING and fact.previous is not None:
            refs |= {
                "_floor": fact.previous,
                "_floor_code": "stock-declined",
                "_floor_round": fact.previous_round,
            }
        elif fact.kind == _FLOW and fact.year_previous is not None:
            refs |= {
                "_floor": fact.year_previous,
                "_floor_code": "ytd-flow-declined",
                "_floor_round": fact.year_previous_round,
            }
    if fact.kind not in _NO_PLAUSIBILITY:
        bases = [
            (PLAUSIBLE_FACTOR * abs(ref), basis, ref)
            for ref, basis in ((fact.target, "目标值"), (fact.previous, "上次审核值"))
            if ref is not None and ref != 0
        ]
        if bases:
            cap, basis, ref = min(bases)
            refs |= {"_cap": cap, "_cap_basis": basis, "_cap_reference": ref}
    return refs


_FOUND, _ABSENT = 0, 1  # a sheet's items found in it come first, then the expected ones absent
_SHEETS = (INDICATOR_SHEET.key, TASK_SHEET.key)  # `_order` of a row: its sheet's place here
_REF_SCHEMA: dict[str, pl.DataType] = {
    k: _SCHEMA[k] for k in ("_floor", "_floor_code", "_floor_round", "_cap", "_cap_basis", "_cap_reference")
}
_EXPECTED_SCHEMA: dict[str, pl.DataType] = {
    "_wb": pl.Int64,
    "_order": pl.Int64,
    "key": pl.Utf8,
    "_eord": pl.Int64,
    **_REF_SCHEMA,
}


def _found_rows(inputs: list[SetsInput], order: int) -> tuple[pl.DataFrame, set[int]] | None:
    """Every row of one sheet of every workbook, stacked once and selected once (no query nor
    Python per row or per workbook): `_wb`, `_order`, `_pos` (the row's place in its sheet),
    `_row`, key, percent, value, `_completed`; and the workbooks that have rows in it."""
    sheet = _SHEETS[order]
    key_col = _KEY_COLUMN[sheet]
    frames, wbs = [], []
    for wb, inp in enumerate(inputs):
        parsed = inp.sheets.get(sheet)
        if parsed is None or parsed.header_row is None or key_col not in parsed.frame.columns:
            continue
        frames.append(parsed.frame)
        wbs.append(wb)
    if not frames:
        return None
    heights = [f.height for f in frames]
    starts = np.cumsum([0, *heights[:-1]])
    body = pl.concat(frames, how="diagonal_relaxed") if len(frames) > 1 else frames[0]
    cols = body.columns
    found = body.select(
        pl.Series("_wb", np.repeat(wbs, heights), pl.Int64),
        pl.lit(order, pl.Int64).alias("_order"),
        pl.Series("_pos", np.arange(sum(heights)) - np.repeat(starts, heights), pl.Int64),
        pl.col("_row").cast(pl.Int64),
        pl.col(key_col).cast(pl.Utf8).alias("key"),
        *(
            pl.col(c).cast(pl.Float64) if c in cols else pl.lit(None, pl.Float64).alias(c)
            for c in ("percent", "value")
        ),
        (pl.col("status") == _COMPLETED).fill_null(False).alias("_completed")
        if "status" in cols
        else pl.lit(False).alias("_completed"),
    )
    return found, {wb for wb, height in zip(wbs, heights, strict=True) if height}


def _expected_rows(
    inputs: list[SetsInput], order: int, present: set[int], expected: dict[str, list], judged: list[int]
) -> list[tuple[int, int]]:
    """Add to `expected` the items each workbook with rows in the sheet must report (in the
    expectation's order) with their references; to `judged` its `_wb * 2 + _order` when its items
    are known; returns the (workbook, Excel row) pairs left out of the sheet's checks."""
    sheet = _SHEETS[order]
    skipped: list[tuple[int, int]] = []
    for wb, inp in enumerate(inputs):
        if wb not in present:
            continue
        skipped += [(wb, row) for row in inp.skip_rows.get(sheet) or ()]
        keys = inp.expectation.keys_for(sheet)
        if keys is None:
            continue
        judged.append(wb * 2 + order)
        facts = {i.code: i for i in inp.expectation.indicators or ()} if order == 0 else {}
        for n, key in enumerate(dict.fromkeys(keys)):
            fact = facts.get(key)
            got = _references(fact) if fact is not None else {}
            expected["_wb"].append(wb)
            expected["_order"].append(order)
            expected["key"].append(key)
            expected["_eord"].append(n)
            for k in _REF_SCHEMA:
                expected[k].append(got.get(k))
    return skipped


def build_frame(inputs: list[SetsInput]) -> pl.DataFrame:
    """The batch's one frame, built set-based for both sheets at once (a round stacks ~100,000
    rows; a single workbook pays Polars' fixed cost per operation, so the sheets share each one):
    per workbook, the indicator sheet's found items (less the skipped rows and those without a
    key) with their membership and references, then its expected items absent, then the task
    sheet's; `_id` numbers them so."""
    expected: dict[str, list] = {k: [] for k in _EXPECTED_SCHEMA}
    judged: list[int] = []
    skipped: list[tuple[int, int]] = []
    found = []
    for order in range(len(_SHEETS)):
        got = _found_rows(inputs, order)
        if got is not None:
            found.append(got[0])
            skipped += _expected_rows(inputs, order, got[1], expected, judged)
    if not found:
        return pl.DataFrame(schema=_SCHEMA)
    keyed = (pl.concat(found) if len(found) > 1 else found[0]).filter(pl.col("key").is_not_null())
    owned = pl.DataFrame(expected, schema=_EXPECTED_SCHEMA)
    rows = keyed
    if skipped:
        rows = rows.join(
            pl.DataFrame(skipped, schema={"_wb": pl.Int64, "_row": pl.Int64}, orient="row"),
            on=["_wb", "_row"],
            how="anti",
        )
    rows = rows.join(owned, on=["_wb", "_order", "key"], how="left").select(
        "_wb",
        "_order",
        pl.lit(_FOUND, pl.Int64).alias("_part"),
        "_pos",
        "_row",
        "key",
        pl.when(
            ~(pl.col("_wb") * 2 + pl.col("_order")).is_in(pl.Series(judged, dtype=pl.Int64).implode())
            | pl.col("_eord").is_not_null()
        )
        .then(pl.lit(_OK))
        .otherwise(pl.lit(_NOT_OWNED))
        .alias("_membership"),
        "percent",
        pl.when(pl.col("_completed")).then(pl.col("percent")).alias("_completed_percent"),
        "value",
        *_REF_SCHEMA,
    )
    # a skipped (added) row does not make a key missing: absence is judged on every keyed row
    absent = owned.join(keyed.select("_wb", "_order", "key"), on=["_wb", "_order", "key"], how="anti").select(
        "_wb",
        "_order",
        pl.lit(_ABSENT, pl.Int64).alias("_part"),
        pl.col("_eord").alias("_pos"),
        pl.lit(None, pl.Int64).alias("_row"),
        "key",
        pl.lit(_MISSING).alias("_membership"),
    )
    frame = pl.concat([rows, absent], how="diagonal").sort("_wb", "_order", "_part", "_pos")
    return frame.select(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("_id"),
        *(
            pl.when(pl.col("_order") == 0)
            .then(pl.lit(INDICATOR_SHEET.key))
            .otherwise(pl.lit(TASK_SHEET.key))
            .alias(k)
            if k == "_sheet"
            else pl.col(k).cast(t)
            for k, t in _SCHEMA.items()
            if k != "_id"
        ),
    )


# ---------------------------------------------------------------- GX, once per process


# Modules GX imports at load time only for expectations we never use (KL divergence, KS tests:
# scipy.stats; their charts: altair). They are 35-40% of GX's import (BENCHMARKS.md, cold start), so
# a placeholder stands in for them until an attribute is first used, when the real module loads.
_DEFERRED_BY_GX = ("scipy.stats", "altair")


class _Deferred(types.ModuleType):
    """A module imported on first attribute access (importlib's LazyLoader loads at once on 3.11,
    because the import system reads `__spec__`; a placeholder's `__spec__` is None)."""

    def __getattr__(self, attr: str) -> Any:
        real = self.__dict__.get("_deferred_module")
        if real is None:
            if sys.modules.get(self.__name__) is self:
                del sys.modules[self.__name__]
            real = importlib.import_module(self.__name__)
            self.__dict__["_deferred_module"] = real
        return getattr(real, attr)


def import_gx():
    """`import great_expectations`, without paying for the modules in _DEFERRED_BY_GX up front."""
    if "great_expectations" not in sys.modules:
        for name in _DEFERRED_BY_GX:
            if name not in sys.modules and importlib.util.find_spec(name.split(".")[0]) is not None:
                sys.modules[name] = _Deferred(name)
    import great_expectations

    return great_expectations


class _Runner:
    """The ephemeral GX context, its pandas asset and the validation definitions.

    A run first asks GX only whether each expectation passed (BOOLEAN_ONLY, about a third of the
    cost of a full result); only the expectations that failed are run again for their rows.
    """

    def __init__(self) -> None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
        gx = import_gx()
        import great_expectations.expectations as gxe
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self._gx, self._gxe = gx, gxe
        for name in ("great_expectations", "great_expectations.core", "great_expectations.data_context"):
            logging.getLogger(name).setLevel(logging.ERROR)
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        asset = self.context.data_sources.add_pandas("uploads").add_dataframe_asset("item_rows")
        self.batch = asset.add_batch_definition_whole_dataframe("all_rows")
        self.definitions: dict[tuple[str, ...], Any] = {}
        self.lock = threading.Lock()

    def _definition(self, names: tuple[str, ...]):
        if names not in self.definitions:
            gx = self._gx
            label = "sets:" + "+".join(names)
            suite = gx.ExpectationSuite(name=label)
            for name in names:
                expectation = _RULES[name].make(self._gxe)
                expectation.meta = {"rule": name}
                suite.add_expectation(expectation)
            suite = self.context.suites.add(suite)
            self.definitions[names] = self.context.validation_definitions.add(
                gx.ValidationDefinition(name=label, data=self.batch, suite=suite)
            )
        return self.definitions[names]

    def _run(self, names: tuple[str, ...], df, result_format: dict[str, Any]):
        result = self._definition(names).run(batch_parameters={"dataframe": df}, result_format=result_format)
        for res in result.results:
            if res.exception_info and res.exception_info.get("raised_exception"):
                name = (res.expectation_config.meta or {}).get("rule")
                raise RuntimeError(
                    f"GX expectation {name} failed to run: {res.exception_info.get('exception_message')}"
                )
        return result

    def run(self, frame: pl.DataFrame) -> dict[str, list[int]]:
        """{rule name: [_id of every unexpected row]} for the rules that failed."""
        df = frame.to_pandas()
        everything = tuple(r.name for r in SET_RULES)
        with self.lock:
            quick = self._run(everything, df, {"result_format": "BOOLEAN_ONLY"})
            failed = tuple(
                name
                for name in everything
                for res in quick.results
                if (res.expectation_config.meta or {}).get("rule") == name and not res.success
            )
            if not failed:
                return {}
            full = self._run(
                failed, df, {"result_format": "COMPLETE", "unexpected_index_column_names": ["_id"]}
            )
        out: dict[str, list[int]] = {}
        for res in full.results:
            name = (res.expectation_config.meta or {}).get("rule")
            out[name] = [int(x["_id"]) for x in (res.result or {}).get("unexpected_index_list") or []]
        return out


def run_polars(frame: pl.DataFrame) -> dict[str, list[int]]:
    """What `_Runner.run` answers, from the rules' Polars expressions: no GX import, no pandas frame."""
    # one query for every rule (a single workbook pays Polars' fixed cost per operation)
    flagged = frame.select(
        pl.col("_id").filter(r.unexpected().fill_null(False)).implode().alias(r.name) for r in SET_RULES
    ).row(0, named=True)
    return {name: ids for name, ids in flagged.items() if ids}


# Batches of at least this many workbooks run through GX, whose fixed cost they share; fewer
# (a single upload, `portal validate FILE`) through `run_polars`, which gives the same rows.
GX_MIN_WORKBOOKS = 2

_runner: _Runner | None = None
_runner_lock = threading.Lock()


def runner() -> _Runner:
    global _runner
    with _runner_lock:
        if _runner is None:
            _runner = _Runner()
        return _runner


# ---------------------------------------------------------------- the stage


def check_sets(inputs: list[SetsInput], gx: bool = True) -> list[list[Issue]]:
    """Issues per workbook, in the order given; one GX run for the whole batch (`gx=False`: the
    Polars rules, for files the platform wrote itself)."""
    out: list[list[Issue]] = [[] for _ in inputs]
    frame = build_frame(inputs)
    if frame.is_empty():
        return out
    failed = runner().run(frame) if gx and len(inputs) >= GX_MIN_WORKBOOKS else run_polars(frame)
    flagged = sorted({i for ids in failed.values() for i in ids})  # a round has ~100,000 rows, few flagged
    by_id = {r["_id"]: r for r in frame.filter(pl.col("_id").is_in(flagged)).iter_rows(named=True)}
    dup_ids = failed.get("present-once", [])
    firsts = _first_occurrences([by_id[i] for i in dup_ids])
    for rule in SET_RULES:
        for i in sorted(failed.get(rule.name, []), key=lambda i: (by_id[i]["_wb"], by_id[i]["_row"] or 0)):
            row = dict(by_id[i])
            row["_first"] = i in firsts
            inp = inputs[row["_wb"]]
            issue = rule.issue(row, inp)
            if issue is None:
                continue
            if issue.code in _RESTATED and (row["_sheet"], row["key"]) in inp.covered:
                continue
            out[row["_wb"]].append(issue)
    return out


def _first_occurrences(rows: list[dict[str, Any]]) -> set[int]:
    first: dict[tuple, tuple[int, int]] = {}
    for r in rows:
        k = (r["_wb"], r["_sheet"], r["key"])
        if k not in first or r["_row"] < first[k][0]:
            first[k] = (r["_row"], r["_id"])
    return {v[1] for v in first.values()}
