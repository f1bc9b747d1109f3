"""A newer upload after approval: current at once, but the KPI keeps the approved values until it is reviewed."""

from __future__ import annotations

from portal.reporting.review import APPROVE, RETURN, review
from portal.reporting.submissions import ingest
from portal.reporting.templates import build_unit_template
from schemas.enums import SubmissionStatus
from tests.actors import OFFICE
from tests.xlsx_fill import fill_valid
from warehouse.views import kpi_progress


def _owned_stock(portal) -> tuple[str, str]:
    with portal.warehouse.connect() as con:
        return con.execute(
            "SELECT o.unit, i.code FROM indicator_owners o JOIN indicators i ON i.code = o.indicator "
            "WHERE o.position = 0 AND i.kind = 'cumulative' ORDER BY i.code LIMIT 1"
        ).fetchall()[0]


def _actual(portal, indicator: str) -> tuple[float, int]:
    with portal.warehouse.connect() as con:
        row = kpi_progress(con, "2025Q3").filter(indicator=indicator).row(0, named=True)
    return row["actual"], row["actual_submission"]


def test_the_approved_values_stand_until_the_newer_upload_is_approved(demo_portal):
    unit, indicator = _owned_stock(demo_portal)
    template = build_unit_template(demo_portal, unit, "2025Q3").data

    def upload(value: float):
        result = ingest(demo_portal, OFFICE, fill_valid(template, indicators={indicator: value}), "t.xlsx")
        assert result.accepted, result.report.issues
        return result.submission_id

    v1 = upload(100)
    review(demo_portal, OFFICE, v1, APPROVE, "通过")
    v2 = upload(120)
    assert _actual(demo_portal, indicator) == (100, v1)  # v2 awaits review: v1 still counts
    review(demo_portal, OFFICE, v2, RETURN, "请核实")
    assert _actual(demo_portal, indicator) == (100, v1)  # a returned correction takes nothing away
    v3 = upload(130)
    review(demo_portal, OFFICE, v3, APPROVE, "通过")
    assert _actual(demo_portal, indicator) == (130, v3)
    with demo_portal.warehouse.connect() as con:
        statuses = dict(con.execute("SELECT id, status FROM submissions").fetchall())
    assert statuses == {
        v1: SubmissionStatus.SUPERSEDED,
        v2: SubmissionStatus.SUPERSEDED,
        v3: SubmissionStatus.APPROVED,
    }


def test_a_return_after_approval_withdraws_the_approved_values(demo_portal):
    unit, indicator = _owned_stock(demo_portal)
    template = build_unit_template(demo_portal, unit, "2025Q3").data
    v1 = ingest(
        demo_portal, OFFICE, fill_valid(template, indicators={indicator: 100}), "t.xlsx"
    ).submission_id
    review(demo_portal, OFFICE, v1, APPROVE, "通过")
    review(demo_portal, OFFICE, v1, RETURN, "发现口径错误,撤回通过")
    v2 = ingest(demo_portal, OFFICE, fill_valid(template, indicators={indicator: 90}), "t.xlsx").submission_id
    actual, submission = _actual(demo_portal, indicator)
    assert submission not in (v1, v2)  # neither counts: v1 was returned, v2 is not reviewed yet
