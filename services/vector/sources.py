"""Sources on local disk: each blob version is downloaded, checked and unpacked once per
machine, then shared by every task of the load that runs there.

The cache key includes the blob's ETag, so a blob overwritten mid-load is never mixed
with the old version: tasks pin the ETag the inspection saw and fail clearly if it moved.
A source is one or more datasets (an archive may hold several); their paths are relative
to the cache directory, so a plan made on one machine reads the same files on another.
"""

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator

from config import Settings
from core.errors import BlobChanged, InvalidInput
from core.storage import BlobStorage
from services.vector import datasets as prepare
from services.vector.archive_contents import classify_archive
from services.vector.archives import (
    ArchiveLimits,
    Budget,
    extract_archive,
    list_archive,
    verify_archive,
)
from services.vector.formats import Detection, detect_file

# Parallel ranged GETs for the download: Azurite (and Blob Storage) serve one stream far
# below what a few together reach (519 MB: 22 s with 4 x 4 MiB, 9 s with 16 x 8 MiB, on a
# busy machine); 10 is the blob client's connection pool.
DOWNLOAD_STREAMS = 10
DOWNLOAD_RANGE = 8 * 1024 * 1024


@dataclass
class PreparedSource:
    format: str  # the dataset's format; "archive" when it holds several
    root: str  # the cache directory dataset paths are relative to
    datasets: list[dict]  # each: format, path, member, reason, notes
    reason: str
    etag: str
    size_bytes: int
    encoding: str | None = None
    encoding_reason: str | None = None
    warnings: list[str] = field(default_factory=list)
    repairs: dict[str, int] = field(
        default_factory=dict
    )  # salvaged while preparing (KML bare rings)

    @property
    def path(self) -> str:
        """The first dataset's file, for single-dataset sources."""
        return str(Path(self.root) / self.datasets[0]["path"])


def archive_limits(settings: Settings) -> ArchiveLimits:
    return ArchiveLimits(
        settings.archive_max_uncompressed_bytes,
        settings.archive_max_ratio,
        settings.archive_max_members,
        settings.archive_max_depth,
    )


def inspect_local_file(path: Path, filename: str | None, limits: ArchiveLimits) -> Detection:
    """The checks that need no unpacking of data (upload time): content type, archive
    safety (every member decompressed, nested archives too, nothing kept), shapefile
    completeness, XML well-formedness."""
    kind = detect_file(path, filename)
    if kind != "zip":
        return prepare.check_single_file(path, kind, filename)
    with tempfile.TemporaryDirectory(prefix="geoetl-survey-") as workdir:
        found = _survey(
            path, Path(workdir), limits, Budget(limits, path.stat().st_size), depth=0, prefix=""
        )
    return _summary(found)


def _survey(
    archive: Path, workdir: Path, limits: ArchiveLimits, budget: Budget, depth: int, prefix: str
) -> list[Detection]:
    contents = classify_archive(verify_archive(archive, limits, budget))
    found = [
        Detection(d.detection.format, d.detection.reason, prefix + d.detection.member)
        for d in contents.datasets
    ]
    for name in _nested(contents.nested, depth, limits):
        inner = workdir / f"nested-{depth}-{len(found)}.zip"
        extract_archive(
            archive, workdir / "x", limits, members=[name], budget=budget, rename={name: inner.name}
        )
        found += _survey(
            workdir / "x" / inner.name, workdir, limits, budget, depth + 1, f"{prefix}{name}/"
        )
    return found


def _nested(names: list[str], depth: int, limits: ArchiveLimits) -> list[str]:
    if names and depth >= limits.max_depth:
        raise InvalidInput(
            f"archives nested more than {limits.max_depth} deep ({names[0]}): unpack them first"
        )
    return names


def _summary(found: list[Detection]) -> Detection:
    if not found:
        raise InvalidInput("the archive (and the archives in it) holds no supported data")
    if len(found) == 1:
        return found[0]
    listed = ", ".join(f"{d.member} ({d.format})" for d in found[:20])
    return Detection(
        "archive",
        f"zip holding {len(found)} datasets, each layer loadable with `layer` or "
        f"`all_layers`: {listed}",
    )


def unpack_needed(archive: Path, target: Path, limits: ArchiveLimits) -> list[prepare.ArchivedFile]:
    """Load time: each archive (nested ones too, sharing one budget) is judged whole on its
    central directory, then only the members its datasets read are unpacked (an unrelated
    5 GB member never is); shapefile parts under the names GDAL looks for."""
    found = _unpack(
        archive, target, limits, Budget(limits, archive.stat().st_size), depth=0, prefix=""
    )
    if not found:
        raise InvalidInput("the archive (and the archives in it) holds no supported data")
    return found


def _unpack(
    archive: Path, target: Path, limits: ArchiveLimits, budget: Budget, depth: int, prefix: str
) -> list[prepare.ArchivedFile]:
    contents = classify_archive(list_archive(archive, limits, budget))
    rename = {member: name for d in contents.datasets for member, name in d.parts.items()}
    nested = _nested(contents.nested, depth, limits)
    rename |= {name: f"{name}.nested.zip" for name in nested}
    extract_archive(archive, target, limits, members=list(rename), budget=budget, rename=rename)
    found = [prepare.ArchivedFile(d.detection, target, prefix, d.notes) for d in contents.datasets]
    for name in nested:
        inner = target / f"{name}.nested.zip"
        found += _unpack(inner, target / f"{name}.d", limits, budget, depth + 1, f"{prefix}{name}/")
        inner.unlink()
    return found


class SourceCache:
    def __init__(self, settings: Settings):
        root = settings.vector_work_dir or os.path.join(tempfile.gettempdir(), "geoetl-vector")
        self.root = Path(root)
        self.max_bytes = settings.vector_cache_max_bytes
        self.limits = archive_limits(settings)

    def materialize(
        self, blobs: BlobStorage, container: str, blob_name: str, etag: str | None = None
    ) -> PreparedSource:
        """Download (if needed) and prepare the blob; `etag` pins the version to use."""
        properties = blobs.info(container, blob_name)
        if properties is None:
            raise InvalidInput(f"source not found: {container}/{blob_name}")
        if etag is not None and properties.etag != etag:
            raise InvalidInput(
                f"{container}/{blob_name} changed since this load began; submit the job again"
            )
        key = hashlib.sha256(f"{container}\n{blob_name}\n{properties.etag}".encode()).hexdigest()[
            :32
        ]
        directory = self.root / key
        with _locked(self.root, key):
            prepared = _read_marker(directory)
            if prepared is None:
                download = directory / "download.bin"
                _download(
                    _Pinned(blobs, container, blob_name, properties.etag), properties.size, download
                )
                try:
                    prepared = _prepare(
                        download, blob_name, directory, self.limits, properties.etag
                    )
                except InvalidInput:
                    shutil.rmtree(
                        directory, ignore_errors=True
                    )  # nothing half-prepared stays behind
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


@dataclass(frozen=True)
class _Pinned:
    """One version of a blob: a range read of any other fails with BlobChanged."""

    blobs: BlobStorage
    container: str
    name: str
    etag: str

    def read(self, start: int, length: int) -> bytes:
        return self.blobs.read_range(self.container, self.name, start, length, etag=self.etag)


def _download(blob: _Pinned, size: int, target: Path) -> None:
    """Parallel ranged GETs into a file of the blob's size, each pinned to the ETag."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    with partial.open("wb") as out:
        out.truncate(size)
    ranges = [
        (start, min(DOWNLOAD_RANGE, size - start)) for start in range(0, size, DOWNLOAD_RANGE)
    ]
    descriptor = os.open(partial, os.O_WRONLY)
    try:
        with ThreadPoolExecutor(DOWNLOAD_STREAMS) as pool:
            list(pool.map(lambda r: _download_range(blob, descriptor, *r), ranges))
    except BlobChanged as exc:
        raise InvalidInput("the source blob changed during download; submit the job again") from exc
    finally:
        os.close(descriptor)
    partial.replace(target)


def _download_range(blob: _Pinned, descriptor: int, start: int, length: int) -> None:
    os.pwrite(descriptor, blob.read(start, length), start)


def _prepare(
    download: Path, blob_name: str, directory: Path, limits: ArchiveLimits, etag: str
) -> PreparedSource:
    kind = detect_file(download, blob_name)
    size = download.stat().st_size
    if kind == "zip":
        files = unpack_needed(download, directory / "unpacked", limits)
        datasets = [prepare.archived_dataset(f, directory) for f in files]
        reason = (
            datasets[0].reason
            if len(datasets) == 1
            else _summary([f.detection for f in files]).reason
        )
    else:
        datasets = [prepare.single_dataset(download, kind, blob_name, directory)]
        reason = datasets[0].reason
    source = PreparedSource(
        format=datasets[0].format if len(datasets) == 1 else "archive",
        root=str(directory),
        datasets=[asdict(d) for d in datasets],
        reason=reason,
        etag=etag,
        size_bytes=size,
    )
    for dataset in datasets:
        source.warnings += dataset.warnings
        for name, count in dataset.repairs.items():
            source.repairs[name] = source.repairs.get(name, 0) + count
    source.encoding = next((d.encoding for d in datasets if d.encoding), None)
    source.encoding_reason = next((d.encoding_reason for d in datasets if d.encoding_reason), None)
    return source


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
