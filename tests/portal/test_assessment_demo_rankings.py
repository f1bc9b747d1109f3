"""Comparable rankings on the demo under the shipped default scheme (issue 16, item 2).

Before issue 16 the default moved a unit's 60 indicator points to tasks when it owned no indicator
("reweight") and scored a 配合 unit only against its own share of its tasks, so the share did not
matter: 襄阳高新区 ranked first in 襄阳 with 100.00 from one task on which it is only 配合 (share
0.1) of the 襄阳 science plan XYKX, and in 益阳 the three top units owned no indicator while 益阳市科学技术局, which holds most of
the plan, came 4th. The default now scores absolute item points: each indicator is worth 10 ×
weight and each task 10 × weight × the unit's share (lead 0.7, helpers share 0.3), summed and capped
at the component's points; a component with nothing assigned scores 0 instead of taking over the
other's points. So a unit earns what it carries: one helper's share of one task is worth 1 point at
most (襄阳高新区 now shows its 1 point of tasks beside its reporting points, below units that
carry more), and in 益阳 the plan's main holder, with most indicators and tasks, leads its group.
"""

import pytest

from portal.assessment.assess import assess
from tests.actors import EVALUATOR


@pytest.fixture(scope="module")
def demo(_filled_demo_home, tmp_path_factory):
    import shutil

    from portal.core.context import Portal

    home = tmp_path_factory.mktemp("demo-rankings")
    shutil.copytree(_filled_demo_home, home, dirs_exist_ok=True)
    portal = Portal.open(home)
    return {plan: assess(portal, EVALUATOR, plan, 2025) for plan in ("XYKX", "YY")}


def _by_name(a):
    return {u.name: u for u in a.units}


def test_a_helper_with_one_task_no_longer_tops_the_plan(demo):
    a = demo["XYKX"]
    assert a.ok, [i.message for i in a.report.issues]
    park = _by_name(a)["襄阳高新区"]
    assert [(line.role, line.share) for line in park.tasks] == [("helper", pytest.approx(0.1))]
    assert park.task_score <= 1.0 and park.indicator_score == 0  # 10 × 0.1 at most; no indicators: 0
    # it earns its 1 point of tasks and its reporting points: no longer the best of the plan
    assert park.total < max(u.total for u in a.units)
    assert park.total == park.task_score + park.reporting_score


def test_the_main_holder_of_the_plan_ranks_first_in_yiyang(demo):
    a = demo["YY"]
    units = _by_name(a)
    main = units["益阳市科学技术局"]
    group = [u for u in a.units if u.group == main.group]
    assert main.rank == 1 and main.total == max(u.total for u in group)
    # nobody without indicators is above a unit that has them and the same task score
    assert all(u.indicator_score == 0 for u in group if not u.indicators)
