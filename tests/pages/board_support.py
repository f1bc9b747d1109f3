"""Real reports in the demo warehouse for the board pages: pre-filled templates filled with valid
values by openpyxl, ingested, and one of them approved by the office."""

import shutil

from portal.core.context import Portal
from portal.reporting.review import APPROVE, review
from portal.reporting.submissions import ingest
from portal.reporting.templates import build_unit_template
from tests.actors import OFFICE
from tests.xlsx_fill import fill_valid

VALIDATED_UNIT, VALIDATED_NAME = "JZKF-CXCY", "创新创业服务中心"  # reported, awaiting review
APPROVED_UNIT, APPROVED_NAME = "JZKF-JFJ", "经发局"  # reported and approved
ROUND = "2025Q3"


def report(portal) -> None:
    results = {}
    for unit in (VALIDATED_UNIT, APPROVED_UNIT):
        template = build_unit_template(portal, unit, ROUND).data
        results[unit] = ingest(
            portal, OFFICE, fill_valid(template), f"{unit}.xlsx", unit=unit, round_code=ROUND
        )
        assert results[unit].accepted, results[unit].report.issues
    review(portal, OFFICE, results[APPROVED_UNIT].submission_id, APPROVE, "")


def copy_reported(source, home, make_account, people) -> Portal:
    """A private copy of the reported demo under `home`, with one account per person."""
    shutil.copytree(source, home, dirs_exist_ok=True)
    portal = Portal.open(home)
    for username, (role, unit) in people.items():
        make_account(portal, username, role, unit)
    return portal


def reported_home(demo_home, directory):
    """The demo warehouse with the two reports (tests/pages/conftest.py builds it once per test run)."""
    shutil.copytree(demo_home, directory, dirs_exist_ok=True)
    report(Portal.open(directory))
    return directory
