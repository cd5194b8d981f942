"""Reading blobs whole (small documents) or by byte range."""

from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob import BlobServiceClient

from core.errors import InvalidInput
from infrastructure.storage.copies import BlobRef


def read_blob(client: BlobServiceClient, ref: BlobRef, what: str = "blob", max_bytes: int | None = None) -> bytes:
    """The blob's bytes; a missing blob (or container) is bad input naming it, and so is one
    larger than `max_bytes` (judged on its size before the body is read)."""
    try:
        download = client.get_blob_client(ref.container, ref.blob).download_blob(max_concurrency=1)
    except ResourceNotFoundError as exc:
        raise InvalidInput(f"{what} {ref.blob!r} not found in container {ref.container!r}") from exc
    if max_bytes is not None and download.size > max_bytes:
        raise InvalidInput(f"{what} {ref.blob!r} is {download.size:,} bytes, more than the {max_bytes:,} read whole")
    return download.readall()


def read_range(client: BlobServiceClient, ref: BlobRef, offset: int, length: int) -> bytes:
    """`length` bytes from `offset` (fewer at the end of the blob)."""
    if length <= 0:
        return b""
    try:
        return client.get_blob_client(ref.container, ref.blob).download_blob(
            offset=offset, length=length, max_concurrency=4).readall()
    except ResourceNotFoundError as exc:
        raise InvalidInput(f"{ref.blob!r} not found in container {ref.container!r}") from exc


def blob_size(client: BlobServiceClient, ref: BlobRef, what: str = "blob") -> int:
    try:
        return client.get_blob_client(ref.container, ref.blob).get_blob_properties().size
    except ResourceNotFoundError as exc:
        raise InvalidInput(f"{what} {ref.blob!r} not found in container {ref.container!r}") from exc


def container_url(client: BlobServiceClient, container: str) -> str:
    """The container's URL as hrefs name it (no trailing slash)."""
    return client.get_container_client(container).url.rstrip("/")


def blob_url(client: BlobServiceClient, ref: BlobRef) -> str:
    return client.get_blob_client(ref.container, ref.blob).url
