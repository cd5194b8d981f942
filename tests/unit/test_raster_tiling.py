"""Tiled COG creation without the engine or blob storage: the tiling plan's alignment, and
parts written from a source, assembled into a local file with the same layout code the
job uses for the blob, compared with the source and with the COG rio-cogeo makes of the
same raster (same levels, same pixels)."""

from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.io import MemoryFile

from core.raster.profiles import BLOCK_SIZE, choose_profile
from core.raster.tiling import choose_cog_tasks, overview_factors, plan_tiling
from services.raster import cog_writer
from services.raster.assembly import assemble
from services.raster.cog import create_cog, validate
from services.raster.inspect import why_not_split
from services.raster.models import Header
from services.raster.parts import write_part, write_top, write_top_input
from tests.raster_samples import dem_float, palette, rgb, temperature


def test_parts_start_where_every_level_has_whole_tiles():
    plan = plan_tiling(width=9001, height=20_003, part_pixels=40_000_000)
    assert plan.overview_factors == overview_factors(9001, 20_003) == [2, 4, 8, 16, 32]
    assert plan.levels_in_parts == 2 and plan.top_factors == [2, 4, 8]
    alignment = BLOCK_SIZE * 4
    assert plan.rows_per_part % alignment == 0
    assert [p.row_start for p in plan.parts] == list(range(0, 20_003, plan.rows_per_part))
    assert plan.parts[-1].row_stop == 20_003 and all(
        a.row_stop == b.row_start for a, b in pairwise(plan.parts)
    )


def test_small_or_masked_rasters_stay_in_one_task_and_say_why():
    assert choose_cog_tasks(1000, 1000, 2_000_000, 1_000_000) == (
        None,
        "one task: 1,000,000 pixels, below the 2,000,000 at which the COG is split across tasks",
    )
    assert (
        choose_cog_tasks(9000, 9000, 1, 1_000_000, "the COG carries an internal mask")[1]
        == "one task: the COG carries an internal mask"
    )
    plan, reason = choose_cog_tasks(9000, 9000, 1, 16_000_000)
    assert len(plan.parts) == 5 and reason.startswith("5 tasks of 2048 rows each")


def tiled_cog(source_path: Path, work: Path, kind: str, part_pixels: int) -> tuple[Path, Path]:
    """(our tiled COG, rio-cogeo's COG) of the same source and profile."""
    with rasterio.open(source_path) as source:
        profile = choose_profile(kind, tuple(source.dtypes), source.nodata, source.count)
        plan = plan_tiling(source.width, source.height, part_pixels)
        parts = []
        for part in plan.parts:
            parts.append((part, work / f"part-{part.part}.tif"))
            write_part(source, part, plan, profile, parts[-1][1])
        top = None
        if plan.top_factors:
            top, inputs = work / "top.tif", []
            for part, path in parts:
                inputs.append((part, work / f"top-input-{part.part}.tif"))
                write_top_input(path, plan, inputs[-1][1])
            write_top(source, inputs, plan, profile, top)
    assert len(parts) >= 2
    assemble([path for _, path in parts], top, plan, work / "tiled.tif")
    create_cog(source_path, work / "whole.tif", profile)
    return work / "tiled.tif", work / "whole.tif"


@pytest.mark.parametrize(
    "kind, make, shape",
    [
        (
            "dem",
            dem_float,
            (2304, 2304),
        ),  # float, nodata, predictor 3; three levels, one from the top
        ("categorical", palette, (2600, 2304)),  # colour table, mode overviews
        ("rgb", rgb, (2304, 2304)),  # JPEG (YCbCr)
        ("continuous", temperature, (2304, 2999)),  # odd size, description and unit
    ],
)
def test_a_cog_assembled_from_parts_is_valid_and_matches_rio_cogeo(tmp_path, kind, make, shape):
    source_path = tmp_path / "source.tif"
    with MemoryFile(make(max(shape))) as memory, memory.open() as full:
        profile = {
            **full.profile,
            "width": shape[1],
            "height": shape[0],
            "transform": full.transform,
        }
        with rasterio.open(source_path, "w", **profile) as cropped:
            cropped.write(full.read(window=((0, shape[0]), (0, shape[1]))))
            cropped.descriptions, cropped.units = full.descriptions, full.units
            if kind == "categorical":
                cropped.write_colormap(1, full.colormap(1))

    tiled, whole = tiled_cog(source_path, tmp_path, kind, part_pixels=shape[1] * 2048)
    assert validate(tiled) == (True, [], [])
    with (
        rasterio.open(tiled) as ours,
        rasterio.open(whole) as theirs,
        rasterio.open(source_path) as source,
    ):
        assert ours.profile == theirs.profile
        assert ours.overviews(1) == theirs.overviews(1) == overview_factors(*reversed(shape))
        assert (
            ours.tags() == theirs.tags()
            and ours.descriptions == theirs.descriptions
            and ours.units == source.units
        )
        assert ours.tags(ns="IMAGE_STRUCTURE") == theirs.tags(ns="IMAGE_STRUCTURE")
        assert np.array_equal(ours.read(), theirs.read())  # full resolution: the same tiles
        if kind != "rgb":
            assert np.array_equal(ours.read(), source.read())  # lossless
        if kind == "categorical":
            assert ours.colormap(1) == source.colormap(1)
            classes = set(np.unique(source.read()))
    for level in range(len(overview_factors(*reversed(shape)))):
        with (
            rasterio.open(tiled, overview_level=level) as ours,
            rasterio.open(whole, overview_level=level) as theirs,
        ):
            a, b = (
                ours.read(masked=True).astype("float64"),
                theirs.read(masked=True).astype("float64"),
            )
            assert a.shape == b.shape
            if kind == "categorical":
                assert set(np.unique(a.compressed())) <= classes  # mode invents no class
            elif shape[0] % 8 == 0 and kind != "rgb":
                assert np.array_equal(a, b), level  # exact halving: identical overviews
            else:  # odd sizes: GDAL averages over fractional windows; the parts use exact ones
                assert np.abs(a - b).mean() < 0.01 * (np.abs(b).mean() + 1), level


def test_the_writer_makes_bigtiff_when_classic_offsets_would_not_do(tmp_path, monkeypatch):
    monkeypatch.setattr(cog_writer, "CLASSIC_LIMIT", 0)
    source_path = tmp_path / "source.tif"
    source_path.write_bytes(dem_float(2304))
    tiled, _ = tiled_cog(source_path, tmp_path, "dem", part_pixels=2304 * 2048)
    assert tiled.read_bytes()[2:4] == b"\x2b\x00"  # BigTIFF magic
    assert validate(tiled) == (True, [], [])
    with rasterio.open(tiled) as ours, rasterio.open(source_path) as source:
        assert np.array_equal(ours.read(), source.read())


def test_masked_or_rotated_rasters_are_not_split():
    header = Header(
        width=9000,
        height=9000,
        band_count=3,
        dtypes=["uint8"] * 3,
        nodata=None,
        crs="EPSG:32633",
        colorinterp=["red", "green", "blue"],
        descriptions=[None] * 3,
    )
    jpeg = choose_profile("rgb", ("uint8",) * 3, None, 3)
    assert why_not_split(header, jpeg) is None
    assert (
        why_not_split(header.model_copy(update={"has_mask": True}), jpeg)
        == "the COG carries an internal mask, which parts do not write"
    )
    with_alpha = header.model_copy(
        update={"band_count": 4, "colorinterp": ["red", "green", "blue", "alpha"]}
    )
    assert why_not_split(with_alpha, jpeg) is not None  # alpha becomes a mask under JPEG
    assert (
        why_not_split(header.model_copy(update={"rotated": True}), jpeg)
        == "the raster is rotated (its geotransform would differ per part)"
    )
