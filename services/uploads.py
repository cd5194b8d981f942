"""POST /api/uploads: any file the platform processes, recognised from its content and
checked as its job will read it before anything is stored in bronze:

- vectors (services/vector/uploads.py: GeoJSON, KML/KMZ, GeoPackage, FlatGeobuf, CSV,
  zipped Shapefile or File Geodatabase) → process_vector;
- rasters (services/raster/uploads.py: GeoTIFF/COG, JPEG2000, ERDAS IMG, NetCDF/HDF5,
  zipped sets) → process_raster;
- STAC (services/ingest/uploads.py: a collection, items as JSON or NDJSON, or a zip of a
  collection with its items and assets) → ingest_collection.

The answer names the job to submit and its parameters."""

import re
import tempfile
import uuid
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, Literal

from pydantic import BaseModel

from services.ingest import uploads as stac_uploads
from services.raster import uploads as raster_uploads
from services.vector.archives import list_archive
from services.vector.sources import archive_limits, inspect_local_file
from services.vector.uploads import safe_filename, spool

HEAD_BYTES = 64 * 1024
VECTOR_MEMBERS = re.compile(r"(?i)\.(shp|kml|gpkg|geojson|json|fgb|csv|tsv)$|\.gdb/")


class UploadResult(BaseModel):
    container: str
    blob_name: str
    size_bytes: int
    format: str
    format_reason: str
    kind: Literal["vector", "raster", "stac"]
    job_type: str = ""
    parameters: dict[str, Any] = {}
    files: int = 1  # blobs written (a STAC set writes its documents and assets)


def store_any_upload(platform, stream: BinaryIO, filename: str | None) -> UploadResult:
    settings = platform.settings
    name = safe_filename(filename)
    prefix = f"uploads/{uuid.uuid4().hex}"
    with tempfile.TemporaryDirectory(prefix="geoetl-upload-") as workdir:
        path = Path(workdir) / "upload"
        size = spool(stream, path, settings.upload_max_bytes)
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
        store = _Store(platform, settings.bronze_container, prefix)
        result = _dispatch(path, head, name, Path(workdir), archive_limits(settings), store)
    return result.model_copy(update={"size_bytes": size})


def _dispatch(
    path: Path, head: bytes, name: str, workdir: Path, limits, store: "_Store"
) -> UploadResult:
    if raster_uploads.raster_format(head):
        return _raster(raster_uploads.prepare_file(path, name, workdir), store)
    if stac_uploads.looks_like_stac(head):
        return _stac(stac_uploads.prepare_document(path, name), store)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        names = list_archive(path, limits).names
        if any(PurePosixPath(n).name == stac_uploads.COLLECTION for n in names):
            return _stac(stac_uploads.prepare_archive(path, names, workdir, limits), store)
        if raster_uploads.raster_members(names) and not any(
            VECTOR_MEMBERS.search(n) for n in names
        ):
            return _raster(
                raster_uploads.prepare_archive(path, name, names, workdir, limits), store
            )
    detection = inspect_local_file(path, name, limits)
    blob = store.file(name, path)
    return UploadResult(
        container=store.container,
        blob_name=blob,
        size_bytes=0,
        format=detection.format,
        format_reason=detection.reason,
        kind="vector",
        job_type="process_vector",
        parameters={"blob_name": blob},
    )


def _raster(prepared: raster_uploads.PreparedRaster, store: "_Store") -> UploadResult:
    blob = store.file(safe_filename(prepared.name), prepared.path)
    return UploadResult(
        container=store.container,
        blob_name=blob,
        size_bytes=0,
        format=prepared.format,
        format_reason=prepared.reason,
        kind="raster",
        job_type="process_raster",
        parameters={"blob_name": blob},
    )


def _stac(prepared: stac_uploads.StacSet, store: "_Store") -> UploadResult:
    for relative, data in prepared.documents.items():
        store.bytes(relative, data)
    for relative, file in prepared.files.items():
        store.file(relative, file)
    blob = f"{store.prefix}/{stac_uploads.COLLECTION}"
    return UploadResult(
        container=store.container,
        blob_name=blob,
        size_bytes=0,
        format=prepared.format,
        format_reason=f"{prepared.reason} ({prepared.items} items, {prepared.assets} asset files)",
        kind="stac",
        job_type="ingest_collection",
        parameters={"collection_json_path": blob},
        files=len(prepared.documents) + len(prepared.files),
    )


class _Store:
    """Blobs of one upload, all under its own prefix (never overwriting)."""

    def __init__(self, platform, container: str, prefix: str):
        self.blobs, self.container, self.prefix = platform.blobs, container, prefix

    def file(self, relative: str, path: Path) -> str:
        blob = f"{self.prefix}/{relative}"
        with path.open("rb") as data:
            self.blobs.write(
                self.container, blob, data, length=path.stat().st_size, overwrite=False
            )
        return blob

    def bytes(self, relative: str, data: bytes) -> str:
        blob = f"{self.prefix}/{relative}"
        self.blobs.write(self.container, blob, data, overwrite=False)
        return blob
