"""A synthetic PORTAL_HOME at a chosen scale, for the benchmarks: registry, rounds, history, filled workbooks.

    python bench/generate.py --scale city                 # 60 units, 20 indicators + 30 tasks each, 8 rounds
    python bench/generate.py --scale province             # 2,000 units, same per unit, 20 rounds (minutes)
    python bench/generate.py --units 3 --rounds 2 --out DIR

What is real and what is not:
- the registry goes in through `warehouse.registry.replace_registry`, the rounds through
  `upsert_rounds` (the last round open, due 2025-10-15, clock 2025-10-10; earlier ones closed);
- the last round's workbooks are built by the real template builder (`portal.templates`) and
  filled like a clerk would (openpyxl, `tests/xlsx_fill.fill_valid`): those are the files the
  benchmarks validate and ingest;
- the history (every earlier round, each unit approved with every indicator and task) is loaded
  directly, as Polars frames → Arrow → INSERT SELECT, not by ingesting workbooks: building and
  filling 38,000 province workbooks would take hours and measure nothing we do not measure on the
  last round. Values follow a plausible path from baseline towards target, so the history checks
  and the views have something real to chew on.

Output, under `--out` (default `bench/.cache/<scale>`, gitignored): `home/` (PORTAL_HOME) and
`round/` (the filled workbooks of the last round, one per unit). Resumable: each step is skipped
when its result is already there (`home/.generated.json` records the parameters; a different
scale in the same directory is refused), and workbooks already written are not rebuilt.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import random
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import polars as pl  # noqa: E402

from portal.core.context import Portal  # noqa: E402
from portal.ops.init import init_portal  # noqa: E402
from portal.reporting.templates import build_from_context, round_template_contexts  # noqa: E402
from schemas.quarters import Quarter  # noqa: E402
from templates_xlsx.builder import TemplateContext  # noqa: E402
from warehouse import approved  # noqa: E402
from warehouse.registry import replace_registry, upsert_rounds  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
LAST_ROUND = "2025Q3"
TODAY = dt.date(2025, 10, 10)
DUE = dt.date(2025, 10, 15)
KINDS = ("stock", "flow", "cumulative", "rate", "milestone")
PLAN = "SYN"


@dataclass(frozen=True)
class Scale:
    units: int
    indicators_per_unit: int = 20
    tasks_per_unit: int = 30  # half led, half helped with (each task has one lead and one helper)
    rounds: int = 8

    @property
    def led_per_unit(self) -> int:
        return (self.tasks_per_unit + 1) // 2


SCALES = {"city": Scale(60, rounds=8), "province": Scale(2000, rounds=20)}


@dataclass(frozen=True)
class Generated:
    home: Path
    round_dir: Path
    scale: Scale
    rounds: list[str]

    @property
    def last_round(self) -> str:
        return self.rounds[-1]

    def workbooks(self) -> list[Path]:
        return sorted(self.round_dir.glob("*.xlsx"))

    def portal(self) -> Portal:
        return Portal.open(self.home)


def round_codes(n: int, last: str = LAST_ROUND) -> list[str]:
    first = Quarter.parse(last)
    for _ in range(n - 1):
        first = first.previous()
    return [str(q) for q in first.through(Quarter.parse(last))]


def synthetic_registry(scale: Scale, first_year: int) -> dict:
    """One plan; each unit owns `indicators_per_unit` indicators (every kind in turn), leads about
    half of `tasks_per_unit` tasks and helps the next unit with the other half."""
    codes = [f"U{i:04d}" for i in range(scale.units)]
    tasks, indicators = [], []
    for i, unit in enumerate(codes):
        helper = codes[(i + 1) % scale.units]
        for k in range(scale.led_per_unit):
            tasks.append(
                dict(code=f"T-{unit}-{k:02d}", plan=PLAN, number=f"{k}", section="综合",
                     title=f"合成任务 {unit} 第{k + 1}项:推进重点工作落实", text="合成任务内容。",
                     lead_unit=unit, helper_units=[helper] if scale.units > 1 else [], due_year=2025,
                     weight=1.0)
            )  # fmt: skip
        for k in range(scale.indicators_per_unit):
            indicators.append(
                dict(code=f"K-{unit}-{k:02d}", plan=PLAN, name=f"合成指标 {unit}-{k + 1}", measure_unit="家",
                     kind=KINDS[k % len(KINDS)], direction=">=", baseline_value=10.0,
                     baseline_year=first_year - 1, target_value=100.0, target_year=2025,
                     owner_units=[unit], weight=1.0, allow_negative=k % 7 == 3)
            )  # fmt: skip
    return {
        "plans": [
            dict(
                code=PLAN,
                name="合成规划(基准测试)",
                start_year=first_year,
                end_year=2025,
                base_year=first_year - 1,
            )
        ],  # fmt: skip
        "units": [dict(code=c, name=f"合成单位{c}", kind="department", active=True) for c in codes],
        "tasks": tasks,
        "indicators": indicators,
        "yearly_targets": [],
    }


def _value(kind: str, step: int, steps: int, rng: random.Random) -> float:
    """A plausible value for round `step` of `steps`: on the way from baseline 10 to target 100."""
    share = (step + 1) / steps
    if kind == "milestone":
        return 1.0 if share > 0.6 else 0.0
    if kind == "rate":
        return round(min(100.0, 10 + 90 * share * rng.uniform(0.85, 1.0)), 2)
    if kind == "flow":
        return round(rng.uniform(5, 30), 2)
    return round(10 + 90 * share * rng.uniform(0.9, 1.0), 2)  # stock, cumulative: rising


def load_history(portal: Portal, rounds: list[str], seed: int = 7) -> int:
    """Every unit approved in every round of `rounds`, all facts included; bulk, via Arrow."""
    rng = random.Random(seed)
    all_rounds = _all_rounds(portal)
    with portal.warehouse.transaction() as con:
        owners = con.sql(
            "SELECT o.unit, o.indicator, i.kind FROM indicator_owners o JOIN indicators i ON i.code = o.indicator"
        ).pl()
        duties = con.sql("SELECT unit, task, role FROM task_units").pl()
        dues = dict(con.execute("SELECT code, due_date FROM rounds").fetchall())
        units = sorted(set(owners["unit"]) | set(duties["unit"]))
        start = con.execute("SELECT coalesce(max(id), 0) FROM submissions").fetchall()[0][0]
        n = len(rounds) * len(units)
        subs = pl.DataFrame(
            {
                "id": range(start + 1, start + 1 + n),
                "unit": units * len(rounds),
                "round": [r for r in rounds for _ in units],
            }
        )
        subs = subs.with_columns(
            pl.lit(1, pl.Int32).alias("version"),
            ("h" + pl.col("id").cast(pl.Utf8)).alias("file_hash"),
            pl.lit("bench").alias("uploaded_by"),
            pl.col("round")
            .replace_strict({r: dt.datetime.combine(dues[r], dt.time(9)) for r in rounds})
            .alias("uploaded_at"),
            pl.lit("approved").alias("status"),
        )
        steps = len(all_rounds)
        values = subs.select("id", "unit", "round").join(owners, on="unit")
        values = values.with_columns(
            pl.Series(
                "value",
                [
                    _value(kind, all_rounds.index(r), steps, rng)
                    for kind, r in zip(values["kind"], values["round"], strict=True)
                ],
                pl.Float64,
            )
        ).select(pl.col("id").alias("submission_id"), "indicator", "unit", "round", "value")
        progress = subs.select("id", "unit", "round").join(duties, on="unit")
        share = pl.col("round").replace_strict({r: (all_rounds.index(r) + 1) / steps for r in rounds})
        progress = progress.select(
            pl.col("id").alias("submission_id"),
            "task",
            "unit",
            "round",
            "role",
            pl.when(share >= 1).then(pl.lit("completed")).otherwise(pl.lit("in_progress")).alias("status"),
            (share * 100).round(0).alias("percent"),
            pl.lit("按计划推进。").alias("narrative"),
        )
        for table, frame in (
            ("submissions", subs),
            ("indicator_values", values),
            ("task_progress", progress),
        ):
            con.register("bulk_rows", frame.to_arrow())
            con.execute(f"INSERT INTO {table} ({', '.join(frame.columns)}) SELECT * FROM bulk_rows")
            con.unregister("bulk_rows")
        con.execute(f"SELECT setval('submission_id_seq', {start + n})")
        approved.rebuild(con)  # a bulk load: the approved values follow (migration 0018)
    return n


def _all_rounds(portal: Portal) -> list[str]:
    with portal.warehouse.connect() as con:
        return [r[0] for r in con.execute("SELECT code FROM rounds ORDER BY year, quarter").fetchall()]


def _fill_one(ctx: TemplateContext, secret: bytes, target: str) -> str:
    from tests.xlsx_fill import fill_valid

    built = build_from_context(ctx, secret)
    path = Path(target)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(fill_valid(built.data))
    os.replace(tmp, path)
    return built.filename


def write_round(portal: Portal, round_code: str, out: Path, jobs: int = 1, log=print) -> int:
    """Every unit's template for the round, built by the real builder and filled with valid values."""
    out.mkdir(parents=True, exist_ok=True)
    contexts = round_template_contexts(portal, round_code)
    secret = portal.settings.secret()
    todo = [c for c in contexts if not (out / f"{c.unit}.xlsx").exists()]
    log(f"  workbooks: {len(contexts) - len(todo)} cached, {len(todo)} to build and fill ({jobs} jobs)")
    if jobs <= 1:
        for i, ctx in enumerate(todo, 1):
            _fill_one(ctx, secret, str(out / f"{ctx.unit}.xlsx"))
            if i % 200 == 0:
                log(f"  {i}/{len(todo)}")
        return len(contexts)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(_fill_one, c, secret, str(out / f"{c.unit}.xlsx")) for c in todo]
        for i, f in enumerate(futures, 1):
            f.result()
            if i % 200 == 0:
                log(f"  {i}/{len(todo)}")
    return len(contexts)


def generate(out: Path, scale: Scale, jobs: int = 1, log=print, workbooks: bool = True) -> Generated:
    """Build (or reuse) a home at `scale` under `out` (`workbooks=False`: the home only, for the views)."""
    home, round_dir = out / "home", out / "round"
    rounds = round_codes(scale.rounds)
    marker = home / ".generated.json"
    params = asdict(scale) | {"last_round": LAST_ROUND}
    if marker.exists():
        done = json.loads(marker.read_text(encoding="utf-8"))
        if done["params"] != params:
            raise SystemExit(f"{out} holds another scale ({done['params']}); choose another --out")
    else:
        t0 = time.perf_counter()
        home.mkdir(parents=True, exist_ok=True)
        (home / "settings.toml").write_text(
            f'secret_key = "bench"\ntoday = "{TODAY.isoformat()}"\n', encoding="utf-8"
        )
        portal, _ = init_portal(Portal.open(home))
        first_year = Quarter.parse(rounds[0]).year
        with portal.warehouse.transaction() as con:
            replace_registry(con, synthetic_registry(scale, first_year))
            upsert_rounds(
                con,
                [
                    {
                        "code": r,
                        "due_date": DUE if r == rounds[-1] else _due(r),
                        "state": "open" if r == rounds[-1] else "closed",
                    }
                    for r in rounds
                ],
            )
        n = load_history(portal, rounds[:-1])
        log(
            f"  registry + {len(rounds)} rounds + history ({n} approved submissions): {time.perf_counter() - t0:.1f} s"
        )
        marker.write_text(json.dumps({"params": params, "history": n}), encoding="utf-8")
    if not workbooks:
        return Generated(home, round_dir, scale, rounds)
    portal = Portal.open(home)
    t0 = time.perf_counter()
    count = write_round(portal, rounds[-1], round_dir, jobs, log)
    log(f"  {count} filled workbooks for {rounds[-1]} in {round_dir}: {time.perf_counter() - t0:.1f} s")
    return Generated(home, round_dir, scale, rounds)


def _due(code: str) -> dt.date:
    """15 days after the quarter ends (the default due date)."""
    return Quarter.parse(code).due(15)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scale", choices=sorted(SCALES), help="a named scale (overridden by the options below)"
    )
    parser.add_argument("--units", type=int)
    parser.add_argument("--indicators-per-unit", type=int)
    parser.add_argument("--tasks-per-unit", type=int)
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--out", type=Path, help="default: bench/.cache/<scale>")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes building workbooks")
    args = parser.parse_args()
    base = SCALES[args.scale] if args.scale else Scale(units=3, rounds=2)
    scale = Scale(
        units=args.units or base.units,
        indicators_per_unit=args.indicators_per_unit or base.indicators_per_unit,
        tasks_per_unit=args.tasks_per_unit or base.tasks_per_unit,
        rounds=args.rounds or base.rounds,
    )
    name = (
        args.scale or f"u{scale.units}-i{scale.indicators_per_unit}-t{scale.tasks_per_unit}-r{scale.rounds}"
    )
    out = args.out or CACHE / name
    print(f"generating {name} in {out}: {scale}")
    generate(out, scale, args.jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
