"""数据上报 page: a unit uploads its filled template, reads the report, attaches evidence, sees history."""

import io

import pytest
from apptest_support import UNIT, audit, page, signed_in, texts
from PIL import Image

from portal.accounts.auth import Account
from portal.core import labels as L
from portal.reporting import workflow as wf
from portal.reporting.templates import build_unit_template
from schemas.enums import Role
from tests.xlsx_fill import fill_valid, template_rows

OTHER = "JZKF-JFJ"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPORTER = Account("rep1", "填报员", Role.UNIT_REPORTER, UNIT)
OFFICE = Account("office1", "办公室", Role.OFFICE_REVIEWER, None)


def _template(portal, unit=UNIT) -> bytes:
    return build_unit_template(portal, unit, "2025Q3").data


# AppTest does not find a dataframe by its key: each table is known by a column only it has.
_SIGNATURE = {
    "report_history": "佐证材料数",
    "report_issues": "修改建议",
    "report_evidence_list": "文件类型",
    "report_reviews": "意见对象",
    "report_compare": "修改后",
}


def _frame(at, key):
    found = [d.value for d in at.dataframe if _SIGNATURE[key] in d.value.columns]
    assert len(found) <= 1, key
    return found[0] if found else None


def _rows(portal, sql, params=()):
    with portal.warehouse.connect() as con:
        return con.execute(sql, list(params)).fetchall()


def report_page(username="rep1"):
    at = page(signed_in(username), "report.py")
    assert not at.exception, at.exception
    return at


def _upload(at, name: str, data: bytes):
    at.file_uploader(key="report_file").upload(name, data, XLSX)
    at = at.run()
    at = at.button(key="report_upload").click().run()
    assert not at.exception, at.exception
    return at


def test_a_reporter_sees_its_own_unit_round_and_template_button_without_a_unit_picker(site):
    at = report_page()
    assert texts(at.title) == [L.PAGE_REPORT]
    assert "report_unit" not in [s.key for s in at.selectbox]
    assert "report_round" not in [s.key for s in at.selectbox]
    assert f"创新创业服务中心（{UNIT}）" in texts(at.subheader)
    assert [m.value for m in at.metric][:3] == ["2025Q3", "填报中", "2025-10-15"]
    assert at.download_button(key="report_template_download").label == L.REPORT_TEMPLATE_DOWNLOAD
    assert at.button(key="report_upload").label == L.REPORT_UPLOAD
    assert at.button(key="report_upload").disabled  # nothing chosen yet
    assert texts(at.info) == [L.REPORT_NO_HISTORY]


def test_a_filled_workbook_uploaded_through_the_page_is_accepted_and_shows_in_history(site):
    at = _upload(report_page(), "填报.xlsx", fill_valid(_template(site)))
    assert [s.value for s in at.success][0].startswith(f"{UNIT} 2025Q3：第 1 版，已报送-待审")
    history = _frame(at, "report_history")
    assert list(history["状态"]) == ["已报送-待审"] and list(history["版本"]) == ["第 1 版"]
    assert at.selectbox(key="report_version").value == history["报送编号"][0]
    assert texts(at.success)[-1] == L.REPORT_NO_ISSUES
    assert _rows(site, "SELECT unit, status, uploaded_by FROM submissions") == [(UNIT, "validated", "rep1")]
    assert audit(site, "submission.upload")[0][0] == "rep1"
    assert [m.value for m in at.metric][3] == "已报送-待审"


def test_a_bad_workbook_shows_the_report_table_and_the_annotated_download(site):
    template = _template(site)
    code = next(iter(template_rows(template)["indicator_values"]))
    at = _upload(report_page(), "填报.xlsx", fill_valid(template, indicators={code: "很多"}))
    assert texts(at.error)[0].startswith(f"{UNIT} 2025Q3：未通过校验的上传（报送记录 1），未入库。")
    report = _frame(at, "report_issues")
    assert list(report.columns) == ["级别", "工作表", "单元格", "列", "填写内容", "问题", "修改建议"]
    first = report.iloc[0]
    assert (first["级别"], first["工作表"], first["填写内容"]) == ("错误", "指标填报", "很多")
    assert first["单元格"] and first["修改建议"]
    assert at.download_button(key="report_annotated_download").label == L.REPORT_ANNOTATED_DOWNLOAD
    assert _rows(site, "SELECT status FROM submissions") == [("rejected",)]
    assert _rows(site, "SELECT count(*) FROM indicator_values") == [(0,)]


def test_evidence_is_uploaded_and_listed_through_the_page(site):
    at = _upload(report_page(), "填报.xlsx", fill_valid(_template(site)))
    buf = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buf, "PNG")
    at.file_uploader(key="report_evidence_file").upload("现场照片.png", buf.getvalue(), "image/png")
    at = at.run()
    at = at.button(key="report_evidence_upload").click().run()
    assert not at.exception, at.exception
    assert any(t.startswith("已上传佐证材料“现场照片.png”（PNG 图片）") for t in texts(at.success))
    listed = _frame(at, "report_evidence_list")
    assert list(listed["文件名"]) == ["现场照片.png"] and list(listed["文件类型"]) == ["PNG 图片"]
    assert "佐证编号" in listed.columns and "报送编号" not in listed.columns
    assert list(_frame(at, "report_history")["佐证材料数"]) == [1]  # counted at once, not one behind
    assert at.download_button(key="report_evidence_download").label == L.EVIDENCE_DOWNLOAD
    assert _rows(site, "SELECT uploaded_by, media_type FROM evidence") == [("rep1", "image/png")]


def test_a_file_of_the_wrong_kind_is_refused_as_evidence_with_its_reason(site):
    at = _upload(report_page(), "填报.xlsx", fill_valid(_template(site)))
    photo = io.BytesIO()
    Image.new("RGB", (4, 4)).save(photo, "PNG")  # a real photo, renamed: the content decides the kind
    at.file_uploader(key="report_evidence_file").upload("照片.pdf", photo.getvalue(), "application/pdf")
    at = at.run()
    at = at.button(key="report_evidence_upload").click().run()
    assert any("扩展名 .pdf 与文件实际内容（PNG 图片）不符" in t for t in texts(at.error))
    assert _rows(site, "SELECT count(*) FROM evidence") == [(0,)]


def test_history_shows_review_comments_and_the_v1_to_v2_comparison(site):
    template = _template(site)
    code = next(iter(template_rows(template)["indicator_values"]))
    first = wf.upload(site, REPORTER, UNIT, "2025Q3", "v1.xlsx", fill_valid(template))
    second = wf.upload(
        site, REPORTER, UNIT, "2025Q3", "v2.xlsx", fill_valid(template, indicators={code: {"value": 4321}})
    )
    assert first.accepted and second.accepted
    assert wf.review_submission(site, OFFICE, second.submission_id, wf.RETURN, "请补充说明").ok
    at = report_page()
    history = _frame(at, "report_history")
    assert list(history["审核结论"]) == ["退回", ""]
    assert list(history["状态"]) == ["已退回", "已被新版本替代"]
    trail = _frame(at, "report_reviews")
    assert list(trail["意见"]) == ["请补充说明"]
    assert at.selectbox(key="report_compare_old").value == first.submission_id
    assert at.selectbox(key="report_compare_new").value == second.submission_id
    changes = _frame(at, "report_compare")
    assert {(r["代码"], r["内容"], r["修改后"]) for _, r in changes.iterrows()} >= {(code, "本期值", "4321")}


def test_the_office_picks_a_unit_and_sees_that_units_page(site):
    at = report_page("office1")
    at = at.selectbox(key="report_unit").set_value(OTHER).run()
    assert not at.exception, at.exception
    assert "经发局（JZKF-JFJ）" in texts(at.subheader)
    assert at.selectbox(key="report_round").value == "2025Q3"  # the office may also load closed rounds
    assert "2025Q2" in at.selectbox(key="report_round").options


def test_a_reporter_cannot_reach_another_units_submission_through_the_session(site):
    foreign = wf.upload(site, OFFICE, OTHER, "2025Q3", "jfj.xlsx", fill_valid(_template(site, OTHER)))
    assert foreign.accepted
    at = report_page()
    at.session_state["report_version"] = foreign.submission_id
    at = at.run()
    assert not at.exception, at.exception
    assert texts(at.info) == [L.REPORT_NO_HISTORY]
    shown = " ".join(texts(at.markdown) + texts(at.subheader) + texts(at.caption))
    assert "经发局" not in shown
    assert audit(site, "submission.download") == []


@pytest.mark.parametrize("username", ["eval1", "boss"])
def test_evaluators_and_admins_have_no_upload_page(site, username):
    at = signed_in(username)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("../../pages/report.py")


def test_a_workbook_with_a_far_away_cell_is_refused_on_the_page_and_the_app_keeps_serving(site):
    """Issue #19 finding 1: one cell at XFD1048576 once made the reader ask for 512 GiB and abort
    the whole server. It is refused at its cell before the reader sees it; the next upload works."""
    from tests.validators import hostile

    far = hostile.with_cells("指标填报", ["XFD1048576"])(fill_valid(_template(site)))
    at = _upload(report_page(), "远处单元格.xlsx", far)
    assert texts(at.error)[0].startswith(f"{UNIT} 2025Q3：未通过校验的上传（报送记录 1），未入库。")
    report = _frame(at, "report_issues")
    assert ("指标填报", "XFD1048576") in set(zip(report["工作表"], report["单元格"], strict=True))
    at = _upload(at, "填报.xlsx", fill_valid(_template(site)))
    assert [s.value for s in at.success][0].startswith(
        f"{UNIT} 2025Q3：第 1 版，已报送-待审"
    )  # no version lost to the refused file


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buf, "PNG")
    return buf.getvalue()


def test_the_page_says_yellow_cells_and_the_real_upload_limit_for_xlsx_only(site):
    at = report_page()
    captions = texts(at.caption)
    assert L.REPORT_TEMPLATE_HELP in captions and "黄色单元格" in L.REPORT_TEMPLATE_HELP
    assert "白色单元格" not in L.REPORT_TEMPLATE_HELP.split("（")[0]
    limit = f"单个文件不超过 {site.settings.max_upload_mb} MB"
    assert any(limit in c and ".xlsx" in c and "xls、" not in c and "xlsm" not in c for c in captions)


def _changed(site) -> bytes:
    """A corrected file: one value changed, so it is never the returned file's bytes again (two
    templates built in the same second are byte-identical)."""
    template = _template(site)
    code = next(iter(template_rows(template)["indicator_values"]))
    return fill_valid(template, indicators={code: 4321})


def test_after_a_return_the_clerk_sees_why_who_and_when_until_a_new_upload(site):
    first = wf.upload(site, REPORTER, UNIT, "2025Q3", "v1.xlsx", fill_valid(_template(site)))
    assert wf.review_submission(site, OFFICE, first.submission_id, wf.RETURN, "请补充数据来源").ok
    at = report_page()
    (banner,) = [t for t in texts(at.error) if "退回" in t]
    (who,) = _rows(site, "SELECT display_name FROM users WHERE username = 'office1'")[0]
    assert f"办公室 {who} 于 2025-10-10" in banner and "退回了第 1 版" in banner
    assert "退回原因：请补充数据来源。" in banner
    at = _upload(at, "v2.xlsx", _changed(site))
    assert not [t for t in texts(at.error) if "退回原因" in t]


def test_evidence_is_carried_to_the_resubmission_and_the_clerk_is_told(site):
    first = wf.upload(site, REPORTER, UNIT, "2025Q3", "v1.xlsx", fill_valid(_template(site)))
    assert wf.upload_evidence(site, REPORTER, first.submission_id, "现场照片.png", _png()).ok
    assert wf.review_submission(site, OFFICE, first.submission_id, wf.RETURN, "请补充").ok
    at = _upload(report_page(), "v2.xlsx", _changed(site))
    assert any("已沿用上一版的 1 份佐证材料" in t for t in texts(at.success))
    assert list(_frame(at, "report_history")["佐证材料数"]) == [1, 1]
    at = at.button(key="report_evidence_remove").click().run()
    assert not at.exception, at.exception
    assert any(t.startswith("已移除佐证材料“现场照片.png”") for t in texts(at.success))
    assert list(_frame(at, "report_history")["佐证材料数"]) == [0, 1]  # the first version keeps its own


def test_a_rejected_attempt_is_no_version_and_the_next_accepted_upload_is_the_first(site):
    template = _template(site)
    code = next(iter(template_rows(template)["indicator_values"]))
    bad = wf.upload(
        site, REPORTER, UNIT, "2025Q3", "bad.xlsx", fill_valid(template, indicators={code: "很多"})
    )
    good = wf.upload(site, REPORTER, UNIT, "2025Q3", "good.xlsx", fill_valid(template))
    assert not bad.accepted and good.accepted and good.ingest.version == 1
    history = _frame(report_page(), "report_history")
    assert list(history["版本"]) == ["第 1 版", "未通过校验的上传（第 1 次）"]


def test_the_office_opens_on_a_unit_that_owes_the_round_and_cannot_upload_for_one_that_does_not(site):
    at = report_page("office1")
    picked = at.selectbox(key="report_unit").value
    assert picked is not None and "-" in picked  # a reporting unit, not a region such as CJZY
    at = at.selectbox(key="report_unit").set_value("CJZY").run()
    assert not at.exception, at.exception
    assert any("没有需要报送的指标或任务" in t for t in texts(at.info))
    assert at.button(key="report_upload").disabled
