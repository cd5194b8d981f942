"""Builds the one ASGI app (no I/O here: the platform connects on first use)."""

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from triggers.composition import Platform
from triggers.http import (
    admin,
    curated,
    curated_page,
    dashboard,
    docs,
    features,
    h3_features,
    h3_tiles,
    health,
    jobs,
    map_page,
    metrics,
    pipelines,
    pipelines_page,
    platform_requests,
    raster,
    raster_tiles,
    stac,
    uploads,
    vector,
    vector_tiles,
)
from triggers.http.gate import AccessGate
from triggers.http.headers import SecurityHeaders
from services.tiles.cache import TileCache
from services.tiles.pyramids import Pyramids
from triggers.http.problems import PROBLEM_RESPONSES, install_problem_handlers
from web_interfaces import STATIC_DIR

ROUTERS = (
    health,
    admin,
    jobs,
    metrics,
    dashboard,
    map_page,
    raster,
    raster_tiles,
    curated,
    curated_page,
    uploads,
    vector,
    vector_tiles,
    features,
    stac,
    platform_requests,
    h3_features,
    h3_tiles,
    pipelines,
    pipelines_page,
    docs,
)


def create_app(platform: Platform) -> FastAPI:
    app = FastAPI(
        title="GeoETL",
        description="Geospatial pipeline platform: jobs, stages, tasks; PostGIS, pgSTAC and metrics. "
        "Keys travel as `x-functions-key` or `Authorization: Bearer`; each route names its role.",
        version="0.1.0",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.platform = platform
    app.state.tile_cache = TileCache(platform.settings.tile_cache_bytes)
    app.state.tile_pyramids = Pyramids(platform.db, platform.settings.tile_pyramid_min_features)
    install_problem_handlers(app)
    for module in ROUTERS:
        app.include_router(module.router, responses=PROBLEM_RESPONSES)
    app.mount("/api/interface/static", StaticFiles(directory=STATIC_DIR), name="static")
    # Outermost last: headers go on every answer, the gate's included.
    app.add_middleware(AccessGate, api=app, platform=platform)
    app.add_middleware(SecurityHeaders)
    return app
