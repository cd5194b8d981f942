"""core.storage.BlobStorage in a dict: handler tests run without Azurite.

It keeps the real store's semantics that callers rely on (tests/unit/test_blob_storage.py
runs the same contract against both): a new quoted ETag on every write, BlobExists on a
write that may not overwrite, Content-MD5 kept by single-shot writes and copies but not
by block commits, staged blocks invisible until committed, copies that take the source's
metadata unless given some, missing containers reported as BlobNotFound. Thread-safe:
handlers read and copy from thread pools.
"""

import hashlib
import itertools
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator, Mapping, Sequence
from urllib.parse import quote

from core.errors import BlobBlocksMissing, BlobChanged, BlobExists, BlobNotFound, BlobTooLarge
from core.storage import BlobData, BlobInfo, BlobStorage

DEFAULT_CONTENT_TYPE = "application/octet-stream"  # what the service reports when none was set
# The SDK writes up to this in one request (the service then keeps a Content-MD5); above,
# in blocks, and the blob has none.
SINGLE_PUT_BYTES = 64 * 1024 * 1024


@dataclass
class _Blob:
    data: bytes
    info: BlobInfo


@dataclass
class _Container:
    blobs: dict[str, _Blob] = field(default_factory=dict)
    staged: dict[tuple[str, str], bytes] = field(default_factory=dict)  # (blob, block id) -> bytes


class MemoryBlobStore(BlobStorage):  # explicit: mypy checks every method against the protocol
    def __init__(
        self, containers: Iterable[str] = (), account_url: str = "https://memory.blob.example"
    ):
        self._account_url = account_url.rstrip("/")
        self._containers = {name: _Container() for name in containers}
        self._lock = threading.Lock()
        self._versions = itertools.count(1)

    def account_url(self) -> str:
        return self._account_url

    def container_url(self, container: str) -> str:
        return f"{self._account_url}/{quote(container)}"

    def blob_url(self, container: str, name: str) -> str:
        return (
            f"{self.container_url(container)}/{quote(name, safe='~/')}"  # as the SDK encodes names
        )

    def info(self, container: str, name: str) -> BlobInfo | None:
        with self._lock:
            found = self._containers.get(container, _Container()).blobs.get(name)
            return found.info if found else None

    def read(self, container: str, name: str, *, max_bytes: int | None = None) -> bytes:
        blob = self._get(container, name)
        if max_bytes is not None and len(blob.data) > max_bytes:
            raise BlobTooLarge(container, name, len(blob.data), max_bytes)
        return blob.data

    def read_range(
        self, container: str, name: str, offset: int, length: int, *, etag: str | None = None
    ) -> bytes:
        blob = self._get(container, name)
        if etag and blob.info.etag != etag:
            raise BlobChanged(container, name)
        return blob.data[offset : offset + max(0, length)]

    def download_to(self, container: str, name: str, path: Path) -> None:
        path.write_bytes(self._get(container, name).data)

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
        body = _bytes(data, length)
        with self._lock:
            blobs = self._container(container).blobs
            if not overwrite and name in blobs:
                raise BlobExists(container, name)
            md5 = hashlib.md5(body).digest() if len(body) <= SINGLE_PUT_BYTES else None
            blobs[name] = self._new(name, body, content_type, metadata, md5)

    def stage_block(
        self, container: str, name: str, block_id: str, data: BlobData, *, length: int | None = None
    ) -> None:
        body = _bytes(data, length)
        with self._lock:
            self._container(container).staged[(name, block_id)] = body

    def commit_blocks(
        self,
        container: str,
        name: str,
        block_ids: Sequence[str],
        *,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        with self._lock:
            holder = self._container(container)
            if any((name, b) not in holder.staged for b in block_ids):
                raise BlobBlocksMissing(container, name)
            body = b"".join(holder.staged[(name, b)] for b in block_ids)
            holder.staged = {key: value for key, value in holder.staged.items() if key[0] != name}
            holder.blobs[name] = self._new(name, body, content_type, metadata, None)

    def copy(
        self,
        source_container: str,
        source_name: str,
        target_container: str,
        target_name: str,
        *,
        metadata: Mapping[str, str] | None = None,
    ) -> str:
        source = self._get(
            source_container, source_name
        )  # BlobNotFound naming the source, as the service
        with self._lock:
            self._container(target_container).blobs[target_name] = self._new(
                target_name,
                source.data,
                source.info.content_type,
                metadata or source.info.metadata,
                source.info.content_md5,
                copied=True,
            )
        return "success"  # the service too finishes a copy within one account at once, mostly

    def delete(self, container: str, name: str) -> bool:
        with self._lock:
            return self._containers.get(container, _Container()).blobs.pop(name, None) is not None

    def list(self, container: str, prefix: str = "") -> Iterator[BlobInfo]:
        with self._lock:  # a snapshot: deleting while iterating (scratch clean-up) is fine
            found = sorted(
                (name, blob.info)
                for name, blob in self._container(container).blobs.items()
                if name.startswith(prefix)
            )
        return iter([info for _, info in found])  # names are unique: BlobInfos are never compared

    def _get(self, container: str, name: str) -> _Blob:
        with self._lock:
            found = self._containers.get(container, _Container()).blobs.get(name)
        if found is None:
            raise BlobNotFound(container, name)
        return found

    def _container(self, container: str) -> _Container:
        if container not in self._containers:
            raise BlobNotFound(container)
        return self._containers[container]

    def _new(
        self,
        name: str,
        body: bytes,
        content_type: str | None,
        metadata: Mapping[str, str] | None,
        md5: bytes | None,
        copied: bool = False,
    ) -> _Blob:
        etag = f'"0x{next(self._versions):016X}"'
        return _Blob(
            body,
            BlobInfo(
                name=name,
                size=len(body),
                etag=etag,
                last_modified=datetime.now(timezone.utc),
                content_type=content_type or DEFAULT_CONTENT_TYPE,
                metadata=dict(metadata or {}),
                content_md5=md5,
                copy_status="success" if copied else None,
            ),
        )


def _bytes(data: BlobData, length: int | None) -> bytes:
    if isinstance(data, (bytes, bytearray)):
        return bytes(data)
    return data.read() if length is None else data.read(length)
