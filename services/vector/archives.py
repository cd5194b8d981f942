"""Zip archives from strangers: checked before anything is unpacked, unpacked defensively.

The checks run on the central directory (cheap, so uploads can be refused at once) and
again while verifying or extracting, on the bytes actually produced: a zip can lie about
its sizes. Two limits bound the whole archive, not only each member: a total budget
(ARCHIVE_MAX_UNCOMPRESSED_BYTES), and a ratio of the total to the archive's size on disk
(ARCHIVE_MAX_RATIO) — the one size a zip cannot lie about. Per-member ratios alone let
2,000 members of 1 MiB each (each too small to be judged) expand a 2 MB zip to 2 GiB.

Archives nested in an archive draw on the same Budget as the one holding them: what they
declare and produce is added to the outer archive's total and judged against the outer
archive's size on disk, so nesting cannot multiply the allowance.
"""

import os
import posixpath
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Collection

from core.errors import InvalidInput

CHUNK = 1024 * 1024
# Below this many bytes in total an archive's ratio is not judged: small files compress oddly well.
RATIO_FLOOR = 1024 * 1024


@dataclass(frozen=True)
class ArchiveLimits:
    max_uncompressed_bytes: int
    max_ratio: float
    max_members: int
    max_depth: int = 3  # archives nested in archives, opened this deep


@dataclass(frozen=True)
class ArchiveListing:
    names: list[str]  # member paths (files only), as stored
    uncompressed_bytes: int  # as the central directory declares them
    archive_bytes: int  # the zip's size on disk


class Budget:
    """The bytes an archive (with any archives nested in it) has produced so far, held to
    the limits: the total budget and the ratio to the outermost archive's size on disk."""

    def __init__(self, limits: ArchiveLimits, archive_bytes: int):
        self.limits = limits
        self.archive_bytes = archive_bytes
        self.total = 0

    def add(self, count: int) -> None:
        self.total += count
        if self.total > self.limits.max_uncompressed_bytes:
            raise InvalidInput(
                f"zip archive expands past {self.limits.max_uncompressed_bytes:,} bytes"
            )
        _check_archive_ratio(self.total, self.archive_bytes, self.limits, "expands")

    def check_declared(self, declared: int) -> None:
        """What a central directory declares, on top of what was produced already."""
        total = self.total + declared
        if total > self.limits.max_uncompressed_bytes:
            raise InvalidInput(
                f"zip archive would expand to {total:,} bytes; the limit is "
                f"{self.limits.max_uncompressed_bytes:,}"
            )
        _check_archive_ratio(total, self.archive_bytes, self.limits, "would expand")


def list_archive(path: Path, limits: ArchiveLimits, budget: Budget | None = None) -> ArchiveListing:
    """Reads the central directory and refuses corrupt, traversing or bomb-shaped archives.
    `budget`: the outer archive's, for an archive nested in it."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
        raise InvalidInput(f"corrupt zip archive: {exc}") from exc
    if len(infos) > limits.max_members:
        raise InvalidInput(
            f"zip archive has {len(infos)} entries; at most {limits.max_members} are accepted"
        )
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
    archive_bytes = path.stat().st_size
    (budget or Budget(limits, archive_bytes)).check_declared(total)
    if not names:
        raise InvalidInput("zip archive is empty")
    return ArchiveListing(names=names, uncompressed_bytes=total, archive_bytes=archive_bytes)


def verify_archive(
    path: Path, limits: ArchiveLimits, budget: Budget | None = None
) -> ArchiveListing:
    """Lists the archive, then decompresses every member without writing it (checking the
    CRCs and the real sizes), so a broken or lying archive is refused at upload time."""
    listing = list_archive(path, limits, budget)
    produced = budget or Budget(limits, listing.archive_bytes)
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if not info.is_dir():
                    _copy_member(archive, info, None, produced)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise InvalidInput(f"corrupt zip archive: {exc}") from exc
    return listing


def extract_archive(
    path: Path,
    target: Path,
    limits: ArchiveLimits,
    members: Collection[str] | None = None,
    budget: Budget | None = None,
    rename: dict[str, str] | None = None,
) -> ArchiveListing:
    """Unpacks into `target` (created) the `members` named (stored names; all if None),
    counting the bytes really written, so a member whose header understates its size is
    stopped at the limits rather than filling the disk. The whole archive is checked first.
    `rename`: stored name → the relative path to unpack it as (still inside `target`)."""
    listing = list_archive(path, limits, budget)
    wanted = set(listing.names if members is None else members)
    target.mkdir(parents=True, exist_ok=True)
    produced = budget or Budget(limits, listing.archive_bytes)
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.is_dir() or info.filename not in wanted:
                    continue
                destination = _destination(target, (rename or {}).get(info.filename, info.filename))
                destination.parent.mkdir(parents=True, exist_ok=True)
                _copy_member(archive, info, destination, produced)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
        shutil.rmtree(target, ignore_errors=True)
        raise InvalidInput(f"corrupt zip archive: {exc}") from exc
    except InvalidInput:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return listing


def _copy_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, destination: Path | None, produced: Budget
) -> None:
    """Streams one member (to `destination`, or nowhere), enforcing the limits on the bytes
    actually produced."""
    member_bytes = 0
    with (
        archive.open(info) as source,
        destination.open("wb") if destination else open(os.devnull, "wb") as out,
    ):
        while block := source.read(CHUNK):
            member_bytes += len(block)
            produced.add(len(block))
            _check_ratio(info.filename, member_bytes, info.compress_size, limits=produced.limits)
            out.write(block)


def _check_member_name(name: str) -> None:
    """No absolute paths, drive letters, backslash tricks or `..` components."""
    normalized = name.replace("\\", "/")
    pure = PurePosixPath(normalized)
    if (
        normalized.startswith("/")
        or (len(normalized) > 1 and normalized[1] == ":")
        or any(part == ".." for part in pure.parts)
        or "\x00" in name
    ):
        raise InvalidInput(f"zip entry {name!r} points outside the archive (path traversal)")


def _check_ratio(name: str, size: int, compressed: int, limits: ArchiveLimits) -> None:
    # Tiny members compress oddly well; the ratio only matters once a member is sizeable.
    if size > CHUNK and size > limits.max_ratio * max(compressed, 1):
        raise InvalidInput(
            f"zip entry {name!r} expands {size / max(compressed, 1):,.0f}-fold "
            f"(limit {limits.max_ratio:g}): refusing a likely zip bomb"
        )


def _check_archive_ratio(total: int, archive_bytes: int, limits: ArchiveLimits, verb: str) -> None:
    # Judged against the file's size on disk, which (unlike the headers' compressed sizes) cannot lie.
    if total > RATIO_FLOOR and total > limits.max_ratio * max(archive_bytes, 1):
        raise InvalidInput(
            f"zip archive {verb} {total / max(archive_bytes, 1):,.0f}-fold ({total:,} bytes from "
            f"{archive_bytes:,} on disk); the expansion ratio limit (ARCHIVE_MAX_RATIO) is "
            f"{limits.max_ratio:g}: refusing a likely zip bomb"
        )


def _destination(target: Path, name: str) -> Path:
    destination = (target / posixpath.normpath(name.replace("\\", "/"))).resolve()
    if target.resolve() not in destination.parents:
        raise InvalidInput(f"zip entry {name!r} points outside the archive (path traversal)")
    return destination
