"""The byte layout of a Cloud-Optimized GeoTIFF made of tiles that are already compressed.

The layout is the one GDAL's COG driver writes (and documents in the file's "ghost"
header, which GDAL readers use to skip round trips): all IFDs first, full resolution
before its overviews; then the tile data, smallest overview first, each level in
row-major order, each tile preceded by its size (uint32) and followed by its last
4 bytes repeated. Tiles are copied byte for byte: nothing is decoded or re-encoded.

`CogLayout` computes the header (everything before the tile data) from the levels' tags
and tile sizes alone, so the tile data can be written by whoever holds it — a local
file here, blob blocks staged by the part tasks in production (services/raster/blocks.py).
"""

import struct
from pathlib import Path
from typing import BinaryIO

from services.raster.tiff_tiles import (
    IMAGE_LENGTH,
    TILE_BYTE_COUNTS,
    TILE_OFFSETS,
    TYPE_SIZES,
    Level,
    RawTag,
)

GHOST_BODY = (
    "LAYOUT=IFDS_BEFORE_DATA\nBLOCK_ORDER=ROW_MAJOR\nBLOCK_LEADER=SIZE_AS_UINT4\n"
    "BLOCK_TRAILER=LAST_4_BYTES_REPEATED\nKNOWN_INCOMPATIBLE_EDITION=NO\n "
)
GHOST = f"GDAL_STRUCTURAL_METADATA_SIZE={len(GHOST_BODY):06d} bytes\n{GHOST_BODY}".encode("ascii")
LEADER = TRAILER = 4
CLASSIC_LIMIT = 2**32  # a classic TIFF's offsets end here; a larger file is BigTIFF
SHORT, LONG, LONG8 = 3, 4, 16


def framed(tile: bytes) -> bytes:
    """A tile as it is stored: size leader, data, last 4 bytes repeated (nothing if empty)."""
    if not tile:
        return b""
    return struct.pack("<I", len(tile)) + tile + (b"\0" * TRAILER + tile)[-TRAILER:]


def framed_size(length: int) -> int:
    return LEADER + length + TRAILER if length else 0


class CogLayout:
    """levels: full resolution first, then overviews by increasing factor; each level's
    tiles give only their lengths here."""

    def __init__(self, levels: list[Level]):
        self.levels = levels
        self._lay_out(big=False)
        if self.size >= CLASSIC_LIMIT:
            self._lay_out(big=True)

    def _lay_out(self, big: bool) -> None:
        levels = self.levels
        data_bytes = sum(framed_size(tile.length) for level in levels for tile in level.tiles)
        self._fmt = _Format(big=big)
        self._ifd_start = _even(self._fmt.header_size + len(GHOST))
        self._blocks = [_IfdBlock(level, self._fmt) for level in levels]
        position = self._ifd_start
        for block in self._blocks:
            block.offset = position
            position = _even(position + block.size)
        self.data_start = position
        self.size = self.data_start + data_bytes
        for level, block in reversed(
            list(zip(levels, self._blocks, strict=True))
        ):  # data: smallest overview first
            for tile in level.tiles:
                block.tile_offsets.append(position + LEADER if tile.length else 0)
                position += framed_size(tile.length)

    def header(self) -> bytes:
        """Everything before the tile data: TIFF header, ghost header, IFDs, padding."""
        out = bytearray(self._fmt.header(self._ifd_start) + GHOST)
        for number, block in enumerate(self._blocks):
            following = self._blocks[number + 1].offset if number + 1 < len(self._blocks) else 0
            out += b"\0" * (block.offset - len(out))
            out += block.encode(following)
        out += b"\0" * (self.data_start - len(out))
        return bytes(out)


def write_cog(target: Path, levels: list[Level], sources: list[BinaryIO]) -> None:
    """A COG in a local file, the tiles read from `sources` (Tile.source indexes them)."""
    layout = CogLayout(levels)
    with target.open("wb") as out:
        out.write(layout.header())
        for level in reversed(levels):
            for tile in level.tiles:
                out.write(framed(read_tile(sources[tile.source], tile.offset, tile.length)))


def read_tile(source: BinaryIO, offset: int, length: int) -> bytes:
    source.seek(offset)
    data = source.read(length)
    if len(data) != length:
        raise ValueError(f"a tile is truncated: {len(data)} of {length} bytes at offset {offset}")
    return data


class _Format:
    def __init__(self, big: bool):
        self.big = big
        self.header_size = 16 if big else 8
        self.entry_size = 20 if big else 12
        self.count_size = 8 if big else 2  # the IFD's entry count
        self.inline = 8 if big else 4  # values this small live in the entry
        self.offset_type = LONG8 if big else LONG
        self.offset_format = "<Q" if big else "<I"

    def header(self, first_ifd: int) -> bytes:
        if self.big:
            return b"II" + struct.pack("<HHHQ", 43, 8, 0, first_ifd)
        return b"II" + struct.pack("<HI", 42, first_ifd)

    def ifd_size(self, entries: int) -> int:
        return self.count_size + entries * self.entry_size + (8 if self.big else 4)


class _IfdBlock:
    """An IFD and, right after it, the values too large to sit in its entries."""

    def __init__(self, level: Level, fmt: _Format):
        self.level, self.fmt = level, fmt
        self.offset = 0
        self.tile_offsets: list[int] = []
        tiles = len(level.tiles)
        self.tags = sorted(
            level.tags
            + [
                _short_or_long(IMAGE_LENGTH, level.height),
                RawTag(TILE_OFFSETS, fmt.offset_type, tiles, b""),  # values filled in by encode()
                RawTag(TILE_BYTE_COUNTS, fmt.offset_type, tiles, b""),
            ],
            key=lambda tag: tag.code,
        )
        self.size = fmt.ifd_size(len(self.tags)) + sum(
            _even(size) for size in map(_value_size, self.tags) if size > fmt.inline
        )

    def encode(self, next_ifd: int) -> bytes:
        fmt = self.fmt
        values = {
            TILE_OFFSETS: b"".join(struct.pack(fmt.offset_format, o) for o in self.tile_offsets),
            TILE_BYTE_COUNTS: b"".join(
                struct.pack(fmt.offset_format, t.length) for t in self.level.tiles
            ),
        }
        entries, extra = [], b""
        extra_at = self.offset + fmt.ifd_size(len(self.tags))
        for tag in self.tags:
            value = values.get(tag.code, tag.value)
            if len(value) <= fmt.inline:
                field = value.ljust(fmt.inline, b"\0")
            else:
                field = struct.pack(fmt.offset_format, extra_at + len(extra))
                extra += value + (b"\0" if len(value) % 2 else b"")
            entries.append(
                struct.pack("<HHQ" if fmt.big else "<HHI", tag.code, tag.type, tag.count) + field
            )
        count = struct.pack("<Q" if fmt.big else "<H", len(entries))
        return count + b"".join(entries) + struct.pack(fmt.offset_format, next_ifd) + extra


def _value_size(tag: RawTag) -> int:
    return TYPE_SIZES[tag.type] * tag.count


def _short_or_long(code: int, value: int) -> RawTag:
    if value < 2**16:
        return RawTag(code, SHORT, 1, struct.pack("<H", value))
    return RawTag(code, LONG, 1, struct.pack("<I", value))


def _even(position: int) -> int:
    return position + (position % 2)
