"""Writing collections and items into pgSTAC through pypgstac's Loader (upsert).

The Loader runs on one dedicated connection we open (pypgstac would otherwise build a
pool of its own per use). Items are formatted by the Loader itself, except geometries,
which are converted by `core.stac.wkb` instead of plpygis: the same EWKB, much faster.
"""

from contextlib import contextmanager
from typing import Any, Iterable, Iterator

import psycopg
from pypgstac.db import PgstacDB
from pypgstac.load import Loader, Methods

from core.stac.wkb import ewkb_hex


class _DedicatedPgstacDB(PgstacDB):
    """A PgstacDB over a connection we own: never opens a pool, never registers atexit."""

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


@contextmanager
def pgstac_writer(dsn: str, *, connect_timeout: float = 5.0) -> Iterator[PgstacWriter]:
    with psycopg.connect(dsn, autocommit=True, connect_timeout=max(1, int(connect_timeout)),
                         options="-c search_path=pgstac,public", application_name="geoetl-pgstac") as conn:
        yield PgstacWriter(conn)
