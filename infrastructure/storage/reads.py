"""Reading blobs whole (small documents) or by byte range, a missing or oversized blob
reported as bad input naming what it was meant to be."""

from core.errors import BlobNotFound, BlobTooLarge, InvalidInput
from core.storage import BlobStorage
from infrastructure.storage.copies import BlobRef


def read_blob(
    store: BlobStorage, ref: BlobRef, what: str = "blob", max_bytes: int | None = None
) -> bytes:
    """The blob's bytes; a missing blob (or container) is bad input naming it, and so is one
    larger than `max_bytes` (judged on its size before the body is read)."""
    try:
        return store.read(ref.container, ref.blob, max_bytes=max_bytes)
    except BlobNotFound as exc:
        raise InvalidInput(f"{what} {ref.blob!r} not found in container {ref.container!r}") from exc
    except BlobTooLarge as exc:
        raise InvalidInput(
            f"{what} {ref.blob!r} is {exc.size:,} bytes, more than the {exc.max_bytes:,} read whole"
        ) from exc


def read_range(store: BlobStorage, ref: BlobRef, offset: int, length: int) -> bytes:
    """`length` bytes from `offset` (fewer at the end of the blob)."""
    if length <= 0:
        return b""
    try:
        return store.read_range(ref.container, ref.blob, offset, length)
    except BlobNotFound as exc:
        raise InvalidInput(f"{ref.blob!r} not found in container {ref.container!r}") from exc


def blob_size(store: BlobStorage, ref: BlobRef, what: str = "blob") -> int:
    found = store.info(ref.container, ref.blob)
    if found is None:
        raise InvalidInput(f"{what} {ref.blob!r} not found in container {ref.container!r}")
    return found.size
