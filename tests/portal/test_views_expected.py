"""KPI progress, task progress, completion, their boards and the roll-up give exactly what they gave
before they were made fast at province scale (issue 23): every frame of every round, plan and office
of the filled demo and of two generated province slices (one plan; ten city plans for the roll-up),
against the digests stored from the code as it was (tests/portal/data/views_expected.json, written by
tests/portal/views_expected.py on main ab1be2d; the seven task-progress frames holding the demo's
progress texts stored again in session 14, when those texts took full-width punctuation: every other
frame, and those frames without their text columns, were unchanged)."""

from __future__ import annotations

import pytest

from portal.core.context import Portal
from tests.portal.assessment_worlds import province_slice
from tests.portal.views_expected import digests, province_cities_slice, stored

STORED = stored()


def _differences(world: str, portal) -> list[str]:
    got, want = digests(portal), STORED[world]
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    return (
        [f"missing {k}" for k in missing]
        + [f"extra {k}" for k in extra]
        + [f"{world}/{k}: {got[k]} != {want[k]}" for k in sorted(set(got) & set(want)) if got[k] != want[k]]
    )


def test_every_view_of_the_filled_demo_gives_what_it_gave(filled_demo_portal):
    assert _differences("demo", filled_demo_portal) == []


@pytest.mark.slow  # generates a province slice through bench/generate.py and reads every board of it
def test_every_view_of_a_generated_province_slice_gives_what_it_gave(tmp_path):
    """60 units under one province office, 8 rounds, every unit approved in every round."""
    assert _differences("slice", Portal.open(province_slice(tmp_path))) == []


@pytest.mark.slow  # ten city plans × 8 rounds of boards and roll-ups (minutes on a shared machine)
def test_the_roll_up_of_ten_generated_city_plans_gives_what_it_gave(tmp_path):
    assert _differences("cities", Portal.open(province_cities_slice(tmp_path))) == []


@pytest.mark.parametrize("world", ["demo", "slice", "cities"])
def test_the_stored_digests_hold_real_rows_to_compare(world):
    """Not a file of empty frames: indicators of every pace, tasks, completion rows and roll-ups."""
    frames = {
        k: v
        for k, v in STORED[world].items()
        if isinstance(v, list) and len(v) >= 3 and isinstance(v[1], int)
    }
    assert sum(v[1] for k, v in frames.items() if k.startswith("kpi_progress/")) > 100
    assert (
        sum(v[1] for k, v in frames.items() if k.startswith("task_progress/") and k.endswith("/long")) > 100
    )
    assert sum(v[1] for k, v in frames.items() if k.startswith("completion/") and k.endswith("/units")) > 100
    assert len({v[2] for k, v in frames.items() if k.startswith("kpi_board/")}) > 5
    if world != "slice":
        assert any(k.startswith("rollup/") for k in frames)
    counts = [v for k, v in STORED[world].items() if k.startswith("kpi_board/") and k.endswith("/counts")]
    assert all(any(c[p] for c in counts) for p in ("green", "yellow", "red"))
