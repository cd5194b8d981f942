"""Format detection from content, and what archives hold."""

import pytest

from core.errors import InvalidInput
from services.vector.archive_contents import classify_archive
from services.vector.archives import ArchiveLimits, ArchiveListing
from services.vector.formats import detect_file
from services.vector.sources import inspect_local_file
from tests.vector_samples import GARBAGE_KML, geodataframe, geopackage, written, zip_of

GPX = b'<?xml version="1.0"?>\n<gpx version="1.1" creator="x" xmlns="http://www.topografix.com/GPX/1/1"><wpt lat="1" lon="2"/></gpx>'
GML = (
    b'<?xml version="1.0"?><ogr:FeatureCollection xmlns:ogr="http://ogr.maptools.org/" '
    b'xmlns:gml="http://www.opengis.net/gml/3.2"></ogr:FeatureCollection>'
)


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (b'{"type": "FeatureCollection", "features": []}', "a.json", "geojson"),
        (b'\xef\xbb\xbf  {"type":"Feature","geometry":null,"properties":{}}', "a.txt", "geojson"),
        (
            b'{"coordinates": [[0, 0], [1, 1]], "type": "LineString"}',
            "a.json",
            "geojson",
        ),  # a bare geometry
        (b'{"type": "GeometryCollection", "geometries": []}', "a.json", "geojson"),
        (
            b'{"type": "Topology", "objects": {"a": {"type": "GeometryCollection"}}, "arcs": []}',
            "a.json",
            "topojson",
        ),
        (
            b'{"geometryType": "esriGeometryPoint", "features": [{"attributes": {}}]}',
            "a.json",
            "esrijson",
        ),
        (
            b'{"type": "Feature", "geometry": null, "properties": {}}\n{"type": "Feature", "geometry": null, '
            b'"properties": {}}\n',
            "a.json",
            "geojsonseq",
        ),
        (b'\x1e{"type": "Feature", "geometry": null, "properties": {}}\n', "a.json", "geojsonseq"),
        (GARBAGE_KML, "a.xml", "kml"),
        (GPX, "track.xml", "gpx"),
        (GML, "data.xml", "gml"),
        (
            b"<?xml version='1.0'?>\n<osm version='0.6'><node id='1' lat='1' lon='2'/></osm>",
            "a.xml",
            "osm",
        ),
        (b"\x00\x00\x00\x0e\x0a\x09OSMHeader\x18\x00", "a.bin", "osm_pbf"),
        (b"  0\nSECTION\n  2\nHEADER\n  0\nENDSEC\n  0\nEOF\n", "a.txt", "dxf"),
        (b"name;lon;lat\na;1;2\nb;3;4\n", "a.dat", "csv"),
        (b'ID,WKT,Name\n1,"POLYGON ((0 0,1 0,1 1,0 0))",a\n2,"POINT (1 2)",b\n', "a.csv", "csv"),
        (b"PK\x03\x04rest", "a.kmz", "zip"),
        (b"SQLite format 3\x00" + b"\x00" * 100, "a.db", "sqlite"),
    ],
)
def test_content_decides(tmp_path, content, name, expected):
    path = tmp_path / "f"
    path.write_bytes(content)
    assert detect_file(path, name) == expected


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<html><body/></html>", "XML that is not KML, GPX, GML or OSM"),
        (
            b"<OGRVRTDataSource><OGRVRTLayer name='x'/></OGRVRTDataSource>",
            "XML that is not",
        ),  # never handed to GDAL
        (b'{"hello": "world"}', "JSON that is not GeoJSON"),
        (b"!table\n!version 300\n", "MapInfo .tab file alone"),
    ],
)
def test_what_is_refused(tmp_path, content, message):
    path = tmp_path / "f"
    path.write_bytes(content)
    with pytest.raises(InvalidInput, match=message):
        detect_file(path, "f")


def test_binary_formats(tmp_path):
    for data, expected in (
        (geopackage({"a": geodataframe(1)}), "gpkg"),
        (written(geodataframe(1), "FlatGeobuf", ".fgb"), "flatgeobuf"),
    ):
        path = tmp_path / expected
        path.write_bytes(data)
        assert detect_file(path, "whatever.bin") == expected


def test_extension_mismatch_is_reported(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(GARBAGE_KML)
    detection = inspect_local_file(path, "roads.geojson", ArchiveLimits(10**9, 100, 100))
    assert detection.format == "kml" and "name suggests geojson" in detection.reason


def test_xml_entities_are_refused(tmp_path):
    path = tmp_path / "f.kml"
    path.write_bytes(b'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "aaaa">]><kml>&a;</kml>')
    with pytest.raises(InvalidInput, match="entity declarations"):
        inspect_local_file(path, "f.kml", ArchiveLimits(10**9, 100, 100))


def listing(*names: str) -> ArchiveListing:
    return ArchiveListing(names=list(names), uncompressed_bytes=1, archive_bytes=1)


def only(contents):
    assert len(contents.datasets) == 1, contents
    return contents.datasets[0]


def test_archive_contents():
    assert (
        only(
            classify_archive(listing("x/roads.shp", "x/roads.shx", "x/roads.dbf", "x/roads.prj"))
        ).detection.member
        == "x/roads.shp"
    )
    no_prj = only(classify_archive(listing("roads.shp", "roads.SHX", "roads.dbf")))
    assert "no .prj" in no_prj.detection.reason and no_prj.parts["roads.SHX"] == "roads.shx"
    gdb = only(
        classify_archive(listing("data/parcels.gdb/a00000001.gdbtable", "data/parcels.gdb/gdb"))
    )
    assert gdb.detection.format == "filegdb" and gdb.detection.member == "data/parcels.gdb"
    assert (
        only(classify_archive(listing("files/doc.kml", "files/icon.png"))).detection.format == "kmz"
    )
    single = only(classify_archive(listing("__MACOSX/._a.geojson", "a.geojson", ".DS_Store")))
    assert single.detection.format == "geojson" and single.detection.member == "a.geojson"


def test_upper_case_shapefile_parts_are_unpacked_as_gdal_names_them():
    shapefile = only(
        classify_archive(listing("POLYGONS.SHP", "POLYGONS.SHX", "Polygons.DBF", "POLYGONS.PRJ"))
    )
    assert shapefile.parts == {
        "POLYGONS.SHP": "POLYGONS.shp",
        "POLYGONS.SHX": "POLYGONS.shx",
        "Polygons.DBF": "POLYGONS.dbf",
        "POLYGONS.PRJ": "POLYGONS.prj",
    }


def test_a_missing_or_misnamed_shx_is_said():
    missing = only(classify_archive(listing("roads.shp", "roads.dbf", "roads.prj")))
    assert any("rebuilt" in note for note in missing.notes) and "roads.shp" in missing.parts
    misnamed = only(classify_archive(listing("roads.shp", "roads_index.shx", "roads.dbf")))
    assert (
        misnamed.parts["roads_index.shx"] == "roads.shx" and "roads_index.shx" in misnamed.notes[0]
    )
    two = classify_archive(listing("a.shp", "a.dbf", "b.shp", "b.dbf", "other.shx"))
    assert all(
        ".shx" not in "".join(d.parts.values()) for d in two.datasets
    )  # not adopted: whose would it be?


def test_several_datasets_and_nested_archives():
    contents = classify_archive(
        listing(
            "a.shp",
            "a.shx",
            "a.dbf",
            "b/b.shp",
            "b/b.shx",
            "b/b.dbf",
            "c.geojson",
            "d.tab",
            "d.dat",
            "d.map",
            "d.id",
            "inner.zip",
            "more.kmz",
            "readme.txt",
        )
    )
    assert sorted(d.detection.format for d in contents.datasets) == [
        "geojson",
        "mapinfo",
        "shapefile",
        "shapefile",
    ]
    assert contents.nested == ["inner.zip", "more.kmz"]


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (("roads.shp", "roads.shx"), "missing .dbf"),
        (("d.tab", "d.dat"), "missing .map"),
        (("readme.txt", "image.png", "notes.md"), "no supported data"),
    ],
)
def test_archive_problems(names, message):
    with pytest.raises(InvalidInput, match=message):
        classify_archive(listing(*names))


def test_zip_with_one_csv(tmp_path):
    path = tmp_path / "f.zip"
    path.write_bytes(zip_of({"points.csv": b"lon,lat\n1,2\n"}))
    assert inspect_local_file(path, "f.zip", ArchiveLimits(10**9, 100, 100)).format == "csv"


def test_nested_archives_are_surveyed_to_the_depth_limit(tmp_path):
    inner = zip_of({"roads.geojson": b'{"type": "FeatureCollection", "features": []}'})
    path = tmp_path / "outer.zip"
    path.write_bytes(
        zip_of({"inner.zip": zip_of({"deeper.zip": inner}), "points.csv": b"lon,lat\n1,2\n"})
    )
    found = inspect_local_file(path, "outer.zip", ArchiveLimits(10**9, 100, 100, max_depth=2))
    assert (
        found.format == "archive" and "inner.zip/deeper.zip/roads.geojson (geojson)" in found.reason
    )
    with pytest.raises(InvalidInput, match="nested more than 1 deep"):
        inspect_local_file(path, "outer.zip", ArchiveLimits(10**9, 100, 100, max_depth=1))
