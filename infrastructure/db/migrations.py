"""Forward-only schema migrations, plus pgSTAC through pypgstac's migrator.

A deploy holds `pg_advisory_xact_lock(DEPLOY_LOCK_KEY)` in a dedicated transaction for
its whole duration, so two deploys at once run one after the other and the second finds
nothing left to do. The project's migrations are applied inside that same transaction:
all pending files land together or none do.
"""

import hashlib
import logging
import re
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psycopg
from psycopg import sql as pgsql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from pypgstac.db import PgstacDB
from pypgstac.migrate import Migrate
from pypgstac.version import __version__ as PGSTAC_TARGET_VERSION

from core.errors import MigrationError
from infrastructure.db.pool import connect_direct
from infrastructure.db.queries import sql

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
DEPLOY_LOCK_KEY = 0x67656F65746C  # "geoetl"
_FILENAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


@dataclass(frozen=True)
class AppliedMigration:
    version: int
    name: str
    applied_at: datetime
    modified: bool  # the file changed after it was applied: forward-only rule broken


@dataclass(frozen=True)
class SchemaStatus:
    applied: list[AppliedMigration]
    pending: list[Migration]
    extensions: dict[str, str]
    pgstac_version: str | None
    pgstac_target_version: str


@dataclass(frozen=True)
class DeployResult:
    applied: list[Migration]
    pgstac_from: str | None
    pgstac_to: str


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    migrations = []
    for path in sorted(directory.glob("*.sql")):
        match = _FILENAME.match(path.name)
        if not match:
            raise MigrationError(f"migration file name must be NNNN_name.sql: {path.name}")
        migrations.append(Migration(int(match[1]), match[2], path.read_text()))
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"duplicate migration versions in {directory}")
    return migrations


def status(dsn: str) -> SchemaStatus:
    with connect_direct(dsn, autocommit=True) as conn:
        applied_rows = _applied_rows(conn)
        extensions = {r["name"]: r["version"] for r in conn.execute(sql("extension_versions"))}
        pgstac_version = conn.execute(sql("pgstac_version")).fetchone()["version"]
    known = {m.version: m for m in discover()}
    applied = [
        AppliedMigration(
            version=r["version"],
            name=r["name"],
            applied_at=r["applied_at"],
            modified=r["version"] in known and known[r["version"]].checksum != r["checksum"],
        )
        for r in applied_rows
    ]
    done = {r["version"] for r in applied_rows}
    pending = [m for m in known.values() if m.version not in done]
    return SchemaStatus(applied, pending, extensions, pgstac_version, PGSTAC_TARGET_VERSION)


def deploy(dsn: str, directory: Path = MIGRATIONS_DIR) -> DeployResult:
    """Apply pgSTAC's and the project's pending migrations; safe to run concurrently."""
    migrations = discover(directory)
    with connect_direct(dsn) as conn:
        conn.execute(sql("migrations/lock"), {"key": DEPLOY_LOCK_KEY})
        pgstac_from = _migrate_pgstac(dsn)
        conn.execute(sql("migrations/bootstrap"))
        done = {r["version"] for r in _applied_rows(conn)}
        pending = [m for m in migrations if m.version not in done]
        for migration in pending:
            _apply(conn, migration)
        conn.commit()
    return DeployResult(pending, pgstac_from, PGSTAC_TARGET_VERSION)


def ensure_database(dsn: str) -> bool:
    """Create the database named in the DSN when it does not exist (local convenience)."""
    params = conninfo_to_dict(dsn)
    name = params.get("dbname") or "postgres"
    maintenance = make_conninfo(dsn, dbname="postgres")
    with connect_direct(maintenance, autocommit=True) as conn:
        if conn.execute(sql("migrations/database_exists"), {"name": name}).fetchone():
            return False
        conn.execute(pgsql.SQL("CREATE DATABASE {}").format(pgsql.Identifier(name)))
        return True


def _applied_rows(conn: psycopg.Connection) -> list[dict]:
    if not conn.execute(sql("migrations/ledger_exists")).fetchone()["exists"]:
        return []
    return conn.execute(sql("migrations/applied")).fetchall()


def _apply(conn: psycopg.Connection, migration: Migration) -> None:
    log.info("applying migration %04d_%s", migration.version, migration.name)
    try:
        conn.execute(migration.sql)
    except psycopg.Error as exc:
        raise MigrationError(
            f"migration {migration.version:04d}_{migration.name} failed: {exc}"
        ) from exc
    conn.execute(
        sql("migrations/record"),
        {"version": migration.version, "name": migration.name, "checksum": migration.checksum},
    )


def _migrate_pgstac(dsn: str, attempts: int = 3) -> str | None:
    """Install or upgrade pgSTAC; returns the version found before (None: fresh install).

    pgSTAC's roles are cluster-wide, so installing it in two databases of one cluster at
    once can collide ("tuple concurrently updated"); its migration is one transaction, so
    it is simply tried again."""
    for attempt in range(1, attempts + 1):
        db = PgstacDB(dsn=dsn)
        try:
            before = db.version
            Migrate(db).run_migration()
            return before
        except psycopg.errors.InternalError as exc:
            if attempt == attempts:
                raise MigrationError(f"pgSTAC migration failed: {exc}") from exc
            log.warning("pgSTAC migration collided with another (%s); trying again", exc)
            time.sleep(0.5 * attempt)
        except psycopg.Error as exc:
            raise MigrationError(f"pgSTAC migration failed: {exc}") from exc
        finally:
            db.close()
    raise AssertionError("unreachable")
