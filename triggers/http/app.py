"""Builds the one ASGI app (no I/O here: the platform connects on first use)."""

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from triggers.composition import Platform
from triggers.http import admin, curated, curated_page, dashboard, health, jobs, metrics, raster
from triggers.http import features, h3_features, platform_requests, stac, uploads, vector
from triggers.http.problems import install_problem_handlers
from web_interfaces import STATIC_DIR


def create_app(platform: Platform) -> FastAPI:
    app = FastAPI(
        title="GeoETL",
        description="Geospatial pipeline platform: jobs, stages, tasks; PostGIS, pgSTAC and metrics.",
        version="0.1.0",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.platform = platform
    install_problem_handlers(app)
    for module in (health, admin, jobs, metrics, dashboard, raster, curated, curated_page):
        app.include_router(module.router)
    for module in (uploads, vector, features, h3_features, stac, platform_requests):
        app.include_router(module.router)
    app.mount("/api/interface/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
