"""What a zip holds, from its member names: the datasets to load and the archives nested in it.

A dataset is a File Geodatabase folder, a shapefile (its .shp and the parts sharing its
name, whatever their case), a MapInfo table (.tab with .dat/.map/.id, or .mif with .mid),
a KML file (in a KMZ: doc.kml), or one data file (.geojson, .gpkg, .csv, .gpx…). A zip may
hold several; each of their layers is then offered to `layer` / `all_layers`. Nested
.zip/.kmz members are opened in turn (sources.py), within the same bomb budget.
"""

from dataclasses import dataclass, field
from pathlib import PurePosixPath

from core.errors import InvalidInput
from services.vector.archives import ArchiveListing
from services.vector.formats import SUPPORTED, Detection, extension_hint

# Single data files recognised inside a zip (by name: a .txt in a zip is more often a readme).
ARCHIVED_DATA = {
    ".geojson",
    ".json",
    ".geojsonl",
    ".geojsons",
    ".topojson",
    ".gpkg",
    ".sqlite",
    ".fgb",
    ".csv",
    ".tsv",
    ".gpx",
    ".gml",
    ".osm",
    ".pbf",
    ".dxf",
}
NESTED = {".zip", ".kmz"}
# The files of a shapefile GDAL reads: geometry, index, attributes, CRS, encoding, spatial index.
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix")
MAPINFO_PARTS = {".tab": (".tab", ".dat", ".map", ".id", ".ind"), ".mif": (".mif", ".mid")}
MAPINFO_REQUIRED = {".tab": (".dat", ".map"), ".mif": (".mid",)}


@dataclass(frozen=True)
class ArchivedDataset:
    detection: Detection
    parts: dict[str, str]  # stored member name → the name it is unpacked as
    notes: tuple[str, ...] = ()  # what was done to make it loadable (said in the report)


@dataclass
class ArchiveContents:
    datasets: list[ArchivedDataset] = field(default_factory=list)
    nested: list[str] = field(default_factory=list)  # member archives to open in turn

    def members(self) -> list[str]:
        return [name for d in self.datasets for name in d.parts] + self.nested


def classify_archive(listing: ArchiveListing) -> ArchiveContents:
    """The datasets and nested archives a (checked) zip holds; refuses a zip with neither."""
    names = [n for n in listing.names if not _is_metadata_junk(n)]
    contents = ArchiveContents()
    contents.datasets += _geodatabases(names)
    taken = {n for d in contents.datasets for n in d.parts}
    contents.datasets += _shapefiles([n for n in names if n not in taken])
    contents.datasets += _mapinfo([n for n in names if n not in taken])
    contents.datasets += _kml(names)
    contents.datasets += _single_files([n for n in names if not _gdb_folder(_normalized(n))])
    contents.nested = [n for n in names if PurePosixPath(n).suffix.lower() in NESTED]
    if not contents.datasets and not contents.nested:
        shown = ", ".join(_normalized(n) for n in names[:10])
        raise InvalidInput(f"zip holds no supported data ({SUPPORTED}); entries: {shown}")
    return contents


def _normalized(name: str) -> str:
    return name.replace("\\", "/")


def _geodatabases(names: list[str]) -> list[ArchivedDataset]:
    folders = sorted({_gdb_folder(_normalized(n)) for n in names} - {None})
    return [
        ArchivedDataset(
            Detection("filegdb", f"zip holding the File Geodatabase folder {folder}", folder),
            {n: _normalized(n) for n in names if _normalized(n).startswith(folder + "/")},
        )
        for folder in folders
    ]


def _shapefiles(names: list[str]) -> list[ArchivedDataset]:
    shps = [n for n in names if n.lower().endswith(".shp")]
    return [_shapefile(shp, names, lone=_alone_in_folder(shp, shps)) for shp in shps]


def _shapefile(shp: str, names: list[str], lone: bool) -> ArchivedDataset:
    """The .shp's parts, found whatever their case; a shapefile alone in its folder also
    takes a part named differently when it is the folder's only one of its kind. Parts are
    unpacked as <stem>.<lower-case extension>, the names GDAL looks for."""
    stem, folder = _normalized(shp)[:-4], str(PurePosixPath(_normalized(shp)).parent)
    parts, notes = {shp: stem + ".shp"}, []
    for suffix in SHAPEFILE_PARTS[1:]:
        found = [n for n in names if _normalized(n).lower() == (stem + suffix).lower()]
        if not found and lone:
            found = _only_one(names, folder, suffix)
            if found:
                notes.append(
                    f"its {suffix} is named {PurePosixPath(_normalized(found[0])).name}: used as "
                    f"{PurePosixPath(stem).name}{suffix}"
                )
        if found:
            parts[found[0]] = stem + suffix
    present = {target[len(stem) :] for target in parts.values()}
    if ".dbf" not in present:
        raise InvalidInput(
            f"shapefile {_normalized(shp)} is incomplete: missing .dbf (a shapefile needs .shp, .shx "
            "and .dbf; .prj gives its CRS)"
        )
    reason = f"zip holding the shapefile {_normalized(shp)}"
    if ".shx" not in present:
        notes.append("no .shx: the index is rebuilt from the .shp (GDAL's SHAPE_RESTORE_SHX)")
    if ".prj" not in present:
        reason += " (no .prj: CRS unknown)"
    return ArchivedDataset(Detection("shapefile", reason, stem + ".shp"), parts, tuple(notes))


def _alone_in_folder(shp: str, shps: list[str]) -> bool:
    folder = PurePosixPath(_normalized(shp)).parent
    return sum(PurePosixPath(_normalized(s)).parent == folder for s in shps) == 1


def _only_one(names: list[str], folder: str, suffix: str) -> list[str]:
    candidates = [
        n
        for n in names
        if n.lower().endswith(suffix) and str(PurePosixPath(_normalized(n)).parent) == folder
    ]
    return candidates if len(candidates) == 1 else []


def _mapinfo(names: list[str]) -> list[ArchivedDataset]:
    datasets = []
    for main in [n for n in names if PurePosixPath(n).suffix.lower() in MAPINFO_PARTS]:
        kind = PurePosixPath(main).suffix.lower()
        stem = _normalized(main)[:-4]
        parts = {
            n: stem + PurePosixPath(n).suffix.lower()
            for n in names
            if _normalized(n)[: -len(PurePosixPath(n).suffix) or None].lower() == stem.lower()
            and PurePosixPath(n).suffix.lower() in MAPINFO_PARTS[kind]
        }
        missing = [s for s in MAPINFO_REQUIRED[kind] if stem + s not in parts.values()]
        if missing:
            raise InvalidInput(
                f"MapInfo table {_normalized(main)} is incomplete: missing {' and '.join(missing)}"
            )
        datasets.append(
            ArchivedDataset(
                Detection(
                    "mapinfo", f"zip holding the MapInfo table {_normalized(main)}", stem + kind
                ),
                parts,
            )
        )
    return datasets


def _kml(names: list[str]) -> list[ArchivedDataset]:
    """A KMZ's doc.kml (its other KML files are what doc.kml links to); else every KML."""
    kmls = [n for n in names if n.lower().endswith(".kml")]
    main = [n for n in kmls if PurePosixPath(_normalized(n)).name.lower() == "doc.kml"]
    return [
        ArchivedDataset(
            Detection("kmz", f"zip holding {_normalized(n)} (KMZ)", _normalized(n)),
            {n: _normalized(n)},
        )
        for n in (main[:1] or kmls)
    ]


def _single_files(names: list[str]) -> list[ArchivedDataset]:
    data = [n for n in names if PurePosixPath(n).suffix.lower() in ARCHIVED_DATA]
    return [
        ArchivedDataset(
            Detection(
                extension_hint(n),
                f"zip holding the {extension_hint(n)} file {_normalized(n)}",
                _normalized(n),
            ),
            {n: _normalized(n)},
        )
        for n in data
    ]


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
