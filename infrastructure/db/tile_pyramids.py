"""Vector tile pyramids (tiles.pyramids, tiles.pyramid_tiles): a large table's unfiltered
tiles from z0 to PYRAMID_MAX_ZOOM, made ahead once per table version with the same query
as any tile. Each tile is its own transaction, so a publish replacing the table waits for
one tile at most; a version is served only once registered, and only while current."""

import time

import psycopg

from core.features.query import FeatureQuery
from core.models.metadata import VectorMetadata
from core.tiles import PYRAMID_MAX_ZOOM, Tile, tiles_covering
from infrastructure.db import tiles
from infrastructure.db.queries import sql


def _key(meta: VectorMetadata) -> dict:
    return {"table_name": meta.id, "version": meta.updated_at}


def registered(conn: psycopg.Connection, meta: VectorMetadata) -> bool:
    return conn.execute(sql("tiles/pyramid_of"), _key(meta)).fetchone() is not None


def tile(conn: psycopg.Connection, meta: VectorMetadata, where: Tile) -> bytes:
    """A registered pyramid's tile; no row is an empty tile."""
    row = conn.execute(
        sql("tiles/pyramid_tile"), _key(meta) | {"z": where.z, "x": where.x, "y": where.y}
    ).fetchone()
    return bytes(row["tile"]) if row else b""


def build(db, meta: VectorMetadata) -> bool:
    """Makes and registers the pyramid of `meta`'s version; False when the table changed
    meanwhile. Idempotent: two processes making the same version write the same rows."""
    started = time.monotonic()
    count = size = 0
    for z in range(PYRAMID_MAX_ZOOM + 1):
        for where in tiles_covering(meta.bbox, z):
            with db.connection() as conn:
                data = tiles.mvt(conn, meta, where, FeatureQuery())
                if data:
                    conn.execute(
                        sql("tiles/pyramid_put"),
                        _key(meta) | {"z": z, "x": where.x, "y": where.y, "tile": data},
                    )
                    count, size = count + 1, size + len(data)
    with db.connection() as conn:
        current = conn.execute(sql("tiles/table_version"), {"table_name": meta.id}).fetchone()
        if current is None or current["updated_at"] != meta.updated_at:
            conn.execute(sql("tiles/pyramid_forget"), _key(meta))
            return False
        conn.execute(
            sql("tiles/pyramid_register"),
            _key(meta)
            | {
                "max_zoom": PYRAMID_MAX_ZOOM,
                "tiles": count,
                "bytes": size,
                "seconds": time.monotonic() - started,
            },
        )
        conn.execute(sql("tiles/pyramid_prune"), _key(meta))
    return True
