"""Format detection from content, and what archives hold."""

import pytest

from core.errors import InvalidInput
from services.vector.archives import ArchiveLimits, ArchiveListing
from services.vector.formats import classify_archive, detect_file
from services.vector.sources import inspect_local_file
from tests.vector_samples import GARBAGE_KML, geodataframe, geopackage, written, zip_of


@pytest.mark.parametrize(("content", "name", "expected"), [
    (b'{"type": "FeatureCollection", "features": []}', "a.json", "geojson"),
    (b'\xef\xbb\xbf  {"type":"Feature","geometry":null,"properties":{}}', "a.txt", "geojson"),
    (GARBAGE_KML, "a.xml", "kml"),
    (b"name;lon;lat\na;1;2\nb;3;4\n", "a.dat", "csv"),
    (b"PK\x03\x04rest", "a.kmz", "zip"),
])
def test_content_decides(tmp_path, content, name, expected):
    path = tmp_path / "f"
    path.write_bytes(content)
    assert detect_file(path, name) == expected


def test_binary_formats(tmp_path):
    for data, expected in ((geopackage({"a": geodataframe(1)}), "gpkg"), (written(geodataframe(1), "FlatGeobuf", ".fgb"), "flatgeobuf")):
        path = tmp_path / expected
        path.write_bytes(data)
        assert detect_file(path, "whatever.bin") == expected


def test_extension_mismatch_is_reported(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(GARBAGE_KML)
    detection = inspect_local_file(path, "roads.geojson", ArchiveLimits(10**9, 100, 100))
    assert detection.format == "kml" and "name suggests geojson" in detection.reason


def listing(*names: str) -> ArchiveListing:
    return ArchiveListing(names=list(names), uncompressed_bytes=1, archive_bytes=1)


def test_archive_contents():
    assert classify_archive(listing("x/roads.shp", "x/roads.shx", "x/roads.dbf", "x/roads.prj")).member == "x/roads.shp"
    no_prj = classify_archive(listing("roads.shp", "roads.SHX", "roads.dbf"))
    assert "no .prj" in no_prj.reason
    gdb = classify_archive(listing("data/parcels.gdb/a00000001.gdbtable", "data/parcels.gdb/gdb"))
    assert gdb.format == "filegdb" and gdb.member == "data/parcels.gdb"
    assert classify_archive(listing("files/doc.kml", "files/icon.png")).format == "kmz"
    single = classify_archive(listing("__MACOSX/._a.geojson", "a.geojson", ".DS_Store"))
    assert single.format == "geojson" and single.member == "a.geojson"


@pytest.mark.parametrize(("names", "message"), [
    (("roads.shp", "roads.shx"), "missing .dbf"),
    (("roads.shp", "roads.dbf"), "missing .shx"),
    (("a.shp", "a.shx", "a.dbf", "b.shp", "b.shx", "b.dbf"), "several shapefiles"),
    (("a.geojson", "b.geojson"), "several data files"),
    (("readme.txt", "image.png", "notes.md"), "no supported data"),
])
def test_archive_problems(names, message):
    with pytest.raises(InvalidInput, match=message):
        classify_archive(listing(*names))


def test_zip_with_one_csv(tmp_path):
    path = tmp_path / "f.zip"
    path.write_bytes(zip_of({"points.csv": b"lon,lat\n1,2\n"}))
    assert inspect_local_file(path, "f.zip", ArchiveLimits(10**9, 100, 100)).format == "csv"
