"""Zip handling: traversal, bombs, corruption and limits, without services."""

import io
import os
import zipfile

import pytest

from core.errors import InvalidInput
from services.vector.archives import ArchiveLimits, extract_archive, list_archive, verify_archive
from tests.vector_samples import corrupt_zip, traversal_zip, zip_bomb, zip_of

LIMITS = ArchiveLimits(max_uncompressed_bytes=10 * 1024 * 1024, max_ratio=50, max_members=5)


def saved(tmp_path, data: bytes):
    path = tmp_path / "archive.zip"
    path.write_bytes(data)
    return path


def named(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(zipfile.ZipInfo(name), b"x")
    return buffer.getvalue()


@pytest.mark.parametrize("name", ["../evil.kml", "a/../../evil.kml", "/etc/passwd", "C:/windows/evil.kml",
                                  "..\\..\\evil.kml", "ok/..\\..\\evil"])
def test_path_traversal_is_refused(tmp_path, name):
    with pytest.raises(InvalidInput, match="path traversal"):
        list_archive(saved(tmp_path, named(name)), LIMITS)


def test_traversal_sample(tmp_path):
    with pytest.raises(InvalidInput, match="outside the archive"):
        verify_archive(saved(tmp_path, traversal_zip()), LIMITS)


def test_bomb_by_ratio(tmp_path):
    with pytest.raises(InvalidInput, match="zip bomb"):
        list_archive(saved(tmp_path, zip_bomb(8 * 1024 * 1024)), LIMITS)


def test_bomb_by_total_size(tmp_path):
    data = zip_of({f"part{i}.csv": os.urandom(4 * 1024 * 1024) for i in range(3)})  # 3 x 4 MiB, incompressible
    with pytest.raises(InvalidInput, match="would expand to"):
        list_archive(saved(tmp_path, data), LIMITS)


def test_lying_headers_are_caught_while_streaming(tmp_path):
    """A member whose header understates its size: the bytes actually produced decide."""
    big = b"a" * (3 * 1024 * 1024)
    data = bytearray(zip_of({"data.csv": big}))
    # Patch the central directory's uncompressed size down to 10 bytes.
    offset = data.rfind(b"PK\x01\x02") + 24
    data[offset:offset + 4] = (10).to_bytes(4, "little")
    with pytest.raises(InvalidInput):
        verify_archive(saved(tmp_path, bytes(data)), LIMITS)


def test_too_many_members(tmp_path):
    with pytest.raises(InvalidInput, match="6 entries"):
        list_archive(saved(tmp_path, named(*(f"f{i}.txt" for i in range(6)))), LIMITS)


@pytest.mark.parametrize("data", [corrupt_zip(), b"PK\x03\x04 not really a zip", zip_of({})])
def test_corrupt_or_empty(tmp_path, data):
    with pytest.raises(InvalidInput, match="corrupt zip|empty"):
        verify_archive(saved(tmp_path, data), LIMITS)


def test_extraction_stays_inside_the_target(tmp_path):
    data = zip_of({"dir/a.geojson": b"{}", "b.csv": b"x,y\n"})
    listing = extract_archive(saved(tmp_path, data), tmp_path / "out", LIMITS)
    assert sorted(listing.names) == ["b.csv", "dir/a.geojson"]
    assert (tmp_path / "out" / "dir" / "a.geojson").read_bytes() == b"{}"
