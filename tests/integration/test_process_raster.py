"""process_raster end to end on Azurite and real pgSTAC: each kind of raster gets the
expected class and COG profile, a valid COG, a raster.cog_metadata row, a STAC item
and its info endpoint; contradicting user types and unreadable inputs fail clearly."""

from contextlib import contextmanager

import numpy as np
import psycopg
import pytest
import rasterio
from fastapi.testclient import TestClient
from rasterio.io import MemoryFile

from services.engine.worker import WorkerPool
from services.raster import cogging
from tests.conftest import ADMIN_HEADERS
from tests.engine_jobs import registry_with_test_jobs
from tests.raster_samples import SAMPLES, dem_float, rgb
from tests.support import wait_for_status
from triggers.composition import Platform
from triggers.http.app import create_app

DONE = {"completed", "completed_with_errors", "failed", "cancelled"}


def upload(platform, blob: str, content: bytes) -> None:
    platform.blobs.client.get_blob_client(platform.settings.bronze_container, blob).upload_blob(
        content, overwrite=True
    )


def submit(api, platform, blob: str, **extra) -> str:
    body = {
        "container": platform.settings.bronze_container,
        "target_container": platform.settings.silver_container,
        "blob_name": blob,
        **extra,
    }
    response = api.post("/api/jobs/submit/process_raster", json=body)
    assert response.status_code in (200, 202), response.text
    return response.json()["job_id"]


def finished(api, platform, job_id: str) -> dict:
    wait_for_status(platform, job_id, DONE, timeout=120)
    return api.get(f"/api/jobs/status/{job_id}").json()


@contextmanager
def open_cog(platform, cog_blob: str):
    """The COG opened from memory (the MemoryFile must outlive the dataset reading it)."""
    container, blob = cog_blob.split("/", 1)
    content = platform.blobs.client.get_blob_client(container, blob).download_blob().readall()
    with MemoryFile(content) as memory, memory.open() as dataset:
        yield dataset


def test_each_kind_of_raster_gets_its_class_profile_cog_metadata_and_stac_item(
    api, engine_platform, workers, tag
):
    jobs = {}
    for name, (make, _, _) in SAMPLES.items():
        upload(engine_platform, f"rasters-{tag}/{name}.tif", make())
        jobs[name] = submit(
            api, engine_platform, f"rasters-{tag}/{name}.tif", collection_id=f"rasters-{tag}"
        )
    workers(threads=3)

    for name, (_, expected_class, expected_profile) in SAMPLES.items():
        status = finished(api, engine_platform, jobs[name])
        assert status["status"] == "completed", (name, status["error"])
        result = status["result"]
        assert result["inferred_type"]["class"] == expected_class, (name, result["inferred_type"])
        assert (
            result["raster_type"] == expected_class and result["cog_profile"] == expected_profile
        ), name
        assert (
            0.5 <= result["inferred_type"]["confidence"] <= 1 and result["inferred_type"]["reasons"]
        ), name
        assert (
            result["cog_blob"]
            == f"{engine_platform.settings.silver_container}/rasters-{tag}/rasters-{tag}-{name}.tif"
        )
        check_cog(engine_platform, name, result["cog_blob"], expected_profile)

        info = api.get(result["info_url"])
        assert info.status_code == 200, info.text
        metadata = info.json()["metadata"]
        assert (
            metadata["raster_type"] == expected_class
            and metadata["cog_profile"] == expected_profile
        )
        assert (
            metadata["stac_collection_id"] == f"rasters-{tag}"
            and metadata["etl_job_id"] == jobs[name]
        )
        assert metadata["overview_levels"] == [] or metadata["overview_levels"][0] == 2
        assert len(metadata["band_statistics"]) == metadata["band_count"]
        assert info.json()["cog_url"].endswith(result["cog_blob"])

    with psycopg.connect(engine_platform.settings.dsn) as conn:
        items = dict(
            conn.execute(
                "SELECT id, content FROM pgstac.items WHERE collection = %s", (f"rasters-{tag}",)
            ).fetchall()
        )
        extent = conn.execute(
            "SELECT content->'extent'->'spatial'->'bbox' FROM pgstac.collections WHERE id = %s",
            (f"rasters-{tag}",),
        ).fetchone()[0]
    assert len(items) == len(SAMPLES)
    rgb_item = items[f"rasters-{tag}-rgb"]
    extensions = " ".join(rgb_item["stac_extensions"])
    assert "raster" in extensions and "projection" in extensions and "/eo/" in extensions
    assert [b["common_name"] for b in rgb_item["assets"]["data"]["eo:bands"]] == [
        "red",
        "green",
        "blue",
    ]
    assert (
        rgb_item["properties"]["proj:epsg"] == 32633
        and rgb_item["properties"]["geoetl:raster_type"] == "rgb"
    )
    dem_item = items[f"rasters-{tag}-dem_float32"]
    assert "/eo/" not in " ".join(dem_item["stac_extensions"])
    assert dem_item["assets"]["data"]["raster:bands"][0]["nodata"] == -9999.0
    assert dem_item["assets"]["data"]["raster:bands"][0]["statistics"]["minimum"] >= 180
    west, south, east, north = extent[0]
    assert 14 < west < east < 16 and 44 < south < north < 46  # UTM 33N near 500 km E, 5,000 km N


def check_cog(platform, name: str, cog_blob: str, profile: str) -> None:
    with open_cog(platform, cog_blob) as cog:
        structure = cog.tags(ns="IMAGE_STRUCTURE")
        if profile == "jpeg":
            assert structure["COMPRESSION"] == "YCbCr JPEG" and cog.count == 3, name
            if name == "rgba":  # the alpha band became an internal mask
                assert cog.mask_flag_enums[0] == [rasterio.enums.MaskFlags.per_dataset], name
                assert not cog.read_masks(1)[0].any() and cog.read_masks(1)[-1].all()
        else:
            assert structure["COMPRESSION"] == "DEFLATE", name
            assert (
                structure.get("PREDICTOR")
                == {"deflate-p2": "2", "deflate-p3": "3", "deflate": None}[profile]
            ), name
        if name == "palette":
            assert cog.colormap(1)[4] == (255, 0, 0, 255)
        if name == "landcover_int16":  # mode overviews: no class value that was not in the data
            overview = cog.read(1, out_shape=(cog.height // 2, cog.width // 2))
            assert set(np.unique(overview)) <= {0, 10, 20, 30, 40, 50, 60, 80, 90}


def test_a_user_type_that_contradicts_the_data_is_a_clear_error_unless_forced(
    api, engine_platform, workers, tag
):
    blob = f"contradict-{tag}/photo.tif"
    upload(engine_platform, blob, rgb())
    refused = submit(api, engine_platform, blob, raster_type="dem")
    agreed = submit(api, engine_platform, blob, raster_type="rgb", collection_id=f"agree-{tag}")
    workers(threads=2)

    status = finished(api, engine_platform, refused)
    assert status["status"] == "failed"
    assert (
        "raster_type 'dem' contradicts the data, inferred as 'rgb' (confidence 0.95: 3 band(s) of uint8"
        in status["error"]
    )
    assert "Submit with force=true to process it as 'dem' anyway" in status["error"]
    assert finished(api, engine_platform, agreed)["result"]["forced"] is False

    forced = finished(
        api, engine_platform, submit(api, engine_platform, blob, raster_type="dem", force=True)
    )
    assert forced["status"] == "completed", forced["error"]
    result = forced["result"]
    assert (
        result["forced"] is True
        and result["raster_type"] == "dem"
        and result["inferred_type"]["class"] == "rgb"
    )
    assert result["cog_profile"] == "deflate-p2"  # a DEM is never lossy


def test_unreadable_inputs_fail_with_the_reason(api, engine_platform, workers, tag):
    upload(engine_platform, f"bad-{tag}/notes.tif", b"this is not a GeoTIFF")
    with MemoryFile() as memory:
        with memory.open(driver="GTiff", width=8, height=8, count=1, dtype="uint8") as dataset:
            dataset.write(np.zeros((1, 8, 8), dtype="uint8"))
        upload(engine_platform, f"bad-{tag}/nowhere.tif", memory.read())
    jobs = {
        name: submit(api, engine_platform, f"bad-{tag}/{name}")
        for name in ("notes.tif", "nowhere.tif", "missing.tif")
    }
    workers(threads=2)

    errors = {name: finished(api, engine_platform, job_id) for name, job_id in jobs.items()}
    assert all(status["status"] == "failed" for status in errors.values())
    assert f"bad-{tag}/notes.tif is not a raster GDAL can read" in errors["notes.tif"]["error"]
    assert (
        f"bad-{tag}/nowhere.tif has no coordinate reference system"
        in errors["nowhere.tif"]["error"]
    )
    assert f"blob 'bad-{tag}/missing.tif' not found in container" in errors["missing.tif"]["error"]
    assert api.get("/api/raster/no-such-raster/info").status_code == 404
    assert (
        api.post(
            "/api/jobs/submit/process_raster",
            json={"blob_name": "../x.tif", "raster_type": "photo"},
        ).status_code
        == 422
    )


@pytest.fixture()
def tiling_platform(engine_settings, platform):
    """A platform that splits any raster over 4 M pixels into parts of 2,048 rows
    (`platform` creates the test's blob containers)."""
    settings = engine_settings.model_copy(
        update={"raster_tiled_cog_min_pixels": 4_000_000, "raster_cog_part_pixels": 2304 * 2048}
    )
    platform = Platform.build(settings, jobs=registry_with_test_jobs())
    pool = WorkerPool(
        platform.engine,
        platform.engine.jobs.handlers,
        platform,
        threads=3,
        heartbeat_seconds=0.3,
        batch_size=10,
        poll_seconds=0.05,
    )
    with TestClient(create_app(platform), headers=ADMIN_HEADERS) as client:
        pool.start()
        yield platform, client
        pool.stop()
    platform.close()


def test_a_large_raster_is_made_by_part_tasks_into_one_valid_cog(tiling_platform, tag):
    platform, api = tiling_platform
    blob = f"large-{tag}/dem.tif"
    source = dem_float(2304)
    upload(platform, blob, source)
    small = f"large-{tag}/small.tif"
    upload(platform, small, dem_float(1024))
    job_id = submit(api, platform, blob, collection_id=f"large-{tag}")
    small_job = submit(api, platform, small, collection_id=f"large-{tag}")

    status = finished(api, platform, job_id)
    assert status["status"] == "completed", status["error"]
    result = status["result"]
    assert result["cog_parts"] == 2 and result["cog_tasks_reason"].startswith(
        "2 tasks of 2048 rows each"
    )
    tasks = api.get(f"/api/jobs/{job_id}/tasks", params={"limit": 100}).json()["items"]
    assert sorted(t["task_type"] for t in tasks) == [
        "raster.catalog",
        "raster.cog",
        "raster.cog_part",
        "raster.cog_part",
        "raster.inspect",
    ]
    with (
        open_cog(platform, result["cog_blob"]) as cog,
        MemoryFile(source) as memory,
        memory.open() as original,
    ):
        assert cog.overviews(1) == [2, 4, 8] and cog.nodata == -9999.0 and cog.crs == original.crs
        assert cog.transform == original.transform
        assert np.array_equal(cog.read(), original.read())
    leftovers = platform.blobs.client.get_container_client(
        platform.settings.silver_container
    ).list_blobs(name_starts_with=f"_geoetl/cog-parts/{job_id}/")
    assert list(leftovers) == []  # the parts are deleted once the COG is catalogued

    small_result = finished(api, platform, small_job)["result"]
    assert small_result["cog_parts"] == 1 and small_result["cog_tasks_reason"].startswith(
        "one task: 1,048,576 pixels"
    )


def test_a_tiled_cog_that_fails_validation_leaves_the_previous_cog_in_place(
    tiling_platform, tag, monkeypatch
):
    platform, api = tiling_platform
    blob = f"keep-{tag}/dem.tif"
    upload(platform, blob, dem_float(2304))
    first = finished(api, platform, submit(api, platform, blob, collection_id=f"keep-{tag}"))
    assert first["status"] == "completed", first["error"]
    container, cog_blob = first["result"]["cog_blob"].split("/", 1)
    cog = platform.blobs.client.get_blob_client(container, cog_blob)
    before = cog.get_blob_properties().etag

    monkeypatch.setattr(
        cogging, "validate", lambda path: (False, ["the IFDs are not where they should be"], [])
    )
    second = finished(
        api, platform, submit(api, platform, blob, collection_id=f"keep-{tag}", raster_type="dem")
    )
    assert second["status"] == "failed"
    assert "is not valid: the IFDs are not where they should be" in second["error"]
    assert cog.get_blob_properties().etag == before  # the published COG was not touched
