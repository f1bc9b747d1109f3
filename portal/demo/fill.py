"""The demo's history: past quarters reported through the real pipeline, the current one half done.

For every closed round, in order: the real templates are built (so each carries the last
approved values), filled the way a unit's clerk would (`templates_xlsx.fill`) with numbers that
follow each indicator's trajectory, uploaded in batches by day (`ingest_many`, the dates a few
days before the due date, a few after it), and reviewed by the office account (`review`): most
approved, a couple returned with comments and approved as version 2. The round being reported
today is left partly done: some approved, some awaiting review, one returned, one rejected and
fixed, one approved and corrected again (a newer upload awaiting review), one extension granted,
many not yet reported. Nothing is written to the warehouse except through those use cases, each
called as one of the demo's accounts (`office` loads mailed files and reviews, `reporter` uploads
its unit's file in the open round) and checked against the permission table like anyone's.

Trajectories aim at the pace the views judge by: each round's *expected* value is read from
the KPI progress view itself (warehouse/sql/pace.sql), and each indicator gets a seeded pace
class, so most are on pace (green), some within 10% behind (yellow), a few further behind (red).
Levels (stock, cumulative) never fall, year-to-date flows never fall within a year, rates
vary around their target, milestones switch from 0 to 1 once achieved. Everything is drawn
from `random.Random(seed)`: the same seed gives the same demo.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import multiprocessing
import os
import random
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import polars as pl

from portal.accounts.auth import Account, acting_account, system_actor
from portal.core.context import Portal
from portal.registry.rounds import due_date as round_due_date
from portal.registry.workbook import export_registry_json
from portal.reporting import problems as pb
from portal.reporting.review import APPROVE, RETURN, ItemComment, grant_extension, review
from portal.reporting.submissions import IngestResult, ingest_many
from portal.reporting.templates import BuiltTemplate, build_from_context, round_template_contexts
from schemas.credit_code import CHARSET, with_check
from schemas.enums import EnterpriseStage, IndicatorKind, ListType, RoundState, TaskRole, TaskStatus
from schemas.quarters import Quarter
from templates_xlsx.builder import TemplateContext
from templates_xlsx.fill import fill_template
from validators.pipeline import own_files
from warehouse import approved
from warehouse import rounds as round_rows
from warehouse.submissions import any_submissions
from warehouse.views import kpi_progress

DEMO_SEED = 20251010
OFFICE = "office"  # the demo office account reviews everything (portal.setup.DEMO_ACCOUNTS)
REPORTER_UNIT, REPORTER = "JZKF-CXCY", "reporter"  # the one demo reporter account's unit
# A unit with a sign-off account (portal.ops.init.DEMO_ACCOUNTS): its clerk uploads in the open
# round and the upload waits for the unit's 单位审核人, so the demo shows that state too.
SIGN_OFF_UNIT, SIGN_OFF_CLERK = "JZKF-SCJGJ", "reporter_jzkf_scjgj"

# Pace classes: (share of indicators, lowest and highest actual / expected).
PACE_CLASSES = {
    "green": (0.62, 1.00, 1.10),
    "yellow": (0.24, 0.915, 0.985),  # within 10% behind: 0.9 ≤ ratio < 1
    "red": (0.14, 0.62, 0.84),
}
# Units typed as counts are filled in whole numbers.
COUNT_UNITS = frozenset({"家", "个", "项", "件", "人", "名", "所", "座", "条", "次", "台", "套"})
# Past rounds: each unit reports with this probability (the rest are simply missing that quarter).
REPORT_RATE = 0.96
# Share of units that are habitually late; days before the due date an on-time report comes in,
# days after it a late one does (a few days only: each day's uploads are one batch).
LATE_UNITS, ON_TIME_DAYS, LATE_DAYS = 0.12, (0, 2, 5), (4, 11)
# Returns per past round (a v1 returned with comments, then v2 approved).
RETURNS_PER_ROUND = (0, 2)
# Progress steps reported per round: templates built, uploads, reviews.
STAGES_PER_ROUND = 3
# Current round: share of units that have reported by today, and on which days before today.
CURRENT_REPORTED, CURRENT_DAYS = 0.45, (0, 1, 3, 6)
# Named lists (名单) behind list-backed indicators: synthetic items marked as demo data, with
# valid 统一社会信用代码 (an administrative-division code per city), districts per city, an
# enterprise's 培育阶段 advancing one step every STAGE_ROUNDS rounds on the list (its history).
DEMO_MARK = "（演示）"
CITY_CODES = {"XY": "420600", "JZ": "421000", "SY": "420300", "YY": "430900"}
DISTRICTS = {
    "XY": ("襄城区", "樊城区", "襄州区", "高新区"),
    "JZ": ("荆州区", "沙市区", "荆州开发区"),
    "SY": ("茅箭区", "张湾区", "郧阳区"),
    "YY": ("赫山区", "资阳区", "高新区"),
}
STAGE_ROUNDS = 2
# Indicators counting certified enterprises (高新技术企业, 瞪羚企业): every item is 认定.
CERTIFIED_ONLY = ("高新技术企业", "瞪羚企业")
# The double count the demo shows: the first item of this indicator's first owner is also on
# its second owner's list (a platform both a 乡镇街道 and the 科技集团 count).
DOUBLE_COUNTED = "JZ-K21"
# In the first past round this unit's first upload has one wrong check character (rejected, then
# fixed the same day): the history's one wrong 统一社会信用代码.
BAD_CODE_UNIT = "JZKF-JFJ"
# 问题库: the offices and clerks that take the demo's items through their steps (portal.ops.init).
PROBLEM_OFFICE, PROBLEM_ROUND, PROBLEM_PLAN = "office_jzkf", "2025Q2", "JZ"
PROBLEM_CLERKS = {"JZKF-CXCY": REPORTER, "JZKF-SCJGJ": SIGN_OFF_CLERK, "XY-KJJ": "reporter_xy_kjj"}
INQUIRY_OFFICE, INQUIRY_PLAN, INQUIRY_UNIT = "office_xy", "XY", "XY-KJJ"
# Indicators of weight 0 are monitored, not scored (the plan sets no number): their value is the
# size of the list by round filled (1st, 2nd, …; the last size holds on), drawn from no generator,
# and the office's returns never pick them, so adding one leaves every other number of the demo as
# it was. 十堰's 高新技术企业后备库 (SY-K17) grows 3, 4, 5, 5, 6, 7, 8 enterprises, each moving one
# 培育阶段 a round (入库 → 培育 → 申报 → 认定) rather than every STAGE_ROUNDS.
MONITORED_SIZES = (3, 4, 5, 5, 6, 7, 8)
# The demo's files are its own: validated in this process by the Polars set rules, and the approved
# tables refreshed once a round rather than once a review (validators.pipeline.own_files,
# warehouse.approved.deferred); the same demo either way (tests/portal/test_demo_fill_same.py).
OWN_FILES = True
# A round of at least this many uploads has its workbooks written in a pool of processes (a
# workbook is ~20 ms; a spawned worker ~1 s to start, once for the whole fill).
FILL_POOL_MIN = 20


@dataclass
class FillResult:
    rounds: list[str] = field(default_factory=list)
    uploads: int = 0
    approved: int = 0
    returned: int = 0
    rejected: int = 0
    late: int = 0
    extensions: int = 0
    problems: int = 0
    seconds: float = 0.0
    skipped: bool = False

    def summary(self) -> str:
        if self.skipped:
            return "数据仓库中已有报送记录，未重复填充演示数据。"
        span = f"{self.rounds[0]}–{self.rounds[-1]}" if self.rounds else "无轮次"
        return (
            f"已填充演示报送（{span}，{len(self.rounds)} 轮）：上传 {self.uploads} 份，通过 {self.approved} 份，"
            f"退回 {self.returned} 份，未通过校验 {self.rejected} 份，逾期 {self.late} 份，"
            f"延期 {self.extensions} 个，问题库 {self.problems} 项；用时 {self.seconds:.1f} 秒。"
        )


def has_submissions(portal: Portal) -> bool:
    with portal.warehouse.connect() as con:
        return any_submissions(con)


def fill_demo(
    portal: Portal, seed: int = DEMO_SEED, progress: Callable[[int, int], None] | None = None
) -> FillResult:
    """Fill the demo's rounds (see the module docstring); does nothing if any submission exists,
    so running `portal init --demo` again never duplicates. `progress(done, total)` after each
    step (STAGES_PER_ROUND per round)."""
    started = time.perf_counter()
    result = FillResult()
    if has_submissions(portal):
        result.skipped = True
        return result
    # One connection for the whole run: hundreds of small operations, each would reopen the file.
    with portal.warehouse.session() as con:
        rounds = round_rows.states(con)
        filler = _DemoFiller(
            portal, random.Random(seed), export_registry_json(portal, system_actor()), result
        )
        total, done = STAGES_PER_ROUND * len(rounds), 0

        def step(n: int) -> None:
            nonlocal done
            done += n
            if progress:
                progress(done, total)

        try:
            for code, state in rounds:
                current = state == RoundState.OPEN and code == rounds[-1][0]
                with _own_files(portal):
                    filler.fill_round(code, current=current, progress=step)
                result.rounds.append(code)
        finally:
            filler.close()
        filler.problems()
    result.seconds = time.perf_counter() - started
    return result


@contextmanager
def _own_files(portal: Portal) -> Iterator[None]:
    """A round's uploads and reviews as files the platform built (OWN_FILES); the approved tables
    are refreshed at the end for every unit a review or upload touched."""
    if not OWN_FILES:
        yield
        return
    with own_files(), approved.deferred() as touched:
        yield
    with portal.warehouse.transaction() as con:
        approved.refresh(con, touched)


def _stable(*parts: object) -> float:
    """A number in [0, 1) fixed by its parts (the same indicator gets the same class every run)."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _at(portal: Portal, when: dt.datetime) -> Portal:
    """The portal with its clock on `when`'s day: audit entries and review times fall on it."""
    settings = replace(portal.settings, fixed_today=when.date())
    return Portal(settings, portal.warehouse)


@dataclass
class _Upload:
    built: BuiltTemplate
    ctx: TemplateContext
    at: dt.datetime
    user: Account


class _DemoFiller:
    def __init__(self, portal: Portal, rng: random.Random, registry: dict, result: FillResult):
        self.portal = portal
        self.rng = rng
        self.result = result
        self.secret = portal.settings.secret()
        self.plans = {p["code"]: p for p in registry["plans"]}
        self.indicators = {i["code"]: i for i in registry["indicators"]}
        self.tasks = {t["code"]: t for t in registry["tasks"]}
        self.late_units: set[str] = set()
        self.values: dict[str, float] = {}  # indicator → the value last filled (levels never fall)
        self.ytd: dict[tuple[str, int], float] = {}  # (flow indicator, year) → last year-to-date value
        self.percent: dict[tuple[str, str], float] = {}  # (unit, task) → last percent reported
        self.round_no = 0  # rounds filled so far (a list item's age is counted in rounds)
        self.joined: dict[tuple[str, str, int], int] = {}  # (unit, indicator, item) → round it joined
        # The demo acts as its own accounts, through the same checked use cases as a person would.
        self.office = acting_account(portal, OFFICE)
        self.reporter = acting_account(portal, REPORTER)
        self.sign_off_clerk = acting_account(portal, SIGN_OFF_CLERK)
        self._pool: ProcessPoolExecutor | None = None  # writes a round's workbooks (_filled_many)
        if OWN_FILES and (os.cpu_count() or 1) > 1:
            # spawn, not fork: this process holds DuckDB's and Polars' threads (see iter_built);
            # started now, so the workers' interpreters start while the first round is gathered.
            workers = min(os.cpu_count() or 1, 4)
            self._pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
            for _ in range(workers):
                self._pool.submit(abs, 0)

    # ------------------------------------------------------------ a round

    def fill_round(self, code: str, current: bool, progress: Callable[[int], None]) -> None:
        period = Quarter.parse(code)
        year, quarter = period.year, period.quarter
        self.round_no += 1
        due = round_due_date(code, self.portal.settings)
        opened = dt.datetime.combine(period.end() + dt.timedelta(days=1), dt.time(9, 0))
        today = self.portal.settings.today()
        with self.portal.warehouse.connect() as con:
            expected = {
                r["indicator"]: r for r in kpi_progress(con, code).iter_rows(named=True)
            }  # the pace the views will judge by
        contexts = round_template_contexts(_at(self.portal, opened), code)
        if not self.late_units:
            units = sorted(c.unit for c in contexts)
            self.late_units = {u for u in units if _stable("late", u) < LATE_UNITS}
        chosen: list[tuple[TemplateContext, dt.datetime]] = []
        for ctx in contexts:
            if current:
                if self.rng.random() >= CURRENT_REPORTED and ctx.unit not in (REPORTER_UNIT, SIGN_OFF_UNIT):
                    continue
                day = today - dt.timedelta(days=self.rng.choice(CURRENT_DAYS))
                at = dt.datetime.combine(day, self._clock_time())
            else:
                if self.rng.random() >= REPORT_RATE:
                    continue
                at = self._upload_time(ctx.unit, due)
            chosen.append((ctx, at))
        # Each upload is built with its inputs typed in, in one pass (templates_xlsx.fill.fill_template,
        # the same builder as downloads), so the bare templates carry only their names here.
        built = [build_from_context(ctx, self.secret, data=b"") for ctx, _ in chosen]
        plan = [
            _Upload(b, ctx, at, self._user(ctx.unit, current))
            for (ctx, at), b in zip(chosen, built, strict=True)
        ]
        progress(1)
        values = {c: self._value(c, year, quarter, expected.get(c)) for c in self.indicators}
        files = self._filled_many(plan, values, year, quarter)
        bad = next((u for u in plan if u.ctx.unit == BAD_CODE_UNIT and u.ctx.lists), None)
        if self.round_no == 1 and bad is not None:
            # The history's wrong check character: rejected, fixed and sent again the same day.
            early = replace(bad, at=bad.at - dt.timedelta(hours=3))
            saved, self.rng = self.rng, random.Random(f"bad-code|{code}")  # every other draw as it was
            try:
                data = self._filled(early, values, year, quarter, bad_code=True)
            finally:
                self.rng = saved
            self._upload_one(early, data, True)
        if current and plan:
            # One clerk's first try has an error: rejected with its report, fixed two hours later.
            first = min(plan, key=lambda u: (u.at, u.ctx.unit))
            bad = replace(first, at=first.at - dt.timedelta(hours=2))
            self._upload_one(bad, self._filled(bad, values, year, quarter, broken=True), False)
        uploaded = self._ingest(plan, files, allow_closed=not current)
        progress(1)
        if current:
            self._current_round_reviews(code, uploaded, plan, values, due, today, year, quarter)
        else:
            self._past_round_reviews(uploaded, plan, values, year, quarter)
        progress(1)

    def _upload_time(self, unit: str, due: dt.date) -> dt.datetime:
        # Few distinct days: each day's uploads are validated as one batch (one GX run).
        if unit in self.late_units and self.rng.random() < 0.6:
            day = due + dt.timedelta(days=self.rng.choice(LATE_DAYS))
        else:
            day = due - dt.timedelta(days=self.rng.choice(ON_TIME_DAYS))
        return dt.datetime.combine(day, self._clock_time())

    def _clock_time(self) -> dt.time:
        return dt.time(self.rng.randint(9, 16), self.rng.choice((0, 15, 30, 45)))

    def _user(self, unit: str, current: bool) -> Account:
        # The reporter account uploads its unit's own file in the open round; the other units have
        # no accounts in the demo, so their files (sent in by mail) are loaded by the office in
        # daily batches, as are the past quarters' (closed rounds take the office's late load).
        if current and unit == SIGN_OFF_UNIT:
            return self.sign_off_clerk  # waits as 待单位审核 for the unit's sign-off account
        return self.reporter if current and unit == REPORTER_UNIT else self.office

    def _ingest(
        self, plan: list[_Upload], files: dict[str, bytes], allow_closed: bool
    ) -> dict[str, IngestResult]:
        """Upload in batches, one per day and uploader: ingest_many validates a batch together
        (one Great Expectations run) and takes one upload time and user for it."""
        batches: dict[tuple[dt.date, str], list[_Upload]] = {}
        for u in plan:
            batches.setdefault((u.at.date(), u.user), []).append(u)
        out = {}
        for (_, user), batch in sorted(batches.items(), key=lambda item: (item[0][0], item[0][1].username)):
            when = min(u.at for u in batch)
            results = ingest_many(
                _at(self.portal, when),
                user,
                [(u.built.filename, files[u.ctx.unit]) for u in batch],
                unit=user.unit,  # a clerk's batch is its own unit's; the office's names none
                allow_closed=allow_closed,
                uploaded_at=when,
            )
            for u, r in zip(batch, results, strict=True):
                self._count(r)
                out[u.ctx.unit] = r
        return out

    def _upload_one(self, up: _Upload, data: bytes, allow_closed: bool) -> IngestResult:
        r = ingest_many(
            _at(self.portal, up.at),
            up.user,
            [(up.built.filename, data)],
            unit=up.user.unit,
            allow_closed=allow_closed,
            uploaded_at=up.at,
        )[0]
        self._count(r)
        return r

    def _count(self, r: IngestResult) -> None:
        if r.submission_id is None or r.duplicate:
            raise RuntimeError(f"demo upload not recorded: {r.summary()}")
        self.result.uploads += 1
        if not r.accepted:
            self.result.rejected += 1
        if r.days_late:
            self.result.late += 1

    def _review(self, sub: int, decision: str, when: dt.datetime, comment: str, items=()) -> None:
        review(_at(self.portal, when), self.office, sub, decision, comment, list(items))
        if decision == APPROVE:
            self.result.approved += 1
        else:
            self.result.returned += 1

    # ------------------------------------------------------------ reviews

    def _past_round_reviews(self, uploaded, plan, values, year, quarter) -> None:
        accepted = [u for u in plan if uploaded[u.ctx.unit].accepted]
        with_indicators = [u for u in accepted if self._scored_rows(u.ctx)]
        returns = self.rng.sample(
            with_indicators, min(len(with_indicators), self.rng.randint(*RETURNS_PER_ROUND))
        )
        for u in accepted:
            sub = uploaded[u.ctx.unit].submission_id
            reviewed = u.at + dt.timedelta(days=self.rng.randint(1, 4), hours=1)
            if u in returns:
                item = self.rng.choice(self._scored_rows(u.ctx))["indicator"]
                self._review(
                    sub,
                    RETURN,
                    reviewed,
                    "部分指标数据与统计部门口径不一致，请核实后重新报送。",
                    [ItemComment("indicator", item, "请核实本期值并在备注中注明数据来源。")],
                )
                again = replace(u, at=reviewed + dt.timedelta(days=2))
                fixed = self._filled(again, values, year, quarter, corrected=item)
                r = self._upload_one(again, fixed, allow_closed=True)
                self._review(
                    r.submission_id, APPROVE, again.at + dt.timedelta(days=1), "已按意见修改，审核通过。"
                )
            else:
                self._review(sub, APPROVE, reviewed, "审核通过。")

    def _current_round_reviews(self, code, uploaded, plan, values, due, today, year, quarter):
        """Today's picture: about half the reporters approved, the rest awaiting review; one
        returned, one approved then corrected (v2 awaiting review), one missing unit given an
        extension. (One unit's first upload was rejected: see `fill_round`.)"""
        accepted = sorted(
            (
                u
                for u in plan
                if uploaded[u.ctx.unit].accepted and u.ctx.unit not in (REPORTER_UNIT, SIGN_OFF_UNIT)
            ),
            key=lambda u: (u.at, u.ctx.unit),
        )
        # Units of record for some indicator, so what happens to them shows on the KPI pages.
        earlier = [u for u in accepted if u.at.date() < today and self._owns_of_record(u.ctx.unit)]
        returned, corrected = earlier[0], earlier[1]
        for u in accepted:
            if u.at.date() >= today:
                continue  # uploaded today: awaiting review
            reviewed = min(u.at + dt.timedelta(days=1, hours=2), dt.datetime.combine(today, dt.time(9, 0)))
            sub = uploaded[u.ctx.unit].submission_id
            if u is returned:
                item = self._scored_rows(u.ctx)[0]["indicator"]
                self._review(
                    sub,
                    RETURN,
                    reviewed,
                    "任务进展表述过于笼统，请补充本季度具体工作量和下步安排。",
                    [ItemComment("indicator", item, "本期值低于序时进度，请在备注中说明原因。")],
                )
            elif u is corrected or self.rng.random() < 0.55:
                self._review(sub, APPROVE, reviewed, "审核通过。")
        # Approved, then the unit found a mistake and uploaded again: v2 awaits review, and the
        # KPI views keep v1's approved values until it is reviewed.
        again = replace(corrected, at=dt.datetime.combine(today, dt.time(10, 15)))
        self._upload_one(again, self._filled(again, values, year, quarter, note="更正"), False)
        # An extension for a unit that has not reported yet.
        reported = {u.ctx.unit for u in plan}
        contexts = round_template_contexts(self.portal, code)
        unit = next(c.unit for c in contexts if c.unit not in reported and self._scored_rows(c))
        grant_extension(
            _at(self.portal, dt.datetime.combine(today - dt.timedelta(days=2), dt.time(15, 0))),
            self.office,
            code,
            unit,
            due + dt.timedelta(days=10),
            "单位主要负责人调整，统计数据需重新核对，申请延期报送。",
        )
        self.result.extensions += 1

    # ------------------------------------------------------------ 问题库

    def problems(self) -> None:
        """A few 问题库 items, each step taken by the demo office or the unit's clerk on its own day:
        in JZ two 存在问题 reported in 2025Q2 taken up, one 交办 and now overdue, one answered and
        销号; in XY one found at a 问诊, 交办 and awaiting the answer."""
        office = acting_account(self.portal, PROBLEM_OFFICE)
        found = pb.candidates(self.portal, office, PROBLEM_ROUND, PROBLEM_PLAN).sort("submission_id", "task")
        answered = found.filter(pl.col("unit").is_in(list(PROBLEM_CLERKS))).row(0, named=True)
        rest = found.filter(pl.col("unit") != answered["unit"])
        overdue = (rest if rest.height else found.filter(pl.col("task") != answered["task"])).row(
            0, named=True
        )
        year = int(PROBLEM_ROUND[:4])

        def on(month: int, day: int) -> Portal:
            return _at(self.portal, dt.datetime(year, month, day, 9, 30))

        late = pb.add_from_report(on(7, 22), office, overdue["submission_id"], overdue["task"])
        pb.assign(on(7, 22), office, late.problem_id, overdue["unit"], dt.date(year, 9, 30))
        done = pb.add_from_report(on(7, 22), office, answered["submission_id"], answered["task"])
        pb.assign(on(7, 23), office, done.problem_id, answered["unit"], dt.date(year, 8, 31))
        clerk = acting_account(self.portal, PROBLEM_CLERKS[answered["unit"]])
        pb.answer(
            on(8, 20),
            clerk,
            done.problem_id,
            "已召开专题协调会，明确责任人和完成时限，相关问题已整改落实，后续纳入月度调度跟踪。",
        )
        pb.close(on(8, 25), office, done.problem_id, "整改措施具体，已落实，同意销号。")
        xy = acting_account(self.portal, INQUIRY_OFFICE)
        asked = pb.add_by_hand(
            on(9, 24),
            xy,
            INQUIRY_PLAN,
            INQUIRY_UNIT,
            "科技型中小企业评价入库进度偏慢",
            "问诊中了解到，今年科技型中小企业评价入库数量不及序时进度，部分企业对政策知晓度不高。",
            f"{year}年三季度问诊",
        )
        pb.assign(on(9, 26), xy, asked.problem_id, INQUIRY_UNIT, dt.date(year, 10, 20))
        self.result.problems += 3

    def _owns_of_record(self, unit: str) -> bool:
        return any(
            i["owner_units"][:1] == [unit] and self._scored(i["code"]) for i in self.indicators.values()
        )

    def _scored(self, code: str) -> bool:
        weight = self.indicators[code].get("weight")
        return weight is None or float(weight) > 0  # no weight: the registry's default, 1

    def _scored_rows(self, ctx: TemplateContext) -> list[dict]:
        """The template's indicator rows the office questions: monitored-only ones never."""
        return [row for row in ctx.indicators if self._scored(row["indicator"])]

    # ------------------------------------------------------------ values

    def _filled(self, up: _Upload, values: dict[str, float | None], year: int, quarter: int, **how) -> bytes:
        """The unit's template filled in, `how` as `_inputs` takes it (a corrected indicator, a
        note, a broken input, a bad code)."""
        return fill_template(up.ctx, self.secret, *self._inputs(up, values, year, quarter, **how))

    def _filled_many(self, plan: list[_Upload], values: dict[str, float | None], year: int, quarter: int):
        """unit → its filled template, for a round's first uploads: the inputs drawn here in plan
        order (the generator's draws as one by one), the workbooks written on every core."""
        inputs = [(u.ctx, self.secret, *self._inputs(u, values, year, quarter)) for u in plan]
        if self._pool is None or len(inputs) < FILL_POOL_MIN:
            built = [fill_template(*args) for args in inputs]
        else:
            chunk = max(1, len(inputs) // 8)
            built = list(self._pool.map(fill_template, *zip(*inputs, strict=True), chunksize=chunk))
        return {u.ctx.unit: data for u, data in zip(plan, built, strict=True)}

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def _inputs(
        self,
        up: _Upload,
        values: dict[str, float | None],
        year: int,
        quarter: int,
        corrected: str | None = None,
        note: str | None = None,
        broken: bool = False,
        bad_code: bool = False,
    ) -> tuple[dict, dict, dict]:
        """What the clerk types in: indicators, tasks and lists, as `fill_template` takes them;
        `corrected`: the indicator a return asked about (its note now answers it); `broken`: one
        out-of-range input, so validation rejects the file."""
        indicators = {}
        for row in up.ctx.indicators:
            code = row["indicator"]
            value = values.get(code)
            # A second owner's note comes from a generator of its own: adding an owner to an
            # indicator (the double-counted one) leaves every other draw of the demo as it was.
            first = self.indicators[code]["owner_units"][0] == up.ctx.unit and self._scored(code)
            text = _note(row, self.rng if first else random.Random(f"{code}|{up.ctx.unit}"), note)
            if code == corrected:
                text = "已按审核意见核实，数据来源：市统计局季度快报。"
            indicators[code] = {"value": value, "note": text}
        tasks = {
            row["task"]: self._task_row(up.ctx.unit, row, year, quarter, final=not (broken or bad_code))
            for row in up.ctx.tasks
        }
        if broken and tasks:
            first = next(iter(tasks))
            tasks[first] = tasks[first] | {"percent": 120}  # out of range: rejected
        elif broken and indicators:
            first = next(iter(indicators))
            indicators[first] = indicators[first] | {"value": "约一千"}
        lists = self._lists(up.ctx, values)
        if bad_code and lists.get(ListType.ENTERPRISE.value):
            first = lists[ListType.ENTERPRISE.value][0]
            code = first["credit_code"]
            wrong = CHARSET[(CHARSET.index(code[-1]) + 1) % len(CHARSET)]
            lists[ListType.ENTERPRISE.value][0] = first | {"credit_code": code[:-1] + wrong}
        return indicators, tasks, lists

    # ------------------------------------------------------------ lists

    def _lists(self, ctx: TemplateContext, values: dict[str, float | None]) -> dict[str, list[dict]]:
        """The unit's list sheets: for each list-backed indicator as many items as its value."""
        out: dict[str, list[dict]] = {}
        for list_type, codes in ctx.lists.items():
            rows = out.setdefault(list_type, [])
            for code in codes:
                count = int(values.get(code) or 0)
                for n in range(count):
                    rows.append(self._item(ctx.unit, code, list_type, n))
        return out

    def _item(self, unit: str, indicator: str, list_type: str, n: int) -> dict:
        owners = self.indicators[indicator]["owner_units"]
        if indicator == DOUBLE_COUNTED and n == 0 and unit != owners[0]:
            unit = owners[0]  # the one item two units both count
        joined = self.joined.setdefault((unit, indicator, n), self.round_no)
        city = self.indicators[indicator]["plan"][:2]
        districts = DISTRICTS.get(city, ("市辖区",))
        district = districts[int(_stable("district", unit, indicator, n) * len(districts))]
        serial = int(_stable("item", unit, indicator, n) * 31**7)
        tail = "".join(CHARSET[(serial // 31**k) % 31] for k in range(7))
        if list_type == ListType.ENTERPRISE.value:
            name = self.indicators[indicator]["name"]
            stages = list(EnterpriseStage)
            every = STAGE_ROUNDS if self._scored(indicator) else 1
            if any(word in name for word in CERTIFIED_ONLY) and "后备" not in name:
                stage = EnterpriseStage.CERTIFIED
            else:
                stage = stages[min(len(stages) - 1, (self.round_no - joined) // every)]
            return {
                "indicator": indicator,
                "name": f"{DEMO_MARK}{district}{_FIRMS[serial % len(_FIRMS)]}{n + 1}号科技有限公司",
                "credit_code": with_check(f"91{CITY_CODES.get(city, '420000')}MA{tail}"),
                "district": district,
                "stage": stage,
                "note": DEMO_MARK + "演示数据，非真实企业",
            }
        return {
            "indicator": indicator,
            "name": f"{DEMO_MARK}{district}{_PLATFORMS[serial % len(_PLATFORMS)]}{n + 1}号",
            "number": f"{unit}-{indicator}-{n + 1:03d}",
            "note": DEMO_MARK + "演示数据",
        }

    def _value(self, code: str, year: int, quarter: int, view: dict | None) -> float | None:
        ind = self.indicators[code]
        if not self._scored(code):
            return float(MONITORED_SIZES[min(self.round_no, len(MONITORED_SIZES)) - 1])
        kind = IndicatorKind(ind["kind"])
        pace = _pace_class(code)
        low, high = PACE_CLASSES[pace][1:]
        factor = low + (high - low) * _stable("factor", code)
        factor *= 1 + (self.rng.random() - 0.5) * 0.01
        expected = view.get("expected") if view else None
        target = float(ind["target_value"])
        if kind == IndicatorKind.MILESTONE:
            achieved_at = 2024 + 4 * _stable("milestone", code)  # sometime over 2024–2027
            value = 1.0 if pace == "green" or year + quarter / 4 >= achieved_at else 0.0
        elif kind == IndicatorKind.RATE:
            value = (expected if expected is not None else target) * factor
        elif kind == IndicatorKind.FLOW:
            year_target = (view or {}).get("year_target") or target
            value = max(year_target * quarter / 4 * factor, self.ytd.get((code, year), 0.0))
        else:
            if expected is None:  # a stock without baseline: its first report is the base
                expected = target * (0.7 + 0.15 * _stable("base", code))
            value = max(expected * factor, self.values.get(code, 0.0))
        value = _rounded(value, ind.get("measure_unit"))
        if kind == IndicatorKind.FLOW:
            self.ytd[(code, year)] = value
        elif kind in (IndicatorKind.STOCK, IndicatorKind.CUMULATIVE):
            self.values[code] = value
        return value

    def _task_row(self, unit: str, row: dict, year: int, quarter: int, final: bool = True) -> dict:
        code = row["task"]
        task = self.tasks[code]
        plan = self.plans[task["plan"]]
        start = plan["start_year"] + _stable("start", code) * 1.5
        end = (task.get("due_year") or plan["end_year"]) + 1
        pace = _pace_class(code)
        speed = {"green": 1.05, "yellow": 0.9, "red": 0.65}[pace]
        share = max(0.0, min(1.0, (year + quarter / 4 - start) / max(end - start, 0.25) * speed))
        percent = max(round(share * 100 / 5) * 5, self.percent.get((unit, code), 0))
        if final:
            self.percent[(unit, code)] = percent
        title = row.get("title") or ""
        if percent >= 100:
            status, percent = TaskStatus.COMPLETED, 100
        elif percent <= 0:
            status = TaskStatus.NOT_STARTED
        elif pace == "red" and percent < 80:
            status = TaskStatus.BEHIND
        else:
            status = TaskStatus.IN_PROGRESS
        helper = row.get("role") == TaskRole.HELPER.label
        return {
            "status": status,
            "percent": percent,
            "narrative": _narrative(status, title, percent, helper, self.rng),
            "problems": _problem(status, self.rng),
            "next_steps": _next_step(status, self.rng),
        }


_FIRMS = ("智造", "光电", "新材", "生物", "数科", "汽配", "环保", "农科")
_PLATFORMS = ("众创空间", "科技企业孵化器", "院士专家工作站", "创新创业服务中心")


def _pace_class(code: str) -> str:
    x, acc = _stable("pace", code), 0.0
    for name, (share, _, _) in PACE_CLASSES.items():
        acc += share
        if x < acc:
            return name
    return "green"


def _rounded(value: float, measure_unit: str | None) -> float:
    if measure_unit in COUNT_UNITS:
        return float(math.floor(value + 0.5))
    return round(value, 2)


_SOURCES = (
    "市统计局季度快报",
    "部门业务统计台账",
    "税务部门汇总数据",
    "行业主管部门报表",
    "第三方机构监测数据",
)


def _note(row: dict, rng: random.Random, extra: str | None) -> str:
    text = f"数据来源：{rng.choice(_SOURCES)}。"
    return f"{extra}:{text}" if extra else text


_DONE = (
    "召开专题推进会，明确责任分工和时间节点",
    "完成项目前期论证和可行性研究",
    "落实年度配套资金并拨付到位",
    "组织重点企业开展对接活动",
    "完成阶段性建设内容并通过验收",
    "出台配套政策文件，细化支持措施",
    "与高校院所签订合作协议",
    "完成年度目标任务的阶段性考核",
)
_PROBLEMS = (
    "项目用地审批进度慢于预期。",
    "配套资金到位不及时。",
    "专业人才引进难度较大。",
    "部分企业申报积极性不高。",
)
_NEXT = (
    "加快推进项目建设，确保按期完成年度任务。",
    "加强部门协同，定期调度推进情况。",
    "做好政策宣传和企业服务工作。",
    "梳理问题清单，逐项推动解决。",
)


def _narrative(
    status: TaskStatus, title: str, percent: float, helper: bool, rng: random.Random
) -> str | None:
    if status == TaskStatus.NOT_STARTED:
        return None
    part = "配合牵头单位" if helper else "牵头"
    if status == TaskStatus.COMPLETED:
        return f"{part}完成“{title}”全部任务，已形成总结材料。"
    steps = "、".join(rng.sample(_DONE, 2))
    return f"{part}推进“{title}”：本季度{steps}，累计完成约{percent:.0f}%。"


def _problem(status: TaskStatus, rng: random.Random) -> str | None:
    if status in (TaskStatus.BEHIND,):
        return rng.choice(_PROBLEMS)
    if status == TaskStatus.IN_PROGRESS and rng.random() < 0.2:
        return rng.choice(_PROBLEMS)
    return None


def _next_step(status: TaskStatus, rng: random.Random) -> str | None:
    if status in (TaskStatus.COMPLETED, TaskStatus.NOT_STARTED):
        return None if status == TaskStatus.COMPLETED else "尽快启动前期工作。"
    return rng.choice(_NEXT)
