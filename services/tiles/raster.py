"""Raster tiles and previews, read with rio-tiler straight from the COGs in blob storage
(/vsiaz/, ranged reads; GDAL keeps their headers and blocks between requests), drawn as
core/raster/rendering.py says for the raster's type; DEM hillshades come from titiler's
algorithm. Mosaics of a pgSTAC collection take its items that touch the tile, newest first."""

import math
import os
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

import numpy as np
import rasterio
from rasterio.errors import RasterioError
from rasterio.warp import transform_bounds
from rio_tiler.colormap import cmap
from rio_tiler.errors import NoOverviewWarning, RioTilerError, TileOutsideBounds
from rio_tiler.io import Reader
from rio_tiler.models import ImageData
from rio_tiler.mosaic import mosaic_reader
from titiler.core.algorithm import algorithms

from core.errors import BadRequest, DependencyUnavailable
from core.raster.rendering import RasterFacts, Rendering
from core.tiles import Tile
from infrastructure.storage.gdal import gdal_env, vsiaz_path

TILE_SIZE = 256
PREVIEW_MAX = 1024
PNG = "image/png"
# Ranged reads of a COG through /vsiaz/: headers and blocks kept between requests of this process.
# 512 KiB chunks: a compressed 512 x 512 block is fetched in one or two requests, not dozens.
READ_OPTIONS = {
    "VSI_CACHE": "TRUE",
    "VSI_CACHE_SIZE": str(64 * 1024 * 1024),
    "GDAL_HTTP_MERGE_CONSECUTIVE_RANGES": "YES",
    "GDAL_HTTP_MULTIPLEX": "YES",
    "CPL_VSIL_CURL_CACHE_SIZE": str(128 * 1024 * 1024),
    "CPL_VSIL_CURL_CHUNK_SIZE": str(512 * 1024),
    "GDAL_INGESTED_BYTES_AT_OPEN": str(64 * 1024),
}
OPEN_PER_THREAD = 24  # readers kept per drawing thread: a raster takes one per level it is read at
_open = threading.local()
T = TypeVar("T")
# Which of a COG's resolutions a reader is opened at (GDAL's OVERVIEW_LEVEL open option):
# AS_STORED is the file with all its overviews, for rio-tiler and GDAL to choose from.
AS_STORED = "as stored"
# A reader opened at one level has no overviews by design; processed COGs always have them.
warnings.filterwarnings("ignore", category=NoOverviewWarning)
EMPTY_TILE = ImageData(
    np.ma.masked_array(np.zeros((1, TILE_SIZE, TILE_SIZE), dtype="uint8"), mask=True)
).render(img_format="PNG")


@dataclass(frozen=True)
class Source:
    """A COG in one of our containers, with what drawing it needs."""

    container: str
    blob: str
    facts: RasterFacts
    version: str = ""  # changes when the blob is rewritten (a reprocessed raster keeps its name)

    @property
    def path(self) -> str:
        return vsiaz_path(self.container, self.blob)


@cache
def _drawing_threads(threads: int) -> ThreadPoolExecutor:
    """Raster drawing runs on a few long-lived threads, not on the requests': GDAL datasets
    are not shared between threads and each open COG keeps its own header and fetched blocks
    (a second dataset of the same file fetches them again), so a few threads keeping their
    readers fetch and decode far less than the dozens of request threads would."""
    return ThreadPoolExecutor(threads, thread_name_prefix="raster-tiles")


class _OpenReader:
    """A rio-tiler reader over a dataset opened at one resolution level, closed together."""

    def __init__(self, path: str, level: int | str):
        self.dataset = (
            rasterio.open(path)
            if level == AS_STORED
            else rasterio.open(path, OVERVIEW_LEVEL="NONE" if level == -1 else f"{level}only")
        )
        self.reader = Reader(path, dataset=self.dataset)

    def close(self) -> None:
        self.reader.close()
        self.dataset.close()


@contextmanager
def _reader(source: Source, level: int | str = AS_STORED) -> Iterator[Reader]:
    """An open reader of the source at a resolution level, kept open per thread (datasets are
    not shared between threads): the COG's header is read once, and GDAL's block cache serves
    neighbouring tiles."""
    readers: OrderedDict = getattr(_open, "readers", None) or OrderedDict()
    _open.readers = readers
    key = (source.path, source.version, level)
    opened = readers.pop(key, None) or _OpenReader(source.path, level)
    try:
        yield opened.reader
    except BaseException:
        opened.close()  # a reader that failed is not kept
        raise
    readers[key] = opened
    while len(readers) > OPEN_PER_THREAD:
        readers.popitem(last=False)[1].close()


def level_for(
    native: float, overview_factors: list[int], tile_width: float, tile_size: int = TILE_SIZE
) -> int:
    """The COG level a tile reads: the coarsest overview whose pixels are still no larger than
    the tile's (what GDAL picks for a downsampled read, never upsampling), -1 for full
    resolution. `native` and `tile_width` in the raster's CRS units."""
    wanted = tile_width / tile_size
    level = -1
    for index, factor in enumerate(overview_factors):
        if native * factor <= wanted:
            level = index
    return level


@contextmanager
def _tile_reader(source: Source, where: Tile) -> Iterator[Reader]:
    """A reader opened at the level the tile needs. A tile of a raster in another CRS is read
    through a warped VRT; given the file with its overviews, that VRT makes a warped copy of
    every overview on each tile to choose one (GDAL's implicit overviews), which cost
    most of a tile's time (z12 of the benchmark's UTM COGs: 40-64 ms warm, 15-16 ms at the
    chosen level). Where the tile's size cannot be worked out in the raster's CRS (far
    outside its area), the file as stored, as rio-tiler reads it."""
    with _reader(source) as stored:
        dataset = stored.dataset
        assert dataset is not None  # _OpenReader opened it
        level: int | str = AS_STORED
        try:
            west, _, east, _ = transform_bounds("EPSG:4326", dataset.crs, *where.bounds())
            if math.isfinite(east - west) and east > west:
                level = level_for(abs(dataset.res[0]), dataset.overviews(1), east - west)
        except (RasterioError, ValueError):
            pass
        if level == AS_STORED:
            yield stored
            return
        colormap = stored.colormap
    with _reader(source, level) as reader:
        # GDAL does not give an overview level the file's colour table: drawn as stored.
        reader.colormap = colormap
        yield reader


def tile_png(settings, source: Source, rendering: Rendering, where: Tile) -> bytes:
    def draw() -> bytes:
        try:
            with _tile_reader(source, where) as reader:
                image = _read_tile(reader, rendering, where)
                return _render(image, rendering, _own_colormap(reader, rendering))
        except TileOutsideBounds:
            return EMPTY_TILE

    return _draw(settings, draw)


def preview_png(settings, source: Source, rendering: Rendering, max_size: int) -> bytes:
    def draw() -> bytes:
        with _reader(source) as reader:
            image = reader.preview(indexes=rendering.bands, max_size=max_size)
            if rendering.hillshade:
                image = _hillshade()(image)
            return _render(image, rendering, _own_colormap(reader, rendering))

    return _draw(settings, draw)


def mosaic_png(settings, sources: list[Source], rendering: Rendering, where: Tile) -> bytes:
    """The tile from the first sources (newest first) that cover each pixel."""
    if not sources:
        return EMPTY_TILE

    def read(source: Source, x: int, y: int, z: int, **_: Any) -> ImageData:
        with _tile_reader(source, Tile(z, x, y)) as reader:
            return _read_tile(reader, rendering, Tile(z, x, y))

    def draw() -> bytes:
        try:
            image, _ = mosaic_reader(sources, read, where.x, where.y, where.z, threads=0)
        except TileOutsideBounds:  # none of them has data here
            return EMPTY_TILE
        return _render(image, rendering, None)

    return _draw(settings, draw, "a raster of the collection")


def zoom_range(settings, source: Source) -> tuple[int, int]:
    """(minzoom, maxzoom) at which the COG has pixels to show, as rio-tiler works them out."""

    def read() -> tuple[int, int]:
        with _reader(source) as reader:
            return int(reader.minzoom), int(reader.maxzoom)

    return _draw(settings, read)


def _draw(settings, work: Callable[[], T], what: str = "the raster") -> T:
    """`work` on a drawing thread (RASTER_TILE_THREADS) with GDAL's read settings; a raster
    GDAL cannot read is a 503 naming the error's kind, not a 500."""

    def run() -> T:
        with gdal_env(settings, **READ_OPTIONS):
            try:
                return work()
            except (RasterioError, RioTilerError) as exc:
                raise DependencyUnavailable(
                    f"{what} could not be read: {type(exc).__name__}"
                ) from exc

    threads = settings.raster_tile_threads or os.cpu_count() or 2
    return _drawing_threads(threads).submit(run).result()


def _read_tile(reader: Reader, rendering: Rendering, where: Tile) -> ImageData:
    if rendering.hillshade:
        shade = _hillshade()
        return shade(
            reader.tile(
                where.x,
                where.y,
                where.z,
                tilesize=TILE_SIZE,
                indexes=rendering.bands,
                buffer=shade.buffer,
            )
        )
    return reader.tile(where.x, where.y, where.z, tilesize=TILE_SIZE, indexes=rendering.bands)


def _hillshade():
    return algorithms.get("hillshade")(buffer=3)


def _render(image: ImageData, rendering: Rendering, own: dict | None) -> bytes:
    if rendering.rescale and not rendering.hillshade:
        ranges = (
            rendering.rescale
            if len(rendering.rescale) == image.count
            else rendering.rescale[:1] * image.count
        )
        image = image.rescale(in_range=ranges)
    if image.count == 1 and rendering.own_colormap:
        return image.render(img_format="PNG", colormap=own or _classes(image))
    if image.data.dtype != np.uint8:  # no statistics to stretch with: this tile's own range
        low, high = float(image.array.min()), float(image.array.max())
        image = image.rescale(in_range=((low, high if high > low else low + 1.0),) * image.count)
    colormap = _named(rendering.colormap) if image.count == 1 and rendering.colormap else None
    return image.render(img_format="PNG", colormap=colormap)


def _own_colormap(reader: Reader, rendering: Rendering) -> dict | None:
    """The file's colour table (categorical rasters keep the colours they came with)."""
    if not rendering.own_colormap:
        return None
    return reader.colormap or None


def _named(name: str) -> dict:
    if name not in cmap.list():
        raise BadRequest(f"colormap: unknown colour map {name!r}")
    return cmap.get(name)


def _classes(image: ImageData) -> dict:
    """The tile's class values → tab20's twenty colours, cycling (neighbouring classes differ)."""
    distinct = list(
        dict.fromkeys(tuple(int(v) for v in colour) for colour in cmap.get("tab20").values())
    )
    values = np.unique(image.array.compressed())[:4096]
    return {int(v): distinct[int(v) % len(distinct)] for v in values} or {0: (0, 0, 0, 0)}
