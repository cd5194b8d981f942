"""Raster tiles (PNG, WebMercatorQuad), TileJSON and previews of processed rasters, and
mosaic tiles of pgSTAC collections. Drawn by default as the raster's inferred type says
(core/raster/rendering.py); `bands`, `rescale`, `colormap` and `hillshade` override it."""

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from core.raster.rendering import Rendering, default_rendering, with_overrides
from core.tiles import MAX_ZOOM, TILE_MATRIX_SET, Tile, clamp_bbox
from services.tiles import raster, raster_sources
from triggers.http.access import requires
from triggers.http.links import base_url

router = APIRouter(tags=["raster-tiles"], dependencies=[requires("public")])
PNG_RESPONSE = {
    200: {
        "content": {raster.PNG: {"schema": {"type": "string", "format": "binary"}}},
        "description": "a PNG image (transparent where there is no data)",
    }
}
DRAWING = ("bands", "rescale", "colormap", "hillshade")
CACHE_CONTROL = "public, max-age=300"
TILE = f"tiles/{TILE_MATRIX_SET}/{{z}}/{{y}}/{{x}}"


class Drawing:
    """The drawing parameters every raster route takes."""

    def __init__(
        self,
        bands: str | None = Query(
            None, max_length=40, description="1 or 3 band numbers, e.g. 4,3,2"
        ),
        rescale: str | None = Query(None, max_length=80, description="min,max stretched to 0..255"),
        colormap: str | None = Query(
            None, max_length=40, description="a colour map name (viridis, terrain…)"
        ),
        hillshade: bool | None = Query(None, description="elevation drawn as a hillshade"),
    ):
        self.bands, self.rescale, self.colormap, self.hillshade = (
            bands,
            rescale,
            colormap,
            hillshade,
        )

    def of(self, facts) -> Rendering:
        return with_overrides(
            default_rendering(facts), facts, self.bands, self.rescale, self.colormap, self.hillshade
        )


def _png(data: bytes) -> Response:
    return Response(data, media_type=raster.PNG, headers={"Cache-Control": CACHE_CONTROL})


def _params(request: Request) -> str:
    """The drawing parameters as given, in a fixed order (cache key, TileJSON tile URL)."""
    return urlencode([(k, request.query_params[k]) for k in DRAWING if k in request.query_params])


def _tilejson(
    name: str, tiles_url: str, bounds: list[float], zooms: tuple[int, int], query: str
) -> dict[str, Any]:
    suffix = f"?{query}" if query else ""
    return {
        "tilejson": "3.0.0",
        "name": name,
        "scheme": "xyz",
        "tiles": [f"{tiles_url}/{{z}}/{{y}}/{{x}}{suffix}"],
        "tileSize": raster.TILE_SIZE,
        "minzoom": zooms[0],
        "maxzoom": zooms[1],
        "bounds": bounds,
        "center": [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, zooms[0]],
    }


@router.get(f"/api/raster/{{raster_id}}/{TILE}", response_class=Response, responses=PNG_RESPONSE)
def raster_tile(
    raster_id: str,
    request: Request,
    z: int = Path(ge=0, le=MAX_ZOOM),
    y: int = Path(ge=0, le=2**MAX_ZOOM - 1),
    x: int = Path(ge=0, le=2**MAX_ZOOM - 1),
    drawing: Drawing = Depends(),
) -> Response:
    where = Tile.checked(z, x, y)
    platform = request.app.state.platform
    meta, source = raster_sources.raster(platform.db, raster_id)
    rendering = drawing.of(source.facts)
    key = ("raster", meta.id, meta.updated_at.isoformat(), z, x, y, _params(request))
    return _png(
        request.app.state.tile_cache.get_or_make(
            key, lambda: raster.tile_png(platform.settings, source, rendering, where)
        )
    )


@router.get("/api/raster/{raster_id}/tilejson.json")
def raster_tilejson(
    raster_id: str, request: Request, drawing: Drawing = Depends()
) -> dict[str, Any]:
    platform = request.app.state.platform
    meta, source = raster_sources.raster(platform.db, raster_id)
    drawing.of(source.facts)  # overrides checked here, not first at tile time
    url = f"{base_url(request)}/api/raster/{meta.id}/tiles/{TILE_MATRIX_SET}"
    document = _tilejson(
        meta.title or meta.id,
        url,
        clamp_bbox(meta.bbox),
        raster.zoom_range(platform.settings, source),
        _params(request),
    )
    return document | {"raster_type": meta.raster_type, "band_count": meta.band_count}


@router.get("/api/raster/{raster_id}/preview.png", response_class=Response, responses=PNG_RESPONSE)
def raster_preview(
    raster_id: str,
    request: Request,
    drawing: Drawing = Depends(),
    max_size: int = Query(512, ge=64, le=raster.PREVIEW_MAX, description="longest side, pixels"),
) -> Response:
    platform = request.app.state.platform
    meta, source = raster_sources.raster(platform.db, raster_id)
    rendering = drawing.of(source.facts)
    key = ("preview", meta.id, meta.updated_at.isoformat(), max_size, _params(request))
    return _png(
        request.app.state.tile_cache.get_or_make(
            key, lambda: raster.preview_png(platform.settings, source, rendering, max_size)
        )
    )


@router.get(
    f"/api/stac/collections/{{collection_id}}/{TILE}",
    response_class=Response,
    responses=PNG_RESPONSE,
)
def collection_tile(
    collection_id: str,
    request: Request,
    z: int = Path(ge=0, le=MAX_ZOOM),
    y: int = Path(ge=0, le=2**MAX_ZOOM - 1),
    x: int = Path(ge=0, le=2**MAX_ZOOM - 1),
    drawing: Drawing = Depends(),
) -> Response:
    """A mosaic of the collection's COG items that touch the tile (newest on top)."""
    where = Tile.checked(z, x, y)
    platform = request.app.state.platform
    raster_sources.collection(platform.db, collection_id)
    sources = raster_sources.collection_sources(
        platform.db, platform.blobs, platform.settings, collection_id, where
    )
    if not sources:
        return _png(raster.EMPTY_TILE)
    rendering = drawing.of(sources[0].facts)
    key = ("mosaic", collection_id, tuple(s.blob for s in sources), z, x, y, _params(request))
    return _png(
        request.app.state.tile_cache.get_or_make(
            key, lambda: raster.mosaic_png(platform.settings, sources, rendering, where)
        )
    )


@router.get("/api/stac/collections/{collection_id}/tilejson.json")
def collection_tilejson(
    collection_id: str, request: Request, drawing: Drawing = Depends()
) -> dict[str, Any]:
    platform = request.app.state.platform
    found = raster_sources.collection(platform.db, collection_id)
    sources = raster_sources.collection_sources(
        platform.db, platform.blobs, platform.settings, collection_id, None
    )
    if sources:
        drawing.of(sources[0].facts)
    bbox = ((found.get("extent") or {}).get("spatial") or {}).get("bbox") or [None]
    bounds = clamp_bbox(tuple(bbox[0][:4]) if bbox[0] and len(bbox[0]) >= 4 else None)
    zooms = raster.zoom_range(platform.settings, sources[0]) if sources else (0, 22)
    url = f"{base_url(request)}/api/stac/collections/{collection_id}/tiles/{TILE_MATRIX_SET}"
    return _tilejson(
        found.get("title") or collection_id, url, bounds, (0, zooms[1]), _params(request)
    ) | {"items_readable": len(sources)}
