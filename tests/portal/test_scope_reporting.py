"""Scope in the reporting room: a city's office sees and acts on its own units only; an upper
office reads the city below it but decides nothing there; another city's ids are refused exactly
like ids that do not exist; a template names the office that runs the unit's plans."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from portal.core.errors import NotFound
from portal.core.permissions import OutOfScope, PermissionDenied, missing_unit
from portal.reporting import workflow as wf
from portal.reporting.review import APPROVE, grant_extension
from portal.reporting.submissions import ingest_many
from portal.reporting.templates import build_unit_template, template_context
from schemas.enums import Role
from tests.actors import OFFICE
from tests.conftest import account_in
from tests.portal import evidence_files
from tests.xlsx_fill import fill_valid

ROUND = "2025Q3"
JZKF, YY = "JZKF-CXCY", "YY-KJJ"
MISSING_ID = 999_999
PDF = evidence_files.pdf()


def _accepted(portal, unit: str) -> int:
    data = fill_valid(build_unit_template(portal, unit, ROUND).data)
    result = wf.upload(portal, OFFICE, unit, ROUND, "填报.xlsx", data)
    assert result.accepted, result.report
    return result.submission_id


@pytest.fixture
def cities(demo_portal):
    """A submission awaiting review with one evidence file, for a 荆州经开区 and an 益阳 unit."""
    subs = {unit: _accepted(demo_portal, unit) for unit in (JZKF, YY)}
    evidence = {}
    for unit, sid in subs.items():
        got = wf.upload_evidence(demo_portal, OFFICE, sid, "佐证.pdf", PDF)
        assert got.ok, got.message
        evidence[unit] = got.evidence_id
    return demo_portal, subs, evidence


def _reviewer(portal, office: str):
    return account_in(portal, f"rev_{office.lower()}", Role.OFFICE_REVIEWER, offices=[office])


def _rows(portal, sql, params=()):
    with portal.warehouse.connect() as con:
        return con.execute(sql, list(params)).fetchall()


# ----------------------------------------------------------------------------- listings


@pytest.mark.parametrize(("office", "own", "other"), [("JZKF", JZKF, YY), ("YY", YY, JZKF)])
def test_a_city_reviewer_lists_only_its_own_units(cities, office, own, other):
    portal, subs, _ = cities
    account = _reviewer(portal, office)
    prefix = own.split("-")[0]

    queue = wf.review_queue(portal, account)
    assert queue["id"].to_list() == [subs[own]]
    assert wf.review_queue(portal, account, unit=other).is_empty()

    _rounds, plans, units = wf.review_filters(portal, account)
    assert [code for code, _ in plans] == [office if office == "YY" else "JZ"]
    assert units and all(code.startswith(prefix) for code, _ in units)
    reportable = wf.reportable_units(portal, account)
    assert own in dict(reportable) and all(code.startswith(prefix) for code, _ in reportable)

    assert wf.history(portal, account, own)["id"].to_list() == [subs[own]]
    assert wf.list_evidence(portal, account, subs[own]).height == 1


def test_a_platform_office_still_lists_every_city(cities):
    portal, subs, _ = cities
    assert set(wf.review_queue(portal, OFFICE)["id"].to_list()) == set(subs.values())
    assert {JZKF, YY} <= set(dict(wf.reportable_units(portal, OFFICE)))


# ----------------------------------------------------------------------------- ids of another city


def _by_submission_id(portal, account, sid):
    return [
        lambda: wf.submission_report(portal, account, sid),
        lambda: wf.review_comments(portal, account, sid),
        lambda: wf.review_detail(portal, account, sid),
        lambda: wf.list_evidence(portal, account, sid),
        lambda: wf.evidence_targets(portal, account, sid),
        lambda: wf.original_file(portal, account, sid),
        lambda: wf.annotated_workbook(portal, account, sid),
        lambda: wf.compare_versions(portal, account, sid, sid),
        lambda: wf.upload_evidence(portal, account, sid, "佐证.pdf", PDF),
        lambda: wf.review_submission(portal, account, sid, APPROVE, ""),
    ]


def _refusal(call) -> NotFound:
    with pytest.raises(NotFound) as refused:
        call()
    return refused.value


def test_another_citys_submission_is_refused_exactly_like_a_missing_one(cities):
    portal, subs, _ = cities
    jzkf = _reviewer(portal, "JZKF")
    foreign, missing = subs[YY], MISSING_ID
    for outside, absent in zip(
        _by_submission_id(portal, jzkf, foreign), _by_submission_id(portal, jzkf, missing), strict=True
    ):
        seen, unknown = _refusal(outside), _refusal(absent)
        assert type(seen) is type(unknown)
        assert seen.message == f"报送记录 {foreign} 不存在。"
        assert unknown.message == f"报送记录 {missing} 不存在。"
    assert _rows(portal, "SELECT status FROM submissions WHERE id = ?", [foreign]) == [("validated",)]
    assert _rows(portal, "SELECT count(*) FROM evidence") == [(2,)]


def test_another_citys_evidence_is_refused_exactly_like_a_missing_file(cities):
    portal, _, evidence = cities
    yy = _reviewer(portal, "YY")
    foreign = _refusal(lambda: wf.download_evidence(portal, yy, evidence[JZKF]))
    unknown = _refusal(lambda: wf.download_evidence(portal, yy, MISSING_ID))
    assert type(foreign) is type(unknown)
    assert foreign.message == f"佐证材料 {evidence[JZKF]} 不存在。"
    assert unknown.message == f"佐证材料 {MISSING_ID} 不存在。"
    assert wf.download_evidence(portal, yy, evidence[YY]).data == PDF


def _by_unit(portal, account, unit):
    due = dt.date(2025, 11, 30)
    return [
        lambda: wf.download_template(portal, account, unit, ROUND),
        lambda: wf.template_problem(portal, account, unit, ROUND),
        lambda: wf.report_round(portal, account, unit),
        lambda: wf.upload_rounds(portal, account, unit),
        lambda: wf.upload(portal, account, unit, ROUND, "填报.xlsx", b"not read"),
        lambda: wf.history(portal, account, unit),
        lambda: wf.grant_unit_extension(portal, account, ROUND, unit, due, "材料待补"),
    ]


def test_another_citys_unit_is_refused_exactly_like_a_missing_one(cities):
    portal, _, _ = cities
    jzkf = _reviewer(portal, "JZKF")
    for outside, absent in zip(_by_unit(portal, jzkf, YY), _by_unit(portal, jzkf, "NO-SUCH"), strict=True):
        seen, unknown = _refusal(outside), _refusal(absent)
        assert type(seen) is type(unknown) is OutOfScope
        assert (seen.message, unknown.message) == (missing_unit(YY), missing_unit("NO-SUCH"))
    assert _rows(portal, "SELECT count(*) FROM extensions") == [(0,)]
    assert _rows(portal, "SELECT count(*) FROM audit_log WHERE action = 'template.download'") == [(0,)]


def test_an_extension_for_a_unit_that_does_not_exist_is_not_found_in_the_scoped_words(demo_portal):
    due = dt.date(2025, 11, 30)
    with pytest.raises(NotFound) as refused:
        grant_extension(demo_portal, OFFICE, ROUND, "NO-SUCH", due, "材料待补")
    assert refused.value.message == missing_unit("NO-SUCH")


def test_a_batch_file_of_another_city_is_reported_as_an_unknown_unit_and_not_recorded(cities):
    portal, subs, _ = cities
    jzkf = _reviewer(portal, "JZKF")
    foreign = fill_valid(build_unit_template(portal, "YY-FGW", ROUND).data)
    own = fill_valid(build_unit_template(portal, "JZKF-CZJ", ROUND).data)
    out = ingest_many(portal, jzkf, [("益阳.xlsx", foreign), ("经开区.xlsx", own)])
    assert out[0].submission_id is None
    assert [i.code for i in out[0].report.errors] == ["unknown-unit"]
    assert out[1].accepted
    assert _rows(portal, "SELECT unit FROM submissions WHERE unit IN ('YY-FGW', 'JZKF-CZJ')") == [
        ("JZKF-CZJ",)
    ]


# ----------------------------------------------------------------------------- the office above


def test_an_upper_office_reads_the_city_below_but_decides_nothing_there(cities):
    portal, subs, evidence = cities
    jz = _reviewer(portal, "JZ")
    sid = subs[JZKF]

    assert wf.review_detail(portal, jz, sid).submission["unit"] == JZKF
    assert wf.history(portal, jz, JZKF)["id"].to_list() == [sid]
    assert wf.original_file(portal, jz, sid).data
    assert wf.download_evidence(portal, jz, evidence[JZKF]).data == PDF
    assert wf.review_queue(portal, jz).is_empty()  # nothing it could decide
    assert JZKF not in dict(wf.reportable_units(portal, jz))

    due = dt.date(2025, 11, 30)
    for call in (
        lambda: wf.review_submission(portal, jz, sid, APPROVE, ""),
        lambda: wf.upload_evidence(portal, jz, sid, "佐证.pdf", PDF),
        lambda: wf.download_template(portal, jz, JZKF, ROUND),
        lambda: wf.upload(portal, jz, JZKF, ROUND, "填报.xlsx", b"not read"),
        lambda: wf.grant_unit_extension(portal, jz, ROUND, JZKF, due, "材料待补"),
    ):
        with pytest.raises(PermissionDenied, match="只读") as refused:
            call()
        assert not isinstance(refused.value, NotFound)
    assert _rows(portal, "SELECT status FROM submissions WHERE id = ?", [sid]) == [("validated",)]
    # ... and another city is as unknown to it as to the city's own neighbour
    assert _refusal(lambda: wf.review_detail(portal, jz, subs[YY])).message == f"报送记录 {subs[YY]} 不存在。"


# ----------------------------------------------------------------------------- template header


@pytest.mark.parametrize(
    ("unit", "office", "phone"),
    [
        (JZKF, "荆州经开区创新创业服务中心", "0716-5550208"),
        (YY, "益阳市科学技术局", "0737-5550210"),
        ("XY-KJJ", "襄阳市推进科技创新领导小组办公室", "0710-5550203"),  # plans XY and XYKX, one office
    ],
)
def test_a_template_names_the_office_running_the_units_plan(demo_portal, unit, office, phone):
    ctx = template_context(demo_portal, unit, ROUND)
    assert ctx.office_name == office and phone in ctx.office_contact
    book = load_workbook(io.BytesIO(wf.download_template(demo_portal, OFFICE, unit, ROUND).data))
    sheet = book[book.sheetnames[0]]
    assert sheet["A2"].value == office
    assert book.properties.creator == office


def test_a_unit_in_plans_of_two_cities_gets_the_office_above_both(demo_portal):
    with demo_portal.warehouse.transaction() as con:
        con.execute("UPDATE plans SET office = 'SY' WHERE code = 'XYKX'")  # 十堰, beside 襄阳
    ctx = template_context(demo_portal, "XY-KJJ", ROUND)
    assert ctx.office_name == "襄十随神城市群科技创新协同发展领导小组办公室"
    assert "0710-5550202" in ctx.office_contact
