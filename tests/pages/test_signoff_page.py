"""单位审核 page: the sign-off account sees its unit's uploads awaiting it, confirms or sends back."""

import pytest
from apptest_support import UNIT, audit, page, signed_in, texts

from portal.core import labels as L
from portal.reporting import workflow as wf
from portal.reporting.templates import build_unit_template
from schemas.enums import Role
from tests.conftest import account_in
from tests.xlsx_fill import fill_valid


@pytest.fixture
def leader_site(site):
    """The page site with a sign-off account for the demo unit (password pw-leader1-123)."""
    account_in(site, "leader1", Role.UNIT_LEADER, unit=UNIT)
    return site


def _waiting(portal) -> int:
    clerk = account_in(portal, "clerk1", Role.UNIT_REPORTER, unit=UNIT)
    data = fill_valid(build_unit_template(portal, UNIT, "2025Q3").data)
    result = wf.upload(portal, clerk, UNIT, "2025Q3", "填报.xlsx", data)
    assert result.awaiting_sign_off, result.summary
    return result.submission_id


def _status(portal, sid) -> str:
    with portal.warehouse.connect() as con:
        return con.execute("SELECT status FROM submissions WHERE id = ?", [sid]).fetchall()[0][0]


def signoff_page():
    at = page(signed_in("leader1"), "signoff.py")
    assert not at.exception, at.exception
    return at


def test_nothing_awaiting_says_so(leader_site):
    at = signoff_page()
    assert texts(at.title) == [L.PAGE_SIGNOFF]
    assert texts(at.info) == [L.SIGNOFF_EMPTY]


def test_the_sign_off_account_sees_the_upload_with_its_values_and_confirms_it(leader_site):
    sid = _waiting(leader_site)
    at = signoff_page()
    assert at.selectbox(key="signoff_pick").value == sid
    assert at.download_button(key="signoff_original_download").label == L.REPORT_ORIGINAL_DOWNLOAD
    assert any("上季度已通过值" in d.value.columns for d in at.dataframe)
    at.text_area(key="signoff_comment").input("已核对")
    at = at.button(key="signoff_confirm").click().run()
    assert not at.exception, at.exception
    assert any("已审核确认" in s for s in texts(at.success))
    assert texts(at.info) == [L.SIGNOFF_EMPTY]
    assert _status(leader_site, sid) == "validated"
    assert [(a, t) for a, t, _ in audit(leader_site, "submission.sign_off")] == [("leader1", str(sid))]

    office = page(signed_in("office1"), "review.py")
    assert not office.exception, office.exception
    assert office.selectbox(key="review_pick").value == sid
    captions = texts(office.caption)
    assert any(c.startswith("单位审核：leader1 于 ") for c in captions)
    assert "单位审核意见：已核对" in captions


def test_sending_back_needs_a_comment_and_then_the_clerk_sees_it(leader_site):
    sid = _waiting(leader_site)
    at = signoff_page()
    at = at.button(key="signoff_send_back").click().run()
    assert (
        any("必须填写意见" in e for e in texts(at.error)) and _status(leader_site, sid) == "awaiting_sign_off"
    )
    at.text_area(key="signoff_comment").input("请补充第二季度数据说明")
    at = at.button(key="signoff_send_back").click().run()
    assert any("已退回填报员" in s for s in texts(at.success))
    assert _status(leader_site, sid) == "sent_back"

    clerk = page(signed_in("clerk1"), "report.py")
    assert not clerk.exception, clerk.exception
    assert any("请补充第二季度数据说明" in w for w in texts(clerk.warning))
