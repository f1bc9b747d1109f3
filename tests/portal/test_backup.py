"""portal backup / portal restore: a verified snapshot, restored whole or not at all."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import shutil
import signal
import zipfile

import pytest

from portal.accounts.auth import create_account
from portal.core.context import Portal
from portal.core.permissions import PermissionDenied
from portal.ops import backup
from portal.ops.backup import (
    BackupError,
    create_backup_as,
    list_backups_as,
    read_backup_as,
    recover_interrupted,
    restore_backup,
    restore_backup_as,
)
from portal.reporting.review import APPROVE, review
from portal.reporting.submissions import ingest
from schemas.enums import Role, SubmissionStatus
from tests.actors import OFFICE
from tests.conftest import built_from, private_copy
from tests.portal.reliability_support import ROUND, cli, files_under, filled, report_units, snapshot
from warehouse import approved
from warehouse.db import WarehouseError


def _loading(demo_home):
    """What `loaded` adds to the demo: three accepted submissions, a second version and a rejected
    upload, and the secret key file a real home has (the demo signs with settings.toml's key)."""

    def load(portal) -> None:
        units = report_units(demo_home, 3)
        for unit in units:
            assert ingest(
                portal, OFFICE, filled(demo_home, unit), f"{unit}.xlsx", unit=unit, round_code=ROUND
            ).accepted
        assert (
            ingest(
                portal, OFFICE, filled(demo_home, units[0], 1), "v2.xlsx", unit=units[0], round_code=ROUND
            ).version
            == 2
        )
        rejected = ingest(portal, OFFICE, b"not a workbook", "bad.xlsx", unit=units[1], round_code=ROUND)
        assert not rejected.accepted
        key = portal.settings.home / "secret.key"
        key.write_text("0" * 64)
        key.chmod(0o600)

    return load


@pytest.fixture(scope="session")
def _loaded_home(_demo_home, tmp_path_factory):
    """The demo as `loaded` has it, built once per test run (shared by the xdist workers like the
    demo): five uploads validated and recorded in every test were ~1 s of CPU, a copy ~10 ms."""
    return built_from(tmp_path_factory, _demo_home, "backup-loaded-home", _loading(_demo_home))


@pytest.fixture
def loaded(_loaded_home, portal_home):
    """A private copy of the demo with three accepted submissions, a second version and a rejected
    upload, and its secret key file (copied with its mode: 0600)."""
    return private_copy(_loaded_home, portal_home)


def _demo_in(demo_home, home):
    """`home` holding the demo as `portal init --demo --no-fill` leaves it, its own settings.toml
    kept: a copy of the run's demo home, which the same init made (tests.conftest._build_demo),
    instead of a `portal` subprocess importing the registry and hashing the demo's accounts with
    production Argon2 again (~6 s of CPU). These tests are about restoring over a home with data,
    not about init (tests/portal/test_init.py runs the real command)."""
    shutil.copytree(demo_home, home, dirs_exist_ok=True, ignore=shutil.ignore_patterns("settings.toml"))
    assert (home / "settings.toml").exists()
    return home


def _same_deployment(home):
    """A second home of the same deployment: it signs with the key the `loaded` demo signs with."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "settings.toml").write_text('secret_key = "test-secret"\n', encoding="utf-8")
    return home


def _backup(portal, path, *extra):
    done = cli("backup", "-o", str(path), *extra, home=portal.settings.home)
    assert done.returncode == 0, done.stderr.decode()
    return done


def test_a_backup_restored_into_a_fresh_home_has_every_table_and_every_stored_file(loaded, tmp_path):
    home = loaded.settings.home
    evidence = home / "evidence" / "ab" / "ab12.pdf"  # whatever else lives under the home comes along
    evidence.parent.mkdir(parents=True)
    evidence.write_bytes(b"%PDF-1.4 evidence")
    archive = tmp_path / "backup.zip"
    _backup(loaded, archive)
    fresh = tmp_path / "fresh"

    done = cli("restore", str(archive), home=fresh)

    assert done.returncode == 0, done.stderr.decode()
    assert snapshot(fresh) == snapshot(home)
    assert files_under(fresh / "uploads") == files_under(home / "uploads")
    assert len(files_under(fresh / "uploads")) == 5
    assert files_under(fresh / "evidence") == files_under(home / "evidence") != {}
    for name in ("settings.toml", "secret.key"):
        assert (fresh / name).read_bytes() == (home / name).read_bytes()
    assert (fresh / "secret.key").stat().st_mode & 0o077 == 0
    assert archive.stat().st_mode & 0o077 == 0  # the backup holds the key and password hashes


def test_a_restore_rebuilds_the_approved_values_from_the_restored_submissions(loaded, tmp_path):
    """Whatever made the backup, the restored warehouse's approved_values (migration 0018) are
    derived again from its own submissions and reviews."""
    with loaded.warehouse.connect() as con:
        first = con.execute("SELECT min(id) FROM submissions WHERE status = 'validated'").fetchall()[0][0]
    assert review(loaded, OFFICE, first, APPROVE, "").status == SubmissionStatus.APPROVED
    with loaded.warehouse.transaction() as con:
        assert approved.stored(con).height
        con.execute("DELETE FROM approved_values")  # a table out of step in the backup
    archive = tmp_path / "backup.zip"
    _backup(loaded, archive)
    fresh = tmp_path / "fresh"

    done = cli("restore", str(archive), home=fresh)

    assert done.returncode == 0, done.stderr.decode()
    with Portal.open(fresh).warehouse.connect() as con:
        table = approved.stored(con)
        assert first in set(table["submission_id"])
        assert table.equals(approved.derived(con))


def test_the_manifest_lists_every_file_with_its_checksum(loaded, tmp_path):
    archive = tmp_path / "backup.zip"
    _backup(loaded, archive)
    import hashlib

    with zipfile.ZipFile(archive) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        names = set(zf.namelist()) - {"manifest.json", "manifest.sig"}
        for entry in manifest["files"]:
            assert hashlib.sha256(zf.read(entry["path"])).hexdigest() == entry["sha256"]
    assert names == {e["path"] for e in manifest["files"]}
    assert {"warehouse.duckdb", "settings.toml", "secret.key"} <= names
    with zipfile.ZipFile(archive) as zf:  # signed with the deployment's key, which it names
        expected = hmac.new(b"test-secret", zf.read("manifest.json"), hashlib.sha256).hexdigest()
        assert zf.read("manifest.sig").decode() == expected
    assert manifest["deployment"]["key_fingerprint"] == backup.key_fingerprint(b"test-secret")
    assert manifest["deployment"]["home"] == str(loaded.settings.home)
    assert not any(n.startswith(("backups/", "exports/")) or n.endswith((".lock", ".wal")) for n in names)
    assert manifest["includes_secret"] is True
    with loaded.warehouse.connect() as con:  # the backup records its own making
        assert con.execute("SELECT actor FROM audit_log WHERE action = 'backup.create'").fetchall() == [
            ("cli",)
        ]


def test_restore_refuses_a_home_with_data_unless_forced_and_keeps_what_it_replaced(
    loaded, empty_portal, _demo_home, tmp_path
):
    archive = tmp_path / "backup.zip"
    _backup(loaded, archive)
    target = _same_deployment(tmp_path / "target")
    _demo_in(_demo_home, target)
    before = snapshot(target)

    refused = cli("restore", str(archive), home=target)

    assert refused.returncode == 2
    assert "已有数据" in refused.stderr.decode() and "--force" in refused.stderr.decode()
    assert snapshot(target) == before
    forced = cli("restore", str(archive), "--force", home=target)
    assert forced.returncode == 0, forced.stderr.decode()
    assert snapshot(target) == snapshot(loaded.settings.home)
    kept = list((target / "backups").glob("before-restore-*"))
    assert len(kept) == 1 and (kept[0] / "warehouse.duckdb").is_file()
    assert "原数据已移到" in forced.stdout.decode()


def _tamper(archive, target, name="warehouse.duckdb"):
    """A copy of the backup with one byte of `name` changed and the manifest left as it was."""
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(target, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == name:
                body = body[:100] + bytes([body[100] ^ 0xFF]) + body[101:]
            dst.writestr(info, body)


def test_a_corrupted_backup_is_refused_and_the_data_stays_as_it_was(loaded, tmp_path):
    archive, bad = tmp_path / "backup.zip", tmp_path / "bad.zip"
    _backup(loaded, archive)
    _tamper(archive, bad)
    home = loaded.settings.home
    before, uploads = snapshot(home), files_under(home / "uploads")

    done = cli("restore", str(bad), "--force", home=home)

    assert done.returncode == 1
    assert "校验值与清单不符" in done.stderr.decode() and "未做任何改动" in done.stderr.decode()
    assert snapshot(home) == before and files_under(home / "uploads") == uploads
    assert not [p for p in home.iterdir() if p.name.startswith(".restore")]


@pytest.mark.parametrize("content", [b"hello", b"PK\x03\x04 broken"])
def test_a_file_that_is_not_a_backup_is_a_usage_error(content, portal_home, tmp_path):
    path = tmp_path / "x.zip"
    path.write_bytes(content)
    done = cli("restore", str(path), home=portal_home)
    assert done.returncode == 2 and "不是本平台的备份文件" in done.stderr.decode()
    missing = cli("restore", str(tmp_path / "none.zip"), home=portal_home)
    assert missing.returncode == 2 and "找不到备份文件" in missing.stderr.decode()


def test_a_failure_in_the_middle_of_the_swap_puts_the_old_data_back(
    loaded, _demo_home, tmp_path, monkeypatch
):
    archive = tmp_path / "backup.zip"
    _backup(loaded, archive)
    target = Portal.open(_same_deployment(tmp_path / "target"))
    _demo_in(_demo_home, target.settings.home)
    before = snapshot(target.settings.home)
    real, calls = backup.os.replace, []

    def flaky(src, dst):
        calls.append((src, dst))
        if len(calls) == 4:  # some items already swapped, the rest not
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(backup.os, "replace", flaky)
    with pytest.raises(BackupError, match="原数据保持不变"):
        restore_backup(target, archive, force=True)
    monkeypatch.setattr(backup.os, "replace", real)

    assert snapshot(target.settings.home) == before
    assert not target.warehouse.restore_marker.exists()


def test_a_restore_killed_while_swapping_blocks_the_warehouse_until_the_next_restore_undoes_it(
    loaded, _demo_home, tmp_path
):
    archive = tmp_path / "backup.zip"
    _backup(loaded, archive)
    target = Portal.open(_same_deployment(tmp_path / "target"))
    _demo_in(_demo_home, target.settings.home)
    before = snapshot(target.settings.home)

    killed = cli(
        "restore",
        str(archive),
        "--force",
        home=target.settings.home,
        env={"PORTAL_FAULT_AT": "restore.swapping"},
    )

    assert killed.returncode == -signal.SIGKILL
    # Never a fresh, empty warehouse in its place.
    with pytest.raises(WarehouseError, match="恢复"), target.warehouse.connect():
        pass
    blocked = cli("status", home=target.settings.home)
    assert blocked.returncode == 1 and "portal restore" in blocked.stderr.decode()
    assert recover_interrupted(target)
    assert snapshot(target.settings.home) == before
    again = cli("restore", str(archive), "--force", home=target.settings.home)
    assert again.returncode == 0, again.stderr.decode()
    assert snapshot(target.settings.home) == snapshot(loaded.settings.home)


def test_a_restore_killed_before_the_swap_changes_nothing(loaded, tmp_path):
    archive = tmp_path / "backup.zip"
    _backup(loaded, archive)
    home = loaded.settings.home
    before = snapshot(home)
    killed = cli("restore", str(archive), "--force", home=home, env={"PORTAL_FAULT_AT": "restore.staged"})
    assert killed.returncode == -signal.SIGKILL
    assert snapshot(home) == before


def _key_only_in_secret_key_file(portal):
    """The demo keeps its key in settings.toml (which every backup carries); a real home keeps it
    in secret.key, which `--no-secret` leaves out."""
    toml = portal.settings.home / "settings.toml"
    toml.write_text("".join(line for line in toml.read_text().splitlines(True) if "secret_key" not in line))
    return Portal.open(portal.settings.home)


def test_a_backup_without_the_secret_restores_where_its_key_was_put_back_first(loaded, tmp_path):
    home = _key_only_in_secret_key_file(loaded).settings.home
    archive = tmp_path / "backup.zip"
    _backup(loaded, archive, "--no-secret")
    with zipfile.ZipFile(archive) as zf:
        assert "secret.key" not in zf.namelist()
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    shutil.copy(home / "secret.key", fresh / "secret.key")  # kept apart, put back before restoring
    done = cli("restore", str(archive), home=fresh)
    assert done.returncode == 0, done.stderr.decode()
    assert (fresh / "secret.key").read_bytes() == (home / "secret.key").read_bytes()
    assert "secret.key" in done.stdout.decode()


def test_a_backup_without_the_secret_into_a_home_with_another_key_needs_the_foreign_flag(loaded, tmp_path):
    _key_only_in_secret_key_file(loaded)
    archive = tmp_path / "backup.zip"
    _backup(loaded, archive, "--no-secret")
    for key in ("the-new-machines-key", None):  # another key, or none at all to check it with
        fresh = tmp_path / f"fresh-{key}"
        fresh.mkdir()
        if key:
            (fresh / "secret.key").write_text(key)

        refused = cli("restore", str(archive), home=fresh)

        assert refused.returncode == 2, refused.stderr.decode()
        assert "--foreign" in refused.stderr.decode()
        assert str(loaded.settings.home) in refused.stderr.decode()  # says whose backup it is
        assert sorted(p.name for p in fresh.iterdir()) == (["secret.key"] if key else [])
        done = cli("restore", str(archive), "--foreign", home=fresh)
        assert done.returncode == 0, done.stderr.decode()
        assert snapshot(fresh) == snapshot(loaded.settings.home)
        if key:
            assert (fresh / "secret.key").read_text() == key


def _rezip(archive, target, members=None, edit=None, key=None):
    """A copy of a backup with some members replaced (`members`: name → bytes), the manifest
    changed by `edit(manifest)` and, with `key`, signed again the way portal backup signs."""
    with zipfile.ZipFile(archive) as src:
        manifest = json.loads(src.read("manifest.json"))
        bodies = {i.filename: src.read(i.filename) for i in src.infolist()}
    bodies.update(members or {})
    if edit:
        edit(manifest)
    raw = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
    bodies["manifest.json"] = raw
    if key is not None:
        bodies["manifest.sig"] = hmac.new(key, raw, hashlib.sha256).hexdigest().encode()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, body in bodies.items():
            dst.writestr(name, body)


def _declare(manifest, name, body):
    entry = next(e for e in manifest["files"] if e["path"] == name)
    entry["size"], entry["sha256"] = len(body), hashlib.sha256(body).hexdigest()


def test_a_forged_member_with_a_matching_manifest_is_refused_by_the_signature(loaded, tmp_path):
    archive, forged = tmp_path / "backup.zip", tmp_path / "forged.zip"
    _backup(loaded, archive)
    # The attack: the same backup with an admin account planted in its warehouse and the
    # manifest's size and checksum changed to match; the signature cannot be made without the key.
    evil = tmp_path / "evil"
    shutil.copytree(loaded.settings.home, evil)
    with Portal.open(evil).warehouse.transaction() as con:
        create_account(Portal.open(evil), con, "mallory", "mallory", Role.ADMIN, None, "pw-mallory-123")
    planted = (evil / "warehouse.duckdb").read_bytes()
    _rezip(archive, forged, {"warehouse.duckdb": planted}, lambda m: _declare(m, "warehouse.duckdb", planted))
    home = loaded.settings.home
    before, uploads = snapshot(home), files_under(home / "uploads")

    for flags in ((), ("--foreign",)):  # it claims this deployment's key: refused even as foreign
        done = cli("restore", str(forged), "--force", *flags, home=home)
        assert done.returncode == 1, done.stderr.decode()
        assert "签名不符" in done.stderr.decode() and "Traceback" not in done.stderr.decode()
    assert snapshot(home) == before and files_under(home / "uploads") == uploads
    assert not [p for p in home.iterdir() if p.name.startswith(".restore")]


def test_a_member_longer_than_declared_is_refused_before_it_is_written(loaded, tmp_path):
    archive, bloated = tmp_path / "backup.zip", tmp_path / "bloated.zip"
    _backup(loaded, archive)
    with zipfile.ZipFile(archive) as zf:
        upload = next(n for n in zf.namelist() if n.startswith("uploads/"))
    big = bytes(40 << 20)  # 40 MB of zeros: a few KB compressed
    # Signed with the deployment's key, so only the size checks stand in the way.
    _rezip(archive, bloated, {upload: big}, lambda m: _declare(m, upload, b"ten bytes!"), key=b"test-secret")
    home = loaded.settings.home
    before = snapshot(home)
    written = []

    with pytest.raises(BackupError, match="篡改"):
        restore_backup(loaded, bloated, force=True, progress=written.append)

    assert sum(written) <= 10 + backup.CHUNK
    assert snapshot(home) == before
    assert not [p for p in home.iterdir() if p.name.startswith(".restore")]


def test_a_stream_longer_than_its_limit_stops_at_the_chunk_that_would_pass_it():
    sink = io.BytesIO()
    with pytest.raises(backup._OverLimit):
        backup._copy_hashing(io.BytesIO(bytes(5 * backup.CHUNK)), sink, None, limit=backup.CHUNK + 10)
    assert len(sink.getvalue()) <= backup.CHUNK + 10


def test_a_truncated_warehouse_is_not_backed_up(loaded, tmp_path):
    home = tmp_path / "broken"
    shutil.copytree(loaded.settings.home, home)
    whole = (home / "warehouse.duckdb").read_bytes()
    (home / "warehouse.duckdb").write_bytes(whole[: len(whole) // 2])
    target = tmp_path / "out.zip"

    done = cli("backup", "-o", str(target), home=home)

    assert done.returncode == 1
    err = done.stderr.decode()
    assert "已损坏或不完整" in err and str(home / "warehouse.duckdb") in err and "Traceback" not in err
    assert not target.exists()


def test_a_backup_from_another_deployment_needs_the_foreign_flag_and_says_whose_it_is(
    loaded, _demo_home, tmp_path
):
    archive = tmp_path / "backup.zip"
    _backup(loaded, archive)
    other = tmp_path / "other"
    other.mkdir()
    (other / "settings.toml").write_text('secret_key = "another-deployment"\n', encoding="utf-8")
    _demo_in(_demo_home, other)
    before = snapshot(other)

    refused = cli("restore", str(archive), "--force", home=other)

    assert refused.returncode == 2
    err = refused.stderr.decode()
    assert "另一套部署" in err and str(loaded.settings.home) in err and "--foreign" in err
    assert backup.key_fingerprint(b"test-secret") in err
    assert snapshot(other) == before
    done = cli("restore", str(archive), "--force", "--foreign", home=other)
    assert done.returncode == 0, done.stderr.decode()
    assert snapshot(other) == snapshot(loaded.settings.home)


def test_backups_from_the_admin_page_are_permission_checked_and_audited(loaded, make_account, tmp_path):
    admin = make_account(loaded, "root", Role.ADMIN)
    office = make_account(loaded, "office1", Role.OFFICE_REVIEWER)
    for action in (
        lambda a: create_backup_as(loaded, a),
        lambda a: list_backups_as(loaded, a),
        lambda a: read_backup_as(loaded, a, "x.zip"),
        lambda a: restore_backup_as(loaded, a, b""),
    ):
        with pytest.raises(PermissionDenied):
            action(office)

    made = create_backup_as(loaded, admin)
    listed = list_backups_as(loaded, admin)
    assert [name for name, _, _ in listed] == [made.path.name]
    data = read_backup_as(loaded, admin, made.path.name)
    with pytest.raises(BackupError):
        read_backup_as(loaded, admin, "../settings.toml")

    refused = restore_backup_as(loaded, admin, data)
    assert not refused.ok and "已有数据" in refused.message
    restored = restore_backup_as(loaded, admin, data, force=True)
    assert restored.ok, restored.message
    with loaded.warehouse.connect() as con:
        actions = con.execute(
            "SELECT actor, action FROM audit_log WHERE action LIKE 'backup.%' ORDER BY id"
        ).fetchall()
    # The restored warehouse is the backup (made before the download) plus who restored it.
    assert actions == [("root", "backup.create"), ("root", "backup.restore")]


def test_a_backup_killed_midway_leaves_no_backup_file_and_the_data_untouched(loaded, tmp_path):
    home = loaded.settings.home
    before = snapshot(home)
    target = tmp_path / "out" / "backup.zip"
    killed = cli("backup", "-o", str(target), home=home, env={"PORTAL_FAULT_AT": "backup.snapshot_taken"})
    assert killed.returncode == -signal.SIGKILL
    assert not target.exists()  # never half a backup under the name asked for
    after = snapshot(home)
    logged = {"audit_log", "<sequences>"}  # the attempt itself is in the audit log, nothing else changed
    assert {t: r for t, r in after.items() if t not in logged} == {
        t: r for t, r in before.items() if t not in logged
    }
    _backup(loaded, target)
    fresh = tmp_path / "fresh"
    assert cli("restore", str(target), home=fresh).returncode == 0
    assert snapshot(fresh) == snapshot(home)
