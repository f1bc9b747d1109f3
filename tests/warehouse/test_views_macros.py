"""The views' shared macros live in the database file: defined when their text changed, not per connection."""

from __future__ import annotations

import duckdb
import pytest

from warehouse import views
from warehouse.db import Warehouse, has_rows, migrate, transaction


def test_a_new_warehouse_holds_the_current_macros_and_a_new_connection_finds_them(tmp_path, monkeypatch):
    warehouse = Warehouse(tmp_path / "warehouse.duckdb")
    with warehouse.connect(create=True) as con:
        assert views.installed_digest(con) == views.macro_digest()
        assert not has_rows(con)  # the digest's row is not data: a new warehouse is still empty
    con = duckdb.connect(str(warehouse.path))  # a bare connection, not one of Warehouse's
    try:
        ran = []
        script = views.macro_script()
        monkeypatch.setattr(views, "macro_script", lambda: ran.append(1) or script)
        views.install_macros(con)
        assert ran == []  # the digest matched: nothing defined again
        assert con.execute("SELECT kpi_time(2024, 4)").fetchone() == (2025.0,)
    finally:
        con.close()


def test_macros_older_than_the_program_are_defined_again_on_the_next_open(tmp_path):
    """A restored backup of an older version, say: its digest differs, so its macros are replaced."""
    warehouse = Warehouse(tmp_path / "warehouse.duckdb")
    with warehouse.connect(create=True):
        pass
    con = duckdb.connect(str(warehouse.path))
    con.execute("CREATE OR REPLACE MACRO kpi_time(year, quarter) AS -1")
    con.execute("UPDATE portal_macros SET digest = 'old'")
    con.close()
    with warehouse.connect() as con:
        assert con.execute("SELECT kpi_time(2024, 2)").fetchone() == (2024.5,)
        assert views.installed_digest(con) == views.macro_digest()


def _stale() -> duckdb.DuckDBPyConnection:
    """A warehouse whose stored macros are an older version's (kpi_time says -1) under another digest."""
    con = duckdb.connect()
    migrate(con)
    con.execute("CREATE OR REPLACE MACRO kpi_time(year, quarter) AS -1")
    con.execute("UPDATE portal_macros SET digest = 'old'")
    return con


def test_stale_macros_are_defined_again_from_a_bare_connection():
    con = _stale()
    views.install_macros(con)
    assert con.execute("SELECT kpi_time(2024, 2)").fetchone() == (2024.5,)
    assert views.installed_digest(con) == views.macro_digest()


def test_a_rollback_that_took_the_macros_back_makes_the_next_view_define_them_again():
    con = _stale()
    with pytest.raises(RuntimeError), transaction(con):
        views.install_macros(con)  # defined inside the transaction ...
        assert con.execute("SELECT kpi_time(2024, 4)").fetchone() == (2025.0,)
        raise RuntimeError("the use case failed")
    # ... and taken back with its rollback, digest and all (DuckDB's catalog is transactional)
    assert con.execute("SELECT kpi_time(2024, 4)").fetchone() == (-1,)
    assert views.installed_digest(con) == "old"
    views.install_macros(con)
    assert con.execute("SELECT kpi_time(2024, 2)").fetchone() == (2024.5,)


def test_a_temporary_macro_merged_into_a_macro_file_is_stored_like_the_others():
    assert (
        views._persistent("CREATE OR REPLACE TEMP MACRO f(x) AS x;") == "CREATE OR REPLACE MACRO f(x) AS x;"
    )
    assert "TEMP MACRO" not in views.macro_script()


def test_a_warehouse_checks_the_digest_once_per_state_of_its_file(tmp_path, monkeypatch):
    """The fixed cost of a connection: an unchanged file is not asked for its macros' digest again,
    and its views do not look for the macros at all; a file that changed is asked once more
    (linger=0: the digest is checked when the file is opened)."""
    warehouse = Warehouse(tmp_path / "warehouse.duckdb", linger=0)
    with warehouse.connect(create=True):
        pass
    with warehouse.connect():
        pass  # the close after creation may have rewritten the file: its new state is checked here
    asked = []
    real = views.installed_digest
    monkeypatch.setattr(views, "installed_digest", lambda con: asked.append(1) or real(con))
    with warehouse.connect() as con:
        views.install_macros(con)  # what every view calls first: nothing to do on this connection
        assert con.execute("SELECT kpi_time(2024, 4)").fetchone() == (2025.0,)
    assert asked == []
    with warehouse.transaction() as con:
        con.execute("INSERT INTO rounds VALUES ('2025Q3', 2025, 3, DATE '2025-10-15', 'open')")
    with warehouse.connect():
        pass
    assert asked == [1]


def test_a_view_may_follow_a_query_whose_rows_were_not_all_fetched(tmp_path):
    warehouse = Warehouse(tmp_path / "warehouse.duckdb")
    with warehouse.connect(create=True):
        pass
    with warehouse.connect() as con:
        con.execute("SELECT * FROM range(3)").fetchone()  # two rows left unread
        assert views.unit_plans(con).is_empty()
