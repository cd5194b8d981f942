"""Sources on local disk: each blob version is downloaded, checked and unpacked once per
machine, then shared by every task of the load that runs there.

The cache key includes the blob's ETag, so a blob overwritten mid-load is never mixed
with the old version: tasks pin the ETag the inspection saw and fail clearly if it moved.
"""

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator

from azure.core import MatchConditions
from azure.core.exceptions import ResourceModifiedError, ResourceNotFoundError
from azure.storage.blob import BlobServiceClient

from config import Settings
from core.errors import InvalidInput
from services.vector.archives import ArchiveLimits, extract_archive, list_archive, verify_archive
from services.vector.formats import EXTENSIONS, Detection, classify_archive, detect_file, extension_hint, needed_members
from services.vector.text_encoding import check_well_formed_xml, detect_encoding, transcode_to_utf8

TEXT_FORMATS = {"csv", "geojson"}


@dataclass
class PreparedSource:
    format: str
    path: str                        # what GDAL opens
    reason: str
    etag: str
    size_bytes: int
    encoding: str | None = None
    encoding_reason: str | None = None
    warnings: list[str] = field(default_factory=list)


def archive_limits(settings: Settings) -> ArchiveLimits:
    return ArchiveLimits(settings.archive_max_uncompressed_bytes, settings.archive_max_ratio, settings.archive_max_members)


def inspect_local_file(path: Path, filename: str | None, limits: ArchiveLimits) -> Detection:
    """The checks that need no unpacking (upload time): content type, archive safety (every
    member decompressed, nothing written), shapefile completeness, KML well-formedness."""
    kind = detect_file(path, filename)
    if kind == "zip":
        return classify_archive(verify_archive(path, limits), filename)
    return _single_file(path, kind, filename)


def unpack_needed(archive: Path, filename: str | None, target: Path, limits: ArchiveLimits) -> Detection:
    """Load time: the archive is judged whole on its central directory, then only the
    members the chosen dataset reads are unpacked (an unrelated 5 GB member never is)."""
    listing = list_archive(archive, limits)
    detection = classify_archive(listing, filename)
    extract_archive(archive, target, limits, members=needed_members(detection, listing.names))
    return detection


def _single_file(path: Path, kind: str, filename: str | None) -> Detection:
    if kind == "kml":
        check_well_formed_xml(path)
    return Detection(kind, _reason(kind, filename))


def _reason(kind: str, filename: str | None) -> str:
    hint = extension_hint(filename)
    reason = f"content is {kind}"
    if hint and hint != kind:
        reason += f" (the name suggests {hint}; the content decides)"
    return reason


class SourceCache:
    def __init__(self, settings: Settings):
        root = settings.vector_work_dir or os.path.join(tempfile.gettempdir(), "geoetl-vector")
        self.root = Path(root)
        self.max_bytes = settings.vector_cache_max_bytes
        self.limits = archive_limits(settings)

    def materialize(self, blobs: BlobServiceClient, container: str, blob_name: str,
                    etag: str | None = None) -> PreparedSource:
        """Download (if needed) and prepare the blob; `etag` pins the version to use."""
        blob = blobs.get_blob_client(container, blob_name)
        try:
            properties = blob.get_blob_properties()
        except ResourceNotFoundError as exc:
            raise InvalidInput(f"source not found: {container}/{blob_name}") from exc
        if etag is not None and properties.etag != etag:
            raise InvalidInput(f"{container}/{blob_name} changed since this load began; submit the job again")
        key = hashlib.sha256(f"{container}\n{blob_name}\n{properties.etag}".encode()).hexdigest()[:32]
        directory = self.root / key
        with _locked(self.root, key):
            prepared = _read_marker(directory)
            if prepared is None:
                download = directory / "download.bin"
                _download(blob, properties.etag, download)
                try:
                    prepared = _prepare(download, blob_name, directory, self.limits, properties.etag)
                except InvalidInput:
                    shutil.rmtree(directory, ignore_errors=True)  # nothing half-prepared stays behind
                    raise
                (directory / "prepared.json").write_text(json.dumps(asdict(prepared)))
            os.utime(directory / "prepared.json")  # last use, for trimming
        self._trim(keep=key)
        return prepared

    def _trim(self, keep: str) -> None:
        """Drops the least recently used sources beyond the size budget."""
        entries = []
        for directory in self.root.iterdir() if self.root.exists() else []:
            marker = directory / "prepared.json"
            if directory.is_dir() and directory.name != keep and marker.exists():
                entries.append((marker.stat().st_mtime, directory, _size(directory)))
        total = sum(size for _, _, size in entries) + _size(self.root / keep)
        for _, directory, size in sorted(entries):
            if total <= self.max_bytes:
                break
            with _locked(self.root, directory.name):
                shutil.rmtree(directory, ignore_errors=True)
            total -= size


def _download(blob, etag: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    try:
        with partial.open("wb") as out:
            blob.download_blob(max_concurrency=4, etag=etag, match_condition=MatchConditions.IfNotModified).readinto(out)
    except ResourceModifiedError as exc:
        raise InvalidInput("the source blob changed during download; submit the job again") from exc
    partial.replace(target)


def _prepare(download: Path, blob_name: str, directory: Path, limits: ArchiveLimits, etag: str) -> PreparedSource:
    kind = detect_file(download, blob_name)
    size = download.stat().st_size
    if kind == "zip":
        detection = unpack_needed(download, blob_name, directory / "unpacked", limits)
        path = directory / "unpacked" / detection.member
        if detection.format == "kmz":
            check_well_formed_xml(path)
    else:
        detection = _single_file(download, kind, blob_name)
        path = directory / f"source.{EXTENSIONS[detection.format]}"
        if not path.exists():
            os.link(download, path)
    prepared = PreparedSource(format=detection.format, path=str(path), reason=detection.reason, etag=etag, size_bytes=size)
    if detection.format in TEXT_FORMATS:
        _fix_encoding(prepared, directory)
    return prepared


def _fix_encoding(prepared: PreparedSource, directory: Path) -> None:
    finding = detect_encoding(Path(prepared.path))
    prepared.encoding, prepared.encoding_reason = finding.encoding, finding.reason
    if finding.needs_transcoding:
        target = directory / f"source.utf8.{EXTENSIONS[prepared.format]}"
        transcode_to_utf8(Path(prepared.path), target, finding.encoding)
        prepared.path = str(target)
        if finding.encoding != "utf-8":
            prepared.warnings.append(f"text is {finding.encoding}, not UTF-8: transcoded to UTF-8")


def _read_marker(directory: Path) -> PreparedSource | None:
    marker = directory / "prepared.json"
    if not marker.exists():
        return None
    return PreparedSource(**json.loads(marker.read_text()))


def _size(path: Path) -> int:
    if not path.exists():
        return 0
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


@contextmanager
def _locked(root: Path, key: str) -> Iterator[None]:
    """A file lock per source: one download per machine, whatever the number of workers."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / f"{key}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
