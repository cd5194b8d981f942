"""The blob storage seam: what handlers do with blobs, in our own types.

Two implementations satisfy BlobStorage: infrastructure/storage/blobs.py (Azure Blob
Storage, Azurite locally) and infrastructure/storage/memory.py (a dict, for handler
tests). Both raise the same errors (core/errors.py: BlobNotFound, BlobExists, BlobChanged,
BlobTooLarge), never the SDK's.

Method signatures name no `list[...]`: the `list` method would shadow the builtin there.
"""

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Iterator, Mapping, Protocol, Sequence

# What a write accepts: bytes, or an open binary file (streamed; `length` saves a seek).
BlobData = bytes | BinaryIO


@dataclass(frozen=True)
class BlobInfo:
    name: str
    size: int
    etag: str  # as the service returns it, quotes included
    last_modified: datetime
    content_type: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    content_md5: bytes | None = None  # kept by single-shot writes and copies, not by block commits
    copy_status: str | None = (
        None  # "pending", "success", "failed", "aborted"; None when never copied to
    )
    copy_status_description: str | None = None


class BlobStorage(Protocol):
    def account_url(self) -> str:
        """The account's URL, no trailing slash (what published hrefs start with)."""
        ...

    def container_url(self, container: str) -> str:
        """The container's URL as hrefs name it (no trailing slash)."""
        ...

    def blob_url(self, container: str, name: str) -> str:
        """The blob's URL, its name percent-encoded as the service expects."""
        ...

    def info(self, container: str, name: str) -> BlobInfo | None:
        """The blob's properties and metadata; None when it (or its container) does not exist."""
        ...

    def read(self, container: str, name: str, *, max_bytes: int | None = None) -> bytes:
        """The whole blob; BlobTooLarge (judged on its size, before the body) beyond `max_bytes`."""
        ...

    def read_range(
        self, container: str, name: str, offset: int, length: int, *, etag: str | None = None
    ) -> bytes:
        """`length` bytes from `offset` (fewer at the end); with `etag`, BlobChanged when
        the blob is no longer that version."""
        ...

    def download_to(self, container: str, name: str, path: Path) -> None:
        """The blob into a local file (parallel ranged reads on the real store)."""
        ...

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
        """BlobExists when `overwrite` is False and the blob is there."""
        ...

    def stage_block(
        self, container: str, name: str, block_id: str, data: BlobData, *, length: int | None = None
    ) -> None:
        """One block of a block blob, invisible until commit_blocks names it."""
        ...

    def commit_blocks(
        self,
        container: str,
        name: str,
        block_ids: Sequence[str],
        *,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        """The blob becomes the staged blocks in this order (replacing what it was)."""
        ...

    def copy(
        self,
        source_container: str,
        source_name: str,
        target_container: str,
        target_name: str,
        *,
        metadata: Mapping[str, str] | None = None,
    ) -> str:
        """Starts a server-side copy; returns its status ('success' or 'pending': poll
        info().copy_status). Without `metadata` (or with an empty one) the source's is copied."""
        ...

    def delete(self, container: str, name: str) -> bool:
        """Deletes the blob (and any snapshots); False when it was not there."""
        ...

    def list(self, container: str, prefix: str = "") -> Iterator[BlobInfo]:
        """The blobs whose names start with `prefix`, in name order; BlobNotFound for a
        missing container."""
        ...
