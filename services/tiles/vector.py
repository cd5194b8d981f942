"""Vector tiles of the published tables: cached, generalized ST_AsMVT tiles and the
TileJSON / OGC tileset documents that describe them."""

from typing import Any

from core.errors import NotFound
from core.features.query import FeatureQuery
from core.models.metadata import VectorMetadata
from core.tiles import (
    EXTENT,
    TILE_MATRIX_SET,
    TILE_MATRIX_SET_URI,
    TILEJSON_MAX_ZOOM,
    Tile,
    clamp_bbox,
)
from infrastructure.db import catalog, tile_pyramids, tiles
from services.tiles.cache import TileCache
from services.tiles.pyramids import Pyramids

MVT = "application/vnd.mapbox-vector-tile"
_JSON_TYPES = {
    "bigint": "Number",
    "integer": "Number",
    "double precision": "Number",
    "boolean": "Boolean",
}


def metadata(db, collection_id: str) -> VectorMetadata:
    with db.connection() as conn:
        return metadata_in(conn, collection_id)


def metadata_in(conn, collection_id: str) -> VectorMetadata:
    meta = catalog.get_vector_metadata(conn, collection_id)
    if meta is None:
        raise NotFound(f"no collection {collection_id!r}")
    return meta


def tile(
    conn,
    cache: TileCache,
    pyramids: Pyramids,
    meta: VectorMetadata,
    where: Tile,
    query: FeatureQuery,
    signature: str,
) -> bytes:
    """`signature` names the request's filters (its query string), part of the cache key.
    Unfiltered low zooms of large tables come from their pyramid once it is made. `conn` is
    the connection the request read `meta` on: a tile costs one pool checkout, not two."""
    key = ("mvt", meta.id, meta.updated_at.isoformat(), where.z, where.x, where.y, signature)

    def make() -> bytes:
        if pyramids.wanted(meta, where.z, bool(signature)) and pyramids.ready(conn, meta):
            return tile_pyramids.tile(conn, meta, where)
        return tiles.mvt(conn, meta, where, query)

    return cache.get_or_make(key, make)


def tiles_url(base: str, meta: VectorMetadata) -> str:
    return f"{base}/api/features/collections/{meta.id}/tiles/{TILE_MATRIX_SET}"


def tilejson(meta: VectorMetadata, base: str, query_string: str = "") -> dict[str, Any]:
    """TileJSON 3.0.0: what MapLibre needs to draw the layer (tile URL, bounds, zooms, layer and fields)."""
    bounds = clamp_bbox(meta.bbox)
    suffix = f"?{query_string}" if query_string else ""
    return {
        "tilejson": "3.0.0",
        "name": meta.title or meta.id,
        "description": meta.description,
        "scheme": "xyz",
        "tiles": [f"{tiles_url(base, meta)}/{{z}}/{{y}}/{{x}}{suffix}"],
        "minzoom": 0,
        "maxzoom": TILEJSON_MAX_ZOOM,
        "bounds": bounds,
        "center": [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, 2],
        "vector_layers": [
            {
                "id": tiles.layer_name(meta),
                "description": meta.description or meta.title or meta.id,
                "minzoom": 0,
                "maxzoom": TILEJSON_MAX_ZOOM,
                "fields": {c.name: _JSON_TYPES.get(c.type, "String") for c in meta.columns},
            }
        ],
        "geometry_type": meta.geometry_type,
        "feature_count": meta.feature_count,
    }


def tileset(meta: VectorMetadata, base: str) -> dict[str, Any]:
    """The OGC API – Tiles tileset document of a collection's vector tiles."""
    layer = {
        "id": tiles.layer_name(meta),
        "dataType": "vector",
        "geometryDimension": _dimension(meta),
        "propertiesSchema": meta.queryables(base),
    }
    document = tileset_document(
        meta.title or meta.id,
        tiles_url(base, meta),
        f"{base}/api/features/collections/{meta.id}",
        layer,
        clamp_bbox(meta.bbox),
    )
    return document | {"extent": EXTENT}


def tileset_document(
    title: str, url: str, collection_url: str, layer: dict[str, Any], bbox: list[float]
) -> dict[str, Any]:
    """A WebMercatorQuad vector tileset: its tiles (`url`), TileJSON, tiling scheme, one
    layer and its lon/lat bounding box. Shared by tables and H3 aggregations."""
    return {
        "title": title,
        "dataType": "vector",
        "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
        "tileMatrixSetURI": TILE_MATRIX_SET_URI,
        "links": [
            {"href": url, "rel": "self", "type": "application/json", "title": "this tileset"},
            {
                "href": f"{url}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}",
                "rel": "item",
                "type": MVT,
                "templated": True,
                "title": "Mapbox vector tiles",
            },
            {
                "href": f"{collection_url}/tilejson.json",
                "rel": "describedby",
                "type": "application/json",
                "title": "TileJSON",
            },
            {
                "href": TILE_MATRIX_SET_URI,
                "rel": "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme",
                "type": "application/json",
                "title": TILE_MATRIX_SET,
            },
        ],
        "layers": [layer],
        "boundingBox": {
            "lowerLeft": list(bbox[:2]),
            "upperRight": list(bbox[2:]),
            "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
        },
    }


def tilesets_document(title: str, url: str, collection_url: str) -> dict[str, Any]:
    """The list of a collection's tilesets: its one WebMercatorQuad vector tileset."""
    return {
        "tilesets": [
            {
                "title": title,
                "dataType": "vector",
                "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
                "tileMatrixSetURI": TILE_MATRIX_SET_URI,
                "links": [{"href": url, "rel": "self", "type": "application/json"}],
            }
        ],
        "links": [{"href": collection_url, "rel": "collection", "type": "application/json"}],
    }


def _dimension(meta: VectorMetadata) -> int | None:
    kind = meta.geometry_type.lower()
    return 0 if "point" in kind else 1 if "line" in kind else 2 if "polygon" in kind else None
