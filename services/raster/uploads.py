"""Raster uploads: recognised by their first bytes, opened with GDAL before they are stored
(a CRS, bands and a size, or a 422 saying what is missing), and stored in a form
process_raster reads in place from blob storage:

- GeoTIFF / COG, JPEG2000 and single-file ERDAS IMG are stored as uploaded;
- NetCDF and HDF5 (one variable with a CRS) and zipped sets (one raster with its
  sidecars: .tfw, .aux.xml, .prj, .ige, .rrd, ...) become one lossless GeoTIFF
  (DEFLATE, tiled): GDAL cannot read HDF containers or sidecar files through /vsiaz/,
  and the GeoTIFF carries what the sidecars said (georeferencing, CRS, colours).
"""

import posixpath
import warnings
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import rasterio
import rasterio.shutil
from rasterio.errors import NotGeoreferencedWarning, RasterioError

from core.errors import InvalidInput
from services.vector.archives import ArchiveLimits, extract_archive, list_archive

# (leading bytes, format, stored as uploaded)
MAGIC = [
    (b"II*\x00", "geotiff", True),
    (b"MM\x00*", "geotiff", True),
    (b"II+\x00", "geotiff", True),
    (b"MM\x00+", "geotiff", True),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "jpeg2000", True),
    (b"\xffO\xffQ", "jpeg2000", True),
    (b"EHFA_HEADER_TAG", "erdas-img", True),
    (b"CDF\x01", "netcdf", False),
    (b"CDF\x02", "netcdf", False),
    (b"CDF\x05", "netcdf", False),
    (b"\x89HDF\r\n\x1a\n", "netcdf4-hdf5", False),
    (b"\x0e\x03\x13\x01", "hdf4", False),
]
RASTER_SUFFIXES = {".tif", ".tiff", ".jp2", ".j2k", ".img", ".nc", ".nc4", ".h5", ".hdf5", ".he5"}
GEOTIFF_OPTIONS = {
    "driver": "GTiff",
    "COMPRESS": "DEFLATE",
    "TILED": "YES",
    "BIGTIFF": "IF_SAFER",
    "NUM_THREADS": "2",
}


@dataclass(frozen=True)
class PreparedRaster:
    path: Path  # the file to store
    name: str  # its file name in bronze
    format: str
    reason: str


def raster_format(head: bytes) -> tuple[str, bool] | None:
    """(format, stored as uploaded) when the head is a raster's, else None."""
    for magic, name, in_place in MAGIC:
        if head.startswith(magic):
            return name, in_place
    return None


def raster_members(names: list[str]) -> list[str]:
    return [
        n
        for n in names
        if PurePosixPath(n).suffix.lower() in RASTER_SUFFIXES and "__MACOSX" not in n
    ]


def prepare_file(path: Path, filename: str, workdir: Path) -> PreparedRaster:
    with path.open("rb") as handle:
        found = raster_format(handle.read(64))
    if found is None:
        raise InvalidInput("not a raster GDAL reads here")
    fmt, in_place = found
    if fmt == "hdf4":
        raise InvalidInput(
            "HDF4 is not read by this platform's GDAL: convert it to GeoTIFF or NetCDF-4"
        )
    _check(str(path), filename)
    if in_place:
        return PreparedRaster(path, filename, fmt, f"content is {fmt}; stored as uploaded")
    target = workdir / "converted.tif"
    _to_geotiff(str(path), target, filename)
    return PreparedRaster(
        target,
        _tif_name(filename),
        fmt,
        f"content is {fmt}; stored as a lossless GeoTIFF "
        "(GDAL cannot read it in place from blob storage)",
    )


def prepare_archive(
    path: Path, filename: str, names: list[str], workdir: Path, limits: ArchiveLimits
) -> PreparedRaster:
    """A zipped set: one raster and its sidecars, unpacked and made one GeoTIFF."""
    members = raster_members(names)
    if len(members) != 1:
        raise InvalidInput(
            f"a zip of rasters must hold one raster (with its sidecar files); found {len(members)}: "
            f"{', '.join(members[:10])}"
        )
    list_archive(path, limits)
    stem = posixpath.splitext(members[0])[0].lower()
    wanted = [n for n in names if n.lower().startswith(stem + ".") or n == members[0]]
    extract_archive(path, workdir / "set", limits, members=wanted)
    source = workdir / "set" / members[0]
    _check(str(source), members[0])
    target = workdir / "converted.tif"
    _to_geotiff(str(source), target, members[0])
    return PreparedRaster(
        target,
        _tif_name(PurePosixPath(members[0]).name),
        "raster-set",
        f"zip holding the raster {members[0]} and {len(wanted) - 1} sidecar file(s); "
        "stored as one lossless GeoTIFF",
    )


def _check(path: str, shown: str) -> None:
    """Refuses what process_raster could not place on a map: unreadable, no bands, no CRS,
    or a container of several variables (each would be its own raster)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            with rasterio.open(path) as dataset:
                if dataset.count == 0:
                    names = [s.rsplit(":", 1)[-1] for s in dataset.subdatasets[:10]]
                    raise InvalidInput(
                        f"{shown} holds {len(dataset.subdatasets)} variables ({', '.join(names)}) and no "
                        "single raster: upload one variable per file"
                    )
                if dataset.crs is None:
                    raise InvalidInput(
                        f"{shown} has no coordinate reference system: it cannot be placed on a map"
                    )
                if dataset.width < 1 or dataset.height < 1:
                    raise InvalidInput(f"{shown} has no pixels")
    except RasterioError as exc:
        raise InvalidInput(f"{shown} is not a raster GDAL can read: {exc}") from exc


def _to_geotiff(source: str, target: Path, shown: str) -> None:
    try:
        rasterio.shutil.copy(source, str(target), **GEOTIFF_OPTIONS)
    except RasterioError as exc:
        raise InvalidInput(f"{shown} could not be written as GeoTIFF: {exc}") from exc


def _tif_name(filename: str) -> str:
    return f"{posixpath.splitext(filename)[0] or 'raster'}.tif"
