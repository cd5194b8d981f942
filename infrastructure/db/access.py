"""Repositories of app.api_keys and app.ownership (the ownership rules are core/ownership.py)."""

from typing import Any

import psycopg

from core.ownership import Resource
from infrastructure.db.queries import sql


def insert_key(
    conn: psycopg.Connection, *, name: str, role: str, key_hash: str, key_hint: str, created_by: str
) -> dict[str, Any] | None:
    """The new key's row, or None when the name is taken."""
    return conn.execute(
        sql("access/create_key"),
        {
            "name": name,
            "role": role,
            "key_hash": key_hash,
            "key_hint": key_hint,
            "created_by": created_by,
        },
    ).fetchone()


def list_keys(conn: psycopg.Connection) -> list[dict[str, Any]]:
    return conn.execute(sql("access/list_keys")).fetchall()


def revoke_key(conn: psycopg.Connection, name: str) -> dict[str, Any] | None:
    return conn.execute(sql("access/revoke_key"), {"name": name}).fetchone()


def key_by_hash(conn: psycopg.Connection, key_hash: str) -> dict[str, Any] | None:
    return conn.execute(sql("access/key_by_hash"), {"key_hash": key_hash}).fetchone()


def lock_owner(conn: psycopg.Connection, resource: Resource) -> str | None:
    """The resource's owner, with a transaction lock that serializes claims of it."""
    key = {"kind": resource.kind, "name": resource.name}
    conn.execute(sql("access/lock_ownership"), key)
    row = conn.execute(sql("access/get_owner"), key).fetchone()
    return row["owner"] if row else None


def owner_of(conn: psycopg.Connection, resource: Resource) -> str | None:
    row = conn.execute(
        sql("access/get_owner"), {"kind": resource.kind, "name": resource.name}
    ).fetchone()
    return row["owner"] if row else None


def set_owner(conn: psycopg.Connection, resource: Resource, owner: str, job_id: str | None) -> None:
    conn.execute(
        sql("access/set_owner"),
        {"kind": resource.kind, "name": resource.name, "owner": owner, "job_id": job_id},
    )


def release(conn: psycopg.Connection, resource: Resource, owner: str) -> None:
    conn.execute(
        sql("access/release_owner"), {"kind": resource.kind, "name": resource.name, "owner": owner}
    )


def tasks_submitted_since(
    conn: psycopg.Connection, submitted_by: str, window_seconds: float
) -> int:
    return conn.execute(
        sql("access/tasks_submitted_since"),
        {"submitted_by": submitted_by, "window_seconds": window_seconds},
    ).fetchone()["tasks"]
