"""The data behind 完成情况 and 指标监测, and their exports: services over the views for a signed-in account.

Every function checks `portal.permissions.require` before it reads, every export is audited, and
everything comes from warehouse.views (completion, KPI progress, KPI history), so the pages, the
CLI and the bulletin say the same thing. Pages pass plain arguments and get dataclasses back.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import polars as pl

from portal.core import labels as L
from portal.core.context import Portal
from portal.core.documents import ExportedBook
from portal.core.labels import enum_label
from portal.core.outcome import Outcome
from portal.core.permissions import (
    PermissionDenied,
    allowed,
    require,
    scope_of,
    visible_plans,
    visible_units,
)
from portal.core.readcache import cached_read
from portal.monitoring.bulletin import Bulletin, QuoteRules, bulletin
from portal.monitoring.bulletin_docx import BulletinTexts, bulletin_document, default_texts
from portal.monitoring.bulletin_xlsx import bulletin_workbook
from portal.monitoring.quote_rules import (
    RULES_DIR,
    RulesError,
    load_rules,
    rules_from_dict,
    rules_path,
    write_rules,
)
from portal.monitoring.reminder_xlsx import reminder_workbook
from portal.monitoring.scoped import check_plan, check_plans, check_unit, issuer, keep_pairs
from schemas.enums import IndicatorKind, Pace, ReportState, TaskStatus, UnitKind
from schemas.quarters import Quarter
from warehouse import lookups, rounds
from warehouse.views import (
    DUE_SOON_DAYS,
    completion_units,
    kpi_history,
    kpi_progress,
    not_reported,
    round_info,
    task_progress,
    unit_plans,
)
from warehouse.views import completion_counts as views_completion_counts

STATES = [s.value for s in ReportState]  # missing, validated, returned, approved
PACES = [p.value for p in Pace]
# (code, label) for pages, which import only portal.
STATE_LABELS = [(s.value, s.label) for s in ReportState]
PACE_LABELS = [(p.value, p.label) for p in Pace]


# ------------------------------------------------------------------------------- shared choices


@dataclass(frozen=True)
class Choices:
    """What the filters of a board offer: plans (code, name), rounds newest first, the default round."""

    plans: list[tuple[str, str]]
    rounds: list[str]
    default_round: str | None
    kinds: list[tuple[str, str]] = field(default_factory=list)  # (code, label): unit or indicator kinds
    units: list[tuple[str, str]] = field(default_factory=list)  # (code, name): indicator owners


def _default_round(con, today: dt.date, codes: list[str]) -> str | None:
    """The round being reported today (or the latest open one), else the newest round."""
    current = rounds.current(con, today)
    if current is not None:
        return current.code
    return codes[0] if codes else None


@cached_read
def completion_choices(portal: Portal, account) -> Choices:
    """Plans offered are those the account may read."""
    require(account, "completion.view")
    readable = visible_plans(account, "completion.view")
    with portal.warehouse.connect() as con:
        codes = rounds.codes(con)
        kinds = lookups.active_unit_kinds(con)
        order = {k.value: i for i, k in enumerate(UnitKind)}
        return Choices(
            plans=keep_pairs(lookups.plans(con), readable),
            rounds=codes,
            default_round=_default_round(con, portal.settings.today(), codes),
            kinds=[(k, _kind(k)) for k in sorted(kinds, key=lambda k: (order.get(k, len(order)), k))],
        )


@cached_read
def kpi_choices(portal: Portal, account) -> Choices:
    """Plans and indicator owners offered are those the account may read."""
    require(account, "kpi.view")
    readable = visible_plans(account, "kpi.view")
    units = visible_units(account, "kpi.view")
    with portal.warehouse.connect() as con:
        codes = rounds.codes(con)
        kinds = lookups.indicator_kinds(con)
        return Choices(
            plans=keep_pairs(lookups.plans(con), readable),
            rounds=codes,
            default_round=_default_round(con, portal.settings.today(), codes),
            kinds=[(k.value, k.label) for k in IndicatorKind if k.value in kinds],
            units=keep_pairs(lookups.indicator_owners(con), units),
        )


# ------------------------------------------------------------------------------- 完成情况


def cell_text(state: str, days_late: int | None, days_left: int | None, rejected_attempts: int = 0) -> str:
    """What a matrix cell says: the standing's words (labels.report_state_text), and lateness
    (reported late, or not reported past its due date)."""
    text = L.report_state_text(state, rejected_attempts)
    if days_late:
        return f"{text}（{L.LATE_BY.format(days=days_late)}）"
    if days_late is None and days_left is not None and days_left < 0:
        return f"{text}（{L.OVERDUE}）"
    return text


@dataclass
class CompletionBoard:
    """Who has reported, for the rounds up to `round` (filtered by plan and unit kind).

    `cells` is long (one row per unit and round in which the unit is expected to report); counts,
    `missing` (催报名单) and `units` are for `round` itself. Rates are reported / expected."""

    round: str
    due_date: dt.date
    today: dt.date
    plan: str | None
    kind: str | None
    rounds: list[str]  # the matrix's columns, oldest first
    cells: pl.DataFrame  # unit, name, kind, round, state, days_late, days_left, late, text
    units: pl.DataFrame  # completion.sql's rows for `round`, filtered
    missing: pl.DataFrame  # units missing in `round`, soonest due first
    by_round: pl.DataFrame  # round, expected, reported, rate, late, one count per state
    by_kind: pl.DataFrame  # kind, kind_label, expected, reported, rate, late, one count per state

    @property
    def expected(self) -> int:
        return self.units.height

    @property
    def reported(self) -> int:
        return self.units.filter(pl.col("reported")).height

    @property
    def rate(self) -> float | None:
        return self.reported / self.expected if self.expected else None

    @property
    def late(self) -> int:
        return self.units.filter(pl.col("days_late") > 0).height

    def count(self, state: str) -> int:
        return self.units.filter(pl.col("state") == state).height

    @property
    def due_soon(self) -> pl.DataFrame:
        return self.missing.filter(pl.col("due_soon"))

    def matrix(self) -> tuple[pl.DataFrame, pl.DataFrame]:
        """(texts, states): units × rounds, one column per round; a unit not expected in a round has
        an empty cell (state None). Rows in registry order. `extended_to` (after the unit's kind)
        is the unit's extended due date in `round`, blank without an extension."""
        index = ["unit", "name", "kind_label"]
        if self.cells.is_empty():
            empty = pl.DataFrame(schema={c: pl.String for c in [*index, "extended_to", *self.rounds]})
            return empty, empty
        cells = mapped(self.cells, ["kind"], _kind, "kind_label")
        order = cells.select("unit", "registry_order").unique().sort("registry_order")["unit"]

        def wide(values: str) -> pl.DataFrame:
            frame = cells.pivot(on="round", index=index, values=values, aggregate_function="first")
            for r in self.rounds:
                if r not in frame.columns:
                    frame = frame.with_columns(pl.lit(None, pl.String).alias(r))
            frame = frame.join(order.to_frame().with_row_index("order"), on="unit").sort("order")
            return frame.select(*index, *self.rounds)

        extended = cells.filter((pl.col("round") == self.round) & pl.col("extended")).select(
            "unit", extended_to=pl.col("due_date").dt.strftime("%Y-%m-%d")
        )

        texts = wide("text").join(extended, on="unit", how="left", maintain_order="left")
        texts = texts.with_columns(pl.col("extended_to").fill_null(""))
        states = wide("state").with_columns(extended_to=pl.lit(None, pl.String))  # not coloured
        columns = [*index, "extended_to", *self.rounds]
        return texts.select(columns), states.select(columns)


def _kind(kind: str | None) -> str:
    return enum_label(UnitKind, kind)


def mapped(frame: pl.DataFrame, columns: list[str], fn, name: str) -> pl.DataFrame:
    """`frame` with a text column `name` = fn(*columns), called once per distinct combination of
    `columns` rather than once per row (a province matrix has 40,000 cells and a few hundred
    distinct combinations). Row order is kept."""
    keys = frame.select(columns).unique(maintain_order=True)
    texts = pl.Series(name, [fn(*row) for row in keys.iter_rows()], dtype=pl.String)
    return frame.join(
        keys.with_columns(texts), on=columns, how="left", nulls_equal=True, maintain_order="left"
    )


def _counts(frame: pl.DataFrame, by: str | list[str]) -> pl.DataFrame:
    return (
        frame.group_by(by, maintain_order=True)
        .agg(
            pl.len().cast(pl.Int64).alias("expected"),
            pl.col("reported").sum().cast(pl.Int64).alias("reported"),
            (pl.col("days_late").fill_null(0) > 0).sum().cast(pl.Int64).alias("late"),
            *[(pl.col("state") == s).sum().cast(pl.Int64).alias(s) for s in STATES],
        )
        .with_columns((pl.col("reported") / pl.col("expected")).alias("rate"))
    )


def _completion_scope(con, account, round_code: str, plans: list[str | None]):
    """The checks of completion_boards and completion_counts and what they show: (the round, {plan:
    rounds shown, oldest first}, every round asked: `round_code` first)."""
    check_plans(con, account, "completion.view", plans)
    last = Quarter.parse(round_code)
    every = [r for r in reversed(rounds.codes(con)) if Quarter.parse(r) <= last]
    years = {code: (start, end) for code, _, start, end in lookups.plan_periods(con)} if any(plans) else {}
    year_of = {r: Quarter.parse(r).year for r in every}
    shown = {}
    for plan in plans:  # the periods from one read (the roll-up asks for ten plans and more)
        shown[plan] = every
        if plan is not None:
            start, end = years.get(plan, (0, -1))
            shown[plan] = [r for r in every if start <= year_of[r] <= end]
    asked = [round_code, *dict.fromkeys(r for codes in shown.values() for r in codes)]
    return round_info(con, round_code), shown, asked


def _completion_read(portal: Portal, account, round_code: str, plans: list[str | None], kind: str | None):
    """What completion_boards reads, with its checks: (today, the round, {plan: rounds shown, oldest
    first}, completion.sql's rows of every round asked (only units the account may read, of `kind`),
    unit_plans of the plans, registry order)."""
    require(account, "completion.view")
    readable = visible_units(account, "completion.view")
    today = portal.settings.today()
    with portal.warehouse.connect() as con:
        focus, shown, asked = _completion_scope(con, account, round_code, plans)
        long = completion_units(con, asked, today)  # one query for every matrix
        duties = unit_plans(con, [p for p in plans if p is not None]) if any(plans) else None
        registry = lookups.registry_order(con)
    if readable is not None:
        long = long.filter(pl.col("unit").is_in(list(readable)))
    if kind is not None:
        long = long.filter(pl.col("kind") == kind)
    return today, focus, shown, long, duties, registry


# The counts of completion_counts, as the boards give them (expected, reported, rate, late).
COUNT_COLUMNS = ["plan", "round", "expected", "reported", "late", "rate"]


def completion_counts(
    portal: Portal, account, round_code: str, plans: list[str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(focus, by_round): the numbers completion_boards gives each plan without building its
    matrix (the roll-up shows only counts: no cell texts, no rows of 40,000 cells; counted in the
    warehouse, views.completion_counts). `focus`: one row per plan (in `plans` order, each once) with
    the board's expected, reported, late, rate for `round_code`; `by_round`: the board's `by_round`
    of every plan, one after the other (rounds oldest first, only rounds with cells). Same checks,
    same rows as the boards."""
    require(account, "completion.view")
    readable = visible_units(account, "completion.view")
    with portal.warehouse.connect() as con:
        _, shown, asked = _completion_scope(con, account, round_code, plans)
        counted = views_completion_counts(con, asked, portal.settings.today(), plans, readable)
    counted = counted.with_columns((pl.col("reported") / pl.col("expected")).alias("rate"))
    order = pl.DataFrame({"plan": plans}, schema={"plan": pl.String}).with_row_index("plan_order")
    focus = order.join(
        counted.filter(pl.col("round") == round_code), on="plan", how="left", maintain_order="left"
    ).with_columns(pl.col("expected", "reported", "late").fill_null(0))
    position = pl.DataFrame(
        [(plan, r, i) for plan in plans for i, r in enumerate(shown[plan])],
        schema={"plan": pl.String, "round": pl.String, "position": pl.Int64},
        orient="row",
    )
    by_round = (
        counted.join(position, on=["plan", "round"])
        .join(order, on="plan")
        .sort("plan_order", "position")
        .select(COUNT_COLUMNS)
    )
    return focus.select("plan", *COUNT_COLUMNS[2:]), by_round


def completion_board(
    portal: Portal, account, round_code: str, plan: str | None = None, kind: str | None = None
) -> CompletionBoard:
    """Only the units the account may read. Raises warehouse.views.UnknownRound for a round not in
    the warehouse, OutOfScope (a NotFound) for a plan unknown or outside the scope."""
    return completion_boards(portal, account, round_code, [plan], kind)[plan]


@cached_read
def completion_boards(
    portal: Portal, account, round_code: str, plans: list[str | None], kind: str | None = None
) -> dict[str | None, CompletionBoard]:
    """completion_board of each of `plans` (None: every plan), from one read of every round's
    standings (the roll-up shows many plans side by side: one pass, not one per plan and round)."""
    today, focus, shown, long, duties, registry = _completion_read(portal, account, round_code, plans, kind)
    long = mapped(
        long.join(registry, on="unit", how="left").with_columns(late=pl.col("days_late").fill_null(0) > 0),
        ["state", "days_late", "days_left", "rejected_attempts"],
        cell_text,
        "text",
    )
    boards = {}
    for plan in plans:
        mine = long
        if plan is not None:
            on_duty = duties.filter(pl.col("plan") == plan)["unit"]
            mine = mine.filter(pl.col("unit").is_in(on_duty.implode()))
        units = mine.filter(pl.col("round") == round_code).drop("round", "registry_order", "late", "text")
        cells = mine.filter(pl.col("round").is_in(shown[plan])).select(
            "unit",
            "name",
            "kind",
            "round",
            "state",
            "reported",
            "days_late",
            "days_left",
            "rejected_attempts",
            "due_date",
            "extended",
            "registry_order",
            "late",
            "text",
        )
        # the matrix's rows round by round, oldest first, each in registry order
        position = {r: i for i, r in enumerate(shown[plan])}
        cells = cells.sort(pl.col("round").replace_strict(position, return_dtype=pl.Int64), "registry_order")
        if not shown[plan]:
            cells = pl.DataFrame()
        elif cells.is_empty():
            cells = cells.select(cells.columns[:9])
        by_round = _counts(cells, "round") if cells.height else pl.DataFrame()
        by_kind = _counts(units, "kind").with_columns(
            kind_label=pl.col("kind").map_elements(_kind, return_dtype=pl.String)
        )
        boards[plan] = CompletionBoard(
            round=round_code,
            due_date=focus.due_date,
            today=today,
            plan=plan,
            kind=kind,
            rounds=shown[plan],
            cells=cells,
            units=units,
            missing=not_reported(units),
            by_round=by_round,
            by_kind=by_kind.sort("kind"),
        )
    return boards


def missing_frame(board: CompletionBoard) -> pl.DataFrame:
    """The 催报名单 as the page and the export show it (Chinese words, dates as dates)."""
    return board.missing.select(
        "unit",
        pl.col("name").alias("unit_name"),
        pl.col("kind").map_elements(_kind, return_dtype=pl.String).alias("kind_label"),
        pl.struct("state", "rejected_attempts")
        .map_elements(
            lambda s: L.report_state_text(s["state"], s["rejected_attempts"]), return_dtype=pl.String
        )
        .alias("state_text"),
        pl.col("contact").fill_null(""),
        pl.col("phone").fill_null(""),
        pl.col("leader").fill_null(""),
        "due_date",
        pl.col("days_left").map_elements(days_left_text, return_dtype=pl.String).alias("days_left_text"),
        pl.when(pl.col("due_soon") & (pl.col("days_left") >= 0))
        .then(pl.lit(L.DUE_SOON))
        .when(pl.col("days_left") < 0)
        .then(pl.lit(L.OVERDUE))
        .otherwise(pl.lit(""))
        .alias("reminder"),
        "rejected_attempts",
    )


def by_kind_frame(board: CompletionBoard) -> pl.DataFrame:
    """Counts of the chosen round by unit kind, as the page shows them."""
    return board.by_kind.select(
        "kind_label",
        pl.col("expected").alias("units_expected"),
        pl.col("reported").alias("units_reported"),
        pl.col("late").alias("units_late"),
        pl.col("rate").map_elements(lambda r: f"{r:.1%}", return_dtype=pl.String).alias("rate_text"),
    )


def days_left_text(days: int) -> str:
    if days < 0:
        return L.DAYS_OVERDUE.format(days=-days)
    return L.DUE_TODAY if days == 0 else L.DAYS_LEFT.format(days=days)


def missing_list_book(
    portal: Portal, account, round_code: str, plan: str | None = None, kind: str | None = None
) -> ExportedBook:
    """催报名单 of a round (with the board's filters), audited as completion.export: issued by the
    plan's office when one plan is chosen, else by the nearest office above every plan the account
    reads. The page downloads its bytes; `portal status -o` writes it."""
    require(account, "completion.export")
    readable = visible_plans(account, "completion.export")
    with portal.warehouse.connect() as con:
        check_plan(con, account, "completion.export", plan)
    board = completion_board(portal, account, round_code, plan, kind)
    with portal.warehouse.connect() as con:
        year = Quarter.parse(round_code).year
        covered = (
            [plan]
            if plan
            else [p for p in lookups.plans_of_year(con, year)["code"] if readable is None or p in readable]
        )
        office, _ = issuer(con, covered)
        scope = dict(lookups.plans(con)).get(plan) if plan else None
    name = (office or {}).get("name") or portal.settings.office_name
    book = reminder_workbook(board, missing_frame(board), name, scope)
    _audit(portal, account, "completion.export", round_code, f"plan={plan or ''} kind={kind or ''}")
    return book


def export_missing_list(
    portal: Portal, account, round_code: str, plan: str | None = None, kind: str | None = None
) -> bytes:
    return missing_list_book(portal, account, round_code, plan, kind).data


def bulletin_book(
    portal: Portal, account, round_code: str, plan: str | None = None
) -> tuple[Bulletin, ExportedBook]:
    """季度通报 tables (.xlsx) of a round, of one plan or of every plan the account reads, issued by
    the office above them (Bulletin.office), audited as bulletin.export."""
    b = _bulletin(portal, account, round_code, plan)
    office = b.office or {}
    name = office.get("name") or portal.settings.office_name
    book = bulletin_workbook(b, name, office.get("seal_text") or name)
    _audit(portal, account, "bulletin.export", round_code, f"plan={plan or ''} xlsx")
    return b, book


def export_bulletin(portal: Portal, account, round_code: str, plan: str | None = None) -> bytes:
    return bulletin_book(portal, account, round_code, plan)[1].data


def bulletin_draft(
    portal: Portal, account, round_code: str, plan: str | None = None, rules: QuoteRules | None = None
) -> BulletinTexts:
    """The texts the office edits before exporting the Word bulletin: 亮点 and 存在问题 quoted from
    units' approved text by `rules` (default: the issuing office's saved rules); 下步要求 empty."""
    b = _bulletin(portal, account, round_code, plan)
    if rules is None:
        rules = load_rules(portal.settings.home, (b.office or {}).get("code"))
    return default_texts(b, rules)


@dataclass(frozen=True)
class BulletinRules:
    """The quote rules a bulletin is drafted with: those of its issuing office."""

    office: str | None  # None: no single office issues it (the defaults apply, nothing to save)
    office_name: str
    rules: QuoteRules
    editable: bool  # the account may save them (its own office; an office above only reads)
    saved: bool  # the office has its own file (else the defaults)


def bulletin_rules(portal: Portal, account, round_code: str, plan: str | None = None) -> BulletinRules:
    """The rules the bulletin of `round_code`/`plan` is drafted with, and whether the account may change them."""
    office = _issuing_office(portal, account, round_code, plan)
    code = (office or {}).get("code")
    name = (office or {}).get("name") or portal.settings.office_name
    editable = code is not None and allowed(account, "bulletin.configure")
    if editable:
        editable = scope_of(account).has_office(code, act=True)
    return BulletinRules(
        code,
        name,
        load_rules(portal.settings.home, code),
        editable,
        code is not None and rules_path(portal.settings.home, code).is_file(),
    )


def save_bulletin_rules(portal: Portal, account, round_code: str, plan: str | None, values: dict) -> Outcome:
    """Save the quote rules of the office issuing this bulletin (PORTAL_HOME/bulletin/<OFFICE>.toml),
    audited as bulletin.configure. Only the office's own accounts may (an office above reads them);
    a plan outside the scope is refused like one that does not exist. Invalid values are refused
    naming the key, and nothing is written."""
    require(account, "bulletin.configure")
    with portal.warehouse.connect() as con:
        check_plan(con, account, "bulletin.configure", plan)  # OutOfScope / 只读 for the plan
    office = _issuing_office(portal, account, round_code, plan)
    code = (office or {}).get("code")
    if code is None:
        return Outcome(False, L.QUOTE_RULES_NO_OFFICE)
    if not scope_of(account).has_office(code, act=True):
        raise PermissionDenied(L.QUOTE_RULES_READ_ONLY.format(office=office["name"]), "bulletin.configure")
    try:
        rules = rules_from_dict(values)
    except RulesError as exc:
        return Outcome(False, L.QUOTE_RULES_NOT_SAVED + "".join(exc.problems))
    path = write_rules(portal.settings.home, code, rules)
    with portal.warehouse.transaction() as con:
        portal.audit(
            con,
            account.username,
            "bulletin.configure",
            code,
            f"{RULES_DIR}/{path.name} " + json.dumps(rules.as_dict(), ensure_ascii=False),
        )
    return Outcome(True, L.QUOTE_RULES_SAVED.format(office=office["name"]))


def export_bulletin_docx(
    portal: Portal, account, round_code: str, plan: str | None, texts: BulletinTexts
) -> bytes:
    """季度通报 .docx (正文) of a round with the office's edited texts, audited as bulletin.export;
    issued, sealed and numbered (文号) by the office above its plans."""
    data = bulletin_document(_bulletin(portal, account, round_code, plan), texts, portal.settings.office_name)
    _audit(portal, account, "bulletin.export", round_code, f"plan={plan or ''} docx")
    return data


def _issuing_office(portal: Portal, account, round_code: str, plan: str | None) -> dict | None:
    """The office that issues the bulletin of `plan` (or of every plan of the year the account
    reads), as `bulletin` finds it, without computing the bulletin."""
    require(account, "bulletin.export")
    readable = visible_plans(account, "bulletin.export")
    year = Quarter.parse(round_code).year
    with portal.warehouse.connect() as con:
        check_plan(con, account, "bulletin.export", plan)
        plans = lookups.plans_of_year(con, year)["code"].to_list()
        chosen = [plan] if plan else [p for p in plans if readable is None or p in readable]
        return issuer(con, chosen)[0]


@cached_read
def _bulletin(portal: Portal, account, round_code: str, plan: str | None) -> Bulletin:
    """The bulletin limited to the plans the account reads; a plan outside them is refused like
    an unknown one."""
    require(account, "bulletin.export")
    readable = visible_plans(account, "bulletin.export")
    with portal.warehouse.connect() as con:
        check_plan(con, account, "bulletin.export", plan)
    return bulletin(portal, round_code, plan, within=readable)


def _audit(portal: Portal, account, action: str, target: str | None, detail: str | None) -> None:
    with portal.warehouse.transaction() as con:
        portal.audit(con, account.username, action, target, detail)


# ------------------------------------------------------------------------------- 指标监测


@dataclass
class KpiBoard:
    """KPI progress at the end of `round`'s quarter, filtered; the red list is its red rows."""

    round: str
    indicators: (
        pl.DataFrame
    )  # kpi_progress rows + plan_name, indicator_name, indicator_kind, pace_label, ratio_text
    counts: dict[str, int]  # pace -> number of indicators

    @property
    def red_list(self) -> pl.DataFrame:
        return self.indicators.filter(pl.col("pace") == Pace.RED.value)

    @property
    def unreported(self) -> pl.DataFrame:
        """本期未报/未审核: no approved value for the round; listed apart, never counted as behind."""
        return self.indicators.filter(pl.col("pace") == Pace.UNREPORTED.value)


def kpi_board(
    portal: Portal,
    account,
    round_code: str,
    plan: str | None = None,
    unit: str | None = None,
    pace: str | None = None,
    kind: str | None = None,
) -> KpiBoard:
    """`unit` keeps the indicators whose owner of record it is; only the plans the account reads.
    Raises UnknownRound, OutOfScope (a NotFound) for a plan or unit unknown or outside the scope."""
    return kpi_boards(portal, account, round_code, [plan], unit, pace, kind)[plan]


@cached_read
def kpi_boards(
    portal: Portal,
    account,
    round_code: str,
    plans: list[str | None],
    unit: str | None = None,
    pace: str | None = None,
    kind: str | None = None,
) -> dict[str | None, KpiBoard]:
    """kpi_board of each of `plans` from one read of KPI progress (the roll-up's many plans)."""
    every, names = _kpi_rows(portal, account, round_code, plans, unit, pace, kind)
    every = kpi_texts(every, names)
    # one plan (a page's board): its rows filtered out; several: every plan's at once (~3 ms at 40,000 rows)
    chosen = [plan for plan in plans if plan is not None]
    by_plan = every.partition_by("plan", as_dict=True, maintain_order=True) if len(chosen) > 1 else {}
    boards = {}
    for plan in plans:
        if plan is None:
            frame = every
        elif by_plan:
            frame = by_plan.get((plan,), every.clear())
        else:
            frame = every.filter(pl.col("plan") == plan)
        boards[plan] = KpiBoard(round=round_code, indicators=frame, counts=_pace_counts(frame["pace"]))
    return boards


# The KPI progress columns kpi_texts reads.
TEXTED_COLUMNS = ("plan", "name", "kind", "pace", "ratio", "owner_name")


def kpi_plan_counts(
    portal: Portal, account, round_code: str, plans: list[str], shown: pl.Expr, columns: tuple[str, ...]
) -> tuple[dict[str, tuple[int, dict[str, int]]], pl.DataFrame]:
    """({plan: (indicators, pace counts)}, the rows matching `shown`, as kpi_boards gives them) of
    each of `plans`, with kpi_boards' checks and filters: for the roll-up, which shows every plan's
    counts but only a few rows, so only those get their texts (a province has 40,000 indicators).
    The rows have `columns` of KPI progress (those `shown` reads among them) and the texts; only
    they are read, unsorted, and only the rows shown are put in the board's order."""
    wanted = tuple(dict.fromkeys([*TEXTED_COLUMNS, *columns]))
    every, names = _kpi_rows(portal, account, round_code, list(plans), None, None, None, wanted)
    tally: dict[str, dict[str, int]] = {}
    for plan, pace, n in every.group_by("plan", "pace").len().iter_rows():
        tally.setdefault(plan, {})[pace] = n
    counts = {
        plan: (sum(tally.get(plan, {}).values()), {p: int(tally.get(plan, {}).get(p, 0)) for p in PACES})
        for plan in plans
    }
    rows = every.filter(shown).sort("position", maintain_order=True).drop("position")
    return counts, kpi_texts(rows, names)


def _pace_counts(paces: pl.Series) -> dict[str, int]:
    found = dict(paces.value_counts().iter_rows())
    return {p: int(found.get(p, 0)) for p in PACES}


def _kpi_rows(
    portal: Portal,
    account,
    round_code: str,
    plans: list[str | None],
    unit: str | None,
    pace: str | None,
    kind: str | None,
    columns: tuple[str, ...] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """KPI progress of the plans the account reads, filtered, and the plans' names; `columns`: only
    those and `position`, unsorted (views.kpi_progress)."""
    require(account, "kpi.view")
    readable = visible_plans(account, "kpi.view")
    with portal.warehouse.connect() as con:
        check_plans(con, account, "kpi.view", plans)
        check_unit(con, account, "kpi.view", unit)
        every = kpi_progress(con, round_code, columns)
        names = lookups.plan_names(con)
    if readable is not None:
        every = every.filter(pl.col("plan").is_in(list(readable)))
    for column, value in (("owner", unit), ("pace", pace), ("kind", kind)):
        if value is not None:
            every = every.filter(pl.col(column) == value)
    return every, names


def kpi_texts(every: pl.DataFrame, names: pl.DataFrame) -> pl.DataFrame:
    """The board's columns added to KPI progress rows: plan_name, labels and texts, row by row."""
    every = every.join(names, on="plan", how="left", maintain_order="left")
    # labels per distinct code, texts in one comprehension: no Python call per row through Polars
    every = mapped(every, ["kind"], lambda k: k and enum_label(IndicatorKind, k), "indicator_kind")
    every = mapped(every, ["pace"], lambda p: p and enum_label(Pace, p), "pace_label")
    return every.with_columns(
        ratio_text=percent_texts(every["ratio"]).fill_null(""),
        owner_name=pl.col("owner_name").fill_null(""),
        indicator_name=pl.col("name"),
    )


def percent_texts(values: pl.Series) -> pl.Series:
    """f"{x:.1%}" of every value (null stays null), without a Python call per row (a province's
    40,000 ratios). Python writes x * 100 correctly rounded to one decimal; so does rounding
    x * 100 * 10 to an integer, except within a hair of a tie, where the product's own rounding
    may tip it: those values, negatives (−0.0 included), huge and non-finite ones go through
    Python's format, so every text is the one the f-string gives."""
    x = values.cast(pl.Float64).rename("x")
    v, tenths = pl.col("x"), pl.col("x") * 100.0 * 10.0
    plain = (
        v.is_finite()
        & ((v > 0.0) | ((v == 0.0) & (1.0 / v > 0.0)))
        & (v < 1e7)
        & ((tenths - tenths.floor() - 0.5).abs() > 1e-4)
    ).fill_null(False)
    k = pl.when(plain).then(tenths.round(0)).cast(pl.Int64)
    texts = x.to_frame().select(plain.alias("plain"), pl.format("{}.{}%", k // 10, k % 10).alias("text"))
    odd = (~texts["plain"] & x.is_not_null()).arg_true()
    text = texts["text"]
    if len(odd):  # rare: Python's own format, in place
        text = text.scatter(odd, [f"{y:.1%}" for y in x.gather(odd).to_list()])
    return text.rename(values.name)


@cached_read
def indicator_history(portal: Portal, account, round_code: str, indicators: list[str]) -> pl.DataFrame:
    """Quarter by quarter up to `round_code`: approved value vs expected pace (kpi_history.sql).
    Indicators of plans outside the account's scope are left out, as unknown ones are."""
    require(account, "kpi.view")
    readable = visible_plans(account, "kpi.view")
    with portal.warehouse.connect() as con:
        asked = list(indicators)
        if readable is not None:
            plans = lookups.indicator_plans(con, asked)
            asked = [i for i in asked if plans.get(i) in readable]
        return kpi_history(con, round_code, asked)


# ------------------------------------------------------------------------------- 任务进展

# Status order on the board and its chart: done first, then the ones to chase; "" = not reported.
TASK_STATUSES = [s.value for s in (TaskStatus.COMPLETED, TaskStatus.IN_PROGRESS, TaskStatus.BEHIND)]
TASK_STATUSES += [TaskStatus.NOT_STARTED.value, ""]


def _status_text(status: str | None, percent: float | None) -> str:
    if status is None:
        return L.TASK_NOT_REPORTED
    label = enum_label(TaskStatus, status)
    return label if percent is None else f"{label} {percent:g}%"


def _helpers_text(helpers: list[dict] | None) -> str:
    return "；".join(
        f"{h['name'] or h['unit']}：{_status_text(h['status'], h['percent'])}" for h in helpers or []
    )


def helpers_texts(helpers: pl.Series) -> pl.Series:
    """_helpers_text of every row of a `helpers` column (lists of unit, name, status, percent),
    with each distinct (status, percent) put into words once: a province's 30,000 tasks in one pass."""
    rows = pl.DataFrame({"helpers": helpers}).with_row_index("row").explode("helpers")
    rows = rows.filter(pl.col("helpers").is_not_null()).unnest("helpers")
    if rows.is_empty():
        return pl.Series("helpers_text", [""] * helpers.len(), dtype=pl.String)
    rows = mapped(rows, ["status", "percent"], _status_text, "said")
    who = (
        pl.when(pl.col("name").is_null() | (pl.col("name") == ""))
        .then(pl.col("unit"))
        .otherwise(pl.col("name"))
    )
    # each helper's words, gathered per row as a list and joined after: the same texts in the same
    # order (a group keeps its rows' order), without str.join as an aggregate (~8× slower here)
    joined = (
        rows.with_columns(said=pl.format("{}：{}", who, "said"))
        .group_by("row", maintain_order=True)
        .agg("said")
        .with_columns(pl.col("said").list.join("；"))
    )
    every = pl.DataFrame({"row": pl.int_range(helpers.len(), eager=True).cast(pl.UInt32)})
    return (
        every.join(joined, on="row", how="left", maintain_order="left")["said"]
        .fill_null("")
        .rename("helpers_text")
    )


_OVERDUE_WORDS = {"past_due": L.TASK_PAST_DUE, "behind": L.TASK_BEHIND}


def _overdue_text(reasons: list[str] | None) -> str:
    return "、".join(_OVERDUE_WORDS.get(r, r) for r in reasons or [])


@dataclass
class TaskBoard:
    """Every task of the round's plans, the lead's report beside its helpers'; the overdue ones apart."""

    round: str
    tasks: pl.DataFrame  # views.per_task rows + plan_name, lead_status_label, helpers_text, overdue_text
    overdue: pl.DataFrame  # rows of `tasks` flagged overdue
    counts: pl.DataFrame  # status, status_label, tasks: by the lead's reported status ("" = not reported)
    units: list[tuple[str, str]] = field(default_factory=list)  # (code, name): every lead or helper


@cached_read
def task_board(
    portal: Portal, account, round_code: str, plan: str | None = None, unit: str | None = None
) -> TaskBoard:
    """`unit` keeps the tasks it leads or helps with; only the plans the account reads. Raises
    UnknownRound, OutOfScope (a NotFound) for a plan or unit unknown or outside the scope."""
    require(account, "task_progress.view")
    readable = visible_plans(account, "task_progress.view")
    with portal.warehouse.connect() as con:
        check_plan(con, account, "task_progress.view", plan)
        check_unit(con, account, "task_progress.view", unit)
        progress = task_progress(con, round_code)
        plans = lookups.plan_names(con)
    long = progress.long
    frame = progress.tasks
    if readable is not None:
        frame = frame.filter(pl.col("plan").is_in(list(readable)))
        long = long.filter(pl.col("plan").is_in(list(readable)))
    if plan is not None:
        frame = frame.filter(pl.col("plan") == plan)
    if unit is not None:
        helped = long.filter(pl.col("unit") == unit)["task"].unique()
        frame = frame.filter(pl.col("task").is_in(helped.implode()))
    frame = frame.join(plans, on="plan", how="left", maintain_order="left")
    frame = mapped(frame, ["lead_status"], lambda st: st and enum_label(TaskStatus, st), "lead_status_label")
    frame = frame.with_columns(
        lead_status_label=pl.col("lead_status_label").fill_null(L.TASK_NOT_REPORTED),
        helpers_text=helpers_texts(frame["helpers"]),
        helpers_reported_text=pl.format("{}/{}", "helpers_reported", "helper_count"),
        # _overdue_text in Polars: each reason put into words, joined (a province has 30,000 tasks)
        overdue_text=pl.col("overdue_reasons")
        .list.eval(pl.element().replace(_OVERDUE_WORDS))
        .list.join("、")
        .fill_null(""),
        lead_name=pl.col("lead_name").fill_null(pl.col("lead_unit")),
    )
    statuses = frame["lead_status"].fill_null("")
    counts = pl.DataFrame(
        [
            {
                "status": s,
                "status_label": enum_label(TaskStatus, s) if s else L.TASK_NOT_REPORTED,
                "tasks": int((statuses == s).sum()),
            }
            for s in TASK_STATUSES
        ],
        schema={"status": pl.String, "status_label": pl.String, "tasks": pl.Int64},
    )
    units = long.select("unit", pl.col("unit_name").fill_null(pl.col("unit"))).unique().sort("unit")
    return TaskBoard(round_code, frame, frame.filter(pl.col("overdue")), counts, units.rows())


__all__ = [
    "DUE_SOON_DAYS",
    "Choices",
    "CompletionBoard",
    "KpiBoard",
    "completion_board",
    "completion_choices",
    "export_bulletin",
    "export_bulletin_docx",
    "bulletin_draft",
    "export_missing_list",
    "indicator_history",
    "kpi_board",
    "kpi_choices",
    "by_kind_frame",
    "missing_frame",
    "TaskBoard",
    "task_board",
]
