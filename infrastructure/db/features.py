"""Feature reads for OGC API – Features: GeoJSON built by PostGIS, from tables the
catalog (geo.table_metadata) lists; identifiers come from the catalog, never the URL."""

from typing import Any

import psycopg
from psycopg import sql as pgsql

from core.models.metadata import VectorMetadata
from infrastructure.db.queries import sql


def _parts(meta: VectorMetadata, bboxes: list[tuple[float, float, float, float]]) -> dict[str, pgsql.Composable]:
    columns = [pgsql.SQL("t.{}").format(pgsql.Identifier(c.name)) for c in meta.columns]
    attributes = pgsql.SQL(", ").join(columns) if columns else pgsql.SQL("NULL::int AS none")
    if bboxes:
        where = pgsql.SQL(" OR ").join(
            pgsql.SQL(f"t.geom && ST_MakeEnvelope(%(w{i})s, %(s{i})s, %(e{i})s, %(n{i})s, 4326)") for i in range(len(bboxes)))
    else:
        where = pgsql.SQL("true")
    return {"table": pgsql.Identifier(meta.schema_name, meta.id), "attributes": attributes, "where": where}


def _bbox_values(bboxes: list[tuple[float, float, float, float]]) -> dict[str, float]:
    values = {}
    for i, (west, south, east, north) in enumerate(bboxes):
        values |= {f"w{i}": west, f"s{i}": south, f"e{i}": east, f"n{i}": north}
    return values


def items(conn: psycopg.Connection, meta: VectorMetadata, *, bboxes: list, limit: int,
          offset: int) -> tuple[list[dict[str, Any]], int]:
    """A page of features and the number matched (from the catalog when unfiltered)."""
    parts = _parts(meta, bboxes)
    values = _bbox_values(bboxes)
    rows = conn.execute(pgsql.SQL(sql("features/items")).format(**parts),
                        values | {"limit": limit, "offset": offset}).fetchall()
    if bboxes:
        matched = conn.execute(pgsql.SQL(sql("features/count")).format(**parts), values).fetchone()["matched"]
    else:
        matched = meta.feature_count
    return [_feature(r["feature"], meta) for r in rows], matched


def item(conn: psycopg.Connection, meta: VectorMetadata, fid: int) -> dict[str, Any] | None:
    """One feature: the items query filtered on its id."""
    parts = _parts(meta, []) | {"where": pgsql.SQL("t.id = %(fid)s")}
    row = conn.execute(pgsql.SQL(sql("features/items")).format(**parts), {"fid": fid, "limit": 1, "offset": 0}).fetchone()
    return _feature(row["feature"], meta) if row else None


def _feature(feature: dict[str, Any], meta: VectorMetadata) -> dict[str, Any]:
    if not meta.columns:
        feature["properties"] = {}
    return feature
