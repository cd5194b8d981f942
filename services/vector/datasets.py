"""Each dataset of a source made ready for GDAL: named so GDAL picks the right driver,
XML checked (KML bare rings rewritten), text transcoded to UTF-8, a shapefile's missing
.shx rebuilt. What was done is said in the report (warnings, repairs)."""

import os
from dataclasses import dataclass, field
from pathlib import Path

import pyogrio
from pyogrio.errors import DataSourceError

from core.errors import InvalidInput
from services.vector.formats import (
    EXTENSIONS,
    TEXT_FORMATS,
    XML_FORMATS,
    Detection,
    detect_file,
    extension_hint,
)
from services.vector.text_encoding import detect_encoding, transcode_to_utf8
from services.vector.xml_sources import check_xml, rewrite_bare_rings

# GDAL rebuilds a shapefile's missing .shx from the .shp when it opens it (written beside
# it, in the source cache); without this it refuses the shapefile.
pyogrio.set_gdal_config_options({"SHAPE_RESTORE_SHX": "YES"})


@dataclass
class ArchivedFile:
    """A dataset unpacked from an archive."""

    detection: Detection  # member: its path below `target`
    target: Path  # the folder it was unpacked into
    prefix: str  # the archives it was nested in ("outer.zip/"), for display
    notes: tuple[str, ...]  # what classifying it found (a part renamed, the .shx missing)


@dataclass
class Dataset:
    format: str
    path: str  # relative to the source's cache directory
    member: str | None  # where it was in the archive (None: the blob itself)
    reason: str
    warnings: list[str] = field(default_factory=list)
    repairs: dict[str, int] = field(default_factory=dict)
    encoding: str | None = None
    encoding_reason: str | None = None


def check_single_file(path: Path, kind: str, filename: str | None) -> Detection:
    """Upload-time checks of a file that is not an archive."""
    if kind in XML_FORMATS:
        check_xml(path)
    if kind == "sqlite":
        _check_spatialite(path)
    return Detection(kind, _reason(kind, filename))


def single_dataset(download: Path, kind: str, blob_name: str, directory: Path) -> Dataset:
    check_single_file(download, kind, blob_name)
    path = directory / f"source.{EXTENSIONS[kind]}"
    if not path.exists():
        os.link(download, path)
    return _ready(Dataset(kind, path.name, None, _reason(kind, blob_name)), directory)


def archived_dataset(found: ArchivedFile, directory: Path) -> Dataset:
    detection = found.detection
    path = found.target / detection.member
    member = found.prefix + detection.member
    dataset = Dataset(
        detection.format,
        str(path.relative_to(directory)),
        member,
        detection.reason,
        warnings=[f"{member}: {note}" for note in found.notes],
    )
    if detection.format in EXTENSIONS:  # one data file: its content decides, as for a blob
        dataset.format = detect_file(path, detection.member)
        if dataset.format == "zip":
            raise InvalidInput(f"{member} is an archive named like a data file: rename it .zip")
        dataset.reason = f"zip holding {member}: {_reason(dataset.format, detection.member)}"
        dataset.path = str(_named_for_gdal(path, dataset.format).relative_to(directory))
    if detection.format == "kmz":
        dataset.format = "kmz"
    if detection.format == "shapefile" and not path.with_suffix(".shx").exists():
        _restore_shx(path, member)
    if dataset.format == "sqlite":
        _check_spatialite(path)
    return _ready(dataset, directory)


def _ready(dataset: Dataset, directory: Path) -> Dataset:
    path = directory / dataset.path
    if dataset.format in XML_FORMATS or dataset.format == "kmz":
        bare = check_xml(path)
        if bare and dataset.format in ("kml", "kmz"):
            _rewrite_rings(dataset, path, directory)
    if dataset.format in TEXT_FORMATS:
        _fix_encoding(dataset, path, directory)
    return dataset


def _rewrite_rings(dataset: Dataset, path: Path, directory: Path) -> None:
    target = path.with_name(path.stem + ".rings.kml")
    polygons, lines = rewrite_bare_rings(path, target)
    dataset.path = str(target.relative_to(directory))
    dataset.repairs["bare_rings_salvaged"] = polygons + lines
    dataset.warnings.append(
        f"{polygons + lines} KML LinearRing(s) outside any Polygon read as "
        f"{polygons} polygon(s) and {lines} line(s) (GDAL would drop them)"
    )


def _fix_encoding(dataset: Dataset, path: Path, directory: Path) -> None:
    finding = detect_encoding(path)
    dataset.encoding, dataset.encoding_reason = finding.encoding, finding.reason
    if finding.needs_transcoding:
        target = path.with_name(f"{path.name}.utf8.{EXTENSIONS[dataset.format]}")
        transcode_to_utf8(path, target, finding.encoding)
        dataset.path = str(target.relative_to(directory))
        if finding.encoding != "utf-8":
            dataset.warnings.append(f"text is {finding.encoding}, not UTF-8: transcoded to UTF-8")


def _named_for_gdal(path: Path, fmt: str) -> Path:
    """GDAL picks some drivers by extension (CSV needs .csv): a file named otherwise is
    linked under the name its format needs."""
    extension = "." + EXTENSIONS[fmt]
    if path.name.lower().endswith(extension):
        return path
    linked = path.with_name(path.name + extension)
    if not linked.exists():
        os.link(path, linked)
    return linked


def _restore_shx(path: Path, member: str) -> None:
    """GDAL (SHAPE_RESTORE_SHX) writes the .shx as it opens the shapefile."""
    try:
        pyogrio.read_info(path)
    except DataSourceError as exc:
        raise InvalidInput(
            f"{member}: its .shx is missing and could not be rebuilt from the .shp: {exc}"
        ) from exc
    if not path.with_suffix(".shx").exists():
        raise InvalidInput(f"{member}: its .shx is missing and could not be rebuilt from the .shp")


def _check_spatialite(path: Path) -> None:
    """An SQLite database that is not a GeoPackage is read by GDAL's SQLite driver
    (SpatiaLite, or tables with WKB geometry) when it finds geometry layers in it."""
    try:
        info = pyogrio.read_info(path)
        layers = pyogrio.list_layers(path)
    except DataSourceError as exc:
        raise InvalidInput(
            f"an SQLite database that is not a GeoPackage, and GDAL cannot read it: {exc}"
        ) from exc
    if info.get("driver") != "SQLite" or not any(geometry for _, geometry in layers):
        raise InvalidInput(
            "an SQLite database that is not a GeoPackage and holds no geometry layer GDAL can read"
        )


def _reason(kind: str, filename: str | None) -> str:
    hint = extension_hint(filename)
    reason = f"content is {kind}"
    if hint and hint != kind:
        reason += f" (the name suggests {hint}; the content decides)"
    return reason
