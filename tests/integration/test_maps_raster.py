"""Raster tiles, TileJSON and previews of processed COGs, drawn by their inferred type, and
mosaic tiles of a pgSTAC collection, read from blob storage (Azurite) by rio-tiler."""

import numpy as np
import pytest
from fastapi.testclient import TestClient
from rasterio.io import MemoryFile
from rasterio.warp import transform_bounds

from core.raster.rendering import RasterFacts, default_rendering
from core.tiles import tiles_covering
from infrastructure.storage.gdal import gdal_env
from services.tiles import raster
from services.engine.worker import WorkerPool
from tests.conftest import ADMIN_HEADERS
from tests.raster_samples import (
    UTM_33N,
    dem_float,
    landcover,
    overviewed,
    palette,
    rgb,
    surface,
)
from tests.support import wait_for_status
from triggers.http.app import create_app

SAMPLES = {"rgb": rgb, "dem": dem_float, "palette": palette, "landcover": landcover}
PALETTE = {(0, 100, 0), (255, 255, 0), (0, 0, 255), (128, 128, 128), (255, 0, 0)}


@pytest.fixture(scope="module")
def rasters(engine_platform, platform):
    """The samples processed into one collection; {name: raster id}."""
    settings = engine_platform.settings
    pool = WorkerPool(
        engine_platform.engine,
        engine_platform.engine.jobs.handlers,
        engine_platform,
        threads=2,
        heartbeat_seconds=0.3,
        batch_size=10,
        poll_seconds=0.05,
    )
    pool.start()
    ids = {}
    try:
        with TestClient(create_app(engine_platform), headers=ADMIN_HEADERS) as api:
            jobs = {}
            for name, make in SAMPLES.items():
                blob = f"maps-raster/{name}.tif"
                settings_client = engine_platform.blobs.client.get_blob_client(
                    settings.bronze_container, blob
                )
                settings_client.upload_blob(make(), overwrite=True)
                response = api.post(
                    "/api/jobs/submit/process_raster",
                    json={"blob_name": blob, "collection_id": "maps-raster"},
                )
                assert response.status_code in (200, 202), response.text
                jobs[name] = response.json()["job_id"]
            for name, job_id in jobs.items():
                job = wait_for_status(engine_platform, job_id, {"completed", "failed"}, timeout=120)
                assert job["status"] == "completed", job["error"]
                ids[name] = job["result"]["item_id"]
    finally:
        pool.stop()
    return ids


def image(response) -> np.ndarray:
    """A PNG answer as (bands, rows, columns)."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    with MemoryFile(response.content) as memory, memory.open() as dataset:
        return dataset.read()


def middle_tile(api, raster_id: str, z: int = 12):
    bbox = api.get(f"/api/raster/{raster_id}/info").json()["metadata"]["bbox"]
    tiles = tiles_covering(tuple(bbox), z)
    return tiles[len(tiles) // 2]


def colours(pixels: np.ndarray) -> set[tuple[int, int, int]]:
    visible = pixels[3] > 0
    return {
        tuple(int(v) for v in pixels[:3, r, c]) for r, c in zip(*np.nonzero(visible), strict=True)
    }


def test_raster_tiles_are_drawn_by_type(api, rasters):
    where = middle_tile(api, rasters["rgb"])
    tile = image(
        api.get(f"/api/raster/{rasters['rgb']}/tiles/WebMercatorQuad/{where.z}/{where.y}/{where.x}")
    )
    assert tile.shape == (4, 256, 256) and (tile[3] > 0).mean() > 0.5 and len(colours(tile)) > 100

    dem = image(
        api.get(f"/api/raster/{rasters['dem']}/tiles/WebMercatorQuad/{where.z}/{where.y}/{where.x}")
    )
    assert not np.array_equal(dem[0], dem[2])  # the terrain colour ramp, not grey
    shade = image(
        api.get(
            f"/api/raster/{rasters['dem']}/tiles/WebMercatorQuad/{where.z}/{where.y}/{where.x}",
            params={"hillshade": "true"},
        )
    )
    visible = shade[-1] > 0
    assert (
        visible.any() and shade.shape[0] == 2 and shade[0][visible].std() > 1
    )  # grey shades and alpha

    classes = image(
        api.get(
            f"/api/raster/{rasters['palette']}/tiles/WebMercatorQuad/{where.z}/{where.y}/{where.x}"
        )
    )
    assert colours(classes) and colours(classes) <= PALETTE  # the file's own colour table
    cover = image(
        api.get(
            f"/api/raster/{rasters['landcover']}/tiles/WebMercatorQuad/{where.z}/{where.y}/{where.x}"
        )
    )
    assert 2 <= len(colours(cover)) <= 8  # one colour per class

    far = image(api.get(f"/api/raster/{rasters['rgb']}/tiles/WebMercatorQuad/3/0/0"))
    assert far[-1].max() == 0  # transparent: no data there


def test_raster_overrides_and_errors(api, rasters):
    where = middle_tile(api, rasters["dem"])
    path = f"/api/raster/{rasters['dem']}/tiles/WebMercatorQuad/{where.z}/{where.y}/{where.x}"
    stretched = image(api.get(path, params={"rescale": "0,5000", "colormap": "greys"}))
    assert np.array_equal(stretched[0], stretched[1])
    for params in (
        {"bands": "7"},
        {"bands": "a,b"},
        {"rescale": "5,1"},
        {"colormap": "nope"},
        {"colormap": "x;y"},
    ):
        response = api.get(path, params=params)
        assert (
            response.status_code == 400
            and response.headers["content-type"] == "application/problem+json"
        ), params
    assert api.get(f"/api/raster/{rasters['rgb']}/tiles/WebMercatorQuad/2/9/0").status_code == 404
    assert api.get("/api/raster/no-such-raster/tiles/WebMercatorQuad/0/0/0").status_code == 404


def test_raster_tilejson_and_preview(api, rasters):
    document = api.get(f"/api/raster/{rasters['rgb']}/tilejson.json").json()
    assert document["tiles"][0].endswith(
        f"/api/raster/{rasters['rgb']}/tiles/WebMercatorQuad/{{z}}/{{y}}/{{x}}"
    )
    assert 11 <= document["maxzoom"] <= 14 and document["raster_type"] == "rgb"
    west, south, east, north = document["bounds"]
    assert 14.9 < west < east < 15.2 and 45.0 < south < north < 45.2
    with_colours = api.get(
        f"/api/raster/{rasters['dem']}/tilejson.json", params={"colormap": "viridis"}
    ).json()
    assert with_colours["tiles"][0].endswith("?colormap=viridis")
    preview = image(api.get(f"/api/raster/{rasters['rgb']}/preview.png", params={"max_size": 128}))
    assert max(preview.shape[1:]) == 128


def test_collection_mosaic_tiles(api, rasters):
    where = middle_tile(api, rasters["rgb"])
    mosaic = image(
        api.get(
            f"/api/stac/collections/maps-raster/tiles/WebMercatorQuad/{where.z}/{where.y}/{where.x}"
        )
    )
    assert (mosaic[-1] > 0).mean() > 0.5
    document = api.get("/api/stac/collections/maps-raster/tilejson.json").json()
    assert document["items_readable"] == len(SAMPLES) and document["tiles"][0].endswith(
        "/{z}/{y}/{x}"
    )
    empty = image(api.get("/api/stac/collections/maps-raster/tiles/WebMercatorQuad/3/0/0"))
    assert empty[-1].max() == 0
    assert api.get("/api/stac/collections/nope/tiles/WebMercatorQuad/0/0/0").status_code == 404


LEVELS_BOUNDS = (500_000, 4_979_520, 520_480, 5_000_000)  # 2,048 px of 10 m in UTM 33N


def cog_with_overviews(platform, settings, name: str, data: np.ndarray, **options) -> str:
    """tests.raster_samples.overviewed in the silver container."""
    platform.blobs.write(
        settings.silver_container, name, overviewed(data, **options), overwrite=True
    )
    return name


def inner_tiles(z: int) -> list:
    """Tiles well inside the 2,048 px raster at zoom z."""
    west, south, east, north = transform_bounds(UTM_33N, "EPSG:4326", *LEVELS_BOUNDS)
    inner = 0.3 * (east - west)
    covering = tiles_covering((west + inner, south + inner, east - inner, north - inner), z)
    return [covering[len(covering) // 2], covering[0]]


def test_tiles_read_at_the_chosen_level_match_the_file_as_stored(platform, settings):
    """Tiles of a COG in another CRS (UTM) with overviews, read at the level the tile needs
    (services/tiles/raster._tile_reader), are pixel for pixel what rio-tiler draws from the
    file with all its overviews, at every zoom from coarsest to overzoomed."""
    data = surface(2048, 100.0, 2500.0).astype("float32")[np.newaxis]
    blob = cog_with_overviews(platform, settings, "levels/dem.tif", data, nodata=-9999.0)
    source = raster.Source(
        settings.silver_container,
        blob,
        RasterFacts("dem", 1, "float32", ("gray",), ({"min": 100.0, "max": 2500.0},)),
    )
    rendering = default_rendering(source.facts)
    chosen_levels = set()
    with gdal_env(settings, **raster.READ_OPTIONS):
        for z in range(9, 16):
            for where in inner_tiles(z):
                with raster._reader(source) as stored:
                    expected = raster._read_tile(stored, rendering, where)
                with raster._tile_reader(source, where) as reader:
                    chosen_levels.add(reader.dataset.width)
                    got = raster._read_tile(reader, rendering, where)
                assert np.array_equal(expected.array.mask, got.array.mask), where
                assert np.array_equal(expected.array.data, got.array.data), where
    assert len(chosen_levels) >= 3  # full resolution and at least two overviews were read
    drawn = raster.tile_png(settings, source, rendering, inner_tiles(12)[0])
    assert drawn.startswith(b"\x89PNG")


def test_a_paletted_cog_keeps_its_colours_at_overview_zooms(platform, settings):
    """GDAL gives an overview level no colour table; tiles read there still draw the file's."""
    data = (np.add.outer(np.arange(2048) // 128, np.arange(2048) // 256) % 5).astype("uint8")
    palette = {i: (*colour, 255) for i, colour in enumerate(sorted(PALETTE))}
    blob = cog_with_overviews(
        platform, settings, "levels/classes.tif", data[np.newaxis], colormap=palette
    )
    source = raster.Source(
        settings.silver_container, blob, RasterFacts("categorical", 1, "uint8", ("palette",), ())
    )
    rendering = default_rendering(source.facts)
    for z in (10, 11, 12, 14):  # overviews 8, 4, 2 and full resolution
        with MemoryFile(raster.tile_png(settings, source, rendering, inner_tiles(z)[0])) as png:
            with png.open() as tile:
                pixels = tile.read()
        assert colours(pixels) and colours(pixels) <= PALETTE, z
