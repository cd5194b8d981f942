"""Writing collections and items into pgSTAC through pypgstac's Loader (upsert).

The Loader runs on a connection borrowed from the platform's pool (no connection set-up
per task), in autocommit mode as pypgstac expects: its own transaction blocks then commit
one partition at a time and hold pgSTAC's locks only that long (one enclosing
transaction made concurrent loads into a new collection deadlock). The connection goes
back to the pool as it came: autocommit off, default search path. Upserts are
idempotent, so a task retried after a partial load converges. Items are formatted by the
Loader itself, except geometries, which are converted by `core.stac.wkb` instead of
plpygis: the same EWKB, several times faster.
"""

from contextlib import contextmanager
from typing import Any, Iterable, Iterator

import psycopg
from pypgstac.db import PgstacDB
from pypgstac.load import Loader, Methods

from core.stac.wkb import ewkb_hex
from infrastructure.db.pool import Database
from infrastructure.db.queries import sql


class _DedicatedPgstacDB(PgstacDB):
    """A PgstacDB over a connection we lend it: it never opens a pool of its own."""

    def connect(self) -> psycopg.Connection:
        return self.connection


class _Loader(Loader):
    def format_item(self, item: dict[str, Any]) -> dict[str, Any]:
        # The geometry is dropped from the item's stored content either way, so the
        # Loader formats the rest and only the geometry column comes from here.
        geometry = item.get("geometry")
        formatted = super().format_item({**item, "geometry": None})
        formatted["geometry"] = ewkb_hex(geometry) if geometry else None
        return formatted


class PgstacWriter:
    def __init__(self, connection: psycopg.Connection):
        self._db = _DedicatedPgstacDB(connection=connection)
        self._loader = _Loader(self._db)

    def upsert_collections(self, collections: Iterable[dict[str, Any]]) -> None:
        self._loader.load_collections(iter(collections), Methods.upsert)

    def upsert_items(self, items: Iterable[dict[str, Any]]) -> None:
        """Inserts new items and replaces changed ones; unchanged items are not rewritten."""
        self._loader.load_items(iter(items), Methods.upsert)

    def load_items(self, collection_id: str, items: list[dict[str, Any]]) -> str:
        """Items of one collection, inserted when none is in it yet — a straight COPY into
        the partition, without the upsert's temporary table and exclusive partition lock,
        so loads into one collection run side by side — upserted otherwise (or when
        another writer added one of them meanwhile). Returns the method used."""
        if not self.any_item_exists(collection_id, [item["id"] for item in items]):
            try:
                self._loader.load_items(iter(items), Methods.insert)
                return "insert"
            except psycopg.errors.UniqueViolation:
                pass
        self._loader.load_items(iter(items), Methods.upsert)
        return "upsert"

    def any_item_exists(self, collection_id: str, item_ids: list[str]) -> bool:
        row = self._db.connection.execute(
            sql("pgstac/any_item_exists"),
            {"collection_id": collection_id, "item_ids": item_ids},
            binary=True,
        ).fetchone()
        return bool(row["exists"])

    def collection_exists(self, collection_id: str) -> bool:
        row = self._db.connection.execute(
            sql("pgstac/collection_exists"), {"collection_id": collection_id}
        ).fetchone()
        return bool(row["exists"])

    def refresh_extent(self, collection_id: str) -> None:
        """The collection's extent from its items, so it grows as items are added."""
        self._db.connection.execute(
            sql("pgstac/refresh_collection_extent"), {"collection_id": collection_id}
        )


@contextmanager
def pgstac_writer(db: Database) -> Iterator[PgstacWriter]:
    with db.connection() as conn:
        conn.autocommit = True
        try:
            conn.execute(sql("pgstac/search_path"))
            yield PgstacWriter(conn)
        finally:
            if not (conn.closed or conn.broken):
                conn.execute(sql("pgstac/reset_search_path"))
                conn.autocommit = False
