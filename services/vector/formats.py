"""Which format a file is, decided from its content (the name is only a hint).

Every decision carries a reason, which ends up in the quality report.
"""

import csv
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from core.errors import InvalidInput
from services.vector.archives import ArchiveListing

SUPPORTED = "GeoJSON, KML, KMZ, GeoPackage, FlatGeobuf, CSV (lat/lon or WKT), zipped Shapefile, zipped File Geodatabase"
HEAD_BYTES = 64 * 1024

# The file extension GDAL needs to pick the right driver for each format.
EXTENSIONS = {"geojson": "geojson", "kml": "kml", "gpkg": "gpkg", "flatgeobuf": "fgb", "csv": "csv"}
# Single data files recognised inside a zip (by name: a .txt in a zip is more often a readme).
ARCHIVED_DATA = {".geojson", ".json", ".gpkg", ".fgb", ".csv", ".tsv"}
# The files of a shapefile GDAL reads: geometry, index, attributes, CRS, encoding, spatial index.
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix")
_BY_EXTENSION = {".geojson": "geojson", ".json": "geojson", ".kml": "kml", ".gpkg": "gpkg", ".fgb": "flatgeobuf",
                 ".csv": "csv", ".kmz": "kmz", ".zip": "zip", ".shp": "shapefile", ".txt": "csv", ".tsv": "csv"}


@dataclass(frozen=True)
class Detection:
    format: str          # geojson kml kmz gpkg flatgeobuf csv shapefile filegdb
    reason: str
    member: str | None = None   # inside an archive: the file (or .gdb folder) to open

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
        if head[68:72] in (b"GPKG", b"GP10", b"GP11"):
            return "gpkg"
        raise InvalidInput("an SQLite database that is not a GeoPackage (no GPKG application id)")
    if head[:3] == b"fgb" and head[4:7] == b"fgb":
        return "flatgeobuf"
    if head[:4] == b"\x00\x00\x27\x0a":
        raise InvalidInput("a bare .shp file: upload the shapefile as a .zip holding its .shp, .shx, .dbf (and .prj)")
    text = _text_head(head)
    if text is None:
        hint = extension_hint(filename)
        raise InvalidInput(f"unknown format{f' (named like {hint})' if hint else ''}: binary content that is none of: {SUPPORTED}")
    return _detect_text(text, filename)


def _text_head(head: bytes) -> str | None:
    """The head as text if it looks like text in some common encoding, else None."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="replace")
    if b"\x00" in head:
        return None
    return head.decode("utf-8", errors="replace").lstrip("\ufeff")


def _detect_text(text: str, filename: str | None) -> str:
    start = text.lstrip()
    if start.startswith("<"):
        if re.search(r"<(\w+:)?kml[\s>]", start[:HEAD_BYTES], re.IGNORECASE):
            return "kml"
        raise InvalidInput("unknown format: XML that is not KML (no <kml> root element)")
    if start.startswith(("{", "[")):
        if re.search(r'"type"\s*:\s*"(FeatureCollection|Feature)"', start) or '"features"' in start:
            return "geojson"
        raise InvalidInput("unknown format: JSON that is not GeoJSON (no FeatureCollection or Feature)")
    if _looks_like_csv(start):
        return "csv"
    raise InvalidInput(f"unknown format: text that is none of: {SUPPORTED}")


def _looks_like_csv(text: str) -> bool:
    truncated = len(text) >= HEAD_BYTES - 4   # the head may end mid-line
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


def classify_archive(listing: ArchiveListing, filename: str | None = None) -> Detection:
    """What a (checked) zip holds: a shapefile, a File Geodatabase, a KMZ or one data file."""
    names = [_normalized(n) for n in listing.names if not _is_metadata_junk(n)]
    gdbs = sorted({_gdb_folder(n) for n in names if _gdb_folder(n)})
    if gdbs:
        if len(gdbs) > 1:
            raise InvalidInput(f"zip holds several File Geodatabases ({', '.join(gdbs)}); upload one per file")
        return Detection("filegdb", f"zip holding the File Geodatabase folder {gdbs[0]}", gdbs[0])
    shapefiles = [n for n in names if n.lower().endswith(".shp")]
    if shapefiles:
        return _shapefile(shapefiles, names)
    kmls = [n for n in names if n.lower().endswith(".kml")]
    if kmls:
        member = next((n for n in kmls if PurePosixPath(n).name.lower() == "doc.kml"), kmls[0])
        return Detection("kmz", f"zip holding {member} (KMZ)", member)
    data = [n for n in names if PurePosixPath(n).suffix.lower() in ARCHIVED_DATA]
    if len(data) == 1:
        fmt = extension_hint(data[0])
        return Detection(fmt, f"zip holding one {fmt} file, {data[0]}", data[0])
    if len(data) > 1:
        raise InvalidInput(f"zip holds several data files ({', '.join(data[:10])}); upload one per file")
    raise InvalidInput(f"zip holds no supported data ({SUPPORTED}); entries: {', '.join(names[:10])}")


def needed_members(detection: Detection, names: list[str]) -> list[str]:
    """The members (stored names) a load of `detection` reads, and so the only ones it
    unpacks: the chosen shapefile's parts, the File Geodatabase's folder, or the one file."""
    member = detection.member
    if member is None:
        return []
    if detection.format == "shapefile":
        parts = {member[:-4].lower() + suffix for suffix in SHAPEFILE_PARTS}
        return [n for n in names if _normalized(n).lower() in parts]
    if detection.format == "filegdb":
        return [n for n in names if _normalized(n).startswith(member + "/")]
    return [n for n in names if _normalized(n) == member]


def _normalized(name: str) -> str:
    return name.replace("\\", "/")


def _shapefile(shapefiles: list[str], names: list[str]) -> Detection:
    if len(shapefiles) > 1:
        raise InvalidInput(f"zip holds several shapefiles ({', '.join(shapefiles[:10])}); upload one per file")
    shp = shapefiles[0]
    stem = shp[:-4]
    present = {n[len(stem):].lower() for n in names if n[:len(stem)].lower() == stem.lower()}
    missing = [ext for ext in (".shx", ".dbf") if ext not in present]
    if missing:
        raise InvalidInput(f"shapefile {shp} is incomplete: missing {' and '.join(missing)} "
                           "(a shapefile needs .shp, .shx and .dbf; .prj gives its CRS)")
    reason = f"zip holding the shapefile {shp}"
    if ".prj" not in present:
        reason += " (no .prj: CRS unknown)"
    return Detection("shapefile", reason, shp)


def _gdb_folder(name: str) -> str | None:
    parts = PurePosixPath(name).parts
    for index, part in enumerate(parts[:-1]):
        if part.lower().endswith(".gdb"):
            return "/".join(parts[: index + 1])
    return None


def _is_metadata_junk(name: str) -> bool:
    """macOS resource forks and Finder files that zip tools add."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return "__MACOSX" in parts or parts[-1] in (".DS_Store", "Thumbs.db")
