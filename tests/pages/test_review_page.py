"""审核 page: the office's queue, a submission beside the previous quarter, approve/return, extensions."""

import datetime as dt
import io

import pytest
from apptest_support import UNIT, audit, page, signed_in, texts
from PIL import Image

from portal.accounts.auth import Account
from portal.core import labels as L
from portal.reporting import workflow as wf
from portal.reporting.templates import build_unit_template
from schemas.enums import Role
from tests.xlsx_fill import fill_valid

REPORTER = Account("rep1", "填报员", Role.UNIT_REPORTER, UNIT)
OFFICE = Account("office1", "办公室", Role.OFFICE_REVIEWER, None)


def _rows(portal, sql, params=()):
    with portal.warehouse.connect() as con:
        return con.execute(sql, list(params)).fetchall()


def _submitted(portal) -> int:
    data = fill_valid(build_unit_template(portal, UNIT, "2025Q3").data)
    result = wf.upload(portal, REPORTER, UNIT, "2025Q3", "填报.xlsx", data)
    assert result.accepted, result.report
    return result.submission_id


def _table(at, column):
    found = [d.value for d in at.dataframe if column in d.value.columns]
    return found[0] if found else None


def review_page():
    at = page(signed_in("office1"), "review.py")
    assert not at.exception, at.exception
    return at


def test_an_empty_queue_says_so_and_still_offers_extensions(site):
    at = review_page()
    assert texts(at.title) == [L.PAGE_REVIEW]
    assert L.REVIEW_QUEUE_EMPTY in texts(at.info)
    assert at.button(key="review_ext_submit").label == L.REVIEW_EXT_SUBMIT


def test_the_office_sees_the_submission_beside_the_previous_quarter_and_approves_it(site):
    sid = _submitted(site)
    at = review_page()
    queue = _table(at, "佐证材料数")
    assert list(queue["报送编号"]) == [sid] and list(queue["单位名称"]) == ["创新创业服务中心"]
    assert at.selectbox(key="review_pick").value == sid
    values = _table(at, "上季度已通过值")
    assert values is not None and len(values) > 0
    assert _table(at, "上季度进度（%）") is not None
    assert at.download_button(key="review_original_download").label == L.REPORT_ORIGINAL_DOWNLOAD
    assert at.button(key="review_approve").label == L.REVIEW_APPROVE
    at.text_area(key="review_comment").input("数据完整,同意。")
    at = at.button(key="review_approve").click().run()
    assert not at.exception, at.exception
    assert texts(at.success) == [f"{UNIT} 2025Q3 第 1 版已通过。"]
    assert _rows(site, "SELECT status FROM submissions WHERE id = ?", [sid]) == [("approved",)]
    assert _rows(site, "SELECT decision, comment, reviewer FROM reviews") == [
        ("approve", "数据完整,同意。", "office1")
    ]
    assert audit(site, "submission.approve")[0][:2] == ("office1", str(sid))
    assert L.REVIEW_QUEUE_EMPTY in texts(at.info)


def test_the_office_returns_with_a_comment_and_a_per_item_comment(site):
    sid = _submitted(site)
    at = review_page()
    code = _rows(site, "SELECT indicator FROM indicator_values WHERE submission_id = ? LIMIT 1", [sid])[0][0]
    at.text_area(key="review_comment").input("请补充数据来源")
    at = at.multiselect(key="review_items").select(f"indicator:{code}").run()
    at.text_input(key=f"review_item_indicator:{code}").input("与统计公报不一致")
    at = at.button(key="review_return").click().run()
    assert not at.exception, at.exception
    assert texts(at.success) == [f"{UNIT} 2025Q3 第 1 版已退回，含 1 条逐项意见。"]
    assert _rows(site, "SELECT status FROM submissions WHERE id = ?", [sid]) == [("returned",)]
    assert [r[0] for r in _rows(site, "SELECT comment FROM reviews ORDER BY id")] == [
        "请补充数据来源",
        "与统计公报不一致",
    ]


def test_returning_without_a_comment_shows_why_and_changes_nothing(site):
    sid = _submitted(site)
    at = review_page().button(key="review_return").click().run()
    assert texts(at.error) == ["退回时必须填写退回意见，说明需要单位修改什么。"]
    assert _rows(site, "SELECT status FROM submissions WHERE id = ?", [sid]) == [("validated",)]


def test_the_queue_filters_by_unit(site):
    _submitted(site)
    at = review_page()
    at = at.selectbox(key="review_unit").set_value("JZKF-JFJ").run()
    assert L.REVIEW_QUEUE_EMPTY in texts(at.info)
    at = at.selectbox(key="review_unit").set_value(UNIT).run()
    assert len(_table(at, "佐证材料数")) == 1


def test_the_office_grants_an_extension_from_the_page(site):
    at = review_page()
    at = at.selectbox(key="review_ext_round").set_value("2025Q3").run()
    at.selectbox(key="review_ext_unit").set_value(UNIT)
    at.date_input(key="review_ext_due").set_value(dt.date(2025, 10, 30))
    at.text_input(key="review_ext_reason").input("系统故障")
    at = at.button(key="review_ext_submit").click().run()
    assert not at.exception, at.exception
    assert texts(at.success) == [f"已批准 {UNIT} 在 2025Q3 轮次延期至 2025-10-30（延期编号 1）。"]
    assert _rows(site, "SELECT unit, due_date, reason, granted_by FROM extensions") == [
        (UNIT, dt.date(2025, 10, 30), "系统故障", "office1")
    ]
    listed = _table(at, "延期编号")
    assert list(listed["单位代码"]) == [UNIT] and list(listed["状态"]) == ["生效"]


def test_the_extension_form_picks_no_unit_and_offers_only_units_that_owe_the_round(site):
    at = review_page()
    picker = at.selectbox(key="review_ext_unit")
    assert picker.value is None
    assert UNIT in picker.options or any(UNIT in o for o in picker.options)
    assert not any("CJZY" in o for o in picker.options)  # 长江中游城市群 has nothing to report


def test_the_office_revokes_an_extension_from_the_list(site):
    wf.grant_unit_extension(site, OFFICE, "2025Q3", UNIT, dt.date(2025, 10, 30), "系统故障")
    at = review_page()
    at = at.selectbox(key="review_ext_round").set_value("2025Q3").run()
    at.text_input(key="review_ext_revoke_reason").input("误批")
    at = at.button(key="review_ext_revoke_submit").click().run()
    assert not at.exception, at.exception
    assert texts(at.success) == [
        f"已撤销 {UNIT} 在 2025Q3 轮次的延期（延期编号 1），截止日期恢复为 2025-10-15。"
    ]
    assert list(_table(at, "延期编号")["状态"]) == ["已撤销"]
    assert list(_table(at, "延期编号")["撤销理由"]) == ["误批"]


def test_a_closed_round_needs_the_confirmation_box_and_says_what_changes(site):
    at = review_page()
    at = at.selectbox(key="review_ext_round").set_value("2025Q2").run()
    at.selectbox(key="review_ext_unit").set_value(UNIT)
    at.date_input(key="review_ext_due").set_value(dt.date(2025, 7, 30))
    at.text_input(key="review_ext_reason").input("补登")
    at = at.button(key="review_ext_submit").click().run()
    (refusal,) = texts(at.error)
    assert "轮次 2025Q2 已截止" in refusal and "截止日期将由 2025-07-15 改为 2025-07-30" in refusal
    assert L.REVIEW_EXT_CONFIRM in refusal
    assert _rows(site, "SELECT count(*) FROM extensions") == [(0,)]
    at = at.selectbox(key="review_ext_round").set_value("2025Q2").run()
    at.selectbox(key="review_ext_unit").set_value(UNIT)
    at.date_input(key="review_ext_due").set_value(dt.date(2025, 7, 30))
    at.text_input(key="review_ext_reason").input("补登")
    at.checkbox(key="review_ext_confirm").check()
    at = at.button(key="review_ext_submit").click().run()
    assert texts(at.error) == [] and "已按确认修改" in texts(at.success)[0]


@pytest.mark.parametrize("username", ["rep1", "eval1", "boss"])
def test_only_the_office_has_the_review_page(site, username):
    at = signed_in(username)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("../../pages/review.py")


def test_the_reviewer_sees_the_units_evidence_and_can_download_it(site):
    sid = _submitted(site)
    buf = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buf, "PNG")
    assert wf.upload_evidence(site, REPORTER, sid, "现场照片.png", buf.getvalue()).ok
    at = review_page()
    evidence = _table(at, "文件类型")
    assert evidence is not None and list(evidence["文件名"]) == ["现场照片.png"]
    assert at.selectbox(key="review_evidence_pick").value is not None
    assert at.download_button(key="review_evidence_download").label == L.EVIDENCE_DOWNLOAD
