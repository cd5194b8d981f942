"""Server-side blob copies (the storage service moves the bytes), started together and
polled to completion, skipping targets that already hold the same content."""

import time
from dataclasses import dataclass
from typing import Callable

from core.errors import DependencyUnavailable
from core.storage import BlobInfo, BlobStorage

# Set on every copy we make: lets a later run recognise a target copied from the same
# source version even when the service kept no Content-MD5 (blobs uploaded in blocks).
SOURCE_ETAG_KEY = "geoetl_source_etag"


@dataclass(frozen=True)
class BlobRef:
    container: str
    blob: str

    def __str__(self) -> str:
        return f"{self.container}/{self.blob}"


def same_content(source: BlobInfo, target: BlobInfo) -> bool:
    """Equal Content-MD5 when both have one; otherwise the marker of an earlier copy of
    this very source version, with the same size."""
    if source.size != target.size:
        return False
    if source.content_md5 and target.content_md5:
        return source.content_md5 == target.content_md5
    return target.metadata.get(SOURCE_ETAG_KEY) == _etag(source)


def start_copy(store: BlobStorage, source: BlobRef, target: BlobRef, source_info: BlobInfo) -> str:
    """Starts a server-side copy; returns its status ('success' or 'pending')."""
    return store.copy(
        source.container,
        source.blob,
        target.container,
        target.blob,
        metadata={**source_info.metadata, SOURCE_ETAG_KEY: _etag(source_info)},
    )


def wait_for_copies(
    store: BlobStorage,
    pending: list[BlobRef],
    *,
    check: Callable[[], None],
    poll_seconds: float = 0.25,
) -> None:
    """Polls the targets' copy status until every copy succeeded; a failed or aborted copy
    raises (retryable: the next attempt starts it again)."""
    waiting = list(pending)
    while waiting:
        check()
        still = []
        for ref in waiting:
            target = store.info(ref.container, ref.blob)
            status = target.copy_status if target else "missing"
            if status == "pending":
                still.append(ref)
            elif status != "success":
                description = (
                    target.copy_status_description if target else "the target blob is gone"
                )
                raise DependencyUnavailable(
                    f"server-side copy to {ref} ended {status}: {description}"
                )
        waiting = still
        if waiting:
            time.sleep(poll_seconds)


def _etag(info: BlobInfo) -> str:
    return info.etag.strip('"')
