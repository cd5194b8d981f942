"""copy_external's two halves: deciding, without a request, which external assets may be
fetched (SOURCE_ALLOWED_HOSTS), and fetching one through the guarded client into the
target container, skipped when the copy there is still what the URL serves."""

from dataclasses import dataclass
from urllib.parse import quote

import httpx

from config import Settings
from core.errors import Conflict, OutboundRefused
from core.stac.hrefs import BlobLocation
from core.storage import BlobStorage
from infrastructure.http.outbound import OutboundPolicy
from infrastructure.storage.copies import BlobRef
from infrastructure.storage.streaming import stream_to_blob
from services.ingest.assets import AssetPlanner

# Recorded on every copy of an external asset, to recognise it on the next run.
SOURCE_URL_KEY = "geoetl_source_url"
SOURCE_VERSION_KEY = "geoetl_source_version"
PRINTABLE_ASCII = "".join(chr(code) for code in range(33, 127))  # metadata values are header text


def asset_planner(settings: Settings, source: BlobLocation, copy_external: bool) -> AssetPlanner:
    policy = OutboundPolicy.from_settings(settings)

    def allowed(url: str) -> bool:
        try:
            policy.check_url(url)
            return True
        except OutboundRefused:
            return False

    return AssetPlanner(source, copy_external, allowed)


@dataclass(frozen=True)
class ExternalCopy:
    copied: bool
    bytes: int


def copy_external(
    http: httpx.Client,
    url: str,
    store: BlobStorage,
    target: BlobRef,
    *,
    overwrite: bool,
    max_bytes: int,
    max_retries: int,
) -> ExternalCopy:
    """Downloads `url` into `target` unless the target is our copy of that URL and the
    server says it has not changed since (ETag / Last-Modified, asked with a HEAD)."""
    found, marker = store.info(target.container, target.blob), quote(url, safe=PRINTABLE_ASCII)
    recorded = found.metadata if found is not None else None
    if recorded is not None and recorded.get(SOURCE_URL_KEY) != marker and not overwrite:
        raise Conflict(
            f"target blob {target} exists and is not a copy of {url}; "
            "submit with overwrite=true to replace it"
        )
    if recorded is not None and recorded.get(SOURCE_URL_KEY) == marker:
        current = _version(http.head(url))
        if current and current == recorded.get(SOURCE_VERSION_KEY):
            return ExternalCopy(copied=False, bytes=0)
    stored = stream_to_blob(
        http,
        url,
        store,
        target,
        max_bytes=max_bytes,
        max_retries=max_retries,
        what=f"external asset {url}",
        metadata_from=_metadata(marker),
    )
    return ExternalCopy(copied=True, bytes=stored.bytes)


def _version(response: httpx.Response) -> str | None:
    if response.status_code != 200:
        return None
    etag, modified = response.headers.get("etag"), response.headers.get("last-modified")
    return etag or (f"{modified}|{response.headers.get('content-length')}" if modified else None)


def _metadata(marker: str):
    def metadata(response: httpx.Response) -> dict[str, str]:
        version = _version(response)
        return {SOURCE_URL_KEY: marker, **({SOURCE_VERSION_KEY: version} if version else {})}

    return metadata
