"""The pieces of a tiled COG: a part (a band of full-width rows, with the overview levels
it can make alone) and the top (the overview levels above the parts', made from the
parts' smallest level), each a tiled GeoTIFF compressed with the raster's COG profile.

They carry what rio-cogeo's cog_translate carries: nodata, colour interpretation and
table, band descriptions, scales, offsets, units and tags, plus OVERVIEW_RESAMPLING.
"""

from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import rasterio
import rasterio.shutil
from rasterio.enums import ColorInterp, Resampling
from rasterio.transform import Affine
from rasterio.windows import Window

from core.raster.profiles import BLOCK_SIZE, CogProfile
from core.raster.tiling import Part, TilingPlan
from services.raster.cog import ALL_CPUS, dst_kwargs, gdal_config

WINDOW_BYTES = 64 * 1024**2  # read and written this much at a time (memory stays flat)


def write_part(
    source, part: Part, plan: TilingPlan, profile: CogProfile, target: Path, threads: str = ALL_CPUS
) -> None:
    """`source` is an open rasterio dataset; the part gets the source's rows
    [row_start, row_stop) and overview levels 1..plan.levels_in_parts."""
    window = Window(0, part.row_start, source.width, part.row_stop - part.row_start)

    def fill(out) -> None:
        for block in _blocks(out):
            out.write(source.read(window=_shifted(block, part.row_start)), window=block)

    _write(
        source,
        profile,
        fill,
        plan.overview_factors[: plan.levels_in_parts],
        target,
        threads,
        width=source.width,
        height=int(window.height),
        transform=source.window_transform(window),
    )


def write_top_input(part_path: Path, plan: TilingPlan, target: Path) -> None:
    """A part's smallest level (factor 2**levels_in_parts), decoded, as an uncompressed
    GeoTIFF: what the top is made from."""
    with rasterio.open(part_path, overview_level=plan.levels_in_parts - 1) as level:
        meta = {
            **level.meta,
            "driver": "GTiff",
            "tiled": True,
            "blockxsize": BLOCK_SIZE,
            "blockysize": BLOCK_SIZE,
            "BIGTIFF": "IF_SAFER",
        }
        with rasterio.open(target, "w", **meta) as out:
            for block in _blocks(level):
                out.write(level.read(window=block), window=block)


def write_top(
    source,
    inputs: list[tuple[Part, Path]],
    plan: TilingPlan,
    profile: CogProfile,
    target: Path,
    threads: str = ALL_CPUS,
) -> None:
    """The parts' smallest levels (their top inputs) put together into one image at factor
    2**levels_in_parts, with the remaining overview levels built on it. Only needed when
    plan.top_factors is not empty, which implies the parts made overview levels."""
    factor = plan.overview_factors[plan.levels_in_parts - 1]

    def fill(out) -> None:
        for part, path in inputs:
            with rasterio.open(path) as piece:
                for block in _blocks(piece):
                    out.write(
                        piece.read(window=block), window=_shifted(block, part.row_start // factor)
                    )

    _write(
        source,
        profile,
        fill,
        plan.top_factors,
        target,
        threads,
        width=-(-source.width // factor),
        height=-(-source.height // factor),
        transform=source.transform @ Affine.scale(factor),
    )


def _write(
    source,
    profile: CogProfile,
    fill: Callable,
    factors: list[int],
    target: Path,
    threads: str,
    **size: Any,
) -> None:
    """As rio-cogeo does: pixels and overviews into an uncompressed file first (overviews
    are computed from the original values, never from decoded JPEG), then one copy that
    compresses every level once."""
    raw = target.with_name(target.stem + ".uncompressed.tif")
    options = _creation_options(source, profile)
    meta = {
        **source.meta,
        **size,
        "driver": "GTiff",
        "tiled": True,
        "blockxsize": BLOCK_SIZE,
        "blockysize": BLOCK_SIZE,
        "BIGTIFF": "IF_SAFER",
        "interleave": options.get("interleave", "pixel"),
    }
    try:
        with rasterio.Env(**gdal_config(threads)), rasterio.open(raw, "w", **meta) as scratch:
            _carry_over(source, scratch, profile)
            fill(scratch)
            if factors:
                scratch.build_overviews(factors, Resampling[profile.overview_resampling])
            rasterio.shutil.copy(
                scratch, target, copy_src_overviews=True, BIGTIFF="IF_SAFER", **options
            )
    finally:
        raw.unlink(missing_ok=True)


def _creation_options(source, profile: CogProfile) -> dict[str, Any]:
    options = dst_kwargs(profile)
    if options.get("photometric", "").upper() == "YCBCR" and source.count != 3:
        options["photometric"] = "MINISBLACK"  # as rio-cogeo: YCbCr needs three bands
    return options


def _carry_over(source, out, profile: CogProfile) -> None:
    if source.count == 1 and source.colorinterp[0] is not ColorInterp.palette:
        out.colorinterp = [ColorInterp.gray]
    else:
        out.colorinterp = source.colorinterp
    if out.colorinterp[0] is ColorInterp.palette:
        out.write_colormap(1, source.colormap(1))
    for band in range(1, source.count + 1):
        out.set_band_description(band, source.descriptions[band - 1])
        out.update_tags(band, **source.tags(band))
    out.update_tags(
        **source.tags(), OVERVIEW_RESAMPLING=Resampling[profile.overview_resampling].name.upper()
    )
    out.scales, out.offsets = source.scales, source.offsets
    out.units = source.units


def _blocks(dataset) -> Iterator[Window]:
    """Whole block rows, as many block columns as fit WINDOW_BYTES."""
    pixel_bytes = dataset.count * np.dtype(dataset.dtypes[0]).itemsize
    columns = max(
        BLOCK_SIZE, (WINDOW_BYTES // (BLOCK_SIZE * pixel_bytes)) // BLOCK_SIZE * BLOCK_SIZE
    )
    for row in range(0, dataset.height, BLOCK_SIZE):
        for column in range(0, dataset.width, columns):
            yield Window(
                column,
                row,
                min(columns, dataset.width - column),
                min(BLOCK_SIZE, dataset.height - row),
            )


def _shifted(window: Window, rows: int) -> Window:
    return Window(window.col_off, window.row_off + rows, window.width, window.height)
