"""Feature reads for OGC API – Features: GeoJSON built by PostGIS, from tables the
catalog (geo.table_metadata) lists; identifiers come from the catalog, never the URL, and
filters arrive compiled (infrastructure/db/feature_filters.py) with bound values."""

from typing import Any

import psycopg
from psycopg import sql as pgsql

from core.features.query import FeatureQuery
from core.models.metadata import ColumnDefinition, VectorMetadata
from infrastructure.db.feature_filters import compile_query, order_by
from infrastructure.db.queries import sql

BBox = tuple[float, float, float, float]


def _attributes(columns: list[ColumnDefinition]) -> pgsql.Composable:
    if not columns:
        return pgsql.SQL("NULL::int AS none")
    return pgsql.SQL(", ").join(pgsql.SQL("t.{}").format(pgsql.Identifier(c.name)) for c in columns)


def _bbox_where(bboxes: list[BBox]) -> tuple[pgsql.Composable, dict[str, float]]:
    if not bboxes:
        return pgsql.SQL("true"), {}
    parts, values = [], {}
    for i, (west, south, east, north) in enumerate(bboxes):
        parts.append(
            pgsql.SQL(f"t.geom && ST_MakeEnvelope(%(w{i})s, %(s{i})s, %(e{i})s, %(n{i})s, 4326)")
        )
        values |= {f"w{i}": west, f"s{i}": south, f"e{i}": east, f"n{i}": north}
    return pgsql.SQL("({})").format(pgsql.SQL(" OR ").join(parts)), values


def items(
    conn: psycopg.Connection,
    meta: VectorMetadata,
    *,
    bboxes: list[BBox],
    query: FeatureQuery,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    """A page of features and the number matched (from the catalog when unfiltered)."""
    box, values = _bbox_where(bboxes)
    compiled = compile_query(meta, query)
    where = pgsql.SQL("{} AND {}").format(box, compiled.where)
    values |= compiled.values
    selected = meta.columns if query.properties is None else query.properties
    parts = {
        "table": pgsql.Identifier(meta.schema_name, meta.id),
        "attributes": _attributes(selected),
        "where": where,
        "order": order_by(query),
    }
    rows = conn.execute(
        pgsql.SQL(sql("features/items")).format(**parts),
        values | {"limit": limit, "offset": offset},
    ).fetchall()
    if bboxes or query.filtered:
        matched = conn.execute(pgsql.SQL(sql("features/count")).format(**parts), values).fetchone()[
            "matched"
        ]
    else:
        matched = meta.feature_count
    return [_feature(r["feature"], selected) for r in rows], matched


def item(conn: psycopg.Connection, meta: VectorMetadata, fid: int) -> dict[str, Any] | None:
    """One feature: the items query filtered on its id."""
    parts = {
        "table": pgsql.Identifier(meta.schema_name, meta.id),
        "attributes": _attributes(meta.columns),
        "where": pgsql.SQL("t.id = %(fid)s"),
        "order": pgsql.SQL("t.id"),
    }
    row = conn.execute(
        pgsql.SQL(sql("features/items")).format(**parts), {"fid": fid, "limit": 1, "offset": 0}
    ).fetchone()
    return _feature(row["feature"], meta.columns) if row else None


def _feature(feature: dict[str, Any], selected: list[ColumnDefinition]) -> dict[str, Any]:
    if not selected:
        feature["properties"] = {}
    return feature
