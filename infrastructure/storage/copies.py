"""Server-side blob copies (the storage service moves the bytes), started together and
polled to completion, skipping targets that already hold the same content."""

import time
from dataclasses import dataclass
from typing import Callable

from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob import BlobProperties, BlobServiceClient

from core.errors import DependencyUnavailable

# Set on every copy we make: lets a later run recognise a target copied from the same
# source version even when the service kept no Content-MD5 (blobs uploaded in blocks).
SOURCE_ETAG_KEY = "geoetl_source_etag"


@dataclass(frozen=True)
class BlobRef:
    container: str
    blob: str

    def __str__(self) -> str:
        return f"{self.container}/{self.blob}"


def properties(client: BlobServiceClient, ref: BlobRef) -> BlobProperties | None:
    """The blob's properties, or None when it does not exist."""
    try:
        return client.get_blob_client(ref.container, ref.blob).get_blob_properties()
    except ResourceNotFoundError:
        return None


def same_content(source: BlobProperties, target: BlobProperties) -> bool:
    """Equal Content-MD5 when both have one; otherwise the marker of an earlier copy of
    this very source version, with the same size."""
    if source.size != target.size:
        return False
    source_md5, target_md5 = source.content_settings.content_md5, target.content_settings.content_md5
    if source_md5 and target_md5:
        return bytes(source_md5) == bytes(target_md5)
    return (target.metadata or {}).get(SOURCE_ETAG_KEY) == _etag(source)


def start_copy(client: BlobServiceClient, source: BlobRef, target: BlobRef, source_props: BlobProperties) -> str:
    """Starts a server-side copy; returns its status ('success' or 'pending')."""
    source_url = client.get_blob_client(source.container, source.blob).url
    started = client.get_blob_client(target.container, target.blob).start_copy_from_url(
        source_url, metadata={**(source_props.metadata or {}), SOURCE_ETAG_KEY: _etag(source_props)})
    return started["copy_status"]


def wait_for_copies(client: BlobServiceClient, pending: list[BlobRef], *, check: Callable[[], None],
                    poll_seconds: float = 0.25) -> None:
    """Polls the targets' copy status until every copy succeeded; a failed or aborted copy
    raises (retryable: the next attempt starts it again)."""
    waiting = list(pending)
    while waiting:
        check()
        still = []
        for ref in waiting:
            copy = client.get_blob_client(ref.container, ref.blob).get_blob_properties().copy
            if copy.status == "pending":
                still.append(ref)
            elif copy.status != "success":
                raise DependencyUnavailable(f"server-side copy to {ref} ended {copy.status}: {copy.status_description}")
        waiting = still
        if waiting:
            time.sleep(poll_seconds)


def _etag(props: BlobProperties) -> str:
    return (props.etag or "").strip('"')
