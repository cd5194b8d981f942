"""POST /api/uploads takes every kind the platform processes: rasters (GeoTIFF, JPEG2000,
ERDAS IMG, NetCDF, zipped sets) and STAC (a collection zip, items as JSON or NDJSON),
recognised from their content, checked, and answered with the job to submit; the
submitted jobs then run as the README says."""

import io
import json
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import rasterio
import rasterio.shutil
from rasterio.io import MemoryFile
from rasterio.transform import Affine

from tests.raster_samples import dem_float, rgb
from tests.stac_samples import collection_document, item_document, tiny_cog
from tests.support import wait_for_status
from tests.vector_samples import geodataframe, written


def upload(api, name: str, data: bytes):
    return api.post("/api/uploads", files={"file": (name, data, "application/octet-stream")})


def refused(api, name: str, data: bytes) -> str:
    response = upload(api, name, data)
    assert response.status_code == 422, response.text
    return response.json()["detail"]


def run(api, platform, uploaded: dict, **extra) -> dict:
    response = api.post(
        f"/api/jobs/submit/{uploaded['job_type']}", json=uploaded["parameters"] | extra
    )
    assert response.status_code in (200, 202), response.text
    job = wait_for_status(platform, response.json()["job_id"], {"completed", "failed"}, timeout=120)
    assert job["status"] == "completed", job["error"]
    return job


def written_as(driver: str, suffix: str, sample: bytes | None = None, **options) -> bytes:
    """A sample (the rgb one by default) rewritten by GDAL in another format."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        MemoryFile(sample or rgb(64)) as memory,
        memory.open() as source,
    ):
        target = Path(tmp) / f"sample{suffix}"
        rasterio.shutil.copy(source, str(target), driver=driver, **options)
        return target.read_bytes()


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_rasters_of_each_format_are_recognised_and_stored_for_process_raster(
    api, engine_platform, workers
):
    workers(threads=2)
    tif = upload(api, "scene.tif", rgb(64)).json()
    assert (tif["kind"], tif["format"], tif["job_type"]) == ("raster", "geotiff", "process_raster")
    assert tif["parameters"] == {"blob_name": tif["blob_name"]} and tif["blob_name"].endswith(
        "/scene.tif"
    )
    assert run(api, engine_platform, tif)["result"]["raster_type"] == "rgb"

    for name, data, fmt in [
        ("scene.jp2", written_as("JP2OpenJPEG", ".jp2"), "jpeg2000"),
        ("scene.img", written_as("HFA", ".img"), "erdas-img"),
    ]:
        stored = upload(api, name, data).json()
        assert stored.get("format") == fmt, stored
        assert stored["kind"] == "raster" and stored["blob_name"].endswith(name), stored

    netcdf = upload(api, "scene.nc", written_as("netCDF", ".nc", dem_float(64))).json()
    assert netcdf["format"] == "netcdf" and netcdf["blob_name"].endswith(
        "/scene.tif"
    )  # made a GeoTIFF
    assert "lossless GeoTIFF" in netcdf["format_reason"]
    assert run(api, engine_platform, netcdf)["result"]["raster_type"] == "dem"
    three = refused(api, "bands.nc", written_as("netCDF", ".nc"))  # three variables: which one?
    assert "holds 3 variables (Band1, Band2, Band3)" in three

    zipped_set = upload(
        api,
        "scene.zip",
        zipped(
            {
                "data/scene.tif": rgb(64),
                "data/scene.tfw": b"30\n0\n0\n-30\n0\n0\n",
                "README.txt": b"a scene",
            }
        ),
    ).json()
    assert zipped_set["format"] == "raster-set" and zipped_set["blob_name"].endswith("/scene.tif")
    assert "1 sidecar file" in zipped_set["format_reason"]


def test_unusable_rasters_are_refused_with_the_reason(api):
    with MemoryFile() as memory:
        with memory.open(driver="GTiff", width=8, height=8, count=1, dtype="uint8") as dataset:
            dataset.write(np.zeros((1, 8, 8), dtype="uint8"))
        no_crs = memory.read()
    assert "no coordinate reference system" in refused(api, "plain.tif", no_crs)
    assert "HDF4" in refused(api, "old.hdf", b"\x0e\x03\x13\x01" + b"\x00" * 100)
    assert "not a raster GDAL can read" in refused(api, "broken.tif", b"II*\x00" + b"\x00" * 100)
    assert "one raster" in refused(api, "two.zip", zipped({"a.tif": rgb(16), "b.tif": rgb(16)}))


def stac_zip(collection_id: str, count: int = 2) -> bytes:
    members = {}
    for index in range(count):
        members[f"{collection_id}/assets/scene-{index}.tif"] = tiny_cog(index)
        members[f"{collection_id}/items/item-{index}.json"] = json.dumps(
            item_document(collection_id, index, f"../assets/scene-{index}.tif")
        ).encode()
    members[f"{collection_id}/collection.json"] = json.dumps(
        collection_document(collection_id, [f"./items/item-{index}.json" for index in range(count)])
    ).encode()
    return zipped(members)


def test_a_stac_collection_zip_uploads_and_ingests(api, engine_platform, workers, tag):
    workers(threads=2)
    stored = upload(api, "sentinel.zip", stac_zip(f"uploaded-{tag}")).json()
    assert (stored["kind"], stored["job_type"], stored["format"]) == (
        "stac",
        "ingest_collection",
        "stac-collection-zip",
    )
    assert stored["blob_name"].endswith("/collection.json") and stored["files"] == 5
    assert stored["parameters"] == {"collection_json_path": stored["blob_name"]}
    run(api, engine_platform, stored)
    items = api.get(f"/api/stac/collections/uploaded-{tag}/items").json()
    assert items["numberReturned"] == 2


def test_stac_items_as_ndjson_get_a_collection(api, engine_platform, workers, tag):
    collection_id = f"ndjson-{tag}"
    items = [
        item_document(collection_id, index, f"https://example.com/scene-{index}.tif")
        for index in range(3)
    ]
    stored = upload(api, "items.ndjson", b"\n".join(json.dumps(i).encode() for i in items)).json()
    assert (stored["kind"], stored["format"]) == ("stac", "stac-items") and stored["files"] == 4
    collection = json.loads(
        engine_platform.blobs.client.get_blob_client(
            engine_platform.settings.bronze_container, stored["blob_name"]
        )
        .download_blob()
        .readall()
    )
    assert (
        collection["id"] == collection_id
        and len([l for l in collection["links"] if l["rel"] == "item"]) == 3
    )
    assert collection["extent"]["spatial"]["bbox"] == [[0.0, 9.968, 2.032, 10.0]]


def test_broken_stac_is_refused(api, tag):
    local_asset = item_document("c", 0, "./scene.tif")
    assert "local file" in refused(api, "item.json", json.dumps(local_asset).encode())
    lone = collection_document("c", ["./items/a.json"])
    assert "as one zip" in refused(api, "collection.json", json.dumps(lone).encode())
    invalid = item_document("c", 0, "https://example.com/a.tif")
    del invalid["bbox"]
    assert "not a valid STAC Item" in refused(api, "item.json", json.dumps(invalid).encode())
    missing = zipped(
        {"collection.json": json.dumps(collection_document("c", ["./items/gone.json"])).encode()}
    )
    assert "not in the zip" in refused(api, "set.zip", missing)
    orphan_asset = zipped(
        {
            "collection.json": json.dumps(collection_document("c", ["./a.json"])).encode(),
            "a.json": json.dumps(item_document("c", 0, "./nowhere.tif")).encode(),
        }
    )
    assert "is not in the zip" in refused(api, "set.zip", orphan_asset)


def test_vectors_still_upload_as_before(api):
    stored = upload(api, "parks.geojson", written(geodataframe(3), "GeoJSON", ".geojson")).json()
    assert (stored["kind"], stored["format"], stored["job_type"]) == (
        "vector",
        "geojson",
        "process_vector",
    )


def test_a_georeferenced_tif_in_epsg4326_is_not_mistaken(api):
    data = np.full((1, 16, 16), 7, dtype="uint8")
    with MemoryFile() as memory:
        with memory.open(
            driver="GTiff",
            width=16,
            height=16,
            count=1,
            dtype="uint8",
            crs="EPSG:4326",
            transform=Affine(0.1, 0, 10, 0, -0.1, 50),
        ) as dataset:
            dataset.write(data)
        stored = upload(api, "tiny.tiff", memory.read()).json()
    assert stored["kind"] == "raster"
