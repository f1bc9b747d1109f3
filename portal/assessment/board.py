"""The data behind 年度考核: the assessment of a plan and year for a signed-in account, its bonus
items and the 年度考核表 export. portal.assessment scores (and records bonus items:
`assess.add_bonus`/`withdraw_bonus`, the page's and the CLI's one use case); this module checks
permissions, audits, and lays the working out as frames a page can show."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from portal.assessment.assess import Assessment, assess, list_bonus
from portal.assessment.assessment_xlsx import NOT_APPLICABLE, ROUND_STATES, _applies, assessment_workbook
from portal.assessment.lifecycle import assert_editable
from portal.assessment.scheme import SCHEME_DIR, default_text, parse_layers, scheme_files
from portal.assessment.scoring import UnitScore
from portal.core import labels as L
from portal.core.context import Portal
from portal.core.documents import ExportedBook
from portal.core.errors import InvalidInput
from portal.core.labels import enum_label
from portal.core.outcome import Outcome
from portal.core.permissions import allowed, missing_plan, require, visible_plans
from portal.core.readcache import cached_read
from schemas.enums import IndicatorKind, Pace, TaskRole, TaskStatus
from schemas.issues import Issue
from warehouse import accounts, lookups, submissions


@dataclass(frozen=True)
class PlanChoice:
    code: str
    name: str
    start_year: int
    end_year: int

    @property
    def years(self) -> list[int]:
        return list(range(self.start_year, self.end_year + 1))


@dataclass(frozen=True)
class AssessmentChoices:
    plans: list[PlanChoice]
    today: dt.date

    def default_year(self, plan: PlanChoice) -> int:
        """This year if the plan runs in it, else the plan's nearest year."""
        return min(max(self.today.year, plan.start_year), plan.end_year)


@cached_read
def assessment_choices(portal: Portal, account) -> AssessmentChoices:
    """The plans the account may see the assessment of (its offices' and those below them)."""
    visible = visible_plans(account, "assessment.view")
    with portal.warehouse.connect() as con:
        rows = [r for r in lookups.plan_periods(con) if visible is None or r[0] in visible]
    return AssessmentChoices([PlanChoice(*r) for r in rows], portal.settings.today())


@dataclass
class AssessmentBoard:
    assessment: Assessment
    bonus: pl.DataFrame  # items in force: bonus_id, unit, unit_name, points, reason, entered_by, entered_at
    can_adjust: bool  # may add and withdraw bonus items (assessment.adjust; not an upper office)
    can_export: bool
    names: dict[str, str] = field(default_factory=dict)  # login name → the person's name, for entries

    @property
    def ok(self) -> bool:
        return self.assessment.ok

    @property
    def problems(self) -> list[str]:
        return [i.message for i in self.assessment.report.errors]

    @property
    def grades(self) -> list[str]:
        s = self.assessment.scheme
        return [lv.name for lv in s.levels] + [s.below] if s else []

    def summary(self) -> pl.DataFrame:
        """One row per unit in rank order (English column names; L.COLUMNS heads them)."""
        return self.assessment.summary().rename(
            {
                "name": "unit_name",
                "indicators": "indicators_score",
                "tasks": "tasks_score",
                "reporting": "reporting_score",
            }
        )

    def summary_shown(self) -> pl.DataFrame:
        """The summary as the page shows it: 指标完成 and 任务推进 are "—" for a unit with nothing
        to score there (a 0 would read as a failed score), by the 年度考核表's own rule."""
        a = self.assessment
        blank = {
            component: {u.unit for u in a.units if not _applies(a, u, component)}
            for component in ("indicators", "tasks")
        }
        frame = self.summary()
        return frame.with_columns(
            pl.when(pl.col("unit").is_in(list(blank[component])))
            .then(pl.lit(NOT_APPLICABLE))
            .otherwise(pl.col(column).map_elements(L.number_text, return_dtype=pl.String))
            .alias(column)
            for component, column in (("indicators", "indicators_score"), ("tasks", "tasks_score"))
        )

    def unit_names(self) -> dict[str, str]:
        return {u.unit: u.name for u in self.assessment.units}


@cached_read
def assessment_board(portal: Portal, account, plan: str, year: int) -> AssessmentBoard:
    """Score `plan` for `year` on the portal's clock; problems stay in the assessment's report."""
    require(account, "assessment.view", plan=plan)
    result = assess(portal, account, plan, int(year))
    bonus = (
        list_bonus(portal, account, plan, int(year)).rename({"id": "bonus_id"})
        if result.ok
        else pl.DataFrame()
    )
    people = _people(portal, bonus["entered_by"].to_list() if bonus.height else [])
    if bonus.height:
        names = {u.unit: u.name for u in result.units}
        bonus = bonus.with_columns(
            unit_name=pl.col("unit").replace_strict(names, default=pl.col("unit"), return_dtype=pl.String),
            entered_by_name=pl.col("entered_by").replace_strict(
                people, default=pl.col("entered_by"), return_dtype=pl.String
            ),
        )
    return AssessmentBoard(
        assessment=result,
        bonus=bonus,
        # a year in 公示 or 定稿 is locked (lifecycle.assert_editable): no bonus form to be refused by
        can_adjust=allowed(account, "assessment.adjust", plan=plan) and result.stage == "预评",
        can_export=allowed(account, "assessment.export", plan=plan),
        names=people,
    )


def _people(portal: Portal, logins: list[str]) -> dict[str, str]:
    """Login names → the people's names (a login no longer known stays as it is)."""
    with portal.warehouse.connect() as con:
        return {login: accounts.display_name(con, login) or login for login in sorted(set(logins))}


@dataclass
class UnitDetail:
    """The working out of one unit's score, one frame per component (English column names)."""

    score: UnitScore
    indicators: pl.DataFrame
    tasks: pl.DataFrame
    rounds: pl.DataFrame
    bonuses: pl.DataFrame


def _frame(rows: list[dict], columns: list[str]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=columns, orient="row") if rows else pl.DataFrame(schema=columns)


def _source_text(sid, where: str, versions: dict[int, dict]) -> str:
    """“报送记录 12（2025Q3 第 2 版）F7”: the approved submission a line was read from."""
    if sid is None:
        return "—"
    sub = versions.get(int(sid))
    version = f"（{sub['round']} 第 {sub['version']} 版）" if sub else ""
    return f"报送记录 {int(sid)}{version} {where}".rstrip()


def unit_detail(board: AssessmentBoard, unit: str, sources: pl.DataFrame | None = None) -> UnitDetail:
    """`sources` (score_sources) adds each line's submission version; without it the ids alone."""
    u = board.assessment.unit(unit)
    versions = {r["submission_id"]: r for r in sources.iter_rows(named=True)} if sources is not None else {}
    indicators = [
        {
            "indicator": line.item,
            "name": line.name,
            "indicator_kind": enum_label(IndicatorKind, line.kind),
            "weight": line.weight,
            "expected": L.number_text(line.target),
            "actual": L.number_text(line.actual),
            "actual_round": line.round or "",
            "counted_ratio": f"{line.completion:.1%}",
            "pace_label": enum_label(Pace, line.pace),
            "points": line.score,
            "basis": line.working,
            "source": _source_text(line.source, line.source_cell or "", versions),
        }
        for line in u.indicators
    ]
    tasks = [
        {
            "task": line.item,  # the task's code, as 审核, 指标监测 and the template name it
            "task_number": line.number or "",  # and the plan's own numbering beside it
            "title": line.name,
            "task_role": enum_label(TaskRole, line.role),
            "weight": line.weight,
            "task_status_label": enum_label(TaskStatus, line.scored_status)
            if line.scored_status
            else "未报送",
            "points": line.score,
            "basis": line.working,
            "source": _source_text(
                line.source, f"第 {line.source_row} 行" if line.source_row else "", versions
            ),
        }
        for line in u.tasks
    ]
    rounds = [
        {
            "round": line.round,
            "state_text": ROUND_STATES[line.state],
            "due_date": line.due_date,
            "round_days_late": "" if line.days_late is None else str(line.days_late),
            "returns": line.returns,
            "deduction": line.deduction,
            "basis": line.working,
        }
        for line in u.rounds
    ]
    names = board.names
    bonuses = [
        {
            "reason": line.reason,
            "entered_by": names.get(line.entered_by, line.entered_by),
            "entered_at": line.entered_at,
            "points": line.points,
        }
        for line in u.bonuses
    ]
    return UnitDetail(
        score=u,
        indicators=_frame(indicators, list(indicators[0]) if indicators else _IND_COLUMNS),
        tasks=_frame(tasks, list(tasks[0]) if tasks else _TASK_COLUMNS),
        rounds=_frame(rounds, list(rounds[0]) if rounds else _ROUND_COLUMNS),
        bonuses=_frame(bonuses, list(bonuses[0]) if bonuses else _BONUS_COLUMNS),
    )


_IND_COLUMNS = ["indicator", "name", "indicator_kind", "weight", "expected", "actual", "actual_round"]
_IND_COLUMNS += ["counted_ratio", "pace_label", "points", "basis", "source"]
_TASK_COLUMNS = [
    "task",
    "task_number",
    "title",
    "task_role",
    "weight",
    "task_status_label",
    "points",
    "basis",
    "source",
]
_ROUND_COLUMNS = ["round", "state_text", "due_date", "round_days_late", "returns", "deduction", "basis"]
_BONUS_COLUMNS = ["reason", "entered_by", "entered_at", "points"]


def score_sources(portal: Portal, account, board: AssessmentBoard, unit: str) -> pl.DataFrame:
    """The approved submissions a unit's score lines were read from (a task scored on the lead's
    report names the lead's), those the account may see: id, unit, round, version, when, file."""
    require(account, "assessment.view", plan=board.assessment.plan)
    lines = board.assessment.unit(unit).lines
    unit_names = board.unit_names()
    ids = sorted({int(x) for x in lines["source"].drop_nulls()}) if "source" in lines.columns else []
    rows = []
    with portal.warehouse.connect() as con:
        for sid in ids:
            sub = submissions.submission(con, sid)
            if sub and allowed(account, "submission.view", unit=sub["unit"]):
                rows.append(
                    {
                        "submission_id": sid,
                        "id": sid,
                        "unit": sub["unit"],
                        "unit_name": unit_names.get(sub["unit"], sub["unit"]),
                        "round": sub["round"],
                        "version": sub["version"],
                        "uploaded_at": sub["uploaded_at"],
                        "file_name": sub["file_name"],
                    }
                )
    columns = ["submission_id", "id", "unit", "unit_name", "round", "version", "uploaded_at", "file_name"]
    return pl.DataFrame(rows) if rows else pl.DataFrame(schema=dict.fromkeys(columns, pl.String))


# --- the export -------------------------------------------------------------------------------------


def assessment_book(portal: Portal, account, result: Assessment) -> ExportedBook:
    """年度考核表 (summary and one sheet per unit) of a computed assessment, audited as
    assessment.export. The page downloads its bytes; `portal assess -o` writes it. It is issued
    by the plan's own office (its name; its 落款 text for the signature), the settings'
    office_name only for a plan without an office."""
    require(account, "assessment.export", plan=result.plan)
    if not result.ok:
        raise InvalidInput("；".join(i.message for i in result.report.errors))
    # The one place the table's 发文机关 is decided: the plan's own office.
    office = result.office or {}
    issuer = office.get("name") or portal.settings.office_name
    book = assessment_workbook(result, issuer, office.get("seal_text") or issuer)
    with portal.warehouse.transaction() as con:
        portal.audit(
            con,
            account.audit_name,
            "assessment.export",
            f"{result.plan}/{result.year}",
            f"units={len(result.units)}",
        )
    return book


def export_assessment(portal: Portal, account, plan: str, year: int) -> bytes:
    """The 年度考核表 .xlsx; the assessment must be computable (the page offers the button only then)."""
    require(account, "assessment.export", plan=plan)
    return assessment_book(portal, account, assess(portal, account, plan, int(year))).data


# --- the scoring scheme (assessment.configure, evaluators only) -------------------------------------


def _plan_years(portal: Portal, plan: str) -> tuple[int, int] | None:
    with portal.warehouse.connect() as con:
        rows = [(start, end) for code, _, start, end in lookups.plan_periods(con) if code == plan]
    return rows[0] if rows else None


def _scheme_path(portal: Portal, plan: str, year: int) -> Path:
    """The file portal.scheme reads last (most specific) for this plan and year."""
    return portal.settings.home / SCHEME_DIR / f"{plan}-{int(year)}.toml"


def scheme_text_as(portal: Portal, account, plan: str, year: int) -> str:
    """The TOML text in force for `plan` and `year`: the most specific file under PORTAL_HOME/scoring
    (a file there only needs the keys that differ; the rest comes from the files before it), or the
    shipped default when there is none."""
    require(account, "assessment.configure", plan=plan)
    files = scheme_files(portal.settings.home, plan, int(year))
    return files[-1].read_text(encoding="utf-8") if files else default_text()


def scheme_layers(
    portal: Portal, plan: str, year: int
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(layers below scoring/{plan}-{year}.toml, that file's own layer or []) as (name, text), most
    general first: the layering an uploaded or edited file is checked in. Raises OSError or
    UnicodeDecodeError for a file that cannot be read."""
    path = _scheme_path(portal, plan, year)
    below, own = [("默认方案", default_text())], []
    for other in scheme_files(portal.settings.home, plan, year):
        layer = (f"{SCHEME_DIR}/{other.name}", other.read_text(encoding="utf-8"))
        (own if other == path else below).append(layer)
    return below, own


def save_scheme_as(
    portal: Portal, account, plan: str, year: int, text: bytes, describe=lambda issue: issue.message
) -> Outcome:
    """Check an uploaded scheme as it would be layered for `plan` and `year`, and only if it passes
    write it as scoring/{plan}-{year}.toml (atomically), audited as assessment.configure.
    `describe` words each refusal (the table editor names the field in Chinese)."""
    require(account, "assessment.configure", plan=plan)
    year = int(year)
    years = _plan_years(portal, plan)
    if years is None:
        return Outcome(False, missing_plan(plan))
    if not years[0] <= year <= years[1]:
        return Outcome(
            False, L.SCHEME_YEAR_OUTSIDE.format(year=year, plan=plan, start=years[0], end=years[1])
        )
    with portal.warehouse.connect() as con:
        assert_editable(con, plan, year)  # a published year is scored by the scheme it was published with
    path = _scheme_path(portal, plan, year)
    name = f"{SCHEME_DIR}/{path.name}"
    try:
        decoded = bytes(text).decode("utf-8-sig")
    except UnicodeDecodeError:
        issue = Issue.make("scheme-unreadable", file=name, detail=L.SCHEME_NOT_TEXT)
        return Outcome(False, L.SCHEME_NOT_SAVED + issue.message)
    layers = [("默认方案", default_text())]
    for other in scheme_files(portal.settings.home, plan, year):
        if other == path:
            continue  # the file being replaced is not layered under its replacement
        try:
            layers.append((f"{SCHEME_DIR}/{other.name}", other.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            issue = Issue.make("scheme-unreadable", file=f"{SCHEME_DIR}/{other.name}", detail=str(exc))
            return Outcome(False, L.SCHEME_NOT_SAVED + issue.message)
    layers.append((name, decoded))
    checked = parse_layers(layers)
    if not checked.report.ok or checked.scheme is None:
        return Outcome(False, L.SCHEME_NOT_SAVED + " ".join(describe(i) for i in checked.report.errors))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".toml.part")
    partial.write_text(decoded, encoding="utf-8")
    digest = hashlib.sha256(decoded.encode("utf-8")).hexdigest()[:12]
    with portal.warehouse.transaction() as con:
        try:  # again under the write lock: the year may have been published since the first check
            assert_editable(con, plan, year)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        os.replace(partial, path)
        portal.audit(
            con, account.username, "assessment.configure", f"{plan}/{year}", f"{name} sha256={digest}"
        )
    return Outcome(True, L.SCHEME_SAVED.format(plan=plan, year=year, file=name))
