"""Issue #19: hostile files inside a batch cost only themselves, and rejected uploads cannot
fill the disk (the newest few rejected originals per unit and round are kept)."""

from __future__ import annotations

import zipfile

import pytest

from portal.core.context import Portal
from portal.reporting import workflow as wf
from portal.reporting.submissions import files_in, ingest
from portal.reporting.templates import build_unit_template
from schemas.errors import InvalidInput, NotFound
from tests.actors import reporter
from tests.conftest import run_cli
from tests.validators import hostile
from tests.xlsx_fill import fill_valid

UNIT, OTHER = "JZKF-CXCY", "JZKF-JFJ"


def _template(portal, unit=UNIT) -> bytes:
    return build_unit_template(portal, unit, "2025Q3").data


def _rows(portal, sql, params=()):
    with portal.warehouse.connect() as con:
        return con.execute(sql, list(params)).fetchall()


def test_a_far_away_cell_in_a_batch_is_rejected_and_the_good_files_land(demo_portal, tmp_path):
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "a-good.xlsx").write_bytes(fill_valid(_template(demo_portal)))
    far = hostile.with_cells("指标填报", ["XFD1048576"])(fill_valid(_template(demo_portal, OTHER)))
    (batch / "b-far.xlsx").write_bytes(far)
    home = demo_portal.settings.home
    done = run_cli("ingest", str(batch), "--round", "2025Q3", "--user", "office", home=home)
    out = done.stdout.decode() + done.stderr.decode()
    assert done.returncode == 1, out  # a data failure, not 134 (an aborted process)
    assert "sheet-too-large" in out and "XFD1048576" in out
    assert "b-far.xlsx" in out
    # the good file is recorded; the far one was refused before its unit could be read from it
    statuses = dict(_rows(Portal.open(home), "SELECT unit, status FROM submissions"))
    assert statuses[UNIT] == "validated" and statuses.get(OTHER) in (None, "rejected")


@pytest.mark.parametrize(
    ("names", "words"),
    [(["a.xlsx", "A.xlsx"], "重复"), (["../a.xlsx"], "路径"), (["/etc/a.xlsx"], "路径")],
)
def test_a_batch_zip_with_duplicate_or_path_like_names_is_refused(tmp_path, names, words):
    archive = tmp_path / "batch.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name in names:
            zf.writestr(name, b"PK not read")
    with pytest.raises(InvalidInput) as refused:
        files_in(archive)
    assert words in refused.value.message and "batch.zip" in refused.value.message


def test_only_the_newest_rejected_originals_are_kept_per_unit_and_round(demo_portal):
    (demo_portal.settings.home / "settings.toml").write_text(
        'secret_key = "test-secret"\nrejected_kept = 2\n', encoding="utf-8"
    )
    portal = Portal.open(demo_portal.settings.home)
    clerk = reporter(UNIT)
    good = ingest(portal, clerk, fill_valid(_template(portal)), "good.xlsx", unit=UNIT, round_code="2025Q3")
    assert good.accepted
    tries = [
        ingest(portal, clerk, b"PK\x03\x04" + bytes([n]) * 64, f"try{n}.xlsx", unit=UNIT, round_code="2025Q3")
        for n in range(4)
    ]
    assert all(not t.accepted for t in tries)
    stored = {h for (h,) in _rows(portal, "SELECT file_hash FROM stored_files")}
    kept = {t.submission_id for t in tries[-2:]}
    for t in tries:
        (file_hash,) = _rows(portal, "SELECT file_hash FROM submissions WHERE id = ?", [t.submission_id])[0]
        on_disk = (portal.settings.uploads_dir / file_hash[:2] / f"{file_hash}.xlsx").exists()
        assert on_disk == (t.submission_id in kept) == (file_hash in stored), t
    # the record and its issues stay; the original says why it is gone; the report still downloads
    oldest = tries[0].submission_id
    assert _rows(portal, "SELECT count(*) FROM validation_issues WHERE submission_id = ?", [oldest])[0][0] > 0
    with pytest.raises(NotFound, match="保留规则"):
        wf.original_file(portal, clerk, oldest)
    assert wf.annotated_workbook(portal, clerk, oldest).data[:2] == b"PK"
    # the accepted upload's original is never touched
    assert wf.original_file(portal, clerk, good.submission_id).data[:2] == b"PK"
