"""The levels of a tiled COG: each level's tiles taken from the parts in row order (the
top levels from the top file), checked to be one consistent image. `assemble` writes
them into a local file; in the job, services/raster/blocks.py composes the blob."""

from contextlib import ExitStack
from pathlib import Path

from core.errors import ContractViolation
from core.raster.tiling import TilingPlan
from services.raster.cog_writer import write_cog
from services.raster.tiff_tiles import Level, read_levels

MODEL_TIEPOINT = 33922  # differs per part (each starts lower); the first part's is the image's


def stack_levels(part_levels: list[list[Level]], plan: TilingPlan) -> list[Level]:
    """Full resolution and the parts' overview levels, each stacked from every part."""
    for number, levels in enumerate(part_levels):
        if len(levels) != plan.levels_in_parts + 1:
            raise ContractViolation(
                f"part {number} has {len(levels)} levels, expected {plan.levels_in_parts + 1}"
            )
    return [
        _stack([levels[k] for levels in part_levels], k) for k in range(plan.levels_in_parts + 1)
    ]


def check_level_count(levels: list[Level], plan: TilingPlan) -> None:
    if len(levels) != len(plan.overview_factors) + 1:
        raise ContractViolation(
            f"assembled {len(levels)} levels, expected {len(plan.overview_factors) + 1}"
        )


def assemble(parts: list[Path], top: Path | None, plan: TilingPlan, target: Path) -> None:
    """A tiled COG in a local file, from local part files and the top file."""
    files = parts + ([top] if top else [])
    levels = stack_levels(
        [read_levels(path, source=number) for number, path in enumerate(parts)], plan
    )
    if top is not None:
        levels += read_levels(top, source=len(parts))[
            1:
        ]  # the top's own full resolution is the parts' last level
    check_level_count(levels, plan)
    with ExitStack() as stack:
        write_cog(target, levels, [stack.enter_context(path.open("rb")) for path in files])


def _stack(pieces: list[Level], k: int) -> Level:
    """One level of the image from the same level of every part, top to bottom."""
    first = pieces[0]
    reference = _comparable(first)
    for number, piece in enumerate(pieces):
        if _comparable(piece) != reference or piece.width != first.width:
            raise ContractViolation(
                f"part {number} level {k} differs from part 0 in its tags: parts must share one profile"
            )
        if number < len(pieces) - 1 and piece.height % piece.tile_height:
            raise ContractViolation(
                f"part {number} level {k} ends inside a tile row ({piece.height} rows)"
            )
    return Level(
        tags=first.tags,
        width=first.width,
        height=sum(p.height for p in pieces),
        tile_height=first.tile_height,
        tiles=[tile for piece in pieces for tile in piece.tiles],
    )


def _comparable(level: Level):
    return [tag for tag in level.tags if tag.code != MODEL_TIEPOINT]
