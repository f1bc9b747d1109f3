import duckdb
import pytest

from warehouse.db import (
    SCHEMA_VERSION,
    Warehouse,
    WarehouseCorrupt,
    WarehouseMissing,
    WarehouseTooNew,
    migrate,
    migrations,
    schema_version,
)


def test_migrations_are_numbered_without_gaps():
    versions = [v for v, _, _ in migrations()]
    assert versions == list(range(1, len(versions) + 1))
    assert SCHEMA_VERSION == versions[-1] >= 2


def test_a_new_file_is_created_at_the_current_schema_version(tmp_path):
    wh = Warehouse(tmp_path / "w.duckdb")
    with wh.connect(create=True) as con:
        assert schema_version(con) == SCHEMA_VERSION
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert {"plans", "units", "tasks", "indicators", "rounds", "users", "audit_log", "submissions"} <= tables


def test_a_version_1_warehouse_is_upgraded_on_open_with_its_data_intact(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    assert migrate(con, target=1) == 1
    con.execute(
        "INSERT INTO plans VALUES ('JZ', '荆州经开区科技创新三年行动方案', '管委会', 2023, 2025, 2022, 'seed')"
    )
    con.execute("INSERT INTO units (code, name, kind) VALUES ('JZKF-JFJ', '经发局', 'department')")
    con.execute("INSERT INTO rounds VALUES ('2025Q3', 2025, 3, DATE '2025-10-15', 'open')")
    has_submissions = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'submissions'"
    ).fetchall()[0][0]
    con.close()
    assert has_submissions == 0

    with Warehouse(path).connect() as con:
        assert schema_version(con) == SCHEMA_VERSION
        assert con.execute("SELECT code, name, base_year FROM plans").fetchall() == [
            ("JZ", "荆州经开区科技创新三年行动方案", 2022)
        ]
        assert con.execute("SELECT name, active FROM units").fetchall() == [("经发局", True)]
        assert con.execute("SELECT state FROM rounds").fetchall() == [("open",)]
        assert con.execute("SELECT count(*) FROM submissions").fetchall() == [(0,)]
        applied = [
            r[0] for r in con.execute("SELECT version FROM schema_version ORDER BY version").fetchall()
        ]
    assert applied == list(range(1, SCHEMA_VERSION + 1))


def test_a_warehouse_newer_than_this_program_is_refused_with_a_chinese_message(tmp_path):
    path = tmp_path / "new.duckdb"
    # linger=0: the version is checked when the file is opened (a newer program writing it must
    # take the file from us first), so the next connect must open it again
    with Warehouse(path, linger=0).connect(create=True) as con:
        con.execute("INSERT INTO schema_version VALUES (?, 'future', now())", [SCHEMA_VERSION + 1])
    with pytest.raises(WarehouseTooNew, match="高于本程序支持"), Warehouse(path).connect():
        pass


def test_a_failed_transaction_leaves_nothing_behind(tmp_path):
    wh = Warehouse(tmp_path / "w.duckdb")
    with wh.connect(create=True):
        pass
    with pytest.raises(duckdb.Error), wh.transaction() as con:
        con.execute("INSERT INTO units (code, name, kind) VALUES ('A', 'a', 'department')")
        con.execute("INSERT INTO units (code, name, kind) VALUES ('A', 'dup', 'department')")
    with wh.connect() as con:
        assert con.execute("SELECT count(*) FROM units").fetchall() == [(0,)]


def _version_5_warehouse(path, with_registry: bool) -> None:
    con = duckdb.connect(str(path))
    assert migrate(con, target=5) == 5
    if with_registry:
        con.execute(
            "INSERT INTO plans VALUES ('JZ', '荆州经开区科技创新三年行动方案', '管委会', 2023, 2025, 2022, 'seed')"
        )
        con.execute("INSERT INTO units (code, name, kind) VALUES ('JZKF-JFJ', '经发局', 'department')")
        con.execute(
            "INSERT INTO submissions (unit, round, version, file_hash, uploaded_by, uploaded_at, status) "
            "VALUES ('JZKF-JFJ', '2025Q3', 1, 'h', 'jfj', now(), 'approved')"
        )
    con.close()


def test_a_version_5_registry_is_upgraded_into_one_office_owning_every_plan_and_unit(tmp_path):
    path = tmp_path / "v5.duckdb"
    _version_5_warehouse(path, with_registry=True)
    with Warehouse(path).connect() as con:
        assert schema_version(con) == SCHEMA_VERSION
        assert con.execute("SELECT code, name, parent, level, assumed FROM offices").fetchall() == [
            ("MAIN", "本平台办公室", None, "region", True)
        ]
        assert con.execute("SELECT code, name, base_year, office FROM plans").fetchall() == [
            ("JZ", "荆州经开区科技创新三年行动方案", 2022, "MAIN")
        ]
        assert con.execute("SELECT code, name, active, org FROM units").fetchall() == [
            ("JZKF-JFJ", "经发局", True, "MAIN")
        ]
        assert con.execute("SELECT unit, status FROM submissions").fetchall() == [("JZKF-JFJ", "approved")]


def test_an_empty_version_5_warehouse_is_upgraded_without_inventing_an_office(tmp_path):
    path = tmp_path / "v5-empty.duckdb"
    _version_5_warehouse(path, with_registry=False)
    with Warehouse(path).connect() as con:
        assert schema_version(con) == SCHEMA_VERSION
        assert con.execute("SELECT count(*) FROM offices").fetchall() == [(0,)]


def test_a_missing_file_is_refused_naming_it_and_the_backups_and_nothing_is_created(tmp_path):
    backups = tmp_path / "backups"
    (backups / "before-restore-20251001-120000").mkdir(parents=True)
    (backups / "before-restore-20251001-120000" / "w.duckdb").write_bytes(b"")
    (backups / "portal-backup-20251010-020000.zip").write_bytes(b"PK")
    (backups / "notes.txt").write_text("not a backup")
    wh = Warehouse(tmp_path / "w.duckdb", backups_dir=backups)

    for use in (wh.connect, wh.transaction, wh.session):
        with pytest.raises(WarehouseMissing) as refused, use():
            pass
        message = str(refused.value)
        assert f"找不到数据仓库文件 {wh.path}" in message
        assert "portal-backup-20251010-020000.zip" in message and "before-restore-20251001-120000" in message
        assert "notes.txt" not in message and "portal restore" in message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backups"]  # no empty warehouse, no lock file


def _truncated(tmp_path, name="half.duckdb"):
    whole = Warehouse(tmp_path / "whole.duckdb")
    with whole.connect(create=True) as con:
        con.execute("CREATE TABLE filler AS SELECT range AS n, range::VARCHAR AS s FROM range(300000)")
    data = whole.path.read_bytes()
    half = tmp_path / name
    half.write_bytes(data[: len(data) // 2])
    return half


def test_a_truncated_file_is_refused_as_damaged_on_open_not_on_some_later_query(tmp_path):
    half = _truncated(tmp_path)
    size = half.stat().st_size
    with pytest.raises(WarehouseCorrupt, match="已损坏或不完整") as refused, Warehouse(half).connect():
        pass
    assert str(half) in str(refused.value) and "没有找到可用的备份" in str(refused.value)
    assert half.stat().st_size == size  # not repaired, not replaced


def test_a_version_11_warehouse_gets_extension_ids_and_versions_that_skip_rejected_uploads(tmp_path):
    from warehouse import extensions

    path = tmp_path / "v11.duckdb"
    con = duckdb.connect(str(path))
    assert migrate(con, target=11) == 11
    for n, (status, day) in enumerate(
        [("rejected", 1), ("superseded", 2), ("rejected", 3), ("validated", 4)]
    ):
        con.execute(
            "INSERT INTO submissions (id, unit, round, version, file_hash, uploaded_by, uploaded_at, status) "
            "VALUES (?, 'U', '2025Q3', ?, 'h', 'rep', TIMESTAMP '2025-10-01' + to_days(?), ?)",
            [n + 1, n + 1, day, status],
        )
    con.execute(
        "INSERT INTO extensions VALUES ('2025Q3', 'U', DATE '2025-10-25', '系统故障', 'office', now())"
    )
    con.close()

    with Warehouse(path).connect() as con:
        versions = con.execute("SELECT status, version FROM submissions ORDER BY id").fetchall()
        listed = extensions.of_round(con, "2025Q3")
    assert versions == [("rejected", 1), ("superseded", 1), ("rejected", 2), ("validated", 2)]
    assert listed.select("id", "unit", "ended").rows() == [(1, "U", None)]
