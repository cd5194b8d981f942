"""A tiled COG composed in blob storage: each part task stages its levels' tiles as blocks
of one block blob; the assembly stages the header and the top levels and commits the
block list. The tile data crosses the network once, from the part that made it.

Block ids have one length per blob (Azure's rule): kind, level, part.
"""

from pathlib import Path

from azure.storage.blob import BlobBlock, BlobClient, ContentSettings

from core.errors import ContractViolation
from services.raster.cog_writer import CogLayout, framed, read_tile
from services.raster.tiff_tiles import Level

MAX_BLOCK_BYTES = 4000 * 1024**2   # Azure's largest block


def block_id(kind: str, level: int, part: int = 0) -> str:
    return f"{kind}{level:03d}{part:06d}"


def stage_level(blob: BlobClient, block: str, level: Level, source: Path) -> int:
    """Stages a level's tiles, framed as the COG stores them, as one block (streamed from a
    local file, so memory stays flat); returns its size."""
    framed_file = source.with_name(f"{source.stem}.{block}.bin")
    try:
        with source.open("rb") as handle, framed_file.open("wb") as out:
            for tile in level.tiles:
                out.write(framed(read_tile(handle, tile.offset, tile.length)))
        size = framed_file.stat().st_size
        if size > MAX_BLOCK_BYTES:
            raise ContractViolation(f"a COG part level of {size:,} bytes exceeds a blob block's {MAX_BLOCK_BYTES:,}: "
                                    "lower RASTER_COG_PART_PIXELS")
        with framed_file.open("rb") as data:
            blob.stage_block(block, data, length=size)
        return size
    finally:
        framed_file.unlink(missing_ok=True)


def commit_cog(blob: BlobClient, layout: CogLayout, parts: int, levels_in_parts: int, top: Path | None,
               content_type: str) -> None:
    """Stages the header and the top levels (read from the local top file), then commits:
    header, then each level from the smallest overview up, a level's parts in row order."""
    blob.stage_block(block_id("h", 0), layout.header())
    order = []
    for number in reversed(range(len(layout.levels))):
        if number <= levels_in_parts:
            order += [block_id("p", number, part) for part in range(parts)]
        else:
            stage_level(blob, block_id("t", number), layout.levels[number], top)
            order.append(block_id("t", number))
    blob.commit_block_list([BlobBlock(block_id("h", 0))] + [BlobBlock(b) for b in order],
                           content_settings=ContentSettings(content_type=content_type))
