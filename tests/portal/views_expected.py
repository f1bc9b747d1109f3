"""What the KPI progress, task progress, completion views, their boards and the roll-up return, in a
compact, exact form, to compare one version of the views with another: stored once from the code as
it was (tests/portal/data/views_expected.json) and checked against the code as it is
(tests/portal/test_views_expected.py).

Each frame is kept as its columns with their types, its height and one SHA-256 over every row in
order (floats by repr, lists and structs as JSON), so a difference names the view, the round and the frame.

    PYTHONPATH=. python -m tests.portal.views_expected   # rewrites the stored file from the code as it is
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

import polars as pl

EXPECTED = Path(__file__).parent / "data" / "views_expected.json"


def frame_digest(frame: pl.DataFrame) -> list:
    """[sha256 of the columns and their types, height, sha256 of the rows in order] (shortened)."""
    schema = hashlib.sha256(repr([f"{c}:{t}" for c, t in frame.schema.items()]).encode()).hexdigest()
    h = hashlib.sha256()
    for row in frame.iter_rows():
        h.update(json.dumps(row, ensure_ascii=False, default=str).encode() + b"\x1e")
    return [schema[:16], frame.height, h.hexdigest()[:32]]


def _rounds(portal) -> list[str]:
    from warehouse import rounds

    with portal.warehouse.connect() as con:
        return list(reversed(rounds.codes(con)))


def _plans(portal) -> list[str]:
    with portal.warehouse.connect() as con:
        return [r[0] for r in con.execute("SELECT code FROM plans ORDER BY code").fetchall()]


def _offices(portal) -> list[str]:
    with portal.warehouse.connect() as con:
        return [r[0] for r in con.execute("SELECT code FROM offices ORDER BY code").fetchall()]


def digests(portal) -> dict[str, list]:
    """{"view/round/...": frame digest} of every round, plan and office of `portal`, all read on one
    connection as a page run reads (`Warehouse.page_run`): the same frames as a connection per call
    (checked on the ten city plans), without opening the file and defining the views' macros again
    for each of the hundreds of boards (half the test's CPU)."""
    with portal.warehouse.page_run():
        return _digests(portal)


def _digests(portal) -> dict[str, list]:
    from portal.monitoring import dashboards as d
    from portal.monitoring.rollup import rollup
    from schemas.errors import NotFound
    from tests.actors import OFFICE
    from warehouse import views

    today = portal.settings.today()
    out: dict[str, list] = {}
    plans = _plans(portal)
    offices = _offices(portal)
    for code in _rounds(portal):
        with portal.warehouse.connect() as con:
            out[f"kpi_progress/{code}"] = frame_digest(views.kpi_progress(con, code))
            progress = views.task_progress(con, code)
            for part in ("tasks", "long", "overdue"):
                out[f"task_progress/{code}/{part}"] = frame_digest(getattr(progress, part))
            done = views.completion(con, code, today)
            for part in ("units", "by_kind", "missing", "due_soon"):
                out[f"completion/{code}/{part}"] = frame_digest(getattr(done, part))
            out[f"completion/{code}/counts"] = [done.expected, done.reported, done.rate]
        for plan in [None, *plans]:
            key = plan or "*"
            kpi = d.kpi_board(portal, OFFICE, code, plan)
            out[f"kpi_board/{code}/{key}"] = frame_digest(kpi.indicators)
            out[f"kpi_board/{code}/{key}/counts"] = kpi.counts
            tasks = d.task_board(portal, OFFICE, code, plan)
            for part in ("tasks", "overdue", "counts"):
                out[f"task_board/{code}/{key}/{part}"] = frame_digest(getattr(tasks, part))
            out[f"task_board/{code}/{key}/units"] = [list(u) for u in tasks.units]
        for office in offices:
            try:
                r = rollup(portal, OFFICE, office, code)
            except NotFound:
                continue
            if not r.cities:
                continue
            out[f"rollup/{code}/{office}/plans"] = frame_digest(r.plans)
            out[f"rollup/{code}/{office}/by_round"] = frame_digest(r.by_round)
            out[f"rollup/{code}/{office}/cities"] = [list(c) for c in r.cities]
            out[f"rollup/{code}/{office}/without_plans"] = [list(c) for c in r.without_plans]
            for s in r.shared:
                out[f"rollup/{code}/{office}/shared/{s.code}"] = frame_digest(s.rows) + [
                    [list(a) for a in s.absent]
                ]
    return out


def province_cities_slice(into: Path) -> Path:
    """The benchmark's roll-up layout at a small scale: the province slice's units in ten city plans."""
    from tests.portal.assessment_worlds import SLICE_ROUNDS, SLICE_UNITS, _bench_module

    generate = _bench_module("generate")
    views = _bench_module("bench_province_views")
    gen = generate.generate(
        into / "gen", generate.Scale(SLICE_UNITS, rounds=SLICE_ROUNDS), workbooks=False, log=lambda _: None
    )
    return views.world(gen, into / "world", cities=True)


def every_digest(filled_demo: Path, tmp: Path) -> dict[str, dict]:
    from portal.core.context import Portal
    from tests.portal.assessment_worlds import province_slice

    return {
        "demo": digests(Portal.open(filled_demo)),
        "slice": digests(Portal.open(province_slice(tmp / "one"))),
        "cities": digests(Portal.open(province_cities_slice(tmp / "cities"))),
    }


def main() -> None:
    import os
    import shutil

    from portal.accounts import auth
    from portal.core.context import Portal
    from portal.ops.init import init_portal
    from tests.conftest import TEST_HASHER

    os.environ["PORTAL_READ_CACHE"] = "0"
    auth._hasher = TEST_HASHER
    with tempfile.TemporaryDirectory(prefix="views-expected-") as tmp:
        home = Path(tmp) / "demo"
        home.mkdir()
        init_portal(Portal.open(home), demo=True)
        stored = every_digest(home, Path(tmp))
        shutil.rmtree(home)
    lines = [
        json.dumps([world, key, stored[world][key]], ensure_ascii=False, separators=(",", ":"))
        for world in sorted(stored)
        for key in sorted(stored[world])
    ]
    EXPECTED.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(EXPECTED, {k: len(v) for k, v in stored.items()})


if __name__ == "__main__":
    main()


def stored() -> dict[str, dict[str, list]]:
    """The stored file: {world: {key: digest}} (one JSON line per key)."""
    out: dict[str, dict[str, list]] = {}
    for line in EXPECTED.read_text(encoding="utf-8").splitlines():
        world, key, value = json.loads(line)
        out.setdefault(world, {})[key] = value
    return out
