"""Where a curated dataset's data comes from, and which version it is at:
IBAT (api), a plain URL (url), or a file uploaded to bronze (manual)."""

from dataclasses import dataclass
from urllib.parse import urlparse

import httpx
from pydantic import SecretStr

from config import Settings
from config.settings import SOURCE_CREDENTIAL_SETTINGS
from core.errors import InvalidInput, SourceRejected
from core.models.curated import CuratedDataset
from core.redaction import without_queries
from infrastructure.http.ibat import IbatClient
from infrastructure.http.retrying import send_with_retries
from services.curated.admission import undeclared_positions


@dataclass(frozen=True)
class SourceVersion:
    version: str
    download_url: str | None = None  # api / url: fetched by the download stage
    source_blob: str | None = None  # manual: already in the bronze container


def check_source(dataset: CuratedDataset, settings: Settings, http: httpx.Client) -> SourceVersion:
    if dataset.source_type == "api":
        return _ibat(dataset, settings, http)
    if dataset.source_type == "url":
        return _url(dataset, settings, http)
    return _manual(dataset)


def credentials(dataset: CuratedDataset, settings: Settings) -> list[str]:
    """The values of the settings the entry names. Checked again here, not only when the
    entry was saved: rows written before the rule (or by hand) must not reach a platform secret."""
    if positions := undeclared_positions(dataset.credential_settings):
        raise InvalidInput(
            f"dataset {dataset.dataset_id}: credential_settings entry {positions[0]} is not a declared "
            f"source credential (allowed: {', '.join(SOURCE_CREDENTIAL_SETTINGS)})"
        )
    return [credential(settings, name) for name in dataset.credential_settings]


def credential(settings: Settings, name: str) -> str:
    """The value of a declared source credential (never stored in the registry)."""
    if name not in SOURCE_CREDENTIAL_SETTINGS:
        raise InvalidInput("only declared source credentials may be sent to a source")
    value = getattr(settings, name.lower(), None)
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if not value:
        raise SourceRejected(f"credential setting {name} is not set")
    return value


def _ibat(dataset: CuratedDataset, settings: Settings, http: httpx.Client) -> SourceVersion:
    if len(dataset.credential_settings) != 2:
        raise InvalidInput(
            f"dataset {dataset.dataset_id}: an IBAT source names two credential settings (key, token)"
        )
    key, token = credentials(dataset, settings)
    client = IbatClient(
        dataset.source_url or settings.ibat_base_url,
        key,
        token,
        http,
        max_retries=settings.http_max_retries,
    )
    release = client.latest_release(dataset.source_config.get("dataset", dataset.dataset_id))
    return SourceVersion(version=release.version, download_url=release.download_url)


def _url(dataset: CuratedDataset, settings: Settings, http: httpx.Client) -> SourceVersion:
    response = send_with_retries(
        lambda: http.head(dataset.source_url),
        what=f"HEAD {urlparse(dataset.source_url).path}",
        max_retries=settings.http_max_retries,
    )
    version = response.headers.get("etag") or response.headers.get("last-modified")
    if response.status_code >= 400 or not version:
        raise InvalidInput(
            f"{without_queries(dataset.source_url)} answered {response.status_code} without an ETag or "
            "Last-Modified to version it by"
        )
    return SourceVersion(version=version.strip('"'), download_url=dataset.source_url)


def _manual(dataset: CuratedDataset) -> SourceVersion:
    blob = dataset.source_config.get("blob_name")
    version = dataset.source_config.get("uploaded_version")
    if not blob or not version:
        raise InvalidInput(
            f"dataset {dataset.dataset_id} is manual: upload its file first (POST /api/curated/datasets/{dataset.dataset_id}/upload)"
        )
    return SourceVersion(version=version, source_blob=blob)
