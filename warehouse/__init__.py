"""DuckDB schema, migrations, loading and the SQL behind every view."""
