"""Writes a Cloud-Optimized GeoTIFF from tiles that are already compressed.

The layout is the one GDAL's COG driver writes (and documents in the file's "ghost"
header, which GDAL readers use to skip round trips): all IFDs first, full resolution
before its overviews; then the tile data, smallest overview first, each level in
row-major order, each tile preceded by its size (uint32) and followed by its last
4 bytes repeated. Tiles are copied byte for byte: nothing is decoded or re-encoded.
"""

import struct
from pathlib import Path
from typing import BinaryIO

from services.raster.tiff_tiles import IMAGE_LENGTH, TILE_BYTE_COUNTS, TILE_OFFSETS, TYPE_SIZES, Level, RawTag

GHOST_BODY = ("LAYOUT=IFDS_BEFORE_DATA\nBLOCK_ORDER=ROW_MAJOR\nBLOCK_LEADER=SIZE_AS_UINT4\n"
              "BLOCK_TRAILER=LAST_4_BYTES_REPEATED\nKNOWN_INCOMPATIBLE_EDITION=NO\n ")
GHOST = f"GDAL_STRUCTURAL_METADATA_SIZE={len(GHOST_BODY):06d} bytes\n{GHOST_BODY}".encode("ascii")
LEADER = TRAILER = 4
CLASSIC_LIMIT = 2**32 - 2**24   # above this, BigTIFF (a margin for IFDs and leaders)
SHORT, LONG, LONG8 = 3, 4, 16


class _Format:
    def __init__(self, big: bool):
        self.big = big
        self.header_size = 16 if big else 8
        self.entry_size = 20 if big else 12
        self.count_size = 8 if big else 2        # the IFD's entry count
        self.inline = 8 if big else 4            # values this small live in the entry
        self.offset_type = LONG8 if big else LONG

    def header(self, first_ifd: int) -> bytes:
        if self.big:
            return b"II" + struct.pack("<HHHQ", 43, 8, 0, first_ifd)
        return b"II" + struct.pack("<HI", 42, first_ifd)

    def ifd_size(self, entries: int) -> int:
        return self.count_size + entries * self.entry_size + (8 if self.big else 4)


def write_cog(target: Path, levels: list[Level], sources: list[BinaryIO]) -> None:
    """levels: full resolution first, then overviews by increasing factor."""
    data_bytes = sum(tile.length + LEADER + TRAILER for level in levels for tile in level.tiles)
    fmt = _Format(big=data_bytes > CLASSIC_LIMIT)
    ifd_start = _even(fmt.header_size + len(GHOST))
    blocks = [_IfdBlock(level, fmt) for level in levels]
    position = ifd_start
    for block in blocks:
        block.offset = position
        position = _even(position + block.size)
    data_start = position
    _place_tiles(levels, blocks, data_start)

    with target.open("wb") as out:
        out.write(fmt.header(ifd_start) + GHOST)
        for number, block in enumerate(blocks):
            following = blocks[number + 1].offset if number + 1 < len(blocks) else 0
            _pad_to(out, block.offset)
            out.write(block.encode(following))
        _pad_to(out, data_start)
        for level in reversed(levels):
            for tile in level.tiles:
                _copy_tile(out, sources[tile.source], tile.offset, tile.length)


class _IfdBlock:
    """An IFD and, right after it, the values too large to sit in its entries."""

    def __init__(self, level: Level, fmt: _Format):
        self.level, self.fmt = level, fmt
        self.offset = 0
        self.tile_offsets: list[int] = []
        tiles = len(level.tiles)
        self.tags = sorted(level.tags + [
            _short_or_long(IMAGE_LENGTH, level.height),
            RawTag(TILE_OFFSETS, fmt.offset_type, tiles, b""),        # values filled in by encode()
            RawTag(TILE_BYTE_COUNTS, fmt.offset_type, tiles, b""),
        ], key=lambda tag: tag.code)
        self.size = fmt.ifd_size(len(self.tags)) + sum(_even(self._value_size(tag)) for tag in self.tags
                                                       if self._value_size(tag) > fmt.inline)

    def _value_size(self, tag: RawTag) -> int:
        return TYPE_SIZES[tag.type] * tag.count

    def encode(self, next_ifd: int) -> bytes:
        fmt, offsets_format = self.fmt, ("<Q" if self.fmt.big else "<I")
        values = {TILE_OFFSETS: b"".join(struct.pack(offsets_format, o) for o in self.tile_offsets),
                  TILE_BYTE_COUNTS: b"".join(struct.pack(offsets_format, t.length) for t in self.level.tiles)}
        entries, extra = [], b""
        extra_at = self.offset + fmt.ifd_size(len(self.tags))
        for tag in self.tags:
            value = values.get(tag.code, tag.value)
            if len(value) <= fmt.inline:
                field = value.ljust(fmt.inline, b"\0")
            else:
                field = struct.pack("<Q" if fmt.big else "<I", extra_at + len(extra))
                extra += value + (b"\0" if len(value) % 2 else b"")
            entries.append(struct.pack("<HHQ" if fmt.big else "<HHI", tag.code, tag.type, tag.count) + field)
        count = struct.pack("<Q" if fmt.big else "<H", len(entries))
        following = struct.pack("<Q" if fmt.big else "<I", next_ifd)
        return count + b"".join(entries) + following + extra


def _place_tiles(levels: list[Level], blocks: list[_IfdBlock], position: int) -> None:
    for level, block in reversed(list(zip(levels, blocks))):
        for tile in level.tiles:
            if tile.length == 0:           # a sparse tile: no data, offset 0
                block.tile_offsets.append(0)
                continue
            block.tile_offsets.append(position + LEADER)
            position += LEADER + tile.length + TRAILER


def _copy_tile(out: BinaryIO, source: BinaryIO, offset: int, length: int) -> None:
    if length == 0:
        return
    source.seek(offset)
    data = source.read(length)
    if len(data) != length:
        raise ValueError(f"a tile is truncated: {len(data)} of {length} bytes at offset {offset}")
    out.write(struct.pack("<I", length) + data + (b"\0" * TRAILER + data)[-TRAILER:])


def _short_or_long(code: int, value: int) -> RawTag:
    if value < 2**16:
        return RawTag(code, SHORT, 1, struct.pack("<H", value))
    return RawTag(code, LONG, 1, struct.pack("<I", value))


def _even(position: int) -> int:
    return position + (position % 2)


def _pad_to(out: BinaryIO, position: int) -> None:
    gap = position - out.tell()
    if gap < 0:
        raise ValueError(f"layout error: writing at {out.tell()}, expected {position}")
    out.write(b"\0" * gap)
