"""Which format a file is, decided from its content (the name is only a hint).

Every decision carries a reason, which ends up in the quality report. Only formats named
here are accepted, each opened by the GDAL driver it names (inspection checks GDAL agreed):
content GDAL might read with another driver — a VRT pointing at other files, a network
service description — is refused rather than handed to GDAL to guess.
"""

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from core.errors import InvalidInput

SUPPORTED = (
    "GeoJSON (collections, features or bare geometries), GeoJSON text sequences, TopoJSON, Esri JSON, "
    "KML, KMZ, GPX, GML, OSM (XML or PBF), GeoPackage, SpatiaLite, FlatGeobuf, DXF, CSV (lat/lon or WKT), "
    "and in a zip: Shapefiles, File Geodatabases, MapInfo (TAB or MIF/MID), any of the above, nested zips"
)
HEAD_BYTES = 64 * 1024

# The file name each format is given on disk (GDAL picks its driver by content and name).
EXTENSIONS = {
    "geojson": "geojson",
    "geojsonseq": "geojsons",
    "topojson": "topojson",
    "esrijson": "json",
    "kml": "kml",
    "gpx": "gpx",
    "gml": "gml",
    "osm": "osm",
    "osm_pbf": "osm.pbf",
    "gpkg": "gpkg",
    "sqlite": "sqlite",
    "flatgeobuf": "fgb",
    "dxf": "dxf",
    "csv": "csv",
}
# The GDAL drivers each format may be read by.
DRIVERS = {
    "geojson": {"GeoJSON"},
    "geojsonseq": {"GeoJSONSeq"},
    "topojson": {"TopoJSON"},
    "esrijson": {"ESRIJSON"},
    "kml": {"LIBKML", "KML"},
    "kmz": {"LIBKML", "KML"},
    "gpx": {"GPX"},
    "gml": {"GML"},
    "osm": {"OSM"},
    "osm_pbf": {"OSM"},
    "gpkg": {"GPKG"},
    "sqlite": {"SQLite"},
    "flatgeobuf": {"FlatGeobuf"},
    "dxf": {"DXF"},
    "csv": {"CSV"},
    "shapefile": {"ESRI Shapefile"},
    "filegdb": {"OpenFileGDB"},
    "mapinfo": {"MapInfo File"},
}
# Text formats whose encoding is checked (and fixed) before GDAL reads them as UTF-8.
TEXT_FORMATS = {"csv", "geojson", "geojsonseq", "topojson", "esrijson"}
XML_FORMATS = {"kml", "gpx", "gml", "osm"}
_BY_EXTENSION = {
    ".geojson": "geojson",
    ".json": "geojson",
    ".geojsonl": "geojsonseq",
    ".geojsons": "geojsonseq",
    ".topojson": "topojson",
    ".kml": "kml",
    ".gpx": "gpx",
    ".gml": "gml",
    ".osm": "osm",
    ".pbf": "osm_pbf",
    ".gpkg": "gpkg",
    ".sqlite": "sqlite",
    ".db": "sqlite",
    ".fgb": "flatgeobuf",
    ".dxf": "dxf",
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".kmz": "kmz",
    ".zip": "zip",
    ".shp": "shapefile",
    ".tab": "mapinfo",
    ".mif": "mapinfo",
}
GEOJSON_TYPES = (
    "FeatureCollection",
    "Feature",
    "Point",
    "LineString",
    "Polygon",
    "MultiPoint",
    "MultiLineString",
    "MultiPolygon",
    "GeometryCollection",
)
GEOJSON = re.compile(r'"type"\s*:\s*"(' + "|".join(GEOJSON_TYPES) + r')"')
TOPOJSON = re.compile(r'"type"\s*:\s*"Topology"')
ESRIJSON = re.compile(r'"(geometryType|spatialReference)"\s*:')
XML_ROOT = re.compile(r"<(?![?!])(?:[\w.-]+:)?([\w.-]+)")
GML_NAMESPACE = re.compile(r"=\s*[\"']http://www\.opengis\.net/gml")
OSM_PBF = b"\x0a\x09OSMHeader"
DXF_BINARY = b"AutoCAD Binary DXF\r\n\x1a\x00"


@dataclass(frozen=True)
class Detection:
    format: str  # one of EXTENSIONS' keys, or kmz shapefile filegdb mapinfo
    reason: str
    member: str | None = None  # inside an archive: the file (or .gdb folder) to open

    @property
    def archived(self) -> bool:
        return self.member is not None


def extension_hint(filename: str | None) -> str | None:
    return _BY_EXTENSION.get(PurePosixPath(filename or "").suffix.lower())


def detect_file(path: Path, filename: str | None = None) -> str:
    """'zip' or a single-file format; raises InvalidInput for empty or unknown content."""
    size = path.stat().st_size
    if size == 0:
        raise InvalidInput("the file is empty")
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    return _detect_head(head, filename)


def _detect_head(head: bytes, filename: str | None) -> str:
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(b"SQLite format 3\x00"):
        return "gpkg" if head[68:72] in (b"GPKG", b"GP10", b"GP11") else "sqlite"
    if head[:3] == b"fgb" and head[4:7] == b"fgb":
        return "flatgeobuf"
    if head[4:15] == OSM_PBF:
        return "osm_pbf"
    if head.startswith(DXF_BINARY):
        return "dxf"
    if head[:4] == b"\x00\x00\x27\x0a":
        raise InvalidInput(
            "a bare .shp file: upload the shapefile as a .zip holding its .shp, .shx, .dbf (and .prj)"
        )
    text = _text_head(head)
    if text is None:
        hint = extension_hint(filename)
        raise InvalidInput(
            f"unknown format{f' (named like {hint})' if hint else ''}: binary content that is none of: {SUPPORTED}"
        )
    return _detect_text(text)


def _text_head(head: bytes) -> str | None:
    """The head as text if it looks like text in some common encoding, else None."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="replace")
    if b"\x00" in head:
        return None
    return head.decode("utf-8", errors="replace").lstrip("\ufeff")


def _detect_text(text: str) -> str:
    if text.lstrip(" \t\r\n").startswith(
        "\x1e"
    ):  # RFC 8142 record separator (Python counts it as space)
        return "geojsonseq"
    start = text.lstrip()
    if start.startswith("<"):
        return _detect_xml(start)
    if start.startswith(("{", "[")):
        return _detect_json(start)
    if _looks_like_dxf(start):
        return "dxf"
    if start[:200].lower().startswith("!table"):
        raise InvalidInput(
            "a MapInfo .tab file alone: upload it in a .zip with its .dat, .map and .id"
        )
    if _looks_like_csv(start):
        return "csv"
    raise InvalidInput(f"unknown format: text that is none of: {SUPPORTED}")


def _detect_xml(text: str) -> str:
    root = XML_ROOT.search(text)
    name = root.group(1).lower() if root else ""
    if name in ("kml", "gpx", "osm"):
        return name
    if GML_NAMESPACE.search(text):
        return "gml"
    raise InvalidInput(
        f"unknown format: XML that is not KML, GPX, GML or OSM (root element <{name or '?'}>)"
    )


def _detect_json(text: str) -> str:
    if _several_json_lines(text):
        return "geojsonseq"
    if TOPOJSON.search(text):
        return "topojson"
    if ESRIJSON.search(text) and '"features"' in text:
        return "esrijson"
    if GEOJSON.search(text) or '"features"' in text:
        return "geojson"
    raise InvalidInput(
        "unknown format: JSON that is not GeoJSON (no FeatureCollection, Feature or geometry), "
        "TopoJSON or Esri JSON"
    )


def _several_json_lines(text: str) -> bool:
    """GeoJSON text sequences (newline-delimited): a whole JSON object on the first line,
    and another object after it."""
    first, _, rest = text.partition("\n")
    if not rest.lstrip().startswith("{"):
        return False
    try:
        return isinstance(json.loads(first), dict)
    except ValueError:
        return False


def _looks_like_dxf(text: str) -> bool:
    lines = [line.strip() for line in text.splitlines()[:4] if line.strip()]
    return lines[:2] == ["0", "SECTION"]


def _looks_like_csv(text: str) -> bool:
    truncated = len(text) >= HEAD_BYTES - 4  # the head may end mid-line
    lines = [line for line in text.splitlines() if line.strip()]
    if truncated and len(lines) > 1:
        lines = lines[:-1]
    lines = lines[:20]
    if len(lines) == 1:
        # A header longer than the sniffed head (very wide tables): judge by its separators.
        return truncated and max(lines[0].count(d) for d in ",;\t|") >= 2
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|")
    except csv.Error:
        return False
    widths = {len(row) for row in csv.reader(lines, dialect)}
    return len(widths) == 1 and widths.pop() >= 2
