"""COG creation with rio-cogeo (profile by raster type), validation, and the facts the
catalog records about the result."""

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from rasterio.warp import transform_bounds
from rio_cogeo.cogeo import cog_translate, cog_validate
from rio_cogeo.profiles import cog_profiles

from core.raster.profiles import BLOCK_SIZE, CogProfile

ALL_CPUS = "ALL_CPUS"


def gdal_config(threads: str = ALL_CPUS) -> dict[str, Any]:
    """The GDAL configuration `rio cogeo create` uses: compression on `threads` threads
    (every core by default), masks inside the TIFF, overviews tiled like full resolution."""
    return {
        "GDAL_NUM_THREADS": threads,
        "GDAL_TIFF_INTERNAL_MASK": True,
        "GDAL_TIFF_OVR_BLOCKSIZE": str(BLOCK_SIZE),
    }


STATISTICS_SIDE = 1024  # statistics are computed on an overview no larger than this


def dst_kwargs(profile: CogProfile) -> dict[str, Any]:
    return {
        **cog_profiles.get(profile.rio_cogeo_profile),
        "blockxsize": BLOCK_SIZE,
        "blockysize": BLOCK_SIZE,
        **profile.creation_options,
    }


def create_cog(source: Path, target: Path, profile: CogProfile, threads: str = ALL_CPUS) -> None:
    with warnings.catch_warnings():
        # rio-cogeo warns when it turns alpha into a mask: that is the profile's intent.
        warnings.simplefilter("ignore", UserWarning)
        cog_translate(
            str(source),
            str(target),
            dst_kwargs(profile),
            add_mask=profile.add_mask,
            overview_resampling=profile.overview_resampling,
            config=gdal_config(threads),
            quiet=True,
        )


def validate(path: str | Path) -> tuple[bool, list[str], list[str]]:
    """(is a valid COG, errors, warnings) as rio-cogeo's validator reports them."""
    return cog_validate(str(path), quiet=True)


def describe(path: str | Path) -> dict[str, Any]:
    with rasterio.open(path) as dataset:
        return {
            "width": dataset.width,
            "height": dataset.height,
            "band_count": dataset.count,
            "dtype": dataset.dtypes[0],
            "nodata": dataset.nodata,
            "crs": dataset.crs.to_string() if dataset.crs else None,
            "resolution": (abs(dataset.res[0]), abs(dataset.res[1])),
            "bbox": _wgs84_bounds(dataset),
            "color_interpretation": [ci.name.lower() for ci in dataset.colorinterp],
            "band_descriptions": list(dataset.descriptions),
            "compression": dataset.compression.value.lower() if dataset.compression else None,
            "overview_levels": dataset.overviews(1),
            "band_statistics": _statistics(dataset),
        }


def _wgs84_bounds(dataset) -> tuple[float, float, float, float] | None:
    if dataset.crs is None:
        return None
    west, south, east, north = transform_bounds(
        dataset.crs, "EPSG:4326", *dataset.bounds, densify_pts=21
    )
    return (max(west, -180.0), max(south, -90.0), min(east, 180.0), min(north, 90.0))


def _statistics(dataset) -> list[dict[str, float]]:
    """Per-band minimum, maximum, mean and standard deviation, from the smallest
    overview at least STATISTICS_SIDE wide (approximate for large rasters, like gdalinfo -approx_stats)."""
    factor = max(
        [1]
        + [
            f
            for f in dataset.overviews(1)
            if max(dataset.width, dataset.height) / f >= STATISTICS_SIDE
        ]
    )
    shape = (dataset.count, max(1, dataset.height // factor), max(1, dataset.width // factor))
    data = dataset.read(out_shape=shape, masked=True)
    stats = []
    for band in data:
        values = band.compressed().astype("float64")
        if values.size == 0:
            stats.append({})
            continue
        stats.append(
            {
                "minimum": float(values.min()),
                "maximum": float(values.max()),
                "mean": float(values.mean()),
                "stddev": float(np.std(values)),
            }
        )
    return stats
