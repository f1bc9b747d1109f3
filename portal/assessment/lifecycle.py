"""The annual assessment's lifecycle: 预评 → 公示 → 定稿, with versions and the units' objections (异议).

- 预评: the default; `assess` scores the data as it is now.
- 公示: an evaluator publishes the year once it is over, for N calendar days (default 7). Publishing
  stores version n: the `portal assess --json` document and the facts and scheme it was scored from,
  so the numbers (and the 考核表) no longer move with new data. Each unit sees only its own result
  and may file an objection until the last day; evaluators answer each (采纳 / 不采纳, with a reply).
- 定稿: an evaluator finalizes once the period is over, every objection is answered and none was
  accepted (an accepted objection means the result changes: reopen, correct, publish again).
- Reopening (from 公示 or 定稿) needs a reason; it returns the year to 预评 and the next publication
  is version n + 1 carrying that reason. Every version is kept and every step audited.

While a version is in 公示 or 定稿 the year's assessment data is locked (`assert_editable`): what the
units were shown is what is finalized.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
from dataclasses import dataclass, field

import polars as pl

from portal.assessment.scheme import SCHEME_DIR, default_text, parse_layers, scheme_files
from portal.assessment.scoring import Facts, score, unit_scores
from portal.core.context import Portal
from portal.core.documents import chinese_date
from portal.core.errors import Conflict, InvalidInput, NotFound
from portal.core.outcome import Outcome
from portal.core.permissions import missing_plan, require, require_record, visible_units
from portal.core.scope import UNIT_ROLES
from portal.reporting import evidence as ev
from schemas.enums import Role
from schemas.issues import Report
from schemas.text import safe_file_name
from warehouse import assessment_lifecycle as store
from warehouse import lookups, offices

PRELIMINARY, PUBLICITY, FINAL = "预评", "公示", "定稿"
# 公示期 in calendar days: the usual "公示 5 个工作日" spans 7 calendar days, and calendar days need
# no holiday calendar; an office wanting another length gives --days.
DEFAULT_DAYS = 7
MAX_DAYS = 30  # a publicity period longer than a month keeps the year open for nothing
MAX_TEXT = 2000  # characters of an objection or a reply: a page of text
DECISIONS = {"accepted": "采纳", "rejected": "不采纳"}


@dataclass(frozen=True)
class Lifecycle:
    """Where a plan's year stands: its stage and the current version (0: never published)."""

    plan: str
    year: int
    stage: str
    today: dt.date
    version: int = 0
    version_id: int | None = None
    publicity_from: dt.date | None = None
    publicity_to: dt.date | None = None
    published_at: dt.datetime | None = None
    finalized_at: dt.datetime | None = None
    reopened_reason: str | None = None  # when back in 预评 after a reopening: why

    @property
    def taking_objections(self) -> bool:
        return self.stage == PUBLICITY and self.today <= self.publicity_to

    @property
    def period_text(self) -> str:
        if self.publicity_from is None:
            return ""
        return f"{chinese_date(self.publicity_from)}至{chinese_date(self.publicity_to)}"

    @property
    def summary(self) -> str:
        """One Chinese sentence for the page and the CLI."""
        if self.stage == PUBLICITY:
            state = "受理异议中" if self.taking_objections else "公示期已结束，待定稿"
            return f"公示（版本 {self.version}，公示期 {self.period_text}，{state}）"
        if self.stage == FINAL:
            return f"定稿（版本 {self.version}，定稿日期 {chinese_date(self.finalized_at.date())}）"
        if self.version:
            return f"预评（版本 {self.version} 已重新评定：{self.reopened_reason}；再次公示将生成版本 {self.version + 1}）"
        return "预评（尚未公示）"


def _state(con, plan: str, year: int, today: dt.date) -> Lifecycle:
    row = store.current_version(con, plan, year)
    if row is None:
        return Lifecycle(plan, year, PRELIMINARY, today)
    if row["reopened_at"] is not None:
        stage = PRELIMINARY
    elif row["finalized_at"] is not None:
        stage = FINAL
    else:
        stage = PUBLICITY
    return Lifecycle(
        plan,
        year,
        stage,
        today,
        row["version"],
        row["id"],
        row["publicity_from"],
        row["publicity_to"],
        row["published_at"],
        row["finalized_at"],
        row["reopen_reason"] if stage == PRELIMINARY else None,
    )


def lifecycle_of(portal: Portal, plan: str, year: int, con=None) -> Lifecycle:
    """The stage of a plan's year; no permission check (callers have checked theirs). On `con`
    when the caller has a connection open (opening one costs more than the query)."""
    if con is None:
        with portal.warehouse.connect() as con:
            return _state(con, plan, int(year), portal.settings.today())
    return _state(con, plan, int(year), portal.settings.today())


def assert_editable(con, plan: str, year: int) -> None:
    """Refuse (Conflict) any change to a year's assessment data (deductions, vetoes, qualitative
    scores, self-scores, bonus items, the scheme) while a version is in 公示 or 定稿."""
    life = _state(con, plan, int(year), dt.date.today())
    if life.stage == PUBLICITY:
        raise Conflict(
            f"{plan} {year}年度考核结果正在公示（版本 {life.version}，公示期 {life.period_text}），"
            "考核数据已锁定，不能修改；如需更正，请先重新评定（须写明理由）。"
        )
    if life.stage == FINAL:
        raise Conflict(
            f"{plan} {year}年度考核结果已定稿（版本 {life.version}，定稿日期 "
            f"{chinese_date(life.finalized_at.date())}），考核数据已锁定，不能修改；"
            "如需更改，请先重新评定（须写明理由），再重新公示、定稿。"
        )


# --- the stored snapshot ------------------------------------------------------------------------------


def _facts_bytes(facts: Facts) -> dict[str, bytes]:
    out = {}
    for f in dataclasses.fields(facts):
        buffer = io.BytesIO()
        getattr(facts, f.name).write_ipc(buffer)
        out[f.name] = buffer.getvalue()
    return out


def _scheme_layers(portal: Portal, plan: str, year: int) -> list[tuple[str, str]]:
    """The texts the scheme in force was layered from (as load_scheme reads them)."""
    layers = [("默认方案", default_text())]
    for path in scheme_files(portal.settings.home, plan, year):
        layers.append((f"{SCHEME_DIR}/{path.name}", path.read_text(encoding="utf-8")))
    return layers


def frozen_assessment(portal: Portal, plan: str, year: int, con=None, life: Lifecycle | None = None):
    """The assessment of a year in 公示 or 定稿, rescored from the facts stored with its version (the
    numbers are those published); None while the year is in 预评. Read on `con` if given; `life`:
    the year's stage when the caller has just read it on `con`."""
    from portal.assessment.assess import Assessment  # assess builds on this module

    if con is None:
        with portal.warehouse.connect() as con:
            return frozen_assessment(portal, plan, year, con)
    if life is None:
        life = _state(con, plan, int(year), portal.settings.today())
    if life.stage == PRELIMINARY:
        return None
    doc, meta_text, blobs = store.snapshot(con, life.version_id)
    meta = json.loads(meta_text)
    scheme = parse_layers([tuple(layer) for layer in meta["scheme_layers"]]).scheme
    names = {f.name for f in dataclasses.fields(Facts)}
    facts = Facts(**{name: pl.read_ipc(io.BytesIO(data)) for name, data in blobs.items() if name in names})
    scored = score(facts, scheme)
    result = Assessment(
        plan=plan,
        year=int(year),
        report=Report(),
        plan_name=meta["plan_name"],
        office=meta["office"],
        scheme=scheme,
        as_of=dt.date.fromisoformat(meta["as_of"]),
        unsettled=meta["unsettled"],
        stage=life.stage,
        data_as_of=dt.date.fromisoformat(meta["data_as_of"]) if meta["data_as_of"] else None,
    )
    result.scored = scored
    result.units = unit_scores(scored)
    result.lifecycle = life
    result.snapshot = json.loads(doc)
    return result


# --- 公示, 定稿, 重新评定 (assessment.publish, evaluators) ------------------------------------------------


def publish(portal: Portal, actor, plan: str, year: int, days: int = DEFAULT_DAYS) -> Outcome:
    """Open the 公示 of a finished year for `days` calendar days from today, storing version n."""
    from portal.assessment.assess import score_live

    require(actor, "assessment.publish", plan=plan)
    year, days = int(year), int(days)
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"公示天数应为 1 至 {MAX_DAYS} 天（自然日），收到 {days}。")
    today = portal.settings.today()
    if today <= dt.date(year, 12, 31):
        raise Conflict(
            f"{year}年度尚未结束（今天是{chinese_date(today)}），不能开始公示；年度结束后再公示考核结果。"
        )
    life = lifecycle_of(portal, plan, year)
    if life.stage != PRELIMINARY:
        raise Conflict(f"{plan} {year}年度考核结果已处于{life.summary}，不能再次开始公示。")
    until = today + dt.timedelta(days=days - 1)
    now = portal.settings.now()
    # Scored inside the transaction that stores it, under the write lock: a deduction, bonus or
    # approval committed by another page run while scoring would otherwise be stored beside a
    # published table that does not count it. Publishing is rare; the lock is held for one scoring.
    with portal.warehouse.transaction() as con:
        life = _state(con, plan, year, today)
        if life.stage != PRELIMINARY:  # another evaluator was quicker
            raise Conflict(f"{plan} {year}年度考核结果已由他人开始公示。")
        a, facts = score_live(portal, actor, plan, year)
        if not a.ok:
            raise InvalidInput("；".join(i.message for i in a.report.errors))
        a.stage = PUBLICITY
        doc = a.as_json()
        doc["preliminary"] = False
        meta = {
            "plan_name": a.plan_name,
            "office": a.office,
            "as_of": a.as_of.isoformat(),
            "data_as_of": a.data_as_of.isoformat() if a.data_as_of else None,
            "unsettled": a.unsettled,
            "scheme_layers": _scheme_layers(portal, plan, year),
        }
        version = life.version + 1
        reason = life.reopened_reason
        store.insert_version(
            con,
            plan,
            year,
            version,
            reason,
            json.dumps(doc, ensure_ascii=False, default=str),
            json.dumps(meta, ensure_ascii=False, default=str),
            _facts_bytes(facts),
            actor.username,
            now,
            (today, until),
        )
        portal.audit(
            con,
            actor.audit_name,
            "assessment.publish",
            f"{plan}/{year}",
            f"version={version} from={today} to={until} units={len(a.units)}"
            + (f" reason={reason}" if reason else ""),
        )
    message = (
        f"已开始公示 {plan} {year}年度考核结果（版本 {version}），公示期 {chinese_date(today)}至"
        f"{chinese_date(until)}，共 {days} 天；公示期内考核数据锁定。"
    )
    if a.unsettled:
        message += f"注意：尚有未结束或未审核完毕的调度轮次（{'、'.join(a.unsettled)}），其数据未计入。"
    return Outcome(True, message)


def finalize(portal: Portal, actor, plan: str, year: int) -> Outcome:
    """定稿 the version in 公示: only after its last day, with every objection answered and none accepted."""
    require(actor, "assessment.publish", plan=plan)
    year = int(year)
    today = portal.settings.today()
    with portal.warehouse.transaction() as con:
        life = _state(con, plan, year, today)
        if life.stage == PRELIMINARY:
            raise Conflict(f"{plan} {year}年度考核结果尚未公示，不能定稿：请先开始公示。")
        if life.stage == FINAL:
            raise Conflict(f"{plan} {year}年度考核结果已定稿（版本 {life.version}）。")
        if today <= life.publicity_to:
            raise Conflict(
                f"公示期至{chinese_date(life.publicity_to)}结束，公示期内不能定稿：各单位在此之前仍可提出异议。"
            )
        counts = store.objection_counts(con, life.version_id)
        if counts["open"]:
            raise Conflict(
                f"尚有 {counts['open']} 条异议未答复，全部答复后才能定稿（portal objection list）。"
            )
        if counts["accepted"]:
            raise Conflict(
                f"已采纳 {counts['accepted']} 条异议，考核结果须更正：请重新评定（写明理由）、更正后重新公示，"
                f"不能按版本 {life.version} 定稿。"
            )
        store.finalize(con, life.version_id, actor.username, portal.settings.now())
        portal.audit(
            con,
            actor.audit_name,
            "assessment.finalize",
            f"{plan}/{year}",
            f"version={life.version} objections={counts['rejected']}",
        )
    return Outcome(True, f"已定稿 {plan} {year}年度考核结果（版本 {life.version}），考核数据已锁定。")


def reopen(portal: Portal, actor, plan: str, year: int, reason: str) -> Outcome:
    """Back to 预评 from 公示 or 定稿, with a reason; the current version is kept as it was."""
    require(actor, "assessment.publish", plan=plan)
    year, reason = int(year), (reason or "").strip()
    if not reason:
        raise InvalidInput("重新评定须写明理由（--reason）。")
    if len(reason) > MAX_TEXT:
        raise InvalidInput(f"理由不超过 {MAX_TEXT} 字。")
    with portal.warehouse.transaction() as con:
        life = _state(con, plan, year, portal.settings.today())
        if life.stage == PRELIMINARY:
            raise Conflict(f"{plan} {year}年度考核结果处于预评，可直接修改，无需重新评定。")
        store.reopen(con, life.version_id, actor.username, portal.settings.now(), reason)
        portal.audit(
            con,
            actor.audit_name,
            "assessment.reopen",
            f"{plan}/{year}",
            f"version={life.version} stage={life.stage} reason={reason}",
        )
    return Outcome(
        True,
        f"已重新评定 {plan} {year}年度考核：版本 {life.version}（{life.stage}）保留备查，考核数据恢复可修改；"
        f"更正后再次开始公示将生成版本 {life.version + 1}。",
    )


VERSION_COLUMNS = ["version", "stage", "version_reason", "published_by", "published_at", "publicity_from"]
VERSION_COLUMNS += [
    "publicity_to",
    "finalized_by",
    "finalized_at",
    "reopened_by",
    "reopened_at",
    "reopen_reason",
]


def list_versions(portal: Portal, actor, plan: str, year: int) -> pl.DataFrame:
    """Every version of a plan's year with who published, finalized or reopened it, when and why."""
    require(actor, "assessment.view", plan=plan)
    with portal.warehouse.connect() as con:
        frame = store.versions(con, plan, int(year))
    stage = (
        pl.when(pl.col("reopened_at").is_not_null())
        .then(pl.lit("已重新评定"))
        .when(pl.col("finalized_at").is_not_null())
        .then(pl.lit(FINAL))
        .otherwise(pl.lit(PUBLICITY))
    )
    return frame.with_columns(stage=stage).rename({"reason": "version_reason"}).select(VERSION_COLUMNS)


def version_document(portal: Portal, actor, plan: str, year: int, version: int) -> dict:
    """The JSON document stored with one version, as it was published."""
    require(actor, "assessment.view", plan=plan)
    with portal.warehouse.connect() as con:
        rows = store.versions(con, plan, int(year)).filter(pl.col("version") == int(version))
        if not rows.height:
            raise NotFound(f"{plan} {year}年度考核没有版本 {version}。")
        doc, _, _ = store.snapshot(con, rows["id"][0])
    return json.loads(doc)


# --- what a unit sees, and its objections (assessment.publicity, assessment.object) -------------------


@dataclass
class UnitPublicity:
    """A unit's own published result: only its line of the document, never another unit's."""

    lifecycle: Lifecycle
    unit: str
    entry: dict | None  # the unit's part of the published document (None in 预评)
    unit_count: int = 0
    objections: pl.DataFrame = field(default_factory=pl.DataFrame)


def _require_unit_view(actor, action: str, plan: str, unit: str) -> None:
    require(actor, action, unit=unit)
    if Role(actor.role) not in UNIT_ROLES:
        require(actor, action, plan=plan)


def _unit_in_plan(con, plan: str, unit: str) -> None:
    if plan not in offices.plans_of_unit(con, unit):
        raise NotFound(missing_plan(plan))  # a unit cannot probe which plans exist


def unit_result(portal: Portal, actor, plan: str, year: int, unit: str) -> UnitPublicity:
    """What `unit` may see of a plan's year: its own published result (公示 or 定稿) and its objections."""
    _require_unit_view(actor, "assessment.publicity", plan, unit)
    year = int(year)
    with portal.warehouse.connect() as con:
        _unit_in_plan(con, plan, unit)
        life = _state(con, plan, year, portal.settings.today())
        objections = store.objections(con, plan, year).filter(pl.col("unit") == unit)
        if life.stage == PRELIMINARY:
            return UnitPublicity(life, unit, None, 0, _shown(objections))
        doc, _, _ = store.snapshot(con, life.version_id)
    units = json.loads(doc)["units"]
    entry = next((u for u in units if u["unit"] == unit), None)
    return UnitPublicity(life, unit, entry, len(units), _shown(objections))


def unit_plans(portal: Portal, actor) -> list[tuple[str, str, int, int]]:
    """(code, name, start_year, end_year) of the plans the actor's own unit is assessed in."""
    require(actor, "assessment.publicity", unit=actor.unit)
    with portal.warehouse.connect() as con:
        mine = set(offices.plans_of_unit(con, actor.unit))
        return [row for row in lookups.plan_periods(con) if row[0] in mine]


def _shown(frame: pl.DataFrame) -> pl.DataFrame:
    return (
        frame.with_columns(
            answer_label=pl.col("decision").replace_strict(
                DECISIONS, default="未答复", return_dtype=pl.String
            ),
            evidence_name=pl.col("evidence_name").map_elements(safe_file_name, return_dtype=pl.String),
        )
        .drop("evidence_path")
        .rename({"id": "objection_id"})
    )


def file_objection(
    portal: Portal,
    actor,
    plan: str,
    year: int,
    unit: str,
    text: str,
    file_name: str | None = None,
    data: bytes | None = None,
) -> Outcome:
    """A unit's 异议 to its published result, during the 公示 period only; optional evidence goes
    through the same checks as any evidence file (type by content, size, no macros)."""
    require(actor, "assessment.object", unit=unit)
    year, text = int(year), (text or "").strip()
    today = portal.settings.today()
    with portal.warehouse.connect() as con:
        _unit_in_plan(con, plan, unit)
        life = _state(con, plan, year, today)
    if life.stage != PUBLICITY:
        raise Conflict(f"{plan} {year}年度考核结果当前为{life.stage}，不在公示期，不受理异议。")
    if not life.taking_objections:
        raise Conflict(
            f"公示期已于{chinese_date(life.publicity_to)}结束，不再受理异议；如有疑问请与考核办公室联系。"
        )
    if not text:
        raise InvalidInput("请写明异议的内容和理由。")
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"异议内容不超过 {MAX_TEXT} 字。")
    evidence = ev.attached(portal.settings.home, data, file_name, portal.settings.evidence_max_mb)
    with portal.warehouse.transaction() as con:
        now_life = _state(con, plan, year, today)
        if now_life.version_id != life.version_id or not now_life.taking_objections:
            raise Conflict(f"{plan} {year}年度考核结果已不在公示期，不受理异议。")
        row = {
            "version_id": life.version_id,
            "plan": plan,
            "year": year,
            "unit": unit,
            "text": text,
            **evidence,
            "filed_by": actor.username,
            "filed_at": portal.settings.now(),
        }
        objection_id = store.insert_objection(con, row)
        portal.audit(
            con,
            actor.audit_name,
            "assessment.object",
            f"{plan}/{year}/{unit}",
            json.dumps(
                {"id": objection_id, "version": life.version, "file": evidence.get("evidence_name")},
                ensure_ascii=False,
            ),
        )
    return Outcome(True, f"已提交异议（编号 {objection_id}），考核办公室答复后可在本页查看。")


OBJECTION_COLUMNS = ["objection_id", "version", "unit", "text", "evidence_name", "filed_by", "filed_at"]
OBJECTION_COLUMNS += ["answer_label", "reply", "answered_by", "answered_at"]


def list_objections(portal: Portal, actor, plan: str, year: int) -> pl.DataFrame:
    """The objections to a plan's year the actor may see: a unit's own, an office's in its scope."""
    units = visible_units(actor, "assessment.publicity")
    if Role(actor.role) not in UNIT_ROLES:
        require(actor, "assessment.publicity", plan=plan)
    with portal.warehouse.connect() as con:
        frame = store.objections(con, plan, int(year))
    if units is not None:
        frame = frame.filter(pl.col("unit").is_in(list(units)))
    return _shown(frame)


def answer_objection(portal: Portal, actor, objection_id: int, accept: bool, reply: str) -> Outcome:
    """An evaluator's answer to one objection (采纳 or 不采纳), with a reply the unit reads."""
    objection_id, reply = int(objection_id), (reply or "").strip()
    missing = f"异议 {objection_id} 不存在。"
    with portal.warehouse.connect() as con:
        row = store.objection(con, objection_id)
    require_record(actor, "assessment.answer", row["unit"] if row else None, missing)
    require(actor, "assessment.answer", plan=row["plan"])
    if not reply:
        raise InvalidInput("请填写答复意见（不采纳的须写明理由）。")
    if len(reply) > MAX_TEXT:
        raise InvalidInput(f"答复意见不超过 {MAX_TEXT} 字。")
    decision = "accepted" if accept else "rejected"
    with portal.warehouse.transaction() as con:
        row = store.objection(con, objection_id)
        if row["decision"] is not None:
            raise Conflict(
                f"异议 {objection_id} 已于{chinese_date(row['answered_at'].date())}答复"
                f"（{DECISIONS[row['decision']]}），不能重复答复。"
            )
        life = _state(con, row["plan"], row["year"], portal.settings.today())
        if life.version_id != row["version_id"] or life.stage != PUBLICITY:
            raise Conflict(f"异议 {objection_id} 针对的版本 {row['version']} 已不在公示阶段，无需答复。")
        store.answer_objection(con, objection_id, decision, reply, actor.username, portal.settings.now())
        portal.audit(
            con,
            actor.audit_name,
            "assessment.answer",
            f"{row['plan']}/{row['year']}/{row['unit']}",
            f"id={objection_id} decision={decision} reply={reply}",
        )
    return Outcome(True, f"已答复异议 {objection_id}：{DECISIONS[decision]}。")


@dataclass(frozen=True)
class EvidenceFile:
    name: str
    data: bytes
    media_type: str


def objection_evidence(portal: Portal, actor, objection_id: int) -> EvidenceFile:
    """The evidence file of an objection, for its unit and the evaluators who answer it."""
    objection_id = int(objection_id)
    with portal.warehouse.connect() as con:
        row = store.objection(con, objection_id)
    missing = f"异议 {objection_id} 不存在或没有佐证材料。"
    require_record(actor, "assessment.publicity", row["unit"] if row else None, missing)
    if not row["evidence_path"]:
        raise NotFound(missing)
    data = (portal.settings.home / row["evidence_path"]).read_bytes()
    return EvidenceFile(safe_file_name(row["evidence_name"]), data, row["evidence_type"])
