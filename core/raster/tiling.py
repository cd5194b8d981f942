"""How a large raster's COG is split across tasks.

Each part is a band of full-width rows. Its rows start on a multiple of
``BLOCK_SIZE * 2**levels_in_parts``, so every tile a part makes, at full resolution and
at each of the first ``levels_in_parts`` overview levels, is exactly a tile of the final
COG: the parts' compressed tiles are copied into the final file as they are, never
decoded or compressed again. The few overview levels above those are small and made by
the task that assembles the file.

The overview levels are the ones rio-cogeo would make (factors 2, 4, … until the
smaller side fits in one block), so a tiled COG has the same structure as one made in
a single task.
"""

from pydantic import BaseModel, Field

from core.raster.profiles import BLOCK_SIZE

LEVELS_IN_PARTS = 2  # overview levels each part makes itself (factors 2 and 4)


class Part(BaseModel):
    part: int = Field(ge=0)
    row_start: int = Field(ge=0)
    row_stop: int = Field(gt=0)


class TilingPlan(BaseModel):
    overview_factors: list[int]  # every overview level of the final COG
    levels_in_parts: int  # the first of them, made by each part
    rows_per_part: int
    parts: list[Part]

    @property
    def top_factors(self) -> list[int]:
        """Overview levels above the parts', relative to the parts' smallest level."""
        base = self.overview_factors[self.levels_in_parts - 1] if self.levels_in_parts else 1
        return [factor // base for factor in self.overview_factors[self.levels_in_parts :]]


def overview_factors(width: int, height: int, block: int = BLOCK_SIZE) -> list[int]:
    """rio-cogeo's choice: halve until the smaller side is no larger than one block."""
    factors, factor = [], 1
    while min(width // factor, height // factor) > block:
        factor *= 2
        factors.append(factor)
    return factors


def plan_tiling(width: int, height: int, part_pixels: int) -> TilingPlan:
    """Parts of about ``part_pixels`` pixels each, aligned so their tiles are the final tiles."""
    factors = overview_factors(width, height)
    levels = min(LEVELS_IN_PARTS, len(factors))
    alignment = BLOCK_SIZE * 2**levels
    rows = max(1, round(part_pixels / (width * alignment))) * alignment
    parts = [
        Part(part=number, row_start=start, row_stop=min(height, start + rows))
        for number, start in enumerate(range(0, height, rows))
    ]
    return TilingPlan(
        overview_factors=factors, levels_in_parts=levels, rows_per_part=rows, parts=parts
    )


def choose_cog_tasks(
    width: int, height: int, min_pixels: int, part_pixels: int, unsplittable: str | None = None
) -> tuple[TilingPlan | None, str]:
    """A tiling plan when splitting pays (measured in bench/cog.py), else None; and why.
    `unsplittable` says why this raster cannot be split (parts carry no internal mask,
    and a rotated raster's geotransform differs per part)."""
    pixels = width * height
    if pixels < min_pixels:
        return (
            None,
            f"one task: {pixels:,} pixels, below the {min_pixels:,} at which the COG is split across tasks",
        )
    if unsplittable:
        return None, f"one task: {unsplittable}"
    plan = plan_tiling(width, height, part_pixels)
    if len(plan.parts) < 2:
        return None, f"one task: {height} rows make a single part of {plan.rows_per_part} rows"
    return plan, (
        f"{len(plan.parts)} tasks of {plan.rows_per_part} rows each ({pixels:,} pixels); their tiles are "
        "copied into one COG without re-compression"
    )
