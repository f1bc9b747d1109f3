"""Quarterly templates from the warehouse: one unit's workbook, or every unit's of a round as a zip.

The warehouse says what each unit owns; this turns stored codes into what a clerk reads (labels,
unit names), adds the issuing office (the one running the unit's plans; the settings' office
when there is none), the secret and the clock, and hands a `TemplateContext` to the builder.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import repeat
from typing import Any

import polars as pl

from portal.core.context import Portal
from portal.core.errors import InvalidInput
from schemas.enums import IndicatorKind, TaskRole
from schemas.quarters import Quarter, RoundCodeError
from schemas.sheets import INDICATOR_SHEET, TASK_SHEET
from templates_xlsx.builder import TemplateContext, build_deflated, build_template, warm
from templates_xlsx.rawzip import Deflated, write_deflated
from warehouse.lists import backed_indicators
from warehouse.templates import TemplateRows, template_rows

# unit → list type → the unit's indicators backed by it (the template's list sheets)
UnitLists = dict[str, dict[str, list[str]]]

_DIRECTIONS = {">=": "≥", "<=": "≤"}
_UNSAFE_IN_NAMES = re.compile(r'[\\/:*?"<>|\s]+')


class TemplateRequestError(InvalidInput):
    """A request we cannot serve, in Chinese; `usage` when the caller named something that does not
    exist (a wrong argument), otherwise the request is valid but there is nothing to build."""


@dataclass(frozen=True)
class BuiltTemplate:
    unit: str
    unit_name: str
    round: str
    filename: str
    data: bytes
    indicators: int
    tasks: int
    # `data` compressed for the round's .zip by the worker that built it (iter_built's processes)
    deflated: Deflated | None = field(default=None, repr=False, compare=False)


def template_filename(round_code: str, unit: str, unit_name: str) -> str:
    """2025Q3_JZKF-JFJ_经发局_填报模板.xlsx: sorts by round, says whose it is, safe on every OS."""
    name = _UNSAFE_IN_NAMES.sub("_", unit_name).strip("_")
    return f"{round_code}_{_UNSAFE_IN_NAMES.sub('_', unit)}_{name}_填报模板.xlsx"


def round_zip_filename(round_code: str) -> str:
    return f"{round_code}_全部单位填报模板.zip"


_INDICATOR_KEYS = tuple(c.key for c in INDICATOR_SHEET.prefilled_columns)
_TASK_KEYS = tuple(c.key for c in TASK_SHEET.prefilled_columns)


@lru_cache(maxsize=256)
def _kind_label(stored: str | None) -> str | None:
    kind = IndicatorKind.from_label(stored) if stored else None
    return kind.label if kind else stored


@lru_cache(maxsize=64)
def _role_label(stored: str | None) -> str | None:
    role = TaskRole.from_label(stored) if stored else None
    return role.label if role else stored


def _indicator_row(rec: dict[str, Any]) -> dict[str, Any]:
    row = {key: rec.get(key) for key in _INDICATOR_KEYS}
    row["kind"] = _kind_label(rec.get("kind"))
    row["direction"] = _DIRECTIONS.get(rec.get("direction") or "", rec.get("direction"))
    row["allow_negative"] = bool(rec.get("allow_negative"))
    return row


def _task_row(rec: dict[str, Any]) -> dict[str, Any]:
    row = {key: rec.get(key) for key in _TASK_KEYS}
    row["role"] = _role_label(rec.get("role"))
    return row


def _by_unit(frame: pl.DataFrame, make: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, list]:
    """unit → its rows made into template rows, in the frame's order (one pass over a round's rows)."""
    out: dict[str, list] = {}
    if frame.height:
        for rec in frame.iter_rows(named=True):
            out.setdefault(rec["unit"], []).append(make(rec))
    return out


def _check_round(round_code: str) -> None:
    try:
        Quarter.parse(round_code)
    except RoundCodeError as exc:
        raise TemplateRequestError(str(exc), usage=True) from None


def _gather(portal: Portal, round_code: str, unit: str | None) -> tuple[TemplateRows, UnitLists]:
    _check_round(round_code)
    with portal.warehouse.connect() as con:
        rows = template_rows(con, round_code, unit)
        backed = backed_indicators(con, unit)
    lists: UnitLists = {}
    for r in backed.iter_rows(named=True):
        lists.setdefault(r["unit"], {}).setdefault(r["backed_by"], []).append(r["indicator"])
    if rows.round is None:
        raise TemplateRequestError(f"轮次 {round_code} 不存在。请先在平台中开设该轮次。", usage=True)
    if unit is not None and rows.units.is_empty():
        raise TemplateRequestError(f"单位代码“{unit}”不存在。", usage=True)
    return rows, lists


def _contact(office: dict | None) -> str:
    """An office's 联系方式 as the template prints it: its contact person and phone."""
    return " ".join(p for p in ((office or {}).get("contact"), (office or {}).get("phone")) if p)


def _contexts(portal: Portal, rows: TemplateRows, lists: UnitLists) -> Iterator[TemplateContext]:
    """One context per active unit with anything to report, in registry order."""
    settings = portal.settings
    now = settings.now()
    by_unit_ind = _by_unit(rows.indicators, _indicator_row)
    by_unit_task = _by_unit(rows.tasks, _task_row)
    for unit in rows.units.iter_rows(named=True):
        if not unit["active"] or not (unit["indicators"] or unit["tasks"]):
            continue
        code = unit["code"]
        indicators = by_unit_ind.get(code, [])
        tasks = by_unit_task.get(code, [])
        plans = list(dict.fromkeys(r["plan"] for r in [*indicators, *tasks] if r.get("plan")))
        issuer = rows.issuers.get(code)  # the office running the unit's plans, not the platform's
        yield TemplateContext(
            unit=code,
            unit_name=unit["name"],
            round=rows.round["code"],
            due_date=rows.due_date(code),
            generated_at=now,
            office_name=(issuer or {}).get("name") or settings.office_name,
            office_contact=_contact(issuer) or settings.office_contact,
            plans=plans,
            indicators=indicators,
            tasks=tasks,
            lists=lists.get(code, {}),
        )


def template_context(portal: Portal, unit: str, round_code: str) -> TemplateContext:
    """The context of one unit's template; TemplateRequestError when there is none to make."""
    rows, lists = _gather(portal, round_code, unit)
    record = rows.units.row(0, named=True)
    if not record["active"]:
        raise TemplateRequestError(f"单位“{record['name']}”（{unit}）已停用，不生成模板。")
    contexts = list(_contexts(portal, rows, lists))
    if not contexts:
        raise TemplateRequestError(
            f"单位“{record['name']}”（{unit}）没有负责的指标或任务，{round_code} 轮无需填报。"
        )
    return contexts[0]


def build_from_context(
    ctx: TemplateContext, secret: bytes, data: bytes | None = None, deflated: Deflated | None = None
) -> BuiltTemplate:
    return BuiltTemplate(
        unit=ctx.unit,
        unit_name=ctx.unit_name,
        round=ctx.round,
        filename=template_filename(ctx.round, ctx.unit, ctx.unit_name),
        data=build_template(ctx, secret) if data is None else data,
        indicators=len(ctx.indicators),
        tasks=len(ctx.tasks),
        deflated=deflated,
    )


# A round this large is built on every core by default: ~9 ms of one core a workbook
# (templates_xlsx.fastbook) against ~1 s to start the workers (BENCHMARKS.md, Templates).
PARALLEL_MIN_TEMPLATES = 300


def default_jobs(count: int) -> int:
    """Processes for `count` templates when the caller does not say: every core for a large round."""
    return min(os.cpu_count() or 1, 4) if count >= PARALLEL_MIN_TEMPLATES else 1


def start_workers(jobs: int) -> ProcessPoolExecutor:
    """`jobs` builder processes, started now (their interpreters start while the caller goes on)."""
    # spawn, not fork: forking a process that has loaded Polars/DuckDB thread pools can deadlock.
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"))
    for _ in range(jobs):
        pool.submit(warm)
    return pool


def iter_built(
    contexts: list[TemplateContext],
    secret: bytes,
    jobs: int | None = 1,
    pool: ProcessPoolExecutor | None = None,
) -> Iterator[BuiltTemplate]:
    """Build in order, optionally in `jobs` processes (pure Python: one core each); `jobs=None`
    lets `default_jobs` choose. Below a few hundred workbooks one process is faster: each spawned
    worker costs ~0.5 s to start. `pool`: workers already started (`start_workers`), shut down here.
    Built in processes, each template comes compressed for the .zip too (`deflated`)."""
    if pool is None:
        if jobs is None:
            jobs = default_jobs(len(contexts))
        if jobs <= 1 or len(contexts) < 2:
            for ctx in contexts:
                yield build_from_context(ctx, secret)
            return
        pool = start_workers(jobs)
    with pool:
        workers = jobs if jobs and jobs > 1 else pool._max_workers
        chunk = max(1, min(32, len(contexts) // (workers * 4)))
        for ctx, (data, deflated) in zip(
            contexts, pool.map(build_deflated, contexts, repeat(secret), chunksize=chunk), strict=True
        ):
            yield build_from_context(ctx, secret, data, deflated)


def round_built(
    portal: Portal, round_code: str, jobs: int | None = None
) -> tuple[list[TemplateContext], Iterator[BuiltTemplate]]:
    """A round's contexts, and its templates as they are built (`iter_built`). A round built in
    processes has them started before its contexts are made: their start overlaps the gathering."""
    rows, lists = _gather(portal, round_code, None)
    count = sum(
        1 for u in rows.units.iter_rows(named=True) if u["active"] and (u["indicators"] or u["tasks"])
    )
    jobs = default_jobs(count) if jobs is None else jobs
    pool = start_workers(jobs) if jobs > 1 and count >= 2 else None
    try:
        contexts = list(_contexts(portal, rows, lists))
    except BaseException:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        raise
    if pool is not None and len(contexts) < 2:
        pool.shutdown()
        pool = None
    return contexts, iter_built(contexts, portal.settings.secret(), 1 if pool is None else jobs, pool)


def build_unit_template(portal: Portal, unit: str, round_code: str) -> BuiltTemplate:
    return build_from_context(template_context(portal, unit, round_code), portal.settings.secret())


def round_template_contexts(portal: Portal, round_code: str) -> list[TemplateContext]:
    """Every unit's context for a round (active units with something to report)."""
    return list(_contexts(portal, *_gather(portal, round_code, None)))


def build_round_templates(
    portal: Portal,
    round_code: str,
    progress: Callable[[int, int], None] | None = None,
    jobs: int | None = 1,
) -> list[BuiltTemplate]:
    """Every unit's template of a round; the warehouse is read once, then released.
    `progress(done, total)` is called after each workbook (for a progress bar)."""
    contexts = round_template_contexts(portal, round_code)
    built = []
    for b in iter_built(contexts, portal.settings.secret(), jobs):
        built.append(b)
        if progress:
            progress(len(built), len(contexts))
    return built


def zip_templates(built: Iterable[BuiltTemplate]) -> bytes:
    """The templates in one .zip (UTF-8 names), to mail or share as a single file; `built` may be
    `iter_built`'s generator, zipped as the templates come."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for b in built:
            add_to_zip(zf, b)
    return buf.getvalue()


def add_to_zip(zf: zipfile.ZipFile, built: BuiltTemplate) -> None:
    """One template into a round's .zip (ZIP_DEFLATED), compressed here unless its worker did."""
    if built.deflated is not None:
        write_deflated(zf, built.filename, built.deflated)
    else:
        zf.writestr(built.filename, built.data)
