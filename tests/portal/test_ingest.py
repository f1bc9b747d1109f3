import datetime as dt
import io
import shutil
import zipfile

import pytest

from portal.core.context import Portal
from portal.reporting.review import (
    APPROVE,
    RETURN,
    ItemComment,
    WorkflowError,
    compare,
    grant_extension,
    review,
)
from portal.reporting.submissions import ingest, ingest_many
from portal.reporting.templates import build_unit_template
from portal.reporting.workflow import upload_evidence
from schemas.enums import SubmissionStatus
from schemas.sheets import INDICATOR_SHEET
from tests.actors import OFFICE, reporter
from tests.conftest import cli, run_cli
from tests.xlsx_fill import fill_valid, template_rows
from warehouse import approved
from warehouse.submissions import PendingSubmissions

UNIT = "JZKF-CXCY"  # 创新创业服务中心: helps most 荆州 tasks, owns indicators
OTHER = "JZKF-JFJ"


def _template(portal, unit=UNIT, round_code="2025Q3") -> bytes:
    return build_unit_template(portal, unit, round_code).data


def _rows(portal, sql, params=()):
    with portal.warehouse.connect() as con:
        return con.execute(sql, list(params)).fetchall()


def _at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day + "T10:00:00")


def test_an_accepted_upload_is_loaded_keyed_to_its_unit(demo_portal):
    result = ingest(
        demo_portal,
        reporter(UNIT),
        fill_valid(_template(demo_portal)),
        "cxcy.xlsx",
        unit=UNIT,
        round_code="2025Q3",
    )
    assert result.accepted, result.report.issues
    assert (result.status, result.version, result.days_late) == (SubmissionStatus.VALIDATED, 1, 0)
    owned = _rows(demo_portal, "SELECT count(*) FROM indicator_owners WHERE unit = ?", [UNIT])[0][0]
    values = _rows(
        demo_portal,
        "SELECT DISTINCT unit, round FROM indicator_values WHERE submission_id = ?",
        [result.submission_id],
    )
    assert values == [(UNIT, "2025Q3")]
    assert (
        _rows(
            demo_portal,
            "SELECT count(*) FROM indicator_values WHERE submission_id = ?",
            [result.submission_id],
        )[0][0]
        == owned
        > 0
    )
    roles = _rows(
        demo_portal,
        """
        SELECT p.task, p.role, u.role FROM task_progress p
        JOIN task_units u ON u.task = p.task AND u.unit = p.unit WHERE p.submission_id = ?""",
        [result.submission_id],
    )
    assert roles and all(stored == registry for _, stored, registry in roles)
    assert {r[1] for r in roles} <= {"lead", "helper"}
    assert _rows(
        demo_portal, "SELECT actor, action FROM audit_log WHERE target = ?", [str(result.submission_id)]
    ) == [("reporter", "submission.upload")]


def test_the_original_file_is_kept_by_content_hash(demo_portal):
    data = fill_valid(_template(demo_portal))
    result = ingest(demo_portal, OFFICE, data, "a.xlsx", unit=UNIT, round_code="2025Q3")
    stored = _rows(
        demo_portal, "SELECT stored_path FROM stored_files WHERE file_hash = ?", [result.file_hash]
    )[0][0]
    assert (demo_portal.settings.home / stored).read_bytes() == data


def test_the_same_file_uploaded_twice_is_recognised_not_duplicated(demo_portal):
    data = fill_valid(_template(demo_portal))
    first = ingest(demo_portal, OFFICE, data, "a.xlsx", unit=UNIT, round_code="2025Q3")
    second = ingest(demo_portal, OFFICE, data, "a (1).xlsx", unit=UNIT, round_code="2025Q3")
    assert second.duplicate and second.submission_id == first.submission_id
    assert _rows(demo_portal, "SELECT count(*) FROM submissions")[0][0] == 1


def test_the_same_file_twice_in_one_batch_and_again_later_is_recorded_once(demo_portal):
    data = fill_valid(_template(demo_portal))
    other = fill_valid(_template(demo_portal, "JZKF-JFJ"))
    first = ingest_many(demo_portal, OFFICE, [("a.xlsx", data), ("b.xlsx", other), ("a2.xlsx", data)])
    assert [r.duplicate for r in first] == [False, False, True]
    assert first[2].submission_id == first[0].submission_id
    again = ingest_many(demo_portal, OFFICE, [("b.xlsx", other), ("a.xlsx", data)])
    assert [r.duplicate for r in again] == [True, True]
    assert [r.submission_id for r in again] == [first[1].submission_id, first[0].submission_id]
    assert _rows(demo_portal, "SELECT count(*) FROM submissions")[0][0] == 2


def test_a_newer_valid_upload_supersedes_the_previous_which_stays_queryable(demo_portal):
    template = _template(demo_portal)
    first = ingest(demo_portal, OFFICE, fill_valid(template), unit=UNIT, round_code="2025Q3")
    code = _rows(
        demo_portal,
        "SELECT indicator FROM indicator_values WHERE submission_id = ? LIMIT 1",
        [first.submission_id],
    )[0][0]
    second = ingest(
        demo_portal,
        OFFICE,
        fill_valid(template, indicators={code: {"value": 4321, "note": "更正"}}),
        unit=UNIT,
        round_code="2025Q3",
    )
    assert second.accepted and second.version == 2
    statuses = dict(_rows(demo_portal, "SELECT id, status FROM submissions"))
    assert statuses == {first.submission_id: "superseded", second.submission_id: "validated"}
    assert _rows(
        demo_portal, "SELECT superseded_by FROM submissions WHERE id = ?", [first.submission_id]
    ) == [(second.submission_id,)]
    old = _rows(
        demo_portal, "SELECT count(*) FROM indicator_values WHERE submission_id = ?", [first.submission_id]
    )
    assert old[0][0] > 0
    changes = compare(demo_portal, first.submission_id, second.submission_id)
    assert {(c.kind, c.code, c.field, c.after) for c in changes} >= {
        ("indicator", code, "value", 4321.0),
        ("indicator", code, "note", "更正"),
    }


def test_a_rejected_upload_is_recorded_with_its_issues_and_loads_no_facts(demo_portal):
    template = _template(demo_portal)
    first = ingest(demo_portal, OFFICE, fill_valid(template), unit=UNIT, round_code="2025Q3")
    bad = fill_valid(template, tasks={t: {"status": "已完成", "percent": 150} for t in ["JZ-3.3.2"]})
    result = ingest(demo_portal, OFFICE, bad, "bad.xlsx", unit=UNIT, round_code="2025Q3")
    assert result.status == SubmissionStatus.REJECTED and not result.accepted
    stored = _rows(
        demo_portal,
        "SELECT code, severity, sheet, cell FROM validation_issues WHERE submission_id = ?",
        [result.submission_id],
    )
    assert ("value-above-max", "error", "任务进展") in {r[:3] for r in stored}
    assert _rows(
        demo_portal, "SELECT count(*) FROM task_progress WHERE submission_id = ?", [result.submission_id]
    ) == [(0,)]
    # a rejected upload does not displace the accepted one
    assert _rows(demo_portal, "SELECT status FROM submissions WHERE id = ?", [first.submission_id]) == [
        ("validated",)
    ]


def test_another_units_workbook_is_rejected(demo_portal):
    result = ingest(
        demo_portal, OFFICE, fill_valid(_template(demo_portal, unit=OTHER)), unit=UNIT, round_code="2025Q3"
    )
    assert result.status == SubmissionStatus.REJECTED
    assert "wrong-unit" in result.report.codes()
    assert _rows(demo_portal, "SELECT count(*) FROM indicator_values") == [(0,)]


def test_an_upload_after_the_due_date_is_accepted_and_marked_late_unless_extended(demo_portal):
    data = fill_valid(_template(demo_portal))
    late = ingest(demo_portal, OFFICE, data, unit=UNIT, round_code="2025Q3", uploaded_at=_at("2025-10-20"))
    assert late.accepted and late.days_late == 5
    grant_extension(demo_portal, OFFICE, "2025Q3", OTHER, dt.date(2025, 10, 25), "系统故障")
    other = ingest(
        demo_portal,
        OFFICE,
        fill_valid(_template(demo_portal, unit=OTHER)),
        unit=OTHER,
        round_code="2025Q3",
        uploaded_at=_at("2025-10-20"),
    )
    assert other.accepted and other.days_late == 0
    with pytest.raises(WorkflowError, match="理由"):
        grant_extension(demo_portal, OFFICE, "2025Q3", OTHER, dt.date(2025, 10, 30), " ")


def test_a_closed_round_takes_late_uploads_only_from_the_office(demo_portal):
    data = fill_valid(_template(demo_portal, round_code="2025Q2"))
    refused = ingest(demo_portal, OFFICE, data, unit=UNIT, round_code="2025Q2")
    assert refused.status == SubmissionStatus.REJECTED and "round-not-open" in refused.report.codes()
    by_office = ingest(
        demo_portal,
        OFFICE,
        data,
        unit=UNIT,
        round_code="2025Q2",
        allow_closed=True,
        uploaded_at=_at("2025-08-01"),
    )
    assert by_office.accepted and by_office.days_late == 17


def test_a_locked_round_refuses_every_upload(demo_portal):
    data = fill_valid(_template(demo_portal, round_code="2025Q2"))
    with demo_portal.warehouse.transaction() as con:
        con.execute("UPDATE rounds SET state = 'locked' WHERE code = '2025Q2'")
    result = ingest(demo_portal, OFFICE, data, unit=UNIT, round_code="2025Q2", allow_closed=True)
    assert result.status == SubmissionStatus.REJECTED and "round-not-open" in result.report.codes()


def test_review_transitions_and_their_audit_trail(demo_portal):
    template = _template(demo_portal)
    sub = ingest(demo_portal, OFFICE, fill_valid(template), unit=UNIT, round_code="2025Q3").submission_id
    with pytest.raises(WorkflowError, match="退回意见"):
        review(demo_portal, OFFICE, sub, RETURN, "")
    task = _rows(demo_portal, "SELECT task FROM task_progress WHERE submission_id = ? LIMIT 1", [sub])[0][0]
    with pytest.raises(WorkflowError, match="没有任务"):
        review(demo_portal, OFFICE, sub, RETURN, "x", [ItemComment("task", "NO-SUCH", "x")])
    returned = review(demo_portal, OFFICE, sub, RETURN, "请补充进展", [ItemComment("task", task, "进展过简")])
    assert returned.status == SubmissionStatus.RETURNED
    with pytest.raises(WorkflowError, match="已退回"):
        review(demo_portal, OFFICE, sub, APPROVE, "")

    again = ingest(
        demo_portal,
        OFFICE,
        fill_valid(template, tasks={task: {"narrative": "已补充详细进展"}}),
        unit=UNIT,
        round_code="2025Q3",
    ).submission_id
    assert review(demo_portal, OFFICE, again, APPROVE, "").status == SubmissionStatus.APPROVED
    rejected = ingest(
        demo_portal, OFFICE, b"not a workbook", "x.xlsx", unit=UNIT, round_code="2025Q3"
    ).submission_id
    with pytest.raises(WorkflowError, match="未通过校验"):
        review(demo_portal, OFFICE, rejected, APPROVE, "")
    with demo_portal.warehouse.transaction() as con:
        con.execute("UPDATE rounds SET state = 'locked' WHERE code = '2025Q3'")
    with pytest.raises(WorkflowError, match="已锁定"):
        review(demo_portal, OFFICE, again, RETURN, "再改")
    trail = _rows(
        demo_portal,
        "SELECT actor, action, target FROM audit_log WHERE action LIKE 'submission.%' ORDER BY id",
    )
    assert [(a, b) for a, b, _ in trail] == [
        ("office", "submission.upload"),
        ("office", "submission.return"),
        ("office", "submission.upload"),
        ("office", "submission.approve"),
        ("office", "submission.upload"),
    ]
    comments = _rows(
        demo_portal,
        "SELECT decision, item_kind, item_code, comment FROM reviews WHERE submission_id = ? ORDER BY id",
        [sub],
    )
    assert comments == [("return", None, None, "请补充进展"), ("comment", "task", task, "进展过简")]


def test_a_batch_is_validated_together_and_each_workbook_decided_on_its_own(demo_portal):
    good = fill_valid(_template(demo_portal))
    other = fill_valid(_template(demo_portal, unit=OTHER))
    results = ingest_many(
        demo_portal,
        OFFICE,
        [("a.xlsx", good), ("b.xlsx", other), ("c.xlsx", b"garbage")],
        round_code="2025Q3",
    )
    assert [(r.unit, r.accepted) for r in results] == [(UNIT, True), (OTHER, True), (None, False)]
    assert results[2].submission_id is None and results[2].report.codes() == ["file-not-xlsx"]


def test_cli_ingest_of_a_zip_and_review(demo_portal, tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("第三季度/创新创业服务中心.xlsx", fill_valid(_template(demo_portal)))
        zf.writestr("第三季度/经发局.xlsx", fill_valid(_template(demo_portal, unit=OTHER)))
    batch = tmp_path / "round.zip"
    batch.write_bytes(buf.getvalue())
    home = demo_portal.settings.home
    done = run_cli("ingest", str(batch), "--round", "2025Q3", "--user", "office", home=home)
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
    assert "共 2 份：通过校验 2 份" in done.stdout.decode()
    sub = _rows(Portal.open(home), "SELECT id FROM submissions WHERE unit = ?", [UNIT])[0][0]
    assert run_cli("review", str(sub), "--approve", "--user", "office", home=home).returncode == 0
    # the refused repeat and the usage error: the same command run in this process (cli)
    again = cli("review", str(sub), "--approve", "--user", "office", home=home)
    assert again.returncode == 1 and "已通过" in again.stderr
    assert cli("ingest", str(batch), home=home).returncode == 2


def test_cli_ingest_of_a_bad_file_exits_1(demo_portal, tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 broken")
    done = cli(
        "ingest",
        str(bad),
        "--unit",
        UNIT,
        "--round",
        "2025Q3",
        "--user",
        "office",
        home=demo_portal.settings.home,
    )
    assert done.returncode == 1
    assert "未通过校验" in done.stdout


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buf, "PNG")
    return buf.getvalue()


def _every_table(portal) -> dict[str, list[tuple]]:
    """Every base table's rows, sorted; the audit log without its wall-clock time."""
    out = {}
    with portal.warehouse.connect() as con:
        names = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY table_name"
            ).fetchall()
        ]
        for name in names:
            cols = [
                c
                for (c,) in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                    "ORDER BY ordinal_position",
                    [name],
                ).fetchall()
                if not (name == "audit_log" and c == "logged_at")
            ]
            quoted = ", ".join(f'"{c}"' for c in cols)
            out[name] = con.execute(f'SELECT {quoted} FROM "{name}" ORDER BY ALL').fetchall()
    return out


def test_a_batch_recorded_set_based_equals_the_same_files_recorded_one_by_one(
    demo_portal, tmp_path, monkeypatch
):
    """ingest_many writes a chunk's submissions with a few statements in all: every table must come
    out as when the same files are ingested one at a time. The batch re-uploads over an approved
    submission (approved_values refreshed) and over one with evidence (carried forward, twice),
    supersedes its own earlier file, repeats a file and holds a rejected one."""
    cx, jfj = _template(demo_portal), _template(demo_portal, OTHER)
    third = _rows(
        demo_portal,
        "SELECT min(unit) FROM indicator_owners WHERE unit LIKE 'JZKF-%' AND unit NOT IN (?, ?)",
        [UNIT, OTHER],
    )[0][0]
    earlier = _at("2025-10-08")
    approved_one = ingest(
        demo_portal, OFFICE, fill_valid(cx), "cx1.xlsx", round_code="2025Q3", uploaded_at=earlier
    )
    review(demo_portal, OFFICE, approved_one.submission_id, APPROVE, "")
    with_evidence = ingest(
        demo_portal, OFFICE, fill_valid(jfj), "jfj1.xlsx", round_code="2025Q3", uploaded_at=earlier
    )
    assert upload_evidence(demo_portal, OFFICE, with_evidence.submission_id, "现场照片.png", _png()).ok
    other = Portal.open(shutil.copytree(demo_portal.settings.home, tmp_path / "other"))

    def note(template: bytes, text: str) -> bytes:
        code = next(iter(template_rows(template)[INDICATOR_SHEET.key]))
        return fill_valid(template, indicators={code: {"note": text}})

    cx2 = note(cx, "第二版")
    files = [
        ("cx2.xlsx", cx2),
        ("jfj2.xlsx", note(jfj, "第二版")),
        ("cx3.xlsx", note(cx, "第三版")),
        ("bad.xlsx", fill_valid(cx, tasks={"JZ-3.3.2": {"status": "已完成", "percent": 150}})),
        ("cx2 (1).xlsx", cx2),
        ("jfj3.xlsx", note(jfj, "第三版")),
        ("third.xlsx", fill_valid(_template(demo_portal, third))),
    ]
    when = _at("2025-10-09")
    batch = ingest_many(demo_portal, OFFICE, files, round_code="2025Q3", uploaded_at=when)
    # one by one, each through record_submission's own statements (the path a re-upload over
    # evidence takes): the reference the set-based chunk must equal
    monkeypatch.setattr(PendingSubmissions, "has_evidence", lambda self, unit, round_code: True)
    alone = [ingest(other, OFFICE, data, name, round_code="2025Q3", uploaded_at=when) for name, data in files]

    def seen(results):
        return [(r.submission_id, r.version, r.status, r.duplicate, r.carried_evidence) for r in results]

    assert seen(batch) == seen(alone)
    statuses = [r.status for r in batch]
    assert statuses[:4] == [SubmissionStatus.VALIDATED] * 3 + [SubmissionStatus.REJECTED]
    assert statuses[6] == SubmissionStatus.VALIDATED
    assert batch[4].duplicate and batch[1].carried_evidence == batch[5].carried_evidence == 1
    assert _every_table(demo_portal) == _every_table(other)
    with demo_portal.warehouse.connect() as con:
        assert approved.stored(con).equals(approved.derived(con))
        # the approved upload superseded by the batch still stands: it was approved by a review
        assert _rows(
            demo_portal, "SELECT DISTINCT submission_id FROM approved_values WHERE unit = ?", [UNIT]
        ) == [(approved_one.submission_id,)]


def test_a_batch_validated_and_recorded_in_slices_equals_the_same_batch_in_one_slice(
    demo_portal, tmp_path, monkeypatch
):
    """A large batch for one round is validated and recorded a slice of whole chunks at a time,
    the reading workers going on with the next files meanwhile: every result, report and table must
    come out as when the whole batch is one slice. The batch supersedes an approved upload and its
    own files across slices, repeats a file in another slice and holds a rejected one."""
    from portal.reporting import submissions
    from templates_xlsx import isolation

    cx, jfj = _template(demo_portal), _template(demo_portal, OTHER)
    first = ingest(
        demo_portal, OFFICE, fill_valid(cx), "cx1.xlsx", round_code="2025Q3", uploaded_at=_at("2025-10-08")
    )
    review(demo_portal, OFFICE, first.submission_id, APPROVE, "")
    monkeypatch.setenv("PORTAL_INGEST_CHUNK", "1")
    whole = Portal.open(shutil.copytree(demo_portal.settings.home, tmp_path / "whole"))
    sliced = Portal.open(shutil.copytree(demo_portal.settings.home, tmp_path / "sliced"))
    code = next(iter(template_rows(cx)[INDICATOR_SHEET.key]))
    cx2 = fill_valid(cx, indicators={code: {"note": "第二版"}})
    files = [
        ("cx2.xlsx", cx2),
        ("jfj2.xlsx", fill_valid(jfj)),
        ("bad.xlsx", fill_valid(cx, tasks={"JZ-3.3.2": {"status": "已完成", "percent": 150}})),
        ("cx2 (1).xlsx", cx2),
        ("cx3.xlsx", fill_valid(cx, indicators={code: {"note": "第三版"}})),
    ]
    monkeypatch.setattr(isolation, "PARALLEL_MIN_FILES", 2)  # read by workers, ahead across slices
    recorded = []
    record_slice = submissions._record_slice

    def spied(portal, actor, work, *args):
        recorded.append(len(work))
        return record_slice(portal, actor, work, *args)

    monkeypatch.setattr(submissions, "_record_slice", spied)
    monkeypatch.setattr(submissions, "INGEST_SLICE", len(files))
    when = _at("2025-10-09")
    one = ingest_many(whole, OFFICE, files, round_code="2025Q3", uploaded_at=when)
    assert recorded == [len(files)]
    monkeypatch.setattr(submissions, "INGEST_SLICE", 2)
    many = ingest_many(sliced, OFFICE, files, round_code="2025Q3", uploaded_at=when)
    assert recorded[1:] == [2, 2, 1]

    def seen(results):
        return [
            (
                r.file_name,
                r.submission_id,
                r.version,
                r.status,
                r.duplicate,
                r.report.flatten(["code", "sheet", "cell"]),
            )
            for r in results
        ]

    assert seen(many) == seen(one)
    assert [r.status for r in many].count(SubmissionStatus.REJECTED) == 1 and many[3].duplicate
    assert _every_table(sliced) == _every_table(whole)


def test_a_batch_opens_the_warehouse_once_per_slice_unless_another_process_queues(
    demo_portal, tmp_path, monkeypatch, opens
):
    """The chunks of a slice share one cursor (opening and closing the warehouse per chunk was
    1-2 s of a province round's CPU); when another process queues for the file, the batch gives
    it back and the chunks after open it each."""
    from warehouse.db import Warehouse

    monkeypatch.setenv("PORTAL_INGEST_CHUNK", "1")
    files = [(f"{unit}.xlsx", fill_valid(_template(demo_portal, unit))) for unit in (UNIT, OTHER)]
    files.append(("bad.xlsx", b"PK\x03\x04 broken"))
    homes = [Portal.open(shutil.copytree(demo_portal.settings.home, tmp_path / name)) for name in ("a", "b")]
    for home in homes:  # closed when idle: each open counts one hold of the file
        monkeypatch.setattr(home.warehouse._shared, "linger", 0)
        with home.warehouse.connect():
            pass
    opens.clear()
    when = _at("2025-10-09")
    held = ingest_many(homes[0], OFFICE, files, round_code="2025Q3", uploaded_at=when)
    assert len(opens) == 1 + 1  # the expectations, then the three chunks on one cursor
    monkeypatch.setattr(Warehouse, "wanted_elsewhere", lambda self: True)
    opens.clear()
    given_back = ingest_many(homes[1], OFFICE, files, round_code="2025Q3", uploaded_at=when)
    assert len(opens) == 1 + 1 + 2  # the first chunk on the held cursor, the other two on their own
    assert [(r.unit, r.status, r.submission_id) for r in held] == [
        (r.unit, r.status, r.submission_id) for r in given_back
    ]
    assert _every_table(homes[0]) == _every_table(homes[1])
