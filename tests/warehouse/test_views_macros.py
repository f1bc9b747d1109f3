"""The views' shared macros are defined once per connection, and again after a rollback took them back."""

from __future__ import annotations

import duckdb
import pytest

from warehouse import views
from warehouse.db import Warehouse, transaction


def test_a_rollback_that_took_the_macros_back_makes_the_next_view_define_them_again(tmp_path):
    warehouse = Warehouse(tmp_path / "warehouse.duckdb")
    with warehouse.connect(create=True):
        pass  # the migrations' own fills use the views: a new connection starts without the macros
    with warehouse.connect() as con:
        _rolled_back(con)


def _rolled_back(con) -> None:
    with pytest.raises(RuntimeError), transaction(con):
        views.install_macros(con)  # defined inside the transaction ...
        assert con.execute("SELECT kpi_time(2024, 4)").fetchone() == (2025.0,)
        raise RuntimeError("the use case failed")
    # ... and gone with its rollback (DuckDB's temporary macros are transactional)
    with pytest.raises(duckdb.CatalogException):
        con.execute("SELECT kpi_time(2024, 4)")
    views.install_macros(con)
    assert con.execute("SELECT kpi_time(2024, 2)").fetchone() == (2024.5,)


def test_the_macros_are_defined_once_per_connection(monkeypatch):
    con, other = duckdb.connect(), duckdb.connect()
    monkeypatch.setattr(views, "load_sql", lambda name: "SELECT 1")
    views.install_macros(con)
    read = []
    monkeypatch.setattr(views, "load_sql", lambda name: read.append(name) or "SELECT 1")
    views.install_macros(con)  # already there: nothing run
    assert read == []
    views.install_macros(other)  # a new connection gets its own
    assert read == list(views.MACRO_FILES)
