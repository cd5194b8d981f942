"""Vector tiles from PostGIS: one generalized ST_AsMVT query per tile (queries/tiles/mvt.sql)."""

import psycopg
from psycopg import sql as pgsql

from core.features.query import FeatureQuery
from core.models.metadata import VectorMetadata
from core.tiles import BUFFER, EXTENT, MAX_LATITUDE, Tile
from infrastructure.db.feature_filters import compile_query
from infrastructure.db.queries import sql


def layer_name(meta: VectorMetadata) -> str:
    """`schema.table`, the source-layer the curated styles (and tipg-style clients) name."""
    return f"{meta.schema_name}.{meta.id}"


def _attributes(meta: VectorMetadata, query: FeatureQuery) -> pgsql.Composable:
    columns = meta.columns if query.properties is None else query.properties
    if not columns:
        return pgsql.SQL("NULL::int AS none")
    return pgsql.SQL(", ").join(pgsql.SQL("t.{}").format(pgsql.Identifier(c.name)) for c in columns)


def mvt(conn: psycopg.Connection, meta: VectorMetadata, tile: Tile, query: FeatureQuery) -> bytes:
    """A tile made from the table itself, generalized on the fly."""
    compiled = compile_query(meta, query)
    statement = pgsql.SQL(sql("tiles/mvt")).format(
        table=pgsql.Identifier(meta.schema_name, meta.id),
        attributes=_attributes(meta, query),
        where=compiled.where,
    )
    generalization = tile.generalization()
    west, south, east, north = search_box(tile)
    values = {
        "z": tile.z,
        "x": tile.x,
        "y": tile.y,
        "west": west,
        "south": south,
        "east": east,
        "north": north,
        "tolerance": generalization.tolerance,
        "min_size": generalization.min_size,
        "extent": EXTENT,
        "buffer": BUFFER,
        "layer": layer_name(meta),
    }
    row = conn.execute(statement, values | compiled.values).fetchone()
    return bytes(row["tile"] or b"")


def search_box(tile: Tile) -> tuple[float, float, float, float]:
    """The tile and its buffer in degrees; at the poles of Web Mercator, everything beyond."""
    west, south, east, north = tile.bounds()
    margin_x = (east - west) * BUFFER / EXTENT
    margin_y = (north - south) * BUFFER / EXTENT
    south = -90.0 if south <= -MAX_LATITUDE + 1e-9 else south - margin_y
    north = 90.0 if north >= MAX_LATITUDE - 1e-9 else north + margin_y
    return west - margin_x, south, east + margin_x, north
