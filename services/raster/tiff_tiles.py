"""The image file directories (IFDs) of a tiled GeoTIFF as GDAL wrote it: each level's
tags, as raw bytes, and where its compressed tiles are. Read with tifffile; nothing is
decoded."""

from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import tifffile

from core.errors import ContractViolation

# Tags the COG writer sets itself for each level.
IMAGE_LENGTH, TILE_OFFSETS, TILE_BYTE_COUNTS = 257, 324, 325
WRITTEN_BY_ASSEMBLY = {IMAGE_LENGTH, TILE_OFFSETS, TILE_BYTE_COUNTS}
NEW_SUBFILE_TYPE, PLANAR_CONFIGURATION = 254, 284
MASK_SUBFILE = 4

# Bytes per value of each TIFF field type.
TYPE_SIZES = {
    1: 1,
    2: 1,
    3: 2,
    4: 4,
    5: 8,
    6: 1,
    7: 1,
    8: 2,
    9: 4,
    10: 8,
    11: 4,
    12: 8,
    13: 4,
    16: 8,
    17: 8,
    18: 8,
}


@dataclass(frozen=True)
class RawTag:
    code: int
    type: int
    count: int
    value: bytes

    @property
    def size(self) -> int:
        return len(self.value)


@dataclass(frozen=True)
class Tile:
    source: int  # index of the file the bytes are in
    offset: int
    length: int


@dataclass
class Level:
    """One IFD: its tags (without those the writer sets), size and tiles in row-major order."""

    tags: list[RawTag]
    width: int
    height: int
    tile_height: int
    tiles: list[Tile]

    def tag(self, code: int) -> RawTag | None:
        return next((tag for tag in self.tags if tag.code == code), None)


def read_levels(path: Path, source: int) -> list[Level]:
    """Full resolution first, then each overview, as they are chained in the file."""
    with tifffile.TiffFile(path) as tif, path.open("rb") as handle:
        if tif.byteorder != "<":
            raise ContractViolation(f"{path.name}: expected a little-endian TIFF")
        return [_level(page, handle, source, path.name) for page in tif.pages]


def _level(page, handle: BinaryIO, source: int, name: str) -> Level:
    if not page.is_tiled:
        raise ContractViolation(f"{name}: IFD {page.index} is not tiled")
    if page.tags.valueof(NEW_SUBFILE_TYPE, 0) & MASK_SUBFILE:
        raise ContractViolation(
            f"{name}: IFD {page.index} is a mask; masks are not assembled from parts"
        )
    if page.tags.valueof(PLANAR_CONFIGURATION, 1) != 1:
        raise ContractViolation(
            f"{name}: IFD {page.index} is band-interleaved; parts must be pixel-interleaved"
        )
    tags = [_raw(tag, handle) for tag in page.tags.values() if tag.code not in WRITTEN_BY_ASSEMBLY]
    tiles = [
        Tile(source, offset, length)
        for offset, length in zip(page.dataoffsets, page.databytecounts, strict=True)
    ]
    return Level(
        tags=tags,
        width=page.imagewidth,
        height=page.imagelength,
        tile_height=page.tilelength,
        tiles=tiles,
    )


def _raw(tag, handle: BinaryIO) -> RawTag:
    size = TYPE_SIZES[int(tag.dtype)] * tag.count
    handle.seek(tag.valueoffset)
    return RawTag(code=tag.code, type=int(tag.dtype), count=tag.count, value=handle.read(size))
