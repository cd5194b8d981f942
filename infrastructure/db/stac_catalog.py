"""pgSTAC through its SQL API (pgstac.create_collection / upsert_item / search …), so the
writes can share a transaction with the publish that produced them."""

from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from infrastructure.db.queries import sql


def _run(conn: psycopg.Connection, name: str, params: dict[str, Any] | None = None):
    # pgSTAC's functions find their tables through the search path; SET LOCAL keeps the
    # change to this transaction (the pooled connection is reset when it ends).
    conn.execute(sql("stac_api/search_path"))
    return conn.execute(sql(f"stac_api/{name}"), params or {})


def ensure_collection(conn: psycopg.Connection, collection: dict[str, Any]) -> None:
    """Creates the collection once; an existing one (and its edits) is left alone."""
    if get_collection(conn, collection["id"]) is None:
        _run(conn, "create_collection", {"collection": Jsonb(collection)})


def get_collection(conn: psycopg.Connection, collection_id: str) -> dict[str, Any] | None:
    return _run(conn, "get_collection", {"collection_id": collection_id}).fetchone()["collection"]


def all_collections(conn: psycopg.Connection) -> list[dict[str, Any]]:
    return _run(conn, "all_collections").fetchone()["collections"] or []


def upsert_item(conn: psycopg.Connection, item: dict[str, Any]) -> None:
    _run(conn, "upsert_item", {"item": Jsonb(item)})


def delete_item(conn: psycopg.Connection, collection_id: str, item_id: str) -> None:
    _run(conn, "delete_item", {"item_id": item_id, "collection_id": collection_id})


def get_item(conn: psycopg.Connection, collection_id: str, item_id: str) -> dict[str, Any] | None:
    return _run(conn, "get_item", {"item_id": item_id, "collection_id": collection_id}).fetchone()[
        "item"
    ]


def search(conn: psycopg.Connection, body: dict[str, Any]) -> dict[str, Any]:
    return _run(conn, "search", {"search": Jsonb(body)}).fetchone()["result"]
