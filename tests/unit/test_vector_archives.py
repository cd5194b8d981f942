"""Zip handling: traversal, bombs, corruption and limits, without services."""

import io
import os
import zipfile

import pytest

from core.errors import InvalidInput
from services.vector.archives import ArchiveLimits, extract_archive, list_archive, verify_archive
from services.vector.sources import unpack_needed
from tests.vector_samples import (
    corrupt_zip,
    geodataframe,
    repeated_member_zip,
    traversal_zip,
    with_declared_sizes,
    zip_bomb,
    zip_of,
    zipped_dataset,
)

MiB = 1024 * 1024
LIMITS = ArchiveLimits(max_uncompressed_bytes=10 * MiB, max_ratio=50, max_members=5)
DEFAULTS = ArchiveLimits(
    max_uncompressed_bytes=8 * 1024**3, max_ratio=200, max_members=10_000
)  # the settings' defaults


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


@pytest.mark.parametrize(
    "name",
    [
        "../evil.kml",
        "a/../../evil.kml",
        "/etc/passwd",
        "C:/windows/evil.kml",
        "..\\..\\evil.kml",
        "ok/..\\..\\evil",
    ],
)
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
    data = zip_of(
        {f"part{i}.csv": os.urandom(4 * 1024 * 1024) for i in range(3)}
    )  # 3 x 4 MiB, incompressible
    with pytest.raises(InvalidInput, match="would expand to"):
        list_archive(saved(tmp_path, data), LIMITS)


def test_lying_headers_are_caught_while_streaming(tmp_path):
    """A member whose header understates its size: the bytes actually produced decide."""
    big = b"a" * (3 * 1024 * 1024)
    data = bytearray(zip_of({"data.csv": big}))
    # Patch the central directory's uncompressed size down to 10 bytes.
    offset = data.rfind(b"PK\x01\x02") + 24
    data[offset : offset + 4] = (10).to_bytes(4, "little")
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


# -- the whole archive ---------------------------------------------------------------------------


def test_two_thousand_one_mib_members_are_refused_by_the_whole_archive_ratio(tmp_path):
    """No member is over 1 MiB, so no member is judged; the archive as a whole is."""
    with pytest.raises(
        InvalidInput,
        match=r"expands? \d[\d,]*-fold .*expansion ratio limit \(ARCHIVE_MAX_RATIO\) is 200",
    ):
        list_archive(saved(tmp_path, repeated_member_zip(2000, MiB)), DEFAULTS)


def test_a_few_small_members_are_judged_as_a_whole_too(tmp_path):
    with pytest.raises(InvalidInput, match="likely zip bomb"):
        verify_archive(saved(tmp_path, repeated_member_zip(5, MiB)), LIMITS)


def test_a_small_archive_is_not_judged_by_its_ratio(tmp_path):
    listing = verify_archive(
        saved(tmp_path, repeated_member_zip(4, 200 * 1024)), LIMITS
    )  # 800 KiB of zeros
    assert listing.uncompressed_bytes == 800 * 1024 and listing.archive_bytes < 10 * 1024


def test_overstated_compressed_sizes_do_not_hide_a_bomb(tmp_path):
    """Headers claiming each member barely compresses pass the per-member ratio; the
    archive's size on disk gives them away."""
    lying = with_declared_sizes(
        zip_of({f"part{i}.csv": bytes(2 * MiB) for i in range(3)}), compress_size=2 * MiB
    )
    assert {info.compress_size for info in zipfile.ZipFile(io.BytesIO(lying)).infolist()} == {
        2 * MiB
    }
    with pytest.raises(InvalidInput, match="ARCHIVE_MAX_RATIO"):
        list_archive(saved(tmp_path, lying), LIMITS)


def test_understated_sizes_are_stopped_before_the_budget(tmp_path, monkeypatch):
    """Headers declaring 1 MiB per member (3 MiB, inside a 4 MiB budget) over 9 MiB of real
    data: refused, and at no point more than the budget decompressed or written."""
    budget = ArchiveLimits(max_uncompressed_bytes=4 * MiB, max_ratio=50, max_members=5)
    lying = saved(
        tmp_path,
        with_declared_sizes(
            zip_of({f"part{i}.csv": os.urandom(3 * MiB) for i in range(3)}), file_size=MiB
        ),
    )
    produced = []
    read = zipfile.ZipExtFile.read
    monkeypatch.setattr(
        zipfile.ZipExtFile,
        "read",
        lambda self, n=-1: produced.append(block := read(self, n)) or block,
    )
    with pytest.raises(InvalidInput):
        verify_archive(lying, budget)
    with pytest.raises(InvalidInput):
        extract_archive(lying, tmp_path / "out", budget)
    assert (
        sum(map(len, produced)) <= 2 * budget.max_uncompressed_bytes
    )  # two passes, each within the budget
    assert not (tmp_path / "out").exists()


# -- only what the load reads ------------------------------------------------------------------------


def unpacked(root) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def with_extra_members(dataset: bytes, extra: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO(dataset)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        for name, data in extra.items():
            archive.writestr(name, data)
    return buffer.getvalue()


UNRELATED = {
    "imagery/huge.tif": os.urandom(6 * MiB),
    "readme.txt": b"see the portal",
    "__MACOSX/._parcels.shp": b"junk",
}
LOOSE = ArchiveLimits(max_uncompressed_bytes=100 * MiB, max_ratio=200, max_members=50)


def test_a_shapefile_load_unpacks_only_the_shapefile(tmp_path):
    data = with_extra_members(
        zipped_dataset(geodataframe(3), "ESRI Shapefile", "parcels.shp"),
        UNRELATED | {"other.dbf": b"not ours", "parcels.shp.xml": b"<metadata/>"},
    )
    found = unpack_needed(saved(tmp_path, data), tmp_path / "out", LOOSE)
    assert [(f.detection.format, f.detection.member) for f in found] == [
        ("shapefile", "parcels.shp")
    ]
    assert unpacked(tmp_path / "out") == [
        "parcels.cpg",
        "parcels.dbf",
        "parcels.prj",
        "parcels.shp",
        "parcels.shx",
    ]


def test_a_file_geodatabase_load_unpacks_only_its_folder(tmp_path):
    data = with_extra_members(
        zipped_dataset(geodataframe(3), "OpenFileGDB", "parcels.gdb"), UNRELATED
    )
    found = unpack_needed(saved(tmp_path, data), tmp_path / "out", LOOSE)
    files = unpacked(tmp_path / "out")
    assert (
        found[0].detection.format == "filegdb"
        and files
        and all(f.startswith("parcels.gdb/") for f in files)
    )


def test_a_single_file_load_unpacks_only_that_file(tmp_path):
    data = zip_of(
        {"data/roads.geojson": b'{"type": "FeatureCollection", "features": []}'} | UNRELATED
    )
    found = unpack_needed(saved(tmp_path, data), tmp_path / "out", LOOSE)
    assert found[0].detection.member == "data/roads.geojson" and unpacked(tmp_path / "out") == [
        "data/roads.geojson"
    ]


def test_nested_archives_share_the_outer_archives_budget(tmp_path):
    """Each nested zip is small and unremarkable alone; together, judged against the
    outer zip's size on disk, they are a bomb."""
    inner = repeated_member_zip(3, MiB)  # 3 MiB of zeros in a few KB
    outer = zip_of({f"inner{i}.zip": inner for i in range(3)})
    with pytest.raises(InvalidInput, match="ARCHIVE_MAX_RATIO|likely zip bomb"):
        unpack_needed(saved(tmp_path, outer), tmp_path / "out", LIMITS)
    nested = zip_of(
        {"a/inner.zip": zip_of({"roads.geojson": b'{"type": "FeatureCollection", "features": []}'})}
    )
    found = unpack_needed(saved(tmp_path, nested), tmp_path / "ok", LOOSE)
    assert [(f.prefix, f.detection.member) for f in found] == [("a/inner.zip/", "roads.geojson")]
    assert unpacked(tmp_path / "ok") == [
        "a/inner.zip.d/roads.geojson"
    ]  # the nested zip itself is not kept
