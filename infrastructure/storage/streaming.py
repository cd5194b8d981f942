"""Stream an HTTP download straight into a block blob: bounded size, sha256 computed on
the way, nothing written to local disk."""

import base64
import hashlib
from dataclasses import dataclass
from typing import Callable

import httpx
from azure.storage.blob import BlobBlock, BlobClient, ContentSettings

from core.errors import ContractViolation, InvalidInput
from infrastructure.http.retrying import send_with_retries

BLOCK_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class StoredDownload:
    blob_name: str
    bytes: int
    sha256: str


def stream_to_blob(http: httpx.Client, url: str, blob: BlobClient, *, max_bytes: int, max_retries: int,
                   what: str = "download",
                   metadata_from: Callable[[httpx.Response], dict[str, str]] | None = None) -> StoredDownload:
    """`metadata_from` names the blob's metadata from the response (e.g. its ETag); the
    response's content type is kept."""
    request = http.build_request("GET", url)
    response = send_with_retries(lambda: http.send(request, stream=True), what=what, max_retries=max_retries)
    try:
        if response.status_code != 200:
            raise ContractViolation(f"{what} answered {response.status_code}")
        declared = int(response.headers.get("content-length") or 0)
        if declared > max_bytes:
            raise InvalidInput(f"{what} is {declared:,} bytes, more than the {max_bytes:,} allowed")
        size, digest, blocks = _stage_blocks(response, blob, max_bytes, what)
        metadata = metadata_from(response) if metadata_from else None
        content_type = response.headers.get("content-type")
    finally:
        response.close()
    blob.commit_block_list(blocks, metadata=metadata,
                           content_settings=ContentSettings(content_type=content_type) if content_type else None)
    return StoredDownload(blob_name=blob.blob_name, bytes=size, sha256=digest)


def _stage_blocks(response: httpx.Response, blob: BlobClient, max_bytes: int, what: str):
    digest, size, blocks, buffer = hashlib.sha256(), 0, [], bytearray()
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise InvalidInput(f"{what} exceeds the {max_bytes:,} bytes allowed; stopped reading")
        digest.update(chunk)
        buffer += chunk
        while len(buffer) >= BLOCK_BYTES:
            blocks.append(_stage(blob, len(blocks), bytes(buffer[:BLOCK_BYTES])))
            del buffer[:BLOCK_BYTES]
    if buffer or not blocks:
        blocks.append(_stage(blob, len(blocks), bytes(buffer)))
    return size, digest.hexdigest(), blocks


def _stage(blob: BlobClient, number: int, data: bytes) -> BlobBlock:
    block_id = base64.b64encode(f"{number:08d}".encode()).decode()
    blob.stage_block(block_id, data)
    return BlobBlock(block_id=block_id)
