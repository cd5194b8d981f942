"""OGC API – Tiles for the published H3 aggregations, next to their Features:
/api/h3/features/collections/{id}/tiles[/WebMercatorQuad[/{z}/{y}/{x}]], TileJSON at
.../tilejson.json and a MapLibre style by one statistic at .../style?statistic=mean.
Hexagons are generated on read (services/h3/tiles.py); public like the other h3 routes."""

from typing import Any

from fastapi import APIRouter, Path, Query, Request, Response

from core.tiles import MAX_ZOOM, TILE_MATRIX_SET, TILE_MATRIX_SET_URI, Tile
from services.h3 import styles
from services.h3 import tiles as h3tiles
from services.tiles.vector import MVT
from triggers.http.access import requires
from triggers.http.h3_features import published
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
    return {
        "tilesets": [
            {
                "title": row["title"],
                "dataType": "vector",
                "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
                "tileMatrixSetURI": TILE_MATRIX_SET_URI,
                "links": [
                    {
                        "href": h3tiles.tiles_url(base, row),
                        "rel": "self",
                        "type": "application/json",
                    }
                ],
            }
        ],
        "links": [
            {
                "href": f"{base}/api/h3/features/collections/{collection_id}",
                "rel": "collection",
                "type": "application/json",
            }
        ],
    }


@router.get(f"/tiles/{TILE_MATRIX_SET}")
def tileset(collection_id: str, request: Request) -> dict[str, Any]:
    row = published(request, collection_id)
    base = base_url(request)
    url = h3tiles.tiles_url(base, row)
    west, south, east, north = h3tiles.bbox(row)
    return {
        "title": row["title"],
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
                "href": f"{base}/api/h3/features/collections/{collection_id}/tilejson.json",
                "rel": "describedby",
                "type": "application/json",
                "title": "TileJSON",
            },
        ],
        "layers": [{"id": h3tiles.layer_name(row), "dataType": "vector", "geometryDimension": 2}],
        "boundingBox": {
            "lowerLeft": [west, south],
            "upperRight": [east, north],
            "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
        },
    }


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
    row = published(request, collection_id)
    state = request.app.state
    data = h3tiles.tile(state.platform.db, state.tile_cache, row, where)
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
