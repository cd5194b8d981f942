"""OGC API – Tiles for the published H3 aggregations, next to their Features:
/api/h3/features/collections/{id}/tiles[/WebMercatorQuad[/{z}/{y}/{x}]], TileJSON at
.../tilejson.json and a MapLibre style by one statistic at .../style?statistic=mean.
Hexagons are generated on read (services/h3/tiles.py); public like the other h3 routes."""

from typing import Any

from fastapi import APIRouter, Path, Query, Request, Response

from core.tiles import MAX_ZOOM, TILE_MATRIX_SET, Tile
from services.h3 import styles
from services.h3 import tiles as h3tiles
from services.tiles.vector import MVT, tilesets_document, tileset_document
from triggers.http.access import requires
from triggers.http.h3_features import published, published_in
from triggers.http.links import base_url
from triggers.http.vector_tiles import CACHE_CONTROL, TILE_RESPONSES

router = APIRouter(
    prefix="/api/h3/features/collections/{collection_id}",
    tags=["h3"],
    dependencies=[requires("public")],
)


@router.get("/tiles")
def tilesets(collection_id: str, request: Request) -> dict[str, Any]:
    row = published(request, collection_id)
    base = base_url(request)
    return tilesets_document(row["title"], h3tiles.tiles_url(base, row), _collection_url(base, row))


@router.get(f"/tiles/{TILE_MATRIX_SET}")
def tileset(collection_id: str, request: Request) -> dict[str, Any]:
    row = published(request, collection_id)
    base = base_url(request)
    layer = {"id": h3tiles.layer_name(row), "dataType": "vector", "geometryDimension": 2}
    return tileset_document(
        row["title"],
        h3tiles.tiles_url(base, row),
        _collection_url(base, row),
        layer,
        list(h3tiles.bbox(row)),
    )


def _collection_url(base: str, row: dict[str, Any]) -> str:
    return f"{base}/api/h3/features/collections/{row['collection_id']}"


@router.get("/tilejson.json")
def tilejson(collection_id: str, request: Request) -> dict[str, Any]:
    return h3tiles.tilejson(published(request, collection_id), base_url(request))


@router.get(
    f"/tiles/{TILE_MATRIX_SET}/{{z}}/{{y}}/{{x}}", response_class=Response, responses=TILE_RESPONSES
)
def tile(
    collection_id: str,
    request: Request,
    z: int = Path(ge=0, le=MAX_ZOOM, description="tile matrix (zoom)"),
    y: int = Path(ge=0, le=2**MAX_ZOOM - 1, description="tile row"),
    x: int = Path(ge=0, le=2**MAX_ZOOM - 1, description="tile column"),
) -> Response:
    where = Tile.checked(z, x, y)
    state = request.app.state
    with state.platform.db.connection() as conn:
        row = published_in(conn, collection_id)
        data = h3tiles.tile(conn, state.tile_cache, row, where)
    headers = {"Cache-Control": CACHE_CONTROL}
    if not data:
        return Response(status_code=204, headers=headers)
    return Response(data, media_type=MVT, headers=headers)


@router.get("/style")
def style(
    collection_id: str,
    request: Request,
    statistic: str | None = Query(
        None,
        max_length=40,
        description="the statistic to colour by (default: mean, else majority, else count)",
    ),
) -> dict[str, Any]:
    row = published(request, collection_id)
    chosen = styles.checked_statistic(row, statistic)
    return styles.style(request.app.state.platform.db, row, chosen, base_url(request))
