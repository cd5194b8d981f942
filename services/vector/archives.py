"""Zip archives from strangers: checked before anything is unpacked, unpacked defensively.

The checks run on the central directory (cheap, so uploads can be refused at once) and
again while extracting, on the bytes actually written: a zip can lie about its sizes.
"""

import os
import posixpath
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from core.errors import InvalidInput

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class ArchiveLimits:
    max_uncompressed_bytes: int
    max_ratio: float
    max_members: int


@dataclass(frozen=True)
class ArchiveListing:
    names: list[str]              # member paths (files only), as stored
    uncompressed_bytes: int


def list_archive(path: Path, limits: ArchiveLimits) -> ArchiveListing:
    """Reads the central directory and refuses corrupt, traversing or bomb-shaped archives."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
        raise InvalidInput(f"corrupt zip archive: {exc}") from exc
    if len(infos) > limits.max_members:
        raise InvalidInput(f"zip archive has {len(infos)} entries; at most {limits.max_members} are accepted")
    total = 0
    names = []
    for info in infos:
        _check_member_name(info.filename)
        if info.flag_bits & 0x1:
            raise InvalidInput(f"zip entry {info.filename!r} is encrypted")
        if info.is_dir():
            continue
        total += info.file_size
        _check_ratio(info.filename, info.file_size, info.compress_size, limits)
        names.append(info.filename)
    if total > limits.max_uncompressed_bytes:
        raise InvalidInput(f"zip archive would expand to {total:,} bytes; the limit is {limits.max_uncompressed_bytes:,}")
    if not names:
        raise InvalidInput("zip archive is empty")
    return ArchiveListing(names=names, uncompressed_bytes=total)


def verify_archive(path: Path, limits: ArchiveLimits) -> ArchiveListing:
    """Lists the archive, then decompresses every member without writing it (checking the
    CRCs and the real sizes), so a broken or lying archive is refused at upload time."""
    listing = list_archive(path, limits)
    written = 0
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if not info.is_dir():
                    written = _copy_member(archive, info, None, written, limits)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise InvalidInput(f"corrupt zip archive: {exc}") from exc
    return listing


def extract_archive(path: Path, target: Path, limits: ArchiveLimits) -> ArchiveListing:
    """Unpacks into `target` (created), counting the bytes really written, so a member whose
    header understates its size is stopped at the limit rather than filling the disk."""
    listing = list_archive(path, limits)
    target.mkdir(parents=True, exist_ok=True)
    written = 0
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.is_dir():
                    continue
                destination = _destination(target, info.filename)
                destination.parent.mkdir(parents=True, exist_ok=True)
                written = _copy_member(archive, info, destination, written, limits)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
        shutil.rmtree(target, ignore_errors=True)
        raise InvalidInput(f"corrupt zip archive: {exc}") from exc
    except InvalidInput:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return listing


def _copy_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, destination: Path | None, written: int,
                 limits: ArchiveLimits) -> int:
    """Streams one member (to `destination`, or nowhere), enforcing the limits on the bytes
    actually produced; returns the archive's running total."""
    member_bytes = 0
    with archive.open(info) as source, (destination.open("wb") if destination else open(os.devnull, "wb")) as out:
        while block := source.read(CHUNK):
            member_bytes += len(block)
            written += len(block)
            if written > limits.max_uncompressed_bytes:
                raise InvalidInput(f"zip archive expands past {limits.max_uncompressed_bytes:,} bytes")
            _check_ratio(info.filename, member_bytes, info.compress_size, limits)
            out.write(block)
    return written


def _check_member_name(name: str) -> None:
    """No absolute paths, drive letters, backslash tricks or `..` components."""
    normalized = name.replace("\\", "/")
    pure = PurePosixPath(normalized)
    if (normalized.startswith("/") or (len(normalized) > 1 and normalized[1] == ":")
            or any(part == ".." for part in pure.parts) or "\x00" in name):
        raise InvalidInput(f"zip entry {name!r} points outside the archive (path traversal)")


def _check_ratio(name: str, size: int, compressed: int, limits: ArchiveLimits) -> None:
    # Tiny members compress oddly well; the ratio only matters once a member is sizeable.
    if size > CHUNK and size > limits.max_ratio * max(compressed, 1):
        raise InvalidInput(f"zip entry {name!r} expands {size / max(compressed, 1):,.0f}-fold "
                           f"(limit {limits.max_ratio:g}): refusing a likely zip bomb")


def _destination(target: Path, name: str) -> Path:
    destination = (target / posixpath.normpath(name.replace("\\", "/"))).resolve()
    if target.resolve() not in destination.parents:
        raise InvalidInput(f"zip entry {name!r} points outside the archive (path traversal)")
    return destination
