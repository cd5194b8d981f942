"""Versions of pipelines in app.pipelines: saving (a new version only when the definition
changed), reading, archiving. Who may save: the pipeline's owner (its first saver) or an
admin; anyone with the submitter role may create a new name."""

import hashlib
from dataclasses import dataclass
from typing import Any

from psycopg.types.json import Jsonb

from core.access import Principal
from core.engine.identity import canonical_json
from core.errors import Forbidden, InvalidInput, NotFound
from core.pipelines.definition import RESERVED_NAMES, PipelineDefinition
from core.pipelines.diff import definition_diff
from infrastructure.db.pool import Database
from infrastructure.db.queries import sql
from infrastructure.db.transactions import in_transaction


@dataclass(frozen=True)
class Saved:
    row: dict
    created: bool
    previous: dict | None

    def diff(self) -> list[str]:
        before = self.previous["definition"] if self.previous else None
        old = f"{self.row['name']}@{self.previous['version']}" if self.previous else "(nothing)"
        return definition_diff(
            before, self.row["definition"], old=old, new=f"{self.row['name']}@{self.row['version']}"
        )


def stored_form(definition: PipelineDefinition) -> dict[str, Any]:
    """What is kept and shown: the definition without the values that are defaults anyway."""
    return definition.model_dump(mode="json", exclude_defaults=True)


def digest(stored: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(stored).encode()).hexdigest()


def save(db: Database, name: str, definition: PipelineDefinition, principal: Principal) -> Saved:
    if name in RESERVED_NAMES:
        raise InvalidInput(
            f"{name!r} names a path of the pipeline API; choose another name",
            errors=[{"field": "name", "message": "reserved", "type": "pipeline.reserved_name"}],
        )
    stored = stored_form(definition)

    def work(conn) -> Saved:
        conn.execute(sql("pipelines/lock_name"), {"name": name})
        latest = conn.execute(sql("pipelines/latest"), {"name": name}).fetchone()
        if latest is not None and latest["owner"] != principal.owner_id and not principal.is_admin:
            raise Forbidden(
                f"pipeline {name!r} belongs to {latest['owner']}: only it or an admin may save versions; "
                "save your copy under another name"
            )
        if (
            latest is not None
            and latest["digest"] == digest(stored)
            and latest["archived_at"] is None
        ):
            return Saved(latest, created=False, previous=None)
        row = conn.execute(
            sql("pipelines/insert_version"),
            {
                "name": name,
                "version": (latest["version"] + 1) if latest else 1,
                "description": definition.description,
                "definition": Jsonb(stored),
                "digest": digest(stored),
                "owner": latest["owner"] if latest else principal.owner_id,
                "created_by": principal.owner_id,
                "created_by_role": principal.role,
                "schedule": definition.schedule.cron if definition.schedule else None,
            },
        ).fetchone()
        return Saved(row, created=True, previous=latest)

    return in_transaction(db, work)


def latest(db: Database, name: str) -> dict:
    with db.connection() as conn:
        row = conn.execute(sql("pipelines/latest"), {"name": name}).fetchone()
    if row is None:
        raise NotFound(f"no pipeline {name!r}")
    return row


def version(db: Database, name: str, number: int) -> dict:
    with db.connection() as conn:
        row = conn.execute(
            sql("pipelines/get_version"), {"name": name, "version": number}
        ).fetchone()
    if row is None:
        raise NotFound(f"pipeline {name!r} has no version {number}")
    return row


def chosen(db: Database, name: str, number: int | None) -> dict:
    return version(db, name, number) if number is not None else latest(db, name)


def listing(db: Database, *, archived: bool, limit: int, offset: int) -> list[dict]:
    with db.connection() as conn:
        return conn.execute(
            sql("pipelines/list_latest"), {"archived": archived, "limit": limit, "offset": offset}
        ).fetchall()


def versions(db: Database, name: str) -> list[dict]:
    with db.connection() as conn:
        rows = conn.execute(sql("pipelines/list_versions"), {"name": name}).fetchall()
    if not rows:
        raise NotFound(f"no pipeline {name!r}")
    return rows


def archive(db: Database, name: str, principal: Principal) -> dict:
    def work(conn) -> dict:
        conn.execute(sql("pipelines/lock_name"), {"name": name})
        row = conn.execute(sql("pipelines/latest"), {"name": name}).fetchone()
        if row is None:
            raise NotFound(f"no pipeline {name!r}")
        if row["owner"] != principal.owner_id and not principal.is_admin:
            raise Forbidden(
                f"pipeline {name!r} belongs to {row['owner']}: only it or an admin may archive it"
            )
        conn.execute(sql("pipelines/archive"), {"name": name})
        return conn.execute(sql("pipelines/latest"), {"name": name}).fetchone()

    return in_transaction(db, work)
