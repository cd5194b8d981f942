"""Stream an HTTP download straight into a block blob: bounded size, sha256 computed on
the way, nothing written to local disk."""

import base64
import hashlib
from dataclasses import dataclass
from typing import Callable

import httpx

from core.errors import ContractViolation, InvalidInput
from core.storage import BlobStorage
from infrastructure.http.retrying import send_with_retries
from infrastructure.storage.copies import BlobRef

BLOCK_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class StoredDownload:
    blob_name: str
    bytes: int
    sha256: str


def stream_to_blob(
    http: httpx.Client,
    url: str,
    store: BlobStorage,
    target: BlobRef,
    *,
    max_bytes: int,
    max_retries: int,
    what: str = "download",
    metadata_from: Callable[[httpx.Response], dict[str, str]] | None = None,
) -> StoredDownload:
    """`metadata_from` names the blob's metadata from the response (e.g. its ETag); the
    response's content type is kept."""
    request = http.build_request("GET", url)
    response = send_with_retries(
        lambda: http.send(request, stream=True), what=what, max_retries=max_retries
    )
    try:
        if response.status_code != 200:
            raise ContractViolation(f"{what} answered {response.status_code}")
        declared = int(response.headers.get("content-length") or 0)
        if declared > max_bytes:
            raise InvalidInput(f"{what} is {declared:,} bytes, more than the {max_bytes:,} allowed")
        size, digest, blocks = _stage_blocks(response, store, target, max_bytes, what)
        metadata = metadata_from(response) if metadata_from else None
        content_type = response.headers.get("content-type")
    finally:
        response.close()
    store.commit_blocks(
        target.container, target.blob, blocks, metadata=metadata, content_type=content_type
    )
    return StoredDownload(blob_name=target.blob, bytes=size, sha256=digest)


def _stage_blocks(
    response: httpx.Response, store: BlobStorage, target: BlobRef, max_bytes: int, what: str
) -> tuple[int, str, list[str]]:
    digest, size, buffer = hashlib.sha256(), 0, bytearray()
    blocks: list[str] = []
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise InvalidInput(f"{what} exceeds the {max_bytes:,} bytes allowed; stopped reading")
        digest.update(chunk)
        buffer += chunk
        while len(buffer) >= BLOCK_BYTES:
            blocks.append(_stage(store, target, len(blocks), bytes(buffer[:BLOCK_BYTES])))
            del buffer[:BLOCK_BYTES]
    if buffer or not blocks:
        blocks.append(_stage(store, target, len(blocks), bytes(buffer)))
    return size, digest.hexdigest(), blocks


def _stage(store: BlobStorage, target: BlobRef, number: int, data: bytes) -> str:
    block_id = base64.b64encode(f"{number:08d}".encode()).decode()
    store.stage_block(target.container, target.blob, block_id, data)
    return block_id
