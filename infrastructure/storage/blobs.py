"""Blob storage through azure-storage-blob: Azurite locally, Azure Blob Storage in the cloud."""

from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence
from urllib.request import getproxies

import requests
from azure.core import MatchConditions
from azure.core.exceptions import (
    HttpResponseError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.core.pipeline.transport import RequestsTransport
from azure.storage.blob import (
    BlobBlock,
    BlobClient,
    BlobProperties,
    BlobServiceClient,
    ContentSettings,
)
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from config import Settings
from core.errors import BlobBlocksMissing, BlobChanged, BlobExists, BlobNotFound, BlobTooLarge
from core.storage import BlobData, BlobInfo, BlobStorage

# Connections kept per host. requests keeps 10 by default: with a worker's threads each
# reading dozens of small blobs at once (STAC items), every request beyond that opened a
# connection and threw it away.
POOL_CONNECTIONS = 64
# Parallel requests for one large blob (block uploads, ranged downloads): what the callers
# passed before storage had its own methods.
TRANSFER_CONCURRENCY = 4


class _PooledAdapter(HTTPAdapter):
    """azure-core's adapter settings (no retries of its own: the SDK's policy retries;
    32 KiB send blocks), with a larger pool."""

    def __init__(self) -> None:
        super().__init__(
            pool_maxsize=POOL_CONNECTIONS,
            max_retries=Retry(total=False, redirect=False, raise_on_status=False),
        )

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, blocksize=32 * 1024, **kwargs)


def _transport() -> RequestsTransport:
    session = requests.Session()
    # requests looks for proxy settings in the environment on every request (about a
    # millisecond of CPU each, a quarter of a small blob read's): only when there are any.
    session.trust_env = bool(getproxies())
    for scheme in ("http://", "https://"):
        session.mount(scheme, _PooledAdapter())
    return RequestsTransport(session=session, session_owner=True)


def make_service_client(
    settings: Settings, *, retries: int = 3, timeout: float | None = None
) -> BlobServiceClient:
    """A client from the connection string, or from the account URL with managed identity."""
    options = {"retry_total": retries, "transport": _transport()}
    if timeout is not None:
        options |= {"connection_timeout": timeout, "read_timeout": timeout}
    if settings.storage_connection_string is not None:
        return BlobServiceClient.from_connection_string(
            settings.storage_connection_string.get_secret_value(), **options
        )
    if settings.storage_account_url:
        from azure.identity import DefaultAzureCredential  # only needed on Azure

        return BlobServiceClient(
            settings.storage_account_url, credential=DefaultAzureCredential(), **options
        )
    raise ValueError(
        "blob storage is not configured: set STORAGE_CONNECTION_STRING or STORAGE_ACCOUNT_URL"
    )


class BlobStore(BlobStorage):  # explicit: mypy checks every method against the protocol
    """core.storage.BlobStorage over azure-storage-blob: the SDK's exceptions become ours
    (core/errors.py) here, so nothing outside infrastructure/storage imports them."""

    def __init__(self, settings: Settings):
        self._settings = settings
        self._client: BlobServiceClient | None = None

    @property
    def client(self) -> BlobServiceClient:
        """The SDK client, for this package and tests' fixtures only: handlers use the methods."""
        if self._client is None:
            self._client = make_service_client(self._settings)
        return self._client

    def ensure_containers(self) -> list[str]:
        """Create the platform's containers when missing; returns the ones created."""
        created = []
        for name in (self._settings.bronze_container, self._settings.silver_container):
            try:
                self.client.create_container(name)
                created.append(name)
            except ResourceExistsError:
                pass
        return created

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _blob(self, container: str, name: str) -> BlobClient:
        return self.client.get_blob_client(container, name)

    def account_url(self) -> str:
        return self.client.url.rstrip("/")

    def container_url(self, container: str) -> str:
        return self.client.get_container_client(container).url.rstrip("/")

    def blob_url(self, container: str, name: str) -> str:
        return self._blob(container, name).url

    def info(self, container: str, name: str) -> BlobInfo | None:
        try:
            return blob_info(self._blob(container, name).get_blob_properties())
        except ResourceNotFoundError:
            return None

    def read(self, container: str, name: str, *, max_bytes: int | None = None) -> bytes:
        # One request for a small blob; its size is known from the first response, so a
        # blob too large is refused before the rest of its body is read.
        try:
            download = self._blob(container, name).download_blob(max_concurrency=1)
            if max_bytes is not None and download.size > max_bytes:
                raise BlobTooLarge(container, name, download.size, max_bytes)
            return download.readall()
        except ResourceNotFoundError as exc:
            raise BlobNotFound(container, name) from exc

    def read_range(
        self, container: str, name: str, offset: int, length: int, *, etag: str | None = None
    ) -> bytes:
        if length <= 0:
            return b""
        # Only when pinned: the SDK passes an etag=None on to the HTTP session, which refuses it.
        pinned: dict[str, Any] = (
            {"etag": etag, "match_condition": MatchConditions.IfNotModified} if etag else {}
        )
        try:
            return (
                self._blob(container, name)
                .download_blob(
                    offset=offset, length=length, max_concurrency=TRANSFER_CONCURRENCY, **pinned
                )
                .readall()
            )
        except ResourceNotFoundError as exc:
            raise BlobNotFound(container, name) from exc
        except ResourceModifiedError as exc:
            raise BlobChanged(container, name) from exc

    def download_to(self, container: str, name: str, path: Path) -> None:
        try:
            with path.open("wb") as file:
                self._blob(container, name).download_blob(
                    max_concurrency=TRANSFER_CONCURRENCY
                ).readinto(file)
        except ResourceNotFoundError as exc:
            raise BlobNotFound(container, name) from exc

    def write(
        self,
        container: str,
        name: str,
        data: BlobData,
        *,
        overwrite: bool,
        length: int | None = None,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        try:
            self._blob(container, name).upload_blob(
                data,
                length=length,
                overwrite=overwrite,
                max_concurrency=TRANSFER_CONCURRENCY,
                content_settings=_content_settings(content_type),
                metadata=dict(metadata) if metadata else None,
            )
        except ResourceExistsError as exc:
            raise BlobExists(container, name) from exc
        except ResourceNotFoundError as exc:  # the container
            raise BlobNotFound(container) from exc

    def stage_block(
        self, container: str, name: str, block_id: str, data: BlobData, *, length: int | None = None
    ) -> None:
        try:
            self._blob(container, name).stage_block(block_id, data, length=length)
        except ResourceNotFoundError as exc:
            raise BlobNotFound(container) from exc

    def commit_blocks(
        self,
        container: str,
        name: str,
        block_ids: Sequence[str],
        *,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        try:
            self._blob(container, name).commit_block_list(
                [BlobBlock(block_id=b) for b in block_ids],
                content_settings=_content_settings(content_type),
                metadata=dict(metadata) if metadata else None,
            )
        except ResourceNotFoundError as exc:  # the container
            raise BlobNotFound(container) from exc
        except HttpResponseError as exc:
            if (
                getattr(exc, "error_code", None) != "InvalidBlockList"
            ):  # set by the storage SDK, untyped
                raise
            raise BlobBlocksMissing(container, name) from exc

    def copy(
        self,
        source_container: str,
        source_name: str,
        target_container: str,
        target_name: str,
        *,
        metadata: Mapping[str, str] | None = None,
    ) -> str:
        source_url = self.blob_url(source_container, source_name)
        try:
            started = self._blob(target_container, target_name).start_copy_from_url(
                source_url, metadata=dict(metadata) if metadata else None
            )
        except ResourceNotFoundError as exc:
            if (
                getattr(exc, "error_code", None) == "ContainerNotFound"
            ):  # the target's: the source's is a 404 on it
                raise BlobNotFound(target_container) from exc
            raise BlobNotFound(source_container, source_name) from exc
        return str(started["copy_status"])

    def delete(self, container: str, name: str) -> bool:
        # Snapshots go too: the service refuses to delete a blob that has any otherwise.
        try:
            self._blob(container, name).delete_blob(delete_snapshots="include")
            return True
        except ResourceNotFoundError:
            return False

    # Last in the class: below it, `list` in an annotation would name this method.
    def list(self, container: str, prefix: str = "") -> Iterator[BlobInfo]:
        listed = self.client.get_container_client(container).list_blobs(
            name_starts_with=prefix or None, include=["metadata"]
        )
        try:
            for properties in listed:
                yield blob_info(properties)
        except ResourceNotFoundError as exc:
            raise BlobNotFound(container) from exc


def blob_info(properties: BlobProperties) -> BlobInfo:
    settings, copy = properties.content_settings, properties.copy
    return BlobInfo(
        name=properties.name,
        size=properties.size,
        etag=properties.etag,
        last_modified=properties.last_modified,
        content_type=settings.content_type,
        metadata=dict(properties.metadata or {}),
        content_md5=bytes(settings.content_md5) if settings.content_md5 else None,
        copy_status=copy.status,
        copy_status_description=copy.status_description,
    )


def _content_settings(content_type: str | None) -> ContentSettings | None:
    return ContentSettings(content_type=content_type) if content_type else None
