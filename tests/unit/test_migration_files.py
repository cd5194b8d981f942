import pytest

from core.errors import MigrationError
from infrastructure.db.migrations import MIGRATIONS_DIR, discover
from infrastructure.db.queries import sql


def test_migrations_are_numbered_in_order_and_unique():
    versions = [m.version for m in discover()]
    assert versions == sorted(set(versions)) and versions[0] == 1


def test_a_badly_named_migration_is_refused(tmp_path):
    (tmp_path / "1_oops.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="NNNN_name.sql"):
        discover(tmp_path)


def test_checksums_follow_content(tmp_path):
    (tmp_path / "0001_a.sql").write_text("SELECT 1;")
    first = discover(tmp_path)[0].checksum
    (tmp_path / "0001_a.sql").write_text("SELECT 2;")
    assert discover(tmp_path)[0].checksum != first


def test_the_engine_and_schema_migrations_ship():
    names = [path.name for path in sorted(MIGRATIONS_DIR.glob("*.sql"))]
    assert names[:2] == ["0001_schemas.sql", "0002_engine.sql"]


def test_query_names_cannot_escape_the_queries_folder():
    assert "pg_advisory_xact_lock" in sql("migrations/lock")
    with pytest.raises(ValueError, match="escapes"):
        sql("../migrations/0001_schemas")
