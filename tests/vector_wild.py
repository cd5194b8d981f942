"""Vector files as they come from the wild, generated (no downloads): GPX from a device,
TopoJSON, bare GeoJSON geometries, Esri JSON, GeoJSON sequences, OSM XML and PBF, GML,
MapInfo, DXF, KML with folders and bare rings, GeoPackages of curves, zips from Windows
tools and zips of zips."""

import io
import json
import sqlite3
import struct
import tempfile
import zipfile
import zlib
from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely

from tests.vector_samples import geodataframe, zip_of

GPX = b"""<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="Garmin eTrex" xmlns="http://www.topografix.com/GPX/1/1">
  <wpt lat="46.5" lon="6.6"><ele>372</ele><name>Start</name></wpt>
  <wpt lat="46.6" lon="6.7"><name>Summit</name></wpt>
  <trk><name>Morning hike</name><trkseg>
    <trkpt lat="46.5" lon="6.6"><ele>372</ele><time>2024-05-01T07:00:00Z</time></trkpt>
    <trkpt lat="46.55" lon="6.65"><ele>600</ele><time>2024-05-01T08:00:00Z</time></trkpt>
    <trkpt lat="46.6" lon="6.7"><ele>900</ele><time>2024-05-01T09:00:00Z</time></trkpt>
  </trkseg></trk>
</gpx>
"""

TOPOJSON = json.dumps(
    {
        "type": "Topology",
        "objects": {
            "countries": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "arcs": [[0, 1]], "properties": {"name": "West"}},
                    {"type": "Polygon", "arcs": [[2, -1]], "properties": {"name": "East"}},
                ],
            }
        },
        "arcs": [
            [[5, 0], [5, 10]],
            [[5, 10], [0, 10], [0, 0], [5, 0]],
            [[5, 0], [10, 0], [10, 10], [5, 10]],
        ],
    }
).encode()

BARE_POLYGON = json.dumps(
    {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
).encode()
BARE_COLLECTION = json.dumps(
    {
        "type": "GeometryCollection",
        "geometries": [
            {"type": "Point", "coordinates": [2, 2]},
            {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
        ],
    }
).encode()

ESRI_JSON = json.dumps(
    {
        "geometryType": "esriGeometryPolygon",
        "spatialReference": {"wkid": 4326},
        "fields": [{"name": "NAME", "type": "esriFieldTypeString", "alias": "NAME", "length": 50}],
        "features": [
            {
                "attributes": {"NAME": "block"},
                "geometry": {"rings": [[[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]]},
            }
        ],
    }
).encode()

GEOJSON_SEQUENCE = b"".join(
    json.dumps(
        {
            "type": "Feature",
            "properties": {"n": i},
            "geometry": {"type": "Point", "coordinates": [i, i]},
        }
    ).encode()
    + b"\n"
    for i in range(4)
)

CSV_UPPER_WKT = (
    b'ID,WKT,Name\n1,"POLYGON ((0 0,1 0,1 1,0 1,0 0))",first\n'
    b'2,"POLYGON ((2 2,3 2,3 3,2 3,2 2))",second\n3,"POINT (5 5)",third\n'
)

OSM_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="JOSM">
  <node id="1" lat="51.50" lon="-0.12"><tag k="amenity" v="cafe"/><tag k="name" v="Corner Cafe"/></node>
  <node id="2" lat="51.51" lon="-0.12"/>
  <node id="3" lat="51.51" lon="-0.11"/>
  <node id="4" lat="51.50" lon="-0.11"/>
  <way id="10"><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/><tag k="name" v="High Street"/></way>
  <way id="11"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/><tag k="building" v="yes"/></way>
</osm>
"""

# Two folders, which GDAL reads as two layers.
KML_FOLDERS = b"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>survey</name>
<Folder><name>Wells</name>
  <Placemark><name>W1</name><Point><coordinates>10,10</coordinates></Point></Placemark>
  <Placemark><name>W2</name><Point><coordinates>11,10</coordinates></Point></Placemark></Folder>
<Folder><name>Fields &amp; Plots</name>
  <Placemark><name>F1</name><Polygon><outerBoundaryIs><LinearRing><coordinates>0,0 1,0 1,1 0,1 0,0</coordinates>
  </LinearRing></outerBoundaryIs></Polygon></Placemark>
  <Placemark><name>Road</name><LineString><coordinates>0,0 5,5</coordinates></LineString></Placemark></Folder>
</Document></kml>
"""

# KML from the wild: a MultiGeometry mixing a bare LinearRing with a Polygon (OGR drops the
# ring, GEOS cannot read the rest), a lone ring, polygons whose inner rings are empty or two
# points long (PostGIS refused the chunk during COPY), and a flat "ring".
KML_RINGS = b"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>rings</name>
<Placemark><name>ring and polygon</name><MultiGeometry>
  <LinearRing><coordinates>0,0 1,0 1,1 0,1 0,0</coordinates></LinearRing>
  <Polygon><outerBoundaryIs><LinearRing><coordinates>5,5 6,5 6,6 5,6 5,5</coordinates></LinearRing></outerBoundaryIs></Polygon>
</MultiGeometry></Placemark>
<Placemark><name>lone ring</name><LinearRing><coordinates>2,2 3,2 3,3 2,2</coordinates></LinearRing></Placemark>
<Placemark><name>empty hole</name><Polygon><outerBoundaryIs><LinearRing><coordinates>10,0 20,0 20,10 10,10 10,0</coordinates>
  </LinearRing></outerBoundaryIs><innerBoundaryIs><LinearRing><coordinates> </coordinates></LinearRing></innerBoundaryIs></Polygon></Placemark>
<Placemark><name>two point hole</name><Polygon><outerBoundaryIs><LinearRing><coordinates>30,0 40,0 40,10 30,10 30,0</coordinates>
  </LinearRing></outerBoundaryIs><innerBoundaryIs><LinearRing><coordinates>31,1 31,1</coordinates></LinearRing></innerBoundaryIs></Polygon></Placemark>
<Placemark><name>flat ring</name><LinearRing><coordinates>7,7 8,8</coordinates></LinearRing></Placemark>
</Document></kml>
"""


def shapefile_zip_upper_case(misnamed_shx: bool = False, without_shx: bool = False) -> bytes:
    """A shapefile zipped by a Windows tool: POLYGONS.SHP, .SHX, .DBF, .PRJ."""
    with tempfile.TemporaryDirectory() as tmp:
        pyogrio.write_dataframe(
            geodataframe(4), Path(tmp) / "polygons.shp", driver="ESRI Shapefile"
        )
        members = {}
        for file in sorted(Path(tmp).iterdir()):
            name = file.name.upper()
            if name.endswith(".SHX") and (without_shx or misnamed_shx):
                if without_shx:
                    continue
                name = "INDEX.SHX"
            members[name] = file.read_bytes()
        return zip_of(members)


def written_files(frame: gpd.GeoDataFrame, driver: str, name: str, **options) -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as tmp:
        pyogrio.write_dataframe(frame, Path(tmp) / name, driver=driver, **options)
        return {file.name: file.read_bytes() for file in Path(tmp).iterdir()}


def gml() -> bytes:
    files = written_files(geodataframe(3), "GML", "parcels.gml")
    return files["parcels.gml"]


def mapinfo_tab_zip() -> bytes:
    return zip_of(written_files(geodataframe(3), "MapInfo File", "parcels.tab"))


def mapinfo_mif_zip() -> bytes:
    return zip_of(written_files(geodataframe(3), "MapInfo File", "parcels.mif", FORMAT="MIF"))


def dxf() -> bytes:
    lines = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(0, 0), (1, 1)]), shapely.LineString([(1, 0), (2, 2)])],
        crs="EPSG:4326",
    )
    return written_files(lines, "DXF", "drawing.dxf")["drawing.dxf"]


def nested_zip() -> bytes:
    """A zip holding a KMZ and another zip (itself holding a shapefile)."""
    kmz = zip_of({"doc.kml": KML_FOLDERS})
    shapefile = zip_of(written_files(geodataframe(2), "ESRI Shapefile", "lots.shp"))
    return zip_of(
        {"delivery/survey.kmz": kmz, "delivery/lots.zip": shapefile, "README.txt": b"see attached"}
    )


# -- GeoPackage of curves ------------------------------------------------------------------------------


def _curve_polygon_wkb(cx: float, cy: float, r: float) -> bytes:
    """CURVEPOLYGON(CIRCULARSTRING(cx-r cy, cx+r cy, cx-r cy)): a full circle."""
    ring = struct.pack("<BII", 1, 8, 3) + struct.pack("<6d", cx - r, cy, cx + r, cy, cx - r, cy)
    return struct.pack("<BII", 1, 10, 1) + ring


def _compound_polygon_wkb() -> bytes:
    """A half disc: CURVEPOLYGON(COMPOUNDCURVE(CIRCULARSTRING(0 0, 1 1, 2 0), (2 0, 0 0)))."""
    arc = struct.pack("<BII", 1, 8, 3) + struct.pack("<6d", 0, 0, 1, 1, 2, 0)
    line = struct.pack("<BII", 1, 2, 2) + struct.pack("<4d", 2, 0, 0, 0)
    return struct.pack("<BII", 1, 10, 1) + struct.pack("<BII", 1, 9, 2) + arc + line


def geopackage_of_curves() -> bytes:
    """A GeoPackage layer of curve polygons (as ArcGIS exports parcels with arcs): GDAL
    returns them as CURVEPOLYGON, which shapely refuses."""
    frame = gpd.GeoDataFrame(
        {"name": ["disc", "half", "small disc"]},
        geometry=[shapely.box(0, 0, 1, 1)] * 3,
        crs="EPSG:4326",
    )
    curves = [
        _curve_polygon_wkb(10, 10, 1),
        _compound_polygon_wkb(),
        _curve_polygon_wkb(20, 20, 0.001),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "curves.gpkg"
        pyogrio.write_dataframe(
            frame, path, layer="parcels", driver="GPKG", geometry_type="Unknown"
        )
        with sqlite3.connect(
            path
        ) as conn:  # GeoPackage triggers need SpatiaLite functions: drop them first
            for (trigger,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
            ).fetchall():
                conn.execute(f'DROP TRIGGER "{trigger}"')
            conn.execute("UPDATE gpkg_geometry_columns SET geometry_type_name = 'CURVEPOLYGON'")
            for fid, wkb in enumerate(curves, start=1):
                blob = (
                    b"GP\x00\x01" + struct.pack("<i", 4326) + wkb
                )  # no envelope, little-endian header
                conn.execute("UPDATE parcels SET geom = ? WHERE fid = ?", (blob, fid))
        return path.read_bytes()


# -- OSM PBF -------------------------------------------------------------------------------------------


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _zigzag(value: int) -> int:
    return (value << 1) ^ (value >> 63)


def _field(number: int, payload: bytes | int, wire: int = 2) -> bytes:
    key = _varint((number << 3) | wire)
    return key + (_varint(payload) if wire == 0 else _varint(len(payload)) + payload)


def _packed(values: list[int]) -> bytes:
    return b"".join(_varint(v) for v in values)


def _blob(kind: str, message: bytes) -> bytes:
    blob = _field(2, len(message), 0) + _field(3, zlib.compress(message))
    header = _field(1, kind.encode()) + _field(3, len(blob), 0)
    return struct.pack(">I", len(header)) + header + blob


def osm_pbf() -> bytes:
    """A minimal OSM PBF (the protobuf encoding written by hand): a named cafe node and a
    residential street way, in the same place as OSM_XML."""
    strings = [
        b"",
        b"amenity",
        b"cafe",
        b"name",
        b"Corner Cafe",
        b"highway",
        b"residential",
        b"High Street",
    ]
    table = b"".join(_field(1, s) for s in strings)
    coordinates = {1: (51.50, -0.12), 2: (51.51, -0.12), 3: (51.51, -0.11)}

    def node(node_id: int, keys: list[int], values: list[int]) -> bytes:
        lat, lon = coordinates[node_id]
        tags = (_field(2, _packed(keys)) + _field(3, _packed(values))) if keys else b""
        return (
            _field(1, _zigzag(node_id), 0)
            + tags
            + _field(8, _zigzag(round(lat * 1e7)), 0)
            + _field(9, _zigzag(round(lon * 1e7)), 0)
        )

    nodes_group = b"".join(
        _field(1, n) for n in (node(1, [1, 3], [2, 4]), node(2, [], []), node(3, [], []))
    )
    way = (
        _field(1, 10, 0)
        + _field(2, _packed([5, 3]))
        + _field(3, _packed([6, 7]))
        + _field(8, _packed([_zigzag(2), _zigzag(1)]))
    )
    block = (
        _field(1, table) + _field(2, nodes_group) + _field(2, _field(3, way)) + _field(17, 100, 0)
    )
    header = _field(4, b"OsmSchema-V0.6")
    return _blob("OSMHeader", header) + _blob("OSMData", block)


def zip_members_renamed(data: bytes, rename: dict[str, str]) -> bytes:
    """The zip with some members renamed (their bytes untouched)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(rename.get(info.filename, info.filename), source.read(info))
    return out.getvalue()
