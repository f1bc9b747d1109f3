"""Scopes on the demo's organisation tree: what an office account reads and acts on."""

import pytest

from portal.core.errors import NotFound
from portal.core.permissions import PermissionDenied, require, require_record, visible_plans, visible_units
from portal.core.scope import office_scope
from schemas.enums import Role
from tests.conftest import account_in


@pytest.fixture
def scoped(demo_portal):
    with demo_portal.warehouse.connect() as con:
        return {code: office_scope(con, [code]) for code in ("JZKF", "JZ", "XSSS", "YY", "CJZY")}


def test_an_office_acts_on_its_own_plans_units_and_reads_nothing_of_another_city(scoped):
    jzkf = scoped["JZKF"]
    assert jzkf.act_plans == jzkf.read_plans == {"JZ"}
    assert "JZKF-CXCY" in jzkf.act_units and not any(u.startswith("YY") for u in jzkf.read_units)
    assert not jzkf.has_plan("YY") and not jzkf.has_unit("YY-KJJ")


def test_an_upper_office_reads_the_cities_below_it_and_acts_on_none_of_them(scoped):
    cluster = scoped["XSSS"]
    assert cluster.read_plans == {"XY", "XYKX", "SY"}
    assert cluster.act_plans == frozenset()
    assert cluster.has_unit("SY-KJJ") and not cluster.has_unit("SY-KJJ", act=True)
    assert scoped["JZ"].read_plans == {"JZ"} and scoped["JZ"].act_plans == frozenset()


def _office(demo_portal, office):
    return account_in(demo_portal, f"rev_{office.lower()}", Role.OFFICE_REVIEWER, offices=[office])


def test_a_unit_outside_the_scope_is_refused_like_one_that_does_not_exist(demo_portal):
    jzkf = _office(demo_portal, "JZKF")
    with pytest.raises(NotFound) as outside:
        require(jzkf, "submission.view", "YY-KJJ")
    with pytest.raises(NotFound) as missing:
        require(jzkf, "submission.view", "NO-SUCH")
    assert outside.value.message == missing.value.message.replace("NO-SUCH", "YY-KJJ")
    require(jzkf, "submission.review", "JZKF-CXCY")  # its own: allowed


def test_a_record_outside_the_scope_gets_the_missing_records_words(demo_portal):
    jzkf = _office(demo_portal, "JZKF")
    words = "报送记录 7 不存在。"
    for unit in ("YY-KJJ", None):
        with pytest.raises(NotFound) as refused:
            require_record(jzkf, "submission.view", unit, words)
        assert refused.value.message == words


def test_an_upper_office_may_read_below_but_not_decide_there(demo_portal):
    jz = _office(demo_portal, "JZ")
    require(jz, "submission.view", "JZKF-CXCY")
    with pytest.raises(PermissionDenied, match="只读"):
        require(jz, "submission.review", "JZKF-CXCY")
    assert "JZKF-CXCY" not in visible_units(jz, "submission.review")
    assert "JZKF-CXCY" in visible_units(jz, "submission.view")
    assert visible_plans(jz, "kpi.view") == {"JZ"}


def test_platform_work_needs_a_platform_account(demo_portal):
    admin_jz = account_in(demo_portal, "admin_jz", Role.ADMIN, offices=["JZ"])
    with pytest.raises(PermissionDenied, match="全平台"):
        require(admin_jz, "backup.create")
    platform = account_in(demo_portal, "admin_all", Role.ADMIN, platform=True)
    require(platform, "backup.create")
    assert visible_units(platform, "submission.view") is None


def test_an_account_without_offices_sees_nothing(demo_portal):
    nobody = account_in(demo_portal, "rev_none", Role.OFFICE_REVIEWER, offices=[], platform=False)
    assert visible_units(nobody, "submission.view") == frozenset()
    with pytest.raises(NotFound):
        require(nobody, "submission.view", "JZKF-CXCY")
