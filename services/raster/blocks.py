"""A tiled COG composed in blob storage: each part task stages its levels' tiles as blocks
of one block blob; the assembly stages the header and the top levels and commits the
block list. The tile data crosses the network once, from the part that made it.

Block ids have one length per blob (Azure's rule): kind, level, part.
"""

from pathlib import Path

from core.errors import ContractViolation
from core.storage import BlobStorage
from infrastructure.storage.copies import BlobRef
from services.raster.cog_writer import CogLayout, framed, read_tile
from services.raster.tiff_tiles import Level

MAX_BLOCK_BYTES = 4000 * 1024**2  # Azure's largest block
SCRATCH = "_geoetl/cog-parts"


def scratch_blob(job_id: str, attempt: int, name: str) -> str:
    """Where a tiled COG is composed (and its parts' top inputs kept) before it is
    validated and copied to its place: per job attempt, so a late task of a cancelled
    attempt cannot overwrite blocks a resubmission staged."""
    return f"{SCRATCH}/{job_id}/{attempt}/{name}"


def delete_scratch(store: BlobStorage, container: str, job_id: str) -> int:
    """Deletes a job's scratch blobs (every attempt's), once its COG is in place.
    Idempotent: a retried catalog stage finds fewer or none."""
    deleted = 0
    for blob in store.list(container, f"{SCRATCH}/{job_id}/"):
        if store.delete(container, blob.name):
            deleted += 1
    return deleted


def block_id(kind: str, level: int, part: int = 0) -> str:
    return f"{kind}{level:03d}{part:06d}"


def stage_level(store: BlobStorage, blob: BlobRef, block: str, level: Level, source: Path) -> int:
    """Stages a level's tiles, framed as the COG stores them, as one block (streamed from a
    local file, so memory stays flat); returns its size."""
    framed_file = source.with_name(f"{source.stem}.{block}.bin")
    try:
        with source.open("rb") as handle, framed_file.open("wb") as out:
            for tile in level.tiles:
                out.write(framed(read_tile(handle, tile.offset, tile.length)))
        size = framed_file.stat().st_size
        if size > MAX_BLOCK_BYTES:
            raise ContractViolation(
                f"a COG part level of {size:,} bytes exceeds a blob block's {MAX_BLOCK_BYTES:,}: "
                "lower RASTER_COG_PART_PIXELS"
            )
        with framed_file.open("rb") as data:
            store.stage_block(blob.container, blob.blob, block, data, length=size)
        return size
    finally:
        framed_file.unlink(missing_ok=True)


def commit_cog(
    store: BlobStorage,
    blob: BlobRef,
    layout: CogLayout,
    parts: int,
    levels_in_parts: int,
    top: Path | None,
    content_type: str,
) -> None:
    """Stages the header and the top levels (read from the local top file), then commits:
    header, then each level from the smallest overview up, a level's parts in row order."""
    store.stage_block(blob.container, blob.blob, block_id("h", 0), layout.header())
    order = []
    for number in reversed(range(len(layout.levels))):
        if number <= levels_in_parts:
            order += [block_id("p", number, part) for part in range(parts)]
        else:
            stage_level(store, blob, block_id("t", number), layout.levels[number], top)
            order.append(block_id("t", number))
    store.commit_blocks(
        blob.container, blob.blob, [block_id("h", 0)] + order, content_type=content_type
    )
