"""The BlobStorage contract (core/storage.py), run against MemoryBlobStore always and
against the real BlobStore when Azurite (or the configured account) answers: what the
handlers rely on must hold for both, so a handler test on the memory store says
something about production."""

import hashlib
import io
import secrets
import socket
from functools import cache
from typing import Iterator
from urllib.parse import urlsplit

import pytest

from core.errors import BlobBlocksMissing, BlobChanged, BlobExists, BlobNotFound, BlobTooLarge
from core.storage import BlobStorage
from infrastructure.storage.blobs import BlobStore
from infrastructure.storage.memory import MemoryBlobStore
from tests.support import base_settings

MISSING = "no-such-container-" + secrets.token_hex(3)


@cache
def azurite_reachable() -> bool:
    """The configured blob endpoint accepts a connection (no request is sent)."""
    secret = base_settings().storage_connection_string
    if secret is None:
        return False
    parts = dict(p.split("=", 1) for p in secret.get_secret_value().split(";") if "=" in p)
    endpoint = urlsplit(parts.get("BlobEndpoint", "http://127.0.0.1:10000"))
    try:
        with socket.create_connection(
            (endpoint.hostname or "127.0.0.1", endpoint.port or 443), timeout=0.5
        ):
            return True
    except OSError:
        return False


@pytest.fixture(params=["memory", "azurite"])
def store(request) -> Iterator[tuple[BlobStorage, str]]:
    """(store, an empty container of its own)."""
    container = "contract-" + secrets.token_hex(4)
    if request.param == "memory":
        yield MemoryBlobStore([container]), container
        return
    if not azurite_reachable():
        pytest.skip("blob storage (Azurite) is not reachable")
    real = BlobStore(base_settings())
    real.client.create_container(container)  # fixtures may use the SDK: only handlers may not
    try:
        yield real, container
    finally:
        real.client.delete_container(container)
        real.close()


def test_a_write_is_read_back_with_its_properties(store):
    blobs, container = store
    blobs.write(
        container,
        "a/doc.json",
        b'{"x": 1}',
        overwrite=False,
        content_type="application/json",
        metadata={"origin": "test"},
    )
    info = blobs.info(container, "a/doc.json")
    assert blobs.read(container, "a/doc.json") == b'{"x": 1}'
    assert (info.name, info.size, info.content_type, dict(info.metadata)) == (
        "a/doc.json",
        8,
        "application/json",
        {"origin": "test"},
    )
    assert info.etag.startswith('"') and info.etag.endswith('"')  # as the service sends it
    assert info.content_md5 == hashlib.md5(b'{"x": 1}').digest()  # a single-shot write keeps it
    assert info.copy_status is None and info.last_modified is not None


def test_a_blob_written_without_a_content_type_is_octet_stream(store):
    blobs, container = store
    blobs.write(container, "plain.bin", b"\x00\x01", overwrite=False)
    assert blobs.info(container, "plain.bin").content_type == "application/octet-stream"


def test_a_file_is_written_from_its_stream(store, tmp_path):
    blobs, container = store
    path = tmp_path / "data.bin"
    path.write_bytes(bytes(range(256)) * 1000)
    with path.open("rb") as data:
        blobs.write(container, "file.bin", data, overwrite=True, length=path.stat().st_size)
    assert blobs.read(container, "file.bin") == path.read_bytes()


def test_every_write_changes_the_etag_and_overwrite_false_keeps_the_blob(store):
    blobs, container = store
    blobs.write(container, "v.txt", b"one", overwrite=False)
    first = blobs.info(container, "v.txt").etag
    with pytest.raises(BlobExists) as refused:
        blobs.write(container, "v.txt", b"two", overwrite=False)
    assert refused.value.status == 409 and blobs.read(container, "v.txt") == b"one"
    blobs.write(container, "v.txt", b"two", overwrite=True)
    assert blobs.info(container, "v.txt").etag != first and blobs.read(container, "v.txt") == b"two"


def test_missing_blobs_and_containers(store):
    blobs, container = store
    assert blobs.info(container, "nothing") is None
    assert blobs.info(MISSING, "nothing") is None
    with pytest.raises(BlobNotFound, match="'nothing' not found in container"):
        blobs.read(container, "nothing")
    with pytest.raises(BlobNotFound):
        blobs.read(MISSING, "nothing")
    with pytest.raises(BlobNotFound):
        blobs.read_range(container, "nothing", 0, 10)
    with pytest.raises(BlobNotFound):
        blobs.write(MISSING, "x", b"x", overwrite=True)
    with pytest.raises(BlobNotFound):
        list(blobs.list(MISSING))
    assert blobs.delete(container, "nothing") is False


def test_a_whole_read_is_refused_beyond_max_bytes(store):
    blobs, container = store
    blobs.write(container, "big.bin", b"x" * 100, overwrite=False)
    assert blobs.read(container, "big.bin", max_bytes=100) == b"x" * 100
    with pytest.raises(BlobTooLarge) as refused:
        blobs.read(container, "big.bin", max_bytes=99)
    assert (refused.value.size, refused.value.max_bytes) == (100, 99)


def test_ranges_read_part_of_a_blob_and_may_be_pinned_to_a_version(store):
    blobs, container = store
    blobs.write(container, "r.bin", bytes(range(100)), overwrite=False)
    etag = blobs.info(container, "r.bin").etag
    assert blobs.read_range(container, "r.bin", 10, 5) == bytes(range(10, 15))
    assert blobs.read_range(container, "r.bin", 95, 50) == bytes(range(95, 100))  # fewer at the end
    assert blobs.read_range(container, "r.bin", 0, 0) == b""
    assert blobs.read_range(container, "r.bin", 0, 3, etag=etag) == bytes(range(3))
    blobs.write(container, "r.bin", b"new version", overwrite=True)
    with pytest.raises(BlobChanged):
        blobs.read_range(container, "r.bin", 0, 3, etag=etag)


def test_download_to_writes_the_blob_to_a_local_file(store, tmp_path):
    blobs, container = store
    blobs.write(container, "d.bin", b"payload" * 1000, overwrite=False)
    blobs.download_to(container, "d.bin", tmp_path / "d.bin")
    assert (tmp_path / "d.bin").read_bytes() == b"payload" * 1000
    with pytest.raises(BlobNotFound):
        blobs.download_to(container, "absent.bin", tmp_path / "absent.bin")


def test_staged_blocks_appear_only_when_committed_in_the_order_named(store):
    blobs, container = store
    blobs.stage_block(container, "composed.bin", "QUFB", b"first-")
    blobs.stage_block(container, "composed.bin", "QkJC", io.BytesIO(b"second"), length=6)
    assert blobs.info(container, "composed.bin") is None
    blobs.commit_blocks(
        container, "composed.bin", ["QkJC", "QUFB"], content_type="image/tiff", metadata={"k": "v"}
    )
    info = blobs.info(container, "composed.bin")
    assert blobs.read(container, "composed.bin") == b"secondfirst-"
    assert (info.content_type, dict(info.metadata), info.content_md5) == (
        "image/tiff",
        {"k": "v"},
        None,
    )


def test_a_commit_naming_a_block_never_staged_fails_and_changes_nothing(store):
    blobs, container = store
    blobs.write(container, "kept.bin", b"as it was", overwrite=False)
    blobs.stage_block(container, "kept.bin", "QUFB", b"staged")
    with pytest.raises(BlobBlocksMissing) as refused:
        blobs.commit_blocks(container, "kept.bin", ["QUFB", "WldY"])
    assert refused.value.retryable is False and blobs.read(container, "kept.bin") == b"as it was"


def test_listing_by_prefix_in_name_order_with_metadata(store):
    blobs, container = store
    for name in ("p/b.txt", "p/a.txt", "p2/c.txt", "q/d.txt"):
        blobs.write(
            container,
            name,
            name.encode(),
            overwrite=False,
            metadata={"name": name.replace("/", "_")},
        )
    listed = list(blobs.list(container, "p/"))
    assert [b.name for b in listed] == ["p/a.txt", "p/b.txt"]
    assert [dict(b.metadata) for b in listed] == [{"name": "p_a.txt"}, {"name": "p_b.txt"}]
    assert [b.name for b in blobs.list(container)] == ["p/a.txt", "p/b.txt", "p2/c.txt", "q/d.txt"]


def test_deleting_while_listing_removes_each_blob_once(store):
    blobs, container = store
    for number in range(3):
        blobs.write(container, f"s/{number}", b"x", overwrite=False)
    assert [blobs.delete(container, b.name) for b in blobs.list(container, "s/")] == [
        True,
        True,
        True,
    ]
    assert list(blobs.list(container, "s/")) == []


def test_a_server_side_copy_takes_content_and_metadata(store):
    blobs, container = store
    blobs.write(
        container,
        "src.bin",
        b"content",
        overwrite=False,
        content_type="text/plain",
        metadata={"a": "1"},
    )
    assert blobs.copy(container, "src.bin", container, "same.bin") == "success"
    assert (
        blobs.copy(container, "src.bin", container, "marked.bin", metadata={"b": "2"}) == "success"
    )
    same, marked = blobs.info(container, "same.bin"), blobs.info(container, "marked.bin")
    assert blobs.read(container, "marked.bin") == b"content"
    assert dict(same.metadata) == {"a": "1"} and dict(marked.metadata) == {"b": "2"}
    assert marked.copy_status == "success" and marked.content_type == "text/plain"
    assert marked.content_md5 == blobs.info(container, "src.bin").content_md5
    assert marked.etag != blobs.info(container, "src.bin").etag


def test_copying_a_missing_source_names_it_and_writes_nothing(store):
    blobs, container = store
    with pytest.raises(BlobNotFound, match="'gone.bin' not found in container"):
        blobs.copy(container, "gone.bin", container, "target.bin")
    assert blobs.info(container, "target.bin") is None
    blobs.write(container, "here.bin", b"x", overwrite=False)
    with pytest.raises(BlobNotFound, match=f"container '{MISSING}' not found"):
        blobs.copy(container, "here.bin", MISSING, "target.bin")


def test_urls_name_the_account_the_container_and_the_encoded_blob(store):
    blobs, container = store
    assert blobs.container_url(container) == f"{blobs.account_url()}/{container}"
    assert (
        blobs.blob_url(container, "dir/a b#c.tif")
        == f"{blobs.container_url(container)}/dir/a%20b%23c.tif"
    )
    assert not blobs.account_url().endswith("/")
