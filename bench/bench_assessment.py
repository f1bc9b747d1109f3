"""Time the annual assessment and the quarterly bulletin on the demo, fully reported and approved.

    python bench/bench_assessment.py [--repeat 5]

Fills a demo portal like bench_views.py (one approved submission per expected unit and round,
2024Q1..2025Q3), then prints the median time of `assess` and of writing the 年度考核表 for each
plan (2024, the last complete year), and of `bulletin` + its workbook for 2025Q3, with the pages
each workbook was laid out to print on. Numbers are for a warm process.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_views import fill  # noqa: E402

from portal.accounts.auth import system_actor  # noqa: E402
from portal.assessment.assess import assess  # noqa: E402
from portal.assessment.assessment_xlsx import assessment_workbook  # noqa: E402
from portal.core.context import Portal  # noqa: E402
from portal.monitoring.bulletin import bulletin  # noqa: E402
from portal.monitoring.bulletin_xlsx import bulletin_workbook  # noqa: E402
from portal.ops.init import init_portal  # noqa: E402


def median_ms(run, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="bench-assess-"))
    (home / "settings.toml").write_text('secret_key = "bench"\n', encoding="utf-8")
    portal, _ = init_portal(Portal.open(home), demo=True)
    n = fill(portal)
    office = portal.settings.office_name
    print(f"{n} approved submissions; median of {args.repeat} runs")
    print("| plan | units | assess | workbook | pages | size |")
    print("|---|---|---|---|---|---|")
    for plan in ("XY", "XYKX", "JZ", "SY", "YY"):
        t_assess, a = median_ms(lambda plan=plan: assess(portal, system_actor(), plan, 2024), args.repeat)
        t_book, book = median_ms(lambda a=a: assessment_workbook(a, office), args.repeat)
        print(
            f"| {plan} | {len(a.units)} | {t_assess:.0f} ms | {t_book:.0f} ms | {book.total_pages} "
            f"| {len(book.data) // 1024} KB |"
        )
    t_b, b = median_ms(lambda: bulletin(portal, "2025Q3"), args.repeat)
    t_bb, bb = median_ms(lambda: bulletin_workbook(b, office), args.repeat)
    print(
        f"\nbulletin 2025Q3: gather {t_b:.0f} ms, workbook {t_bb:.0f} ms, {bb.total_pages} pages, "
        f"{b.completion.expected} units, red list {b.red_list.height}, tasks behind {b.tasks_behind.height}"
    )


if __name__ == "__main__":
    main()
