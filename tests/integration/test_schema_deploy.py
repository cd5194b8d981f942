"""Schema deployment against a real PostgreSQL with PostGIS and pgSTAC."""

import psycopg
import pytest

from core.errors import MigrationError
from infrastructure.db import migrations
from tests.support import all_at_once, fresh_database

CATALOG_SNAPSHOT = """
SELECT n.nspname, c.relname, c.relkind
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname IN ('app', 'geo', 'raster', 'h3', 'pgstac')
ORDER BY 1, 2
"""


def catalog(dsn: str) -> list[tuple]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(CATALOG_SNAPSHOT).fetchall()


def test_deploy_installs_everything_and_a_second_deploy_changes_nothing():
    with fresh_database() as dsn:
        first = migrations.deploy(dsn)
        assert [m.version for m in first.applied] == [m.version for m in migrations.discover()]
        assert first.pgstac_from is None and first.pgstac_to == "0.10.0"
        before = catalog(dsn)

        second = migrations.deploy(dsn)
        assert second.applied == [] and second.pgstac_from == "0.10.0"
        assert catalog(dsn) == before

        status = migrations.status(dsn)
        assert status.pending == [] and status.pgstac_version == "0.10.0"
        assert {"postgis", "btree_gist"} <= set(status.extensions)
        with psycopg.connect(dsn) as conn:
            schemas = {r[0] for r in conn.execute("SELECT nspname FROM pg_namespace")}
        assert {"app", "geo", "raster", "h3", "pgstac"} <= schemas


def test_two_concurrent_deploys_apply_once():
    with fresh_database() as dsn:
        results = all_at_once(lambda: migrations.deploy(dsn), 2)
        applied = sorted((len(r.applied) for r in results))
        assert applied == [0, len(migrations.discover())]
        assert sorted(str(r.pgstac_from) for r in results) == ["0.10.0", "None"]
        with psycopg.connect(dsn) as conn:
            ledger = conn.execute("SELECT version FROM app.schema_migrations ORDER BY 1").fetchall()
        assert [r[0] for r in ledger] == [m.version for m in migrations.discover()]


def test_a_failing_migration_leaves_nothing_half_applied(tmp_path):
    (tmp_path / "0001_good.sql").write_text("CREATE TABLE app.good_one (id int);")
    (tmp_path / "0002_bad.sql").write_text(
        "CREATE TABLE app.bad_one (id int); SELECT no_such_function();"
    )
    with fresh_database() as dsn:
        with pytest.raises(MigrationError, match="0002_bad failed"):
            migrations.deploy(dsn, directory=tmp_path)
        with psycopg.connect(dsn) as conn:
            tables = conn.execute(
                "SELECT to_regclass('app.good_one'), to_regclass('app.bad_one')"
            ).fetchone()
            ledger = conn.execute("SELECT to_regclass('app.schema_migrations')").fetchone()[0]
        assert tables == (None, None)
        assert ledger is None


def test_status_flags_an_applied_migration_whose_file_changed(settings):
    with psycopg.connect(settings.dsn) as conn:
        conn.execute("UPDATE app.schema_migrations SET checksum = 'edited' WHERE version = 1")
    try:
        applied = {a.version: a for a in migrations.status(settings.dsn).applied}
        assert applied[1].modified and not applied[2].modified
    finally:
        with psycopg.connect(settings.dsn) as conn:
            conn.execute(
                "UPDATE app.schema_migrations SET checksum = %s WHERE version = 1",
                (migrations.discover()[0].checksum,),
            )


def test_ensure_database_creates_a_missing_database_once():
    import secrets

    from psycopg import sql as pgsql
    from psycopg.conninfo import make_conninfo

    from tests.support import base_settings

    base = base_settings().dsn
    name = f"geoetl_ensure_{secrets.token_hex(4)}"
    try:
        assert migrations.ensure_database(make_conninfo(base, dbname=name)) is True
        assert migrations.ensure_database(make_conninfo(base, dbname=name)) is False
    finally:
        with psycopg.connect(make_conninfo(base, dbname="postgres"), autocommit=True) as conn:
            conn.execute(
                pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(pgsql.Identifier(name))
            )
