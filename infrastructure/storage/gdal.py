"""GDAL (through rasterio) reading blobs in place via /vsiaz/, authenticated from the
platform's storage settings."""

from contextlib import contextmanager
from typing import Any, Iterator
from urllib.parse import urlsplit

import rasterio

from config import Settings


def vsiaz_path(container: str, blob: str) -> str:
    return f"/vsiaz/{container}/{blob}"


def gdal_options(settings: Settings) -> dict[str, str]:
    """A connection string (Azurite, account keys) is passed as is; with an account URL,
    GDAL authenticates through the managed identity itself."""
    options = {"GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR"}  # no sidecar-file probing round trips
    if settings.storage_connection_string is not None:
        return options | {
            "AZURE_STORAGE_CONNECTION_STRING": settings.storage_connection_string.get_secret_value()
        }
    if settings.storage_account_url:
        return options | {
            "AZURE_STORAGE_ACCOUNT": (urlsplit(settings.storage_account_url).hostname or "").split(
                "."
            )[0]
        }
    raise ValueError(
        "blob storage is not configured: set STORAGE_CONNECTION_STRING or STORAGE_ACCOUNT_URL"
    )


@contextmanager
def gdal_env(settings: Settings, **extra: Any) -> Iterator[None]:
    with rasterio.Env(**gdal_options(settings), **extra):
        yield
