"""OGC API – Tiles for the published tables (Mapbox vector tiles, WebMercatorQuad), next to
their Features: /api/features/collections/{id}/tiles[/WebMercatorQuad[/{z}/{y}/{x}]] and
TileJSON at /api/features/collections/{id}/tilejson.json. Tiles take the Features filters
(datetime, queryable=value, CQL2 filter) and `properties`, so a map can show a filtered
layer; any other parameter is a 400, as on items."""

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request, Response

from core.tiles import MAX_ZOOM, TILE_MATRIX_SET, Tile
from services.tiles import vector
from triggers.http.access import requires
from triggers.http.features import read_query
from triggers.http.links import base_url

router = APIRouter(
    prefix="/api/features/collections/{collection_id}",
    tags=["ogc-tiles"],
    dependencies=[requires("public")],
)
TILE_RESPONSES = {
    200: {
        "content": {vector.MVT: {"schema": {"type": "string", "format": "binary"}}},
        "description": "a Mapbox vector tile (one layer, `schema.table`)",
    },
    204: {"description": "no feature in this tile"},
}
CACHE_CONTROL = "public, max-age=60"
TILE_PARAMETERS = {"datetime", "filter", "filter-lang", "properties"}


@router.get("/tiles")
def tilesets(collection_id: str, request: Request) -> dict[str, Any]:
    meta = vector.metadata(request.app.state.platform.db, collection_id)
    base = base_url(request)
    return vector.tilesets_document(
        meta.title or meta.id,
        vector.tiles_url(base, meta),
        f"{base}/api/features/collections/{meta.id}",
    )


@router.get(f"/tiles/{TILE_MATRIX_SET}")
def tileset(collection_id: str, request: Request) -> dict[str, Any]:
    return vector.tileset(
        vector.metadata(request.app.state.platform.db, collection_id), base_url(request)
    )


@router.get("/tilejson.json")
def tilejson(
    collection_id: str,
    request: Request,
    datetime_: str | None = Query(
        None, alias="datetime", max_length=200, description="as for items"
    ),
    filter_: str | None = Query(None, alias="filter", description="as for items (CQL2)"),
    filter_lang: str | None = Query(
        None, alias="filter-lang", description="cql2-text or cql2-json"
    ),
) -> dict[str, Any]:
    """TileJSON; filters given here are checked, then carried into the tile URL."""
    meta = vector.metadata(request.app.state.platform.db, collection_id)
    read_query(
        meta,
        dict(request.query_params),
        datetime_,
        filter_,
        filter_lang,
        None,
        None,
        TILE_PARAMETERS,
    )
    return vector.tilejson(meta, base_url(request), _filters(request))


@router.get(
    f"/tiles/{TILE_MATRIX_SET}/{{z}}/{{y}}/{{x}}", response_class=Response, responses=TILE_RESPONSES
)
def tile(
    collection_id: str,
    request: Request,
    z: int = Path(ge=0, le=MAX_ZOOM, description="tile matrix (zoom)"),
    y: int = Path(ge=0, le=2**MAX_ZOOM - 1, description="tile row"),
    x: int = Path(ge=0, le=2**MAX_ZOOM - 1, description="tile column"),
    datetime_: str | None = Query(
        None, alias="datetime", max_length=200, description="as for items"
    ),
    filter_: str | None = Query(None, alias="filter", description="as for items (CQL2)"),
    filter_lang: str | None = Query(
        None, alias="filter-lang", description="cql2-text or cql2-json"
    ),
    properties: str | None = Query(
        None, max_length=20000, description="attributes to keep, comma-separated"
    ),
) -> Response:
    where = Tile.checked(z, x, y)
    state = request.app.state
    with state.platform.db.connection() as conn:
        meta = vector.metadata_in(conn, collection_id)
        query = read_query(
            meta,
            dict(request.query_params),
            datetime_,
            filter_,
            filter_lang,
            None,
            properties,
            TILE_PARAMETERS,
        )
        data = vector.tile(
            conn, state.tile_cache, state.tile_pyramids, meta, where, query, _filters(request)
        )
    headers = {"Cache-Control": CACHE_CONTROL}
    if not data:
        return Response(status_code=204, headers=headers)
    return Response(data, media_type=vector.MVT, headers=headers)


def _filters(request: Request) -> str:
    """The request's parameters in a fixed order: the cache key, and carried into the tile URL."""
    return urlencode(sorted(request.query_params.items()))
