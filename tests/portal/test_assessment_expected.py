"""The annual assessment gives exactly the numbers and texts it gave before it was made fast at
province scale (issue 23: year-end view written for its case, task reports from approved_tasks, texts
built when read): every unit's points, total, rank, grade, note and every line (numbers, rule, source,
basis text) of every plan and year of the filled demo and of a generated province slice, against the
expected output stored from the code as it was (tests/portal/data/assessment_expected.json, written by
tests/portal/assessment_expected.py on main a15ad4e; stored again in session 14 when the texts took
full-width punctuation, after checking that the old code still gave the stored file, that every line's
numbers, sources and cells were unchanged and that each note differed only in its punctuation)."""

from __future__ import annotations

import json

import pytest

from portal.assessment.assess import assess
from tests.actors import EVALUATOR
from tests.portal.assessment_expected import EXPECTED, digest
from tests.portal.assessment_worlds import plan_years, province_slice

STORED = json.loads(EXPECTED.read_text(encoding="utf-8"))


def _differences(prefix: str, portal, one_by_one: bool = False) -> list[str]:
    wrong, seen = [], 0
    for plan, year in plan_years(portal):
        key = f"{prefix}/{plan}/{year}"
        got = digest(assess(portal, EVALUATOR, plan, year), one_by_one=one_by_one)["units"]
        want = STORED[key]["units"]
        seen += 1
        if [u[0] for u in got] != [u[0] for u in want]:
            wrong.append(f"{key}: unit order {[u[0] for u in got]} != {[u[0] for u in want]}")
        wrong += [f"{key}: {g} != {w}" for g, w in zip(got, want, strict=False) if g != w]
    assert seen == len([k for k in STORED if k.startswith(prefix + "/")])
    return wrong


@pytest.mark.parametrize("one_by_one", [False, True], ids=["whole table", "unit by unit"])
def test_every_plan_and_year_of_the_filled_demo_scores_as_stored(filled_demo_portal, one_by_one):
    assert _differences("demo", filled_demo_portal, one_by_one) == []


def test_a_generated_province_slice_scores_as_stored(tmp_path):
    """60 units, 8 rounds, deductions, vetoes and self-scores (bench/bench_province_views.py's world)."""
    from portal.core.context import Portal

    portal = Portal.open(province_slice(tmp_path))
    assert _differences("slice", portal) == []
    assert _differences("slice", portal, one_by_one=True) == []


def test_the_stored_expectation_has_real_scores_to_compare():
    """Not a file of zeros: graded units, deductions, a veto and self-scores are in it."""
    rows = [u for key in STORED for u in STORED[key]["units"]]
    assert len(rows) > 300 and len({u[-1] for u in rows}) > 300  # distinct lines per unit
    assert any(u[9] > 60 for u in rows) and any(u[13] for u in rows) and any(u[10] for u in rows)
    assert {"优秀", "良好"} & {u[12] for u in rows}
