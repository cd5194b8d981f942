"""Blob storage through azure-storage-blob: Azurite locally, Azure Blob Storage in the cloud."""

from urllib.request import getproxies

import requests
from azure.core.exceptions import ResourceExistsError
from azure.core.pipeline.transport import RequestsTransport
from azure.storage.blob import BlobServiceClient
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from config import Settings

# Connections kept per host. requests keeps 10 by default: with a worker's threads each
# reading dozens of small blobs at once (STAC items), every request beyond that opened a
# connection and threw it away.
POOL_CONNECTIONS = 64


class _PooledAdapter(HTTPAdapter):
    """azure-core's adapter settings (no retries of its own: the SDK's policy retries;
    32 KiB send blocks), with a larger pool."""

    def __init__(self) -> None:
        super().__init__(pool_maxsize=POOL_CONNECTIONS, max_retries=Retry(total=False, redirect=False, raise_on_status=False))

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


def make_service_client(settings: Settings, *, retries: int = 3, timeout: float | None = None) -> BlobServiceClient:
    """A client from the connection string, or from the account URL with managed identity."""
    options = {"retry_total": retries, "transport": _transport()}
    if timeout is not None:
        options |= {"connection_timeout": timeout, "read_timeout": timeout}
    if settings.storage_connection_string is not None:
        return BlobServiceClient.from_connection_string(settings.storage_connection_string.get_secret_value(), **options)
    if settings.storage_account_url:
        from azure.identity import DefaultAzureCredential  # only needed on Azure

        return BlobServiceClient(settings.storage_account_url, credential=DefaultAzureCredential(), **options)
    raise ValueError("blob storage is not configured: set STORAGE_CONNECTION_STRING or STORAGE_ACCOUNT_URL")


class BlobStore:
    def __init__(self, settings: Settings):
        self._settings = settings
        self._client: BlobServiceClient | None = None

    @property
    def client(self) -> BlobServiceClient:
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
