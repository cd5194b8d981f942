"""Raster tiles, TileJSON and previews of processed COGs, drawn by their inferred type, and
mosaic tiles of a pgSTAC collection, read from blob storage (Azurite) by rio-tiler."""

import numpy as np
import pytest
from fastapi.testclient import TestClient
from rasterio.io import MemoryFile

from core.tiles import tiles_covering
from services.engine.worker import WorkerPool
from tests.conftest import ADMIN_HEADERS
from tests.raster_samples import dem_float, landcover, palette, rgb
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
