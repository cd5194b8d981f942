"""Raster tiles and previews, read with rio-tiler straight from the COGs in blob storage
(/vsiaz/, ranged reads; GDAL keeps their headers and blocks between requests), drawn as
core/raster/rendering.py says for the raster's type; DEM hillshades come from titiler's
algorithm. Mosaics of a pgSTAC collection take its items that touch the tile, newest first."""

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from rasterio.errors import RasterioError
from rio_tiler.colormap import cmap
from rio_tiler.errors import RioTilerError, TileOutsideBounds
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
OPEN_PER_THREAD = 8
_open = threading.local()
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


@contextmanager
def _reader(source: Source) -> Iterator[Reader]:
    """An open reader of the source, kept open per thread (datasets are not shared between
    threads): the COG's header is read once, and GDAL's block cache serves neighbouring tiles."""
    readers: OrderedDict = getattr(_open, "readers", None) or OrderedDict()
    _open.readers = readers
    key = (source.path, source.version)
    reader = readers.pop(key, None) or Reader(source.path)
    try:
        yield reader
    except BaseException:
        reader.close()  # a reader that failed is not kept
        raise
    readers[key] = reader
    while len(readers) > OPEN_PER_THREAD:
        readers.popitem(last=False)[1].close()


def tile_png(settings, source: Source, rendering: Rendering, where: Tile) -> bytes:
    with gdal_env(settings, **READ_OPTIONS):
        try:
            with _reader(source) as reader:
                image = _read_tile(reader, rendering, where)
                return _render(image, rendering, _own_colormap(reader, rendering))
        except TileOutsideBounds:
            return EMPTY_TILE
        except (RasterioError, RioTilerError) as exc:
            raise DependencyUnavailable(
                f"the raster could not be read: {type(exc).__name__}"
            ) from exc


def preview_png(settings, source: Source, rendering: Rendering, max_size: int) -> bytes:
    with gdal_env(settings, **READ_OPTIONS):
        try:
            with Reader(source.path) as reader:
                image = reader.preview(indexes=rendering.bands, max_size=max_size)
                if rendering.hillshade:
                    image = _hillshade()(image)
                return _render(image, rendering, _own_colormap(reader, rendering))
        except (RasterioError, RioTilerError) as exc:
            raise DependencyUnavailable(
                f"the raster could not be read: {type(exc).__name__}"
            ) from exc


def mosaic_png(settings, sources: list[Source], rendering: Rendering, where: Tile) -> bytes:
    """The tile from the first sources (newest first) that cover each pixel."""
    if not sources:
        return EMPTY_TILE

    def read(source: Source, x: int, y: int, z: int, **_: Any) -> ImageData:
        with _reader(source) as reader:
            return _read_tile(reader, rendering, Tile(z, x, y))

    with gdal_env(settings, **READ_OPTIONS):
        try:
            image, _ = mosaic_reader(sources, read, where.x, where.y, where.z, threads=0)
        except TileOutsideBounds:  # none of them has data here
            return EMPTY_TILE
        except (RasterioError, RioTilerError) as exc:
            raise DependencyUnavailable(
                f"a raster of the collection could not be read: {type(exc).__name__}"
            ) from exc
    return _render(image, rendering, None)


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


def zoom_range(settings, source: Source) -> tuple[int, int]:
    """(minzoom, maxzoom) at which the COG has pixels to show, as rio-tiler works them out."""
    with gdal_env(settings, **READ_OPTIONS):
        try:
            with Reader(source.path) as reader:
                return int(reader.minzoom), int(reader.maxzoom)
        except (RasterioError, RioTilerError) as exc:
            raise DependencyUnavailable(
                f"the raster could not be read: {type(exc).__name__}"
            ) from exc
