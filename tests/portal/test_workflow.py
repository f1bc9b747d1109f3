"""The permission-wrapped workflow: uploads, history, review, extensions and evidence, per role."""

import datetime as dt
import io
import re
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from PIL import Image

from portal.accounts.auth import Account
from portal.core.context import Portal
from portal.core.errors import NotFound
from portal.core.permissions import PermissionDenied
from portal.reporting import workflow as wf
from portal.reporting.review import ItemComment, review
from portal.reporting.submissions import ingest
from portal.reporting.templates import build_unit_template
from schemas.enums import Role
from tests.portal import evidence_files
from tests.xlsx_fill import fill_valid, template_rows

UNIT = "JZKF-CXCY"
OTHER = "JZKF-JFJ"
ROUND = "2025Q3"

REPORTER = Account("rep1", "填报员", Role.UNIT_REPORTER, UNIT)
OFFICE = Account("office1", "办公室", Role.OFFICE_REVIEWER, None)
EVALUATOR = Account("eval1", "考核", Role.EVALUATOR, None)
ADMIN = Account("boss", "管理员", Role.ADMIN, None)


def _template(portal, unit=UNIT, round_code=ROUND) -> bytes:
    return build_unit_template(portal, unit, round_code).data


def _rows(portal, sql, params=()):
    with portal.warehouse.connect() as con:
        return con.execute(sql, list(params)).fetchall()


def _audit(portal, action):
    return _rows(portal, "SELECT actor, target FROM audit_log WHERE action = ? ORDER BY id", [action])


def _accepted(portal, account=REPORTER, unit=UNIT, **indicators) -> int:
    result = wf.upload(
        portal, account, unit, ROUND, "填报.xlsx", fill_valid(_template(portal, unit), indicators)
    )
    assert result.accepted, result.report
    return result.submission_id


def _first_indicator(portal, submission_id) -> str:
    return _rows(
        portal,
        "SELECT indicator FROM indicator_values WHERE submission_id = ? ORDER BY indicator",
        [submission_id],
    )[0][0]


# ----------------------------------------------------------------------------- real evidence bytes


def _image(fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, fmt)
    return buf.getvalue()


def _pdf() -> bytes:
    return _image("PDF")


def _xlsx() -> bytes:
    book = Workbook()
    book.active["A1"] = "佐证"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _docx(macro: bool = False) -> bytes:
    """A minimal, valid Word document, as the OOXML parts Word itself writes."""
    return evidence_files.docx(parts={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0macro"} if macro else None)


# ----------------------------------------------------------------------------- templates


def test_a_reporter_downloads_its_own_template_and_the_download_is_audited(demo_portal):
    got = wf.download_template(demo_portal, REPORTER, UNIT, ROUND)
    assert got.file_name.startswith(f"{ROUND}_{UNIT}_") and got.file_name.endswith(".xlsx")
    assert load_workbook(io.BytesIO(got.data)).sheetnames
    assert _audit(demo_portal, "template.download") == [("rep1", f"{ROUND}/{UNIT}")]


@pytest.mark.parametrize(
    ("account", "unit", "words"),
    [
        (REPORTER, OTHER, "您只能访问本单位（JZKF-CXCY）的数据"),
        (EVALUATOR, UNIT, "您的角色（考核评价员）没有此权限"),
    ],
)
def test_a_template_of_another_unit_or_without_the_grant_is_refused(demo_portal, account, unit, words):
    with pytest.raises(PermissionDenied, match=re.escape(words)):
        wf.download_template(demo_portal, account, unit, ROUND)
    assert _audit(demo_portal, "template.download") == []


# ----------------------------------------------------------------------------- upload and history


def test_an_accepted_upload_is_recorded_for_the_unit_shows_in_history_and_is_audited(demo_portal):
    sid = _accepted(demo_portal)
    frame = wf.history(demo_portal, REPORTER, UNIT)
    assert frame.select("id", "round", "version", "status_label").rows() == [(sid, ROUND, 1, "已报送-待审")]
    assert _audit(demo_portal, "submission.upload") == [("rep1", str(sid))]
    assert wf.report_round(demo_portal, REPORTER, UNIT).state == "validated"


@pytest.mark.parametrize("account", [EVALUATOR, ADMIN], ids=["evaluator", "admin"])
def test_evaluators_and_admins_do_not_upload(demo_portal, account):
    with pytest.raises(PermissionDenied, match="无权上传填报数据"):
        wf.upload(demo_portal, account, UNIT, ROUND, "a.xlsx", fill_valid(_template(demo_portal)))
    assert _rows(demo_portal, "SELECT count(*) FROM submissions") == [(0,)]


def test_a_reporter_cannot_upload_for_another_unit(demo_portal):
    with pytest.raises(PermissionDenied, match="只能访问本单位"):
        wf.upload(demo_portal, REPORTER, OTHER, ROUND, "a.xlsx", fill_valid(_template(demo_portal, OTHER)))
    with pytest.raises(PermissionDenied):
        wf.history(demo_portal, REPORTER, OTHER)


def test_another_units_workbook_uploaded_by_a_reporter_is_rejected_under_its_own_unit(demo_portal):
    result = wf.upload(
        demo_portal, REPORTER, UNIT, ROUND, "jfj.xlsx", fill_valid(_template(demo_portal, OTHER))
    )
    assert not result.accepted
    assert "wrong-unit" in result.ingest.report.codes()
    assert _rows(demo_portal, "SELECT unit, status FROM submissions") == [(UNIT, "rejected")]
    assert _rows(demo_portal, "SELECT count(*) FROM indicator_values") == [(0,)]


def _an_indicator(template: bytes) -> str:
    return next(iter(template_rows(template)["indicator_values"]))


def test_a_rejected_upload_reports_cell_by_cell_with_an_annotated_workbook(demo_portal):
    template = _template(demo_portal)
    bad = fill_valid(template, indicators={_an_indicator(template): "很多"})
    result = wf.upload(demo_portal, REPORTER, UNIT, ROUND, "填报.xlsx", bad)
    assert not result.accepted
    row = result.report.row(0, named=True)
    assert (row["severity"], row["sheet"]) == ("错误", "指标填报") and row["cell"]
    assert result.annotated is not None and result.annotated.file_name == "填报_校验结果.xlsx"
    assert "校验结果" in load_workbook(io.BytesIO(result.annotated.data)).sheetnames
    assert wf.submission_report(demo_portal, REPORTER, result.submission_id).rows() == result.report.rows()
    again = wf.annotated_workbook(demo_portal, REPORTER, result.submission_id)
    assert "校验结果" in load_workbook(io.BytesIO(again.data)).sheetnames
    assert wf.original_file(demo_portal, REPORTER, result.submission_id).data == bad
    downloads = _rows(demo_portal, "SELECT actor, detail FROM audit_log WHERE action = 'submission.download'")
    assert downloads == [("rep1", "annotated"), ("rep1", "original")]


# ----------------------------------------------------------------------------- another unit's ids


def test_a_reporter_is_refused_every_service_on_another_units_submission(demo_portal):
    foreign = _accepted(demo_portal, OFFICE, OTHER)
    calls = [
        lambda: wf.submission_report(demo_portal, REPORTER, foreign),
        lambda: wf.review_comments(demo_portal, REPORTER, foreign),
        lambda: wf.original_file(demo_portal, REPORTER, foreign),
        lambda: wf.annotated_workbook(demo_portal, REPORTER, foreign),
        lambda: wf.compare_versions(demo_portal, REPORTER, foreign, foreign),
        lambda: wf.list_evidence(demo_portal, REPORTER, foreign),
        lambda: wf.evidence_targets(demo_portal, REPORTER, foreign),
        lambda: wf.upload_evidence(demo_portal, REPORTER, foreign, "a.pdf", _pdf()),
        lambda: wf.review_detail(demo_portal, REPORTER, foreign),
        lambda: wf.review_submission(demo_portal, REPORTER, foreign, wf.APPROVE, ""),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied) as refused:
            call()
        assert refused.value.message.startswith("无权")
    assert _audit(demo_portal, "submission.download") == []
    assert _rows(demo_portal, "SELECT count(*) FROM evidence") == [(0,)]


def test_a_reporter_probing_an_unknown_id_gets_the_same_refusal_the_office_a_plain_answer(demo_portal):
    with pytest.raises(PermissionDenied, match="只能访问本单位"):
        wf.submission_report(demo_portal, REPORTER, 999)
    with pytest.raises(PermissionDenied, match="只能访问本单位"):
        wf.download_evidence(demo_portal, REPORTER, 999)
    with pytest.raises(NotFound, match="报送记录 999 不存在"):
        wf.submission_report(demo_portal, OFFICE, 999)


# ----------------------------------------------------------------------------- review


def test_only_the_office_reviews_and_sees_the_queue(demo_portal):
    sid = _accepted(demo_portal)
    for account in (REPORTER, EVALUATOR, ADMIN):
        with pytest.raises(PermissionDenied, match="无权审核报送"):
            wf.review_submission(demo_portal, account, sid, wf.APPROVE, "")
        with pytest.raises(PermissionDenied):
            wf.review_queue(demo_portal, account)
    assert wf.review_queue(demo_portal, OFFICE)["id"].to_list() == [sid]


def test_the_office_returns_with_item_comments_and_the_unit_reads_them_in_its_history(demo_portal):
    sid = _accepted(demo_portal)
    code = _first_indicator(demo_portal, sid)
    outcome = wf.review_submission(
        demo_portal,
        OFFICE,
        sid,
        wf.RETURN,
        "请核实数据来源",
        [ItemComment("indicator", code, "与统计局数据不符")],
    )
    assert outcome.ok and outcome.message == f"{UNIT} {ROUND} 第 1 版已退回，含 1 条逐项意见。"
    frame = wf.history(demo_portal, REPORTER, UNIT)
    assert frame.select("status_label", "decision_label", "review_comment", "item_comments").rows() == [
        ("已退回", "退回", "请核实数据来源", 1)
    ]
    trail = wf.review_comments(demo_portal, REPORTER, sid)
    assert trail.select("decision_label", "item_kind_label", "item_code", "comment", "reviewer").rows() == [
        ("退回", None, None, "请核实数据来源", "office1"),
        ("逐项意见", "指标", code, "与统计局数据不符", "office1"),
    ]
    assert _audit(demo_portal, "submission.return") == [("office1", str(sid))]
    assert wf.review_queue(demo_portal, OFFICE).is_empty()


def test_a_return_without_a_comment_is_refused_with_a_chinese_outcome(demo_portal):
    sid = _accepted(demo_portal)
    outcome = wf.review_submission(demo_portal, OFFICE, sid, wf.RETURN, "  ")
    assert not outcome.ok and "退回时必须填写退回意见" in outcome.message
    assert _rows(demo_portal, "SELECT status FROM submissions") == [("validated",)]


def test_the_queue_shows_values_beside_the_previous_quarters_approved_values(demo_portal):
    q2 = ingest(
        demo_portal,
        OFFICE,
        fill_valid(_template(demo_portal, UNIT, "2025Q2")),
        unit=UNIT,
        round_code="2025Q2",
        allow_closed=True,
    )
    assert q2.accepted, q2.report
    review(demo_portal, OFFICE, q2.submission_id, "approve", "")
    code = _first_indicator(demo_portal, q2.submission_id)
    before = _rows(
        demo_portal,
        "SELECT value FROM indicator_values WHERE submission_id = ? AND indicator = ?",
        [q2.submission_id, code],
    )[0][0]
    sid = _accepted(demo_portal, **{code: {"value": before + 5}})
    queue = wf.review_queue(demo_portal, OFFICE, round_code=ROUND)
    assert queue.select("id", "unit", "unit_name").rows() == [(sid, UNIT, "创新创业服务中心")]
    assert wf.review_queue(demo_portal, OFFICE, round_code="2025Q2").is_empty()
    detail = wf.review_detail(demo_portal, OFFICE, sid)
    assert detail.previous_round == "2025Q2"
    row = detail.values.filter(indicator=code).row(0, named=True)
    assert (row["reported"], row["previous_value"], row["change"]) == (before + 5, before, 5)
    assert detail.tasks.height > 0 and set(detail.tasks["previous_percent"].to_list()) == {50.0}
    assert outcome_ok(wf.review_submission(demo_portal, OFFICE, sid, wf.APPROVE, "同意"))
    assert _rows(demo_portal, "SELECT status FROM submissions WHERE id = ?", [sid]) == [("approved",)]


def test_the_previous_quarters_approved_values_stand_while_a_correction_there_awaits_review(demo_portal):
    def q2_upload(delta: float) -> int:
        template = _template(demo_portal, UNIT, "2025Q2")
        result = ingest(
            demo_portal,
            OFFICE,
            fill_valid(template, {code: {"value": base + delta}} if delta else None),
            unit=UNIT,
            round_code="2025Q2",
            allow_closed=True,
        )
        assert result.accepted, result.report
        return result.submission_id

    code, base = None, 0.0
    approved = q2_upload(0)
    review(demo_portal, OFFICE, approved, "approve", "")
    code = _first_indicator(demo_portal, approved)
    base = _rows(
        demo_portal,
        "SELECT value FROM indicator_values WHERE submission_id = ? AND indicator = ?",
        [approved, code],
    )[0][0]
    q2_upload(7)  # a correction of 2025Q2, not reviewed: the approved one still stands
    detail = wf.review_detail(demo_portal, OFFICE, _accepted(demo_portal))
    assert detail.values.filter(indicator=code)["previous_value"].to_list() == [base]
    assert set(detail.tasks["previous_percent"].to_list()) == {50.0}


def outcome_ok(outcome) -> bool:
    assert outcome.ok, outcome.message
    return True


def test_a_queue_filtered_by_a_plan_the_unit_has_no_part_in_is_empty(demo_portal):
    _accepted(demo_portal)
    plans = _rows(
        demo_portal,
        """SELECT code FROM plans WHERE code NOT IN (
               SELECT i.plan FROM indicator_owners o JOIN indicators i ON i.code = o.indicator WHERE o.unit = ?
               UNION SELECT t.plan FROM task_units u JOIN tasks t ON t.code = u.task WHERE u.unit = ?)""",
        [UNIT, UNIT],
    )
    assert plans, "the demo has plans the unit takes no part in"
    assert wf.review_queue(demo_portal, OFFICE, plan=plans[0][0]).is_empty()
    assert wf.review_queue(demo_portal, OFFICE, unit=OTHER).is_empty()
    assert wf.review_queue(demo_portal, OFFICE, unit=UNIT).height == 1


def test_compare_shows_what_changed_from_v1_to_v2(demo_portal):
    first = _accepted(demo_portal)
    code = _first_indicator(demo_portal, first)
    second = _accepted(demo_portal, **{code: {"value": 4321, "note": "更正"}})
    changes = wf.compare_versions(demo_portal, REPORTER, first, second)
    assert {(r["code"], r["field_label"], r["after"]) for r in changes.iter_rows(named=True)} >= {
        (code, "本期值", "4321"),
        (code, "说明", "更正"),
    }


def test_the_office_grants_an_extension_and_the_reporter_cannot(demo_portal):
    with pytest.raises(PermissionDenied, match="无权批准延期报送"):
        wf.grant_unit_extension(demo_portal, REPORTER, ROUND, UNIT, dt.date(2025, 10, 30), "疫情")
    outcome = wf.grant_unit_extension(demo_portal, OFFICE, ROUND, UNIT, dt.date(2025, 10, 30), "系统故障")
    assert outcome.ok, outcome.message
    assert wf.report_round(demo_portal, REPORTER, UNIT).due == dt.date(2025, 10, 30)
    refused = wf.grant_unit_extension(demo_portal, OFFICE, ROUND, UNIT, dt.date(2025, 10, 31), " ")
    assert not refused.ok and "理由" in refused.message
    assert _audit(demo_portal, "round.extension") == [("office1", f"{ROUND}/{UNIT}")]


def test_a_reporter_cannot_upload_into_a_closed_round_the_office_can(demo_portal):
    assert wf.upload_rounds(demo_portal, REPORTER, UNIT) == [ROUND]
    assert "2025Q2" in wf.upload_rounds(demo_portal, OFFICE, UNIT)
    closed = wf.report_round(demo_portal, REPORTER, UNIT, "2025Q2")
    assert not closed.can_upload and "已截止" in closed.why_not
    assert wf.report_round(demo_portal, OFFICE, UNIT, "2025Q2").can_upload
    data = fill_valid(_template(demo_portal, UNIT, "2025Q2"))
    assert not wf.upload(demo_portal, REPORTER, UNIT, "2025Q2", "q2.xlsx", data).accepted
    assert wf.upload(demo_portal, OFFICE, UNIT, "2025Q2", "q2.xlsx", data).accepted


def test_the_due_banner_warns_within_three_days(demo_portal):
    shown = wf.report_round(demo_portal, REPORTER, UNIT)
    assert shown.round.code == ROUND and shown.due == dt.date(2025, 10, 15)
    assert shown.banner is None  # five days left on the demo clock
    soon = wf.report_round(Portal.open(demo_portal.settings.home, today="2025-10-13"), REPORTER, UNIT)
    assert soon.banner.level == "warning" and "还有 2 天" in soon.banner.text


# ----------------------------------------------------------------------------- evidence


@pytest.mark.parametrize(
    ("name", "make", "media_type"),
    [
        ("验收报告.pdf", _pdf, "application/pdf"),
        ("现场照片.png", lambda: _image("PNG"), "image/png"),
        ("现场照片.JPG", lambda: _image("JPEG"), "image/jpeg"),
        ("台账.xlsx", _xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("总结.docx", _docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ],
)
def test_evidence_of_an_allowed_type_is_kept_by_hash_and_downloads_unchanged(
    demo_portal, name, make, media_type
):
    sid = _accepted(demo_portal)
    data = make()
    result = wf.upload_evidence(demo_portal, REPORTER, sid, name, data)
    assert result.ok, result.message
    listed = wf.list_evidence(demo_portal, REPORTER, sid)
    assert listed.select("id", "file_name", "media_type", "size").rows() == [
        (result.evidence_id, name, media_type, len(data))
    ]
    stored = _rows(demo_portal, "SELECT file_hash, stored_path FROM evidence")[0]
    assert stored[1].startswith(f"evidence/{stored[0][:2]}/{stored[0]}")
    got = wf.download_evidence(demo_portal, EVALUATOR, result.evidence_id)
    assert (got.file_name, got.data, got.mime) == (name, data, media_type)
    assert _audit(demo_portal, "evidence.upload") == [("rep1", str(result.evidence_id))]
    assert _audit(demo_portal, "evidence.download") == [("eval1", str(result.evidence_id))]


def test_evidence_attached_to_one_task_of_the_submission(demo_portal):
    sid = _accepted(demo_portal)
    task, title = wf.evidence_targets(demo_portal, REPORTER, sid)[0]
    result = wf.upload_evidence(demo_portal, REPORTER, sid, "进展.pdf", _pdf(), task=task)
    assert result.ok and f"任务 {task}" in result.message
    assert wf.list_evidence(demo_portal, OFFICE, sid).select("task", "task_title").rows() == [(task, title)]
    wrong = wf.upload_evidence(demo_portal, REPORTER, sid, "进展.pdf", _pdf(), task="JZ-9.9.9")
    assert [i.code for i in wrong.issues] == ["evidence-task-unknown"]


@pytest.mark.parametrize(
    ("name", "make", "code"),
    [
        ("空.pdf", lambda: b"", "evidence-empty"),
        ("程序.pdf", lambda: b"MZ\x90\x00" + bytes(200), "evidence-type-not-allowed"),
        ("说明.txt", lambda: "纯文本".encode(), "evidence-type-not-allowed"),
        ("打包.zip", lambda: _zip_of_files(), "evidence-type-not-allowed"),
        ("照片.pdf", lambda: _image("PNG"), "evidence-type-mismatch"),
        ("报告.docx", _pdf, "evidence-type-mismatch"),
        ("宏.docx", lambda: _docx(macro=True), "evidence-macro"),
        (
            "旧版.ppt",
            lambda: evidence_files.ole_file({"PowerPoint Document": b"\0" * 64}),
            "evidence-type-not-allowed",
        ),
        ("旧版.doc", lambda: evidence_files.word_97({"Macros/VBA/dir": b"\1" * 64}), "evidence-macro"),
        ("残缺.doc", lambda: evidence_files.word_97()[:1500], "evidence-office-malformed"),
        ("报告.pdf", lambda: _pdf() + _zip_of_files(), "evidence-trailing-data"),
    ],
)
def test_evidence_of_a_wrong_type_is_refused_with_its_issue_code(demo_portal, name, make, code):
    sid = _accepted(demo_portal)
    result = wf.upload_evidence(demo_portal, REPORTER, sid, name, make())
    assert not result.ok
    assert [i.code for i in result.issues] == [code]
    assert result.message.startswith("未接收：")
    assert _rows(demo_portal, "SELECT count(*) FROM evidence") == [(0,)]


def _zip_of_files() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.txt", "x")
    return buf.getvalue()


def test_an_evidence_file_name_is_stored_listed_and_downloaded_as_a_safe_base_name(demo_portal):
    sid = _accepted(demo_portal)
    hostile = "..\\..\\报告\x00\u202egpj.exe" + "长" * 5000 + ".pdf"
    result = wf.upload_evidence(demo_portal, REPORTER, sid, hostile, _pdf())
    assert result.ok, result.message
    stored = _rows(demo_portal, "SELECT file_name FROM evidence")[0][0]
    assert stored == "报告gpj.exe" + "长" * (120 - len("报告gpj.exe") - 4) + ".pdf"
    assert len(stored) == 120 and stored in result.message
    assert wf.list_evidence(demo_portal, OFFICE, sid)["file_name"].to_list() == [stored]
    assert wf.download_evidence(demo_portal, OFFICE, result.evidence_id).file_name == stored


def test_a_legacy_word_file_is_taken(demo_portal):
    sid = _accepted(demo_portal)
    result = wf.upload_evidence(demo_portal, REPORTER, sid, "旧版.doc", evidence_files.word_97())
    assert result.ok, result.message
    assert wf.list_evidence(demo_portal, REPORTER, sid)["media_type"].to_list() == ["application/msword"]


def test_evidence_over_the_size_setting_is_refused(demo_portal):
    small = Portal.open(demo_portal.settings.home, evidence_max_mb=1)
    sid = _accepted(small)
    big = _pdf() + b"%" + bytes(1024 * 1024)
    result = wf.upload_evidence(small, REPORTER, sid, "扫描件.pdf", big)
    assert [i.code for i in result.issues] == ["evidence-too-large"]
    assert "超过上限 1 MB" in result.message


def test_evidence_permissions_follow_the_table(demo_portal):
    mine, theirs = _accepted(demo_portal), _accepted(demo_portal, OFFICE, OTHER)
    pdf = _pdf()
    kept = wf.upload_evidence(demo_portal, OFFICE, theirs, "a.pdf", pdf)
    assert kept.ok
    with pytest.raises(PermissionDenied, match="只能访问本单位"):
        wf.download_evidence(demo_portal, REPORTER, kept.evidence_id)
    with pytest.raises(PermissionDenied, match="无权上传佐证材料"):
        wf.upload_evidence(demo_portal, EVALUATOR, mine, "a.pdf", _pdf())
    with pytest.raises(PermissionDenied, match="无权上传佐证材料"):
        wf.upload_evidence(demo_portal, ADMIN, mine, "a.pdf", _pdf())
    assert wf.download_evidence(demo_portal, ADMIN, kept.evidence_id).data == pdf


# ----------------------------------------------------------------------------- issue 20: versions, evidence, banners


def test_evidence_follows_the_returned_version_into_the_resubmission_unless_removed(demo_portal):
    first = _accepted(demo_portal)
    kept = wf.upload_evidence(demo_portal, REPORTER, first, "现场照片.png", _image("PNG"))
    assert kept.ok, kept.message
    assert wf.review_submission(demo_portal, OFFICE, first, wf.RETURN, "请补充").ok
    changed = {_first_indicator(demo_portal, first): 4321}  # not the returned file's bytes again
    second = wf.upload(
        demo_portal, REPORTER, UNIT, ROUND, "v2.xlsx", fill_valid(_template(demo_portal), changed)
    )
    assert second.ingest.carried_evidence == 1
    assert "已沿用上一版的 1 份佐证材料" in second.summary
    carried = wf.list_evidence(demo_portal, REPORTER, second.submission_id)
    assert carried.select("file_name", "type_label").rows() == [("现场照片.png", "PNG 图片")]
    gone = wf.remove_evidence(demo_portal, REPORTER, carried["evidence_id"][0])
    assert gone.ok, gone.message
    assert wf.list_evidence(demo_portal, REPORTER, second.submission_id).is_empty()
    assert wf.list_evidence(demo_portal, REPORTER, first).height == 1  # the returned version keeps it
    assert _rows(demo_portal, "SELECT actor FROM audit_log WHERE action = 'evidence.remove'") == [("rep1",)]


def _lock_round(portal, code=ROUND):
    from portal.registry.rounds import set_round_state
    from schemas.enums import RoundState

    assert set_round_state(portal, OFFICE, code, RoundState.CLOSED).ok
    assert set_round_state(portal, OFFICE, code, RoundState.LOCKED).ok


def _meanwhile(monkeypatch, target, name, action):
    """Run `action` (another user's step) when `target.name` is next called: the window between a
    use case's checks and its transaction, where page runs reading side by side let others act."""
    original = getattr(target, name)

    def wrapped(*args, **kwargs):
        monkeypatch.setattr(target, name, original)
        action()
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, wrapped)


def test_evidence_is_not_attached_to_a_version_superseded_while_its_file_was_stored(demo_portal, monkeypatch):
    first = _accepted(demo_portal)
    changed = {_first_indicator(demo_portal, first): 4321}
    newer = {}
    _meanwhile(
        monkeypatch,
        wf.filestore,
        "store",
        lambda: newer.update(
            id=_accepted(demo_portal, **changed)  # the clerk's colleague uploads a new version meanwhile
        ),
    )
    result = wf.upload_evidence(demo_portal, REPORTER, first, "现场照片.png", _image("PNG"))
    assert not result.ok
    assert f"报送记录 {first} 状态为“" in result.message and "不能挂接佐证材料" in result.message
    assert newer["id"] != first
    assert _rows(demo_portal, "SELECT count(*) FROM evidence") == [(0,)]
    assert _audit(demo_portal, "evidence.upload") == []


def test_evidence_is_not_attached_once_the_round_is_locked_while_its_file_was_stored(
    demo_portal, monkeypatch
):
    sid = _accepted(demo_portal)
    _meanwhile(monkeypatch, wf.filestore, "store", lambda: _lock_round(demo_portal))
    result = wf.upload_evidence(demo_portal, REPORTER, sid, "验收报告.pdf", _pdf())
    assert not result.ok
    assert result.message == f"轮次 {ROUND} 已锁定，不能再上传佐证材料。"
    assert _rows(demo_portal, "SELECT count(*) FROM evidence") == [(0,)]
    # and once locked, refused before the file is even checked or stored
    again = wf.upload_evidence(demo_portal, REPORTER, sid, "验收报告.pdf", _pdf())
    assert again.message == result.message


def test_evidence_is_not_detached_once_the_round_is_locked_after_the_check(demo_portal, monkeypatch):
    sid = _accepted(demo_portal)
    evidence_id = wf.upload_evidence(demo_portal, REPORTER, sid, "现场照片.png", _image("PNG")).evidence_id
    _meanwhile(monkeypatch, wf, "require_record", lambda: _lock_round(demo_portal))
    result = wf.remove_evidence(demo_portal, REPORTER, evidence_id)
    assert not result.ok
    assert result.message == f"轮次 {ROUND} 已锁定，不能再移除佐证材料。"
    assert wf.list_evidence(demo_portal, REPORTER, sid)["evidence_id"].to_list() == [evidence_id]
    assert _audit(demo_portal, "evidence.remove") == []


def test_another_units_clerk_cannot_remove_evidence_and_an_outsider_learns_nothing(demo_portal):
    sid = _accepted(demo_portal)
    evidence_id = wf.upload_evidence(demo_portal, REPORTER, sid, "现场照片.png", _image("PNG")).evidence_id
    with pytest.raises(PermissionDenied):
        wf.remove_evidence(demo_portal, Account("rep2", "经发局", Role.UNIT_REPORTER, OTHER), evidence_id)
    with pytest.raises(PermissionDenied):
        wf.remove_evidence(demo_portal, EVALUATOR, evidence_id)
    with pytest.raises(NotFound, match="佐证材料 999 不存在"):
        wf.remove_evidence(demo_portal, OFFICE, 999)
    assert wf.list_evidence(demo_portal, REPORTER, sid).height == 1


def test_versions_count_accepted_uploads_and_rejected_attempts_are_counted_apart(demo_portal):
    template = _template(demo_portal)
    code = next(iter(template_rows(template)["indicator_values"]))
    tries = [fill_valid(template, indicators={code: "很多"}), fill_valid(template, indicators={code: "许多"})]
    for n, data in enumerate(tries):
        assert not wf.upload(demo_portal, REPORTER, UNIT, ROUND, f"bad{n}.xlsx", data).accepted
    first = wf.upload(demo_portal, REPORTER, UNIT, ROUND, "v1.xlsx", fill_valid(template))
    second = wf.upload(demo_portal, REPORTER, UNIT, ROUND, "v2.xlsx", fill_valid(template, {code: 7}))
    assert (first.ingest.version, second.ingest.version) == (1, 2)
    history = wf.history(demo_portal, REPORTER, UNIT, ROUND)
    assert history["version_label"].to_list() == [
        "第 2 版",
        "第 1 版",
        "未通过校验的上传（第 2 次）",
        "未通过校验的上传（第 1 次）",
    ]


def test_a_returned_unit_is_told_who_returned_it_when_and_why_until_it_uploads_again(demo_portal):
    sid = _accepted(demo_portal)
    review(demo_portal, OFFICE, sid, wf.RETURN, "数据来源不清", [ItemComment("task", "JZ-3.1.1", "补充")])
    info = wf.report_round(demo_portal, REPORTER, UNIT)
    assert info.returned is not None
    assert "退回了第 1 版" in info.returned and "退回原因：数据来源不清。逐项意见 1 条" in info.returned
    # the corrected file (a changed value: a byte-identical file, built in the same second as the
    # first, would be the returned upload again, not a new version)
    _accepted(demo_portal, **{_first_indicator(demo_portal, sid): 4321})
    assert wf.report_round(demo_portal, REPORTER, UNIT).returned is None


def test_the_office_defaults_to_a_unit_that_owes_the_round_and_may_not_upload_for_one_that_does_not(
    demo_portal,
):
    units = wf.reportable_units(demo_portal, OFFICE)
    assert units[0][0] == "CJZY"  # the registry's first unit is the city cluster itself
    first = wf.default_unit(demo_portal, units)
    assert first is not None and first != "CJZY"
    assert wf.report_round(demo_portal, OFFICE, first).can_upload
    cluster = wf.report_round(demo_portal, OFFICE, "CJZY")
    assert not cluster.can_upload and "没有需要报送的指标或任务" in cluster.why_not
