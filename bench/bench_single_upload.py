"""One upload after another in a warm process, as `portal serve` takes them on a deadline day.

    python bench/bench_single_upload.py [--scale city|province] [--uploads 40]

Works on a copy of the generated home (bench/generate.py). The process first ingests 5 uploads
(GX context, Pandera schemas, DuckDB caches warm), then times `portal.submissions.ingest` of
`--uploads` more, each a new version of unit U0000's workbook (differing in one note, so none is
a duplicate). Prints the median and 90th percentile, wall and CPU. Unlike section 1 of
bench_suite.py, nothing else runs in the process before: the suite's reading of the same call
comes after every other measurement of section 1 and was 60-80 ms higher in the same session.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "bench"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from bench_suite import copy_home, variants  # noqa: E402
from generate import CACHE, SCALES, generate  # noqa: E402


def measure(scale: str, uploads: int) -> dict[str, float]:
    from portal.core.context import Portal
    from portal.reporting.submissions import ingest
    from tests.actors import OFFICE

    gen = generate(CACHE / scale, SCALES[scale], log=lambda m: print(m, file=sys.stderr))
    with tempfile.TemporaryDirectory() as tmp:
        portal = Portal.open(copy_home(gen, Path(tmp)))
        files = variants(gen.workbooks()[0].read_bytes(), uploads + 5)
        for data in files[:5]:
            assert ingest(portal, OFFICE, data, "u.xlsx").accepted
        walls, cpus = [], []
        for data in files[5:]:
            c, s = time.process_time(), time.perf_counter()
            result = ingest(portal, OFFICE, data, "u.xlsx")
            walls.append(time.perf_counter() - s)
            cpus.append(time.process_time() - c)
            assert result.accepted, result.report.codes()

    def p90(xs: list[float]) -> float:
        return sorted(xs)[int(0.9 * (len(xs) - 1))] * 1000

    return {
        "wall median": statistics.median(walls) * 1000,
        "wall p90": p90(walls),
        "CPU median": statistics.median(cpus) * 1000,
        "CPU p90": p90(cpus),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", choices=sorted(SCALES), default="city")
    parser.add_argument("--uploads", type=int, default=40)
    args = parser.parse_args()
    got = measure(args.scale, args.uploads)
    print(f"{args.scale}, {args.uploads} uploads: " + ", ".join(f"{k} {v:.0f} ms" for k, v in got.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
