"""Rasters with known answers for the H3 aggregation tests (GeoTIFF bytes)."""

import numpy as np
from rasterio.io import MemoryFile
from rasterio.transform import Affine

# EPSG:4326 near the equator: pixel 0.001° (~111 m), 400 x 400 pixels, lon 10.0-10.4, lat 0.6-1.0.
WEST, NORTH, PIXEL, SIDE = 10.0, 1.0, 0.001, 400
NODATA_COLUMNS = 100  # lon 10.0-10.1 is nodata in the constant and gradient bands
CONSTANT = 7.0
NODATA = -9999.0


def geotiff(data: np.ndarray, transform: Affine, crs: str, nodata=None) -> bytes:
    count, height, width = data.shape
    with MemoryFile() as memory:
        with memory.open(
            driver="GTiff",
            width=width,
            height=height,
            count=count,
            dtype=data.dtype.name,
            crs=crs,
            transform=transform,
            nodata=nodata,
            tiled=True,
            blockxsize=256,
            blockysize=256,
        ) as dataset:
            dataset.write(data)
        return memory.read()


def transform() -> Affine:
    return Affine(PIXEL, 0, WEST, 0, -PIXEL, NORTH)


def constant_and_gradient() -> bytes:
    """Band 1: 7.0 everywhere; band 2: each pixel's centre longitude; the first
    NODATA_COLUMNS columns nodata in both."""
    centres = WEST + (np.arange(SIDE) + 0.5) * PIXEL
    constant = np.full((SIDE, SIDE), CONSTANT)
    gradient = np.tile(centres, (SIDE, 1))
    data = np.stack([constant, gradient]).astype("float64")
    data[:, :, :NODATA_COLUMNS] = NODATA
    return geotiff(data, transform(), "EPSG:4326", NODATA)


def stripes() -> bytes:
    """Classes 1, 2, 3 in vertical stripes of 50 columns; the top 40 rows nodata (0)."""
    classes = (1 + (np.arange(SIDE) // 50) % 3).astype("uint8")
    data = np.tile(classes, (SIDE, 1))[None]
    data[:, :40, :] = 0
    return geotiff(data, transform(), "EPSG:4326", 0)


def tile(column: int, row: int, side: int = 200) -> bytes:
    """One quarter of the constant raster's grid (no nodata), for a two-item mosaic."""
    west, north = WEST + column * side * PIXEL, NORTH - row * side * PIXEL
    data = np.full((1, side, side), CONSTANT, dtype="float32")
    return geotiff(data, Affine(PIXEL, 0, west, 0, -PIXEL, north), "EPSG:4326", NODATA)


# UTM 60S around Fiji: x 790-850 km spans lon ~179.7 to ~-179.7 at lat ~-16.9.
UTM_60S = "EPSG:32760"
UTM_WEST, UTM_NORTH, UTM_PIXEL = 790_000.0, 8_140_000.0, 100.0


def across_antimeridian() -> bytes:
    data = np.full((1, 400, 600), 3.0, dtype="float32")
    return geotiff(data, Affine(UTM_PIXEL, 0, UTM_WEST, 0, -UTM_PIXEL, UTM_NORTH), UTM_60S, NODATA)


def west_of_minus_179() -> bytes:
    """EPSG:4326 from -180° to -179.6° (lat -17.2 to -16.8), 5.0 everywhere: a geographic
    raster that starts at the antimeridian."""
    data = np.full((1, 400, 400), 5.0, dtype="float32")
    return geotiff(data, Affine(PIXEL, 0, -180.0, 0, -PIXEL, -16.8), "EPSG:4326", NODATA)
