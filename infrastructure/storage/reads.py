"""Reading whole (small) blobs: STAC documents and the like."""

from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob import BlobServiceClient

from core.errors import InvalidInput
from infrastructure.storage.copies import BlobRef


def read_blob(client: BlobServiceClient, ref: BlobRef, what: str = "blob") -> bytes:
    """The blob's bytes; a missing blob (or container) is bad input naming it."""
    try:
        return client.get_blob_client(ref.container, ref.blob).download_blob(max_concurrency=1).readall()
    except ResourceNotFoundError as exc:
        raise InvalidInput(f"{what} {ref.blob!r} not found in container {ref.container!r}") from exc


def container_url(client: BlobServiceClient, container: str) -> str:
    """The container's URL as hrefs name it (no trailing slash)."""
    return client.get_container_client(container).url.rstrip("/")


def blob_url(client: BlobServiceClient, ref: BlobRef) -> str:
    return client.get_blob_client(ref.container, ref.blob).url
