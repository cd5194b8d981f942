"""Builds the one ASGI app (no I/O here: the platform connects on first use)."""

from fastapi import FastAPI

from triggers.composition import Platform
from triggers.http import admin, health, jobs
from triggers.http.problems import install_problem_handlers


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
    for module in (health, admin, jobs):
        app.include_router(module.router)
    return app
