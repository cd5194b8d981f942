"""The local host: the ASGI app under uvicorn on 127.0.0.1:7071 (workers, reconciler and
scheduler loops join it as the engine grows)."""

import logging

import uvicorn

from triggers.composition import Platform
from triggers.http.app import create_app

log = logging.getLogger(__name__)


def serve(platform: Platform) -> None:
    settings = platform.settings
    log.info("serving GeoETL on http://%s:%d", settings.api_host, settings.api_port)
    try:
        uvicorn.run(create_app(platform), host=settings.api_host, port=settings.api_port, log_level=settings.log_level.lower())
    finally:
        platform.close()
