"""Generated rasters of each kind the inference knows (GeoTIFF bytes, 256 x 256 unless
asked), for the raster tests and the COG benchmark."""

import numpy as np
from rasterio.enums import Resampling
from rasterio.io import MemoryFile
from rasterio.transform import Affine

SIDE = 256
UTM_33N = "EPSG:32633"


def surface(side: int, low: float, high: float, seed: int = 1) -> np.ndarray:
    """A smooth terrain-like surface: a few broad Gaussian hills between low and high."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:side, 0:side] / side
    z = np.zeros((side, side))
    for _ in range(6):
        cx, cy, width, height = (
            rng.uniform(0, 1),
            rng.uniform(0, 1),
            rng.uniform(0.1, 0.35),
            rng.uniform(0.3, 1),
        )
        z += height * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * width**2))
    z = (z - z.min()) / (z.max() - z.min())
    return low + z * (high - low)


def _geotiff(
    data: np.ndarray,
    *,
    crs: str = UTM_33N,
    nodata=None,
    colormap=None,
    descriptions=None,
    units=None,
    overviews=(),
    **creation_options,
) -> bytes:
    count, height, width = data.shape
    profile = {
        "driver": "GTiff",
        "width": width,
        "height": height,
        "count": count,
        "dtype": data.dtype.name,
        "crs": crs,
        "transform": Affine(30.0, 0, 500_000, 0, -30.0, 5_000_000),
        "nodata": nodata,
    }
    profile.update(creation_options)
    with MemoryFile() as memory:
        with memory.open(**profile) as dataset:
            dataset.write(data)
            if colormap:
                dataset.write_colormap(1, colormap)
            for index, text in enumerate(descriptions or [], start=1):
                dataset.set_band_description(index, text)
            for index, unit in enumerate(units or [], start=1):
                dataset.set_band_unit(index, unit)
            if overviews:
                dataset.build_overviews(list(overviews), Resampling.nearest)
        return memory.read()


def overviewed(data: np.ndarray, *, pixel: float = 10.0, **options) -> bytes:
    """A tiled raster of `pixel` m UTM pixels with internal overviews 2, 4 and 8 (the tests
    of tiles read at a COG level); `options` as for the other samples (nodata, colormap)."""
    return _geotiff(
        data,
        transform=Affine(pixel, 0, 500_000, 0, -pixel, 5_000_000),
        tiled=True,
        blockxsize=256,
        blockysize=256,
        compress="deflate",
        overviews=(2, 4, 8),
        **options,
    )


def rgb(side: int = SIDE) -> bytes:
    base = surface(side, 0, 255, seed=2)
    data = np.stack([base, 255 - base, np.roll(base, side // 3, axis=1)]).astype("uint8")
    return _geotiff(data, photometric="RGB")


def rgba(side: int = SIDE) -> bytes:
    colour = np.frombuffer(_pixels(rgb(side)), dtype="uint8").reshape(3, side, side)
    alpha = np.full((1, side, side), 255, dtype="uint8")
    alpha[0, : side // 4, :] = 0
    return _geotiff(np.concatenate([colour, alpha]), photometric="RGB", alpha="YES")


def multispectral(side: int = SIDE, bands: int = 6) -> bytes:
    data = np.stack([surface(side, 200, 4000 + 500 * b, seed=10 + b) for b in range(bands)]).astype(
        "uint16"
    )
    return _geotiff(data)


def dem_float(side: int = SIDE) -> bytes:
    data = surface(side, 180.0, 1450.0, seed=3).astype("float32")[None]
    data[0, :8, :8] = -9999.0
    return _geotiff(data, nodata=-9999.0)


def dem_int16(side: int = SIDE) -> bytes:
    data = np.round(surface(side, -20, 2200, seed=4)).astype("int16")[None]
    data[0, -6:, -6:] = -32768
    return _geotiff(data, nodata=-32768)


def palette(side: int = SIDE) -> bytes:
    data = (np.add.outer(np.arange(side) // 32, np.arange(side) // 64) % 5).astype("uint8")[None]
    colours = {
        0: (0, 100, 0, 255),
        1: (255, 255, 0, 255),
        2: (0, 0, 255, 255),
        3: (128, 128, 128, 255),
        4: (255, 0, 0, 255),
    }
    return _geotiff(data, colormap=colours)


def landcover(side: int = SIDE) -> bytes:
    classes = np.array([10, 20, 30, 40, 50, 60, 80, 90], dtype="int16")
    rng = np.random.default_rng(5)
    blocks = rng.integers(0, len(classes), size=(side // 16, side // 16))
    data = classes[np.kron(blocks, np.ones((16, 16), dtype=int))][None].astype("int16")
    return _geotiff(data, nodata=0)


def temperature(side: int = SIDE) -> bytes:
    rng = np.random.default_rng(6)
    data = (surface(side, 8.0, 26.0, seed=7) + rng.normal(0, 1.5, (side, side))).astype("float32")[
        None
    ]
    return _geotiff(data, descriptions=["2 m air temperature"], units=["degC"])


def _pixels(geotiff: bytes) -> bytes:
    with MemoryFile(geotiff) as memory, memory.open() as dataset:
        return dataset.read().tobytes()


# name → (bytes factory, expected class, expected COG profile)
SAMPLES = {
    "rgb": (rgb, "rgb", "jpeg"),
    "rgba": (rgba, "rgba", "jpeg"),
    "multispectral": (multispectral, "multispectral", "deflate-p2"),
    "dem_float32": (dem_float, "dem", "deflate-p3"),
    "dem_int16": (dem_int16, "dem", "deflate-p2"),
    "palette": (palette, "categorical", "deflate"),
    "landcover_int16": (landcover, "categorical", "deflate"),
    "temperature": (temperature, "continuous", "deflate-p3"),
}
