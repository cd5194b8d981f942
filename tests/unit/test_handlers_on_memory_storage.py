"""Handlers run on MemoryBlobStore: what they do with blobs, tested without Azurite
(the store's contract is shared with the real one: tests/unit/test_blob_storage.py)."""

import io
from types import SimpleNamespace

import httpx
import pytest

from config import Settings
from core.errors import Conflict, InvalidInput
from infrastructure.storage.copies import SOURCE_ETAG_KEY, BlobRef
from infrastructure.storage.memory import MemoryBlobStore
from services.engine.context import ClaimedTask, TaskContext
from services.h3.mosaic import scratch_prefix
from services.h3.publishing import delete_scratch as delete_h3_scratch
from services.ingest.copying import copy_batch
from services.ingest.models import CopyParams
from services.ingest.outbound import SOURCE_URL_KEY, SOURCE_VERSION_KEY, copy_external
from services.raster.blocks import delete_scratch, scratch_blob
from services.uploads import store_any_upload
from services.vector.sources import SourceCache
from tests.vector_samples import geojson, point_feature

SOURCE, TARGET = "bronze", "silver"
ASSETS = {
    "sat/thumb.png": b"\x89PNG thumbnail",
    "sat/data.tif": b"II*\x00" + bytes(range(256)) * 40,
}


def task_context(
    store: MemoryBlobStore, results: dict[str, list[dict]], settings: Settings | None = None
) -> TaskContext:
    task = ClaimedTask(
        task_id=1,
        job_id="job-1",
        job_type="ingest_collection",
        attempt=1,
        stage=3,
        task_index=0,
        task_type="ingest.copy",
        parameters={},
        tries=1,
        max_tries=3,
        timeout_seconds=600,
    )
    adapters = SimpleNamespace(settings=settings or Settings(), db=None, blobs=store)
    return TaskContext(
        task=task, adapters=adapters, results_reader=lambda stage: iter(results.get(stage, []))
    )


def discovery(*source_blobs: str) -> dict:
    assets = [
        {"key": blob.rsplit("/", 1)[-1], "source_blob": blob, "target_blob": f"stac/{blob}"}
        for blob in source_blobs
    ]
    return {
        "collections": [
            {"id": "sat", "blob": "sat/collection.json", "document": {}, "assets": assets}
        ],
        "parts": 0,
        "item_links": 0,
        "ndjson_files": 0,
        "item_collections": 0,
        "documents_walked": 1,
    }


def copy_collection_assets(store: MemoryBlobStore, *, overwrite: bool = False, blobs=tuple(ASSETS)):
    params = CopyParams(
        batch=None, source_container=SOURCE, target_container=TARGET, overwrite=overwrite
    )
    return copy_batch.run(params, task_context(store, {"discover": [discovery(*blobs)]}))


@pytest.fixture()
def store() -> MemoryBlobStore:
    blobs = MemoryBlobStore([SOURCE, TARGET])
    for name, data in ASSETS.items():
        blobs.write(
            SOURCE, name, data, overwrite=False, content_type="image/tiff", metadata={"team": "eo"}
        )
    return blobs


def test_ingest_copy_copies_the_collection_assets_marking_the_source_version(store):
    result = copy_collection_assets(store)
    assert (result.copied, result.skipped, result.bytes_copied) == (
        2,
        0,
        sum(len(d) for d in ASSETS.values()),
    )
    for name, data in ASSETS.items():
        copied = store.info(TARGET, f"stac/{name}")
        assert store.read(TARGET, f"stac/{name}") == data
        assert dict(copied.metadata) == {
            "team": "eo",
            SOURCE_ETAG_KEY: store.info(SOURCE, name).etag.strip('"'),
        }


def test_ingest_copy_run_again_copies_nothing(store):
    copy_collection_assets(store)
    etags = [store.info(TARGET, f"stac/{name}").etag for name in ASSETS]
    again = copy_collection_assets(store)
    assert (again.copied, again.skipped, again.bytes_copied) == (0, 2, 0)
    assert [store.info(TARGET, f"stac/{name}").etag for name in ASSETS] == etags


def test_a_copy_without_content_md5_is_recognised_by_its_source_etag_marker(store):
    store.stage_block(SOURCE, "sat/blocks.tif", "MDAwMDAwMDA=", b"committed in blocks")
    store.commit_blocks(SOURCE, "sat/blocks.tif", ["MDAwMDAwMDA="])
    assert store.info(SOURCE, "sat/blocks.tif").content_md5 is None
    assert copy_collection_assets(store, blobs=("sat/blocks.tif",)).copied == 1
    assert copy_collection_assets(store, blobs=("sat/blocks.tif",)).skipped == 1


def test_a_changed_source_needs_overwrite_to_replace_its_copy(store):
    copy_collection_assets(store)
    store.write(SOURCE, "sat/thumb.png", b"a new thumbnail", overwrite=True)
    with pytest.raises(
        Conflict, match="stac/sat/thumb.png exists with different content.*overwrite=true"
    ):
        copy_collection_assets(store)
    replaced = copy_collection_assets(store, overwrite=True)
    assert (replaced.copied, replaced.skipped) == (1, 1)
    assert store.read(TARGET, "stac/sat/thumb.png") == b"a new thumbnail"


def test_missing_sources_fail_the_copy_naming_them_before_anything_is_copied(store):
    with pytest.raises(
        InvalidInput,
        match=r"1 asset blob\(s\) not found in container 'bronze': 'sat/gone.tif' \(asset sat/gone.tif\)",
    ):
        copy_collection_assets(store, blobs=("sat/thumb.png", "sat/gone.tif"))
    assert list(store.list(TARGET)) == []


def test_an_external_asset_is_streamed_in_once_and_skipped_while_unchanged():
    store, calls = MemoryBlobStore([TARGET]), []

    def serve(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        body = b"" if request.method == "HEAD" else b"remote bytes"
        return httpx.Response(
            200, content=body, headers={"etag": '"v1"', "content-type": "image/png"}
        )

    target = BlobRef(TARGET, "stac/ext/thumb.png")
    with httpx.Client(transport=httpx.MockTransport(serve)) as http:
        first = copy_external(
            http,
            "https://data.example.org/thumb.png",
            store,
            target,
            overwrite=False,
            max_bytes=1000,
            max_retries=0,
        )
        second = copy_external(
            http,
            "https://data.example.org/thumb.png",
            store,
            target,
            overwrite=False,
            max_bytes=1000,
            max_retries=0,
        )
    stored = store.info(TARGET, target.blob)
    assert (first.copied, first.bytes, second.copied) == (True, 12, False) and calls == [
        "GET",
        "HEAD",
    ]
    assert store.read(TARGET, target.blob) == b"remote bytes" and stored.content_type == "image/png"
    assert stored.metadata[SOURCE_URL_KEY] == "https://data.example.org/thumb.png"
    assert stored.metadata[SOURCE_VERSION_KEY] == '"v1"'


def test_an_upload_is_stored_under_its_own_prefix_in_bronze():
    store = MemoryBlobStore(["bronze"])
    data = geojson([point_feature(1, 2, name="a"), point_feature(3, 4, name="b")])
    platform = SimpleNamespace(settings=Settings(), blobs=store)
    result = store_any_upload(platform, io.BytesIO(data), "my points.geojson")
    assert (result.kind, result.job_type, result.container, result.size_bytes) == (
        "vector",
        "process_vector",
        "bronze",
        len(data),
    )
    assert result.blob_name.startswith("uploads/") and result.blob_name.endswith(
        "/my_points.geojson"
    )
    assert [b.name for b in store.list("bronze")] == [result.blob_name]
    assert store.read("bronze", result.blob_name) == data


def test_vector_sources_are_downloaded_pinned_to_the_version_inspected(tmp_path):
    store = MemoryBlobStore(["bronze"])
    store.write("bronze", "in/points.geojson", geojson([point_feature(1, 2)]), overwrite=False)
    cache = SourceCache(Settings(vector_work_dir=str(tmp_path)))
    prepared = cache.materialize(store, "bronze", "in/points.geojson")
    assert prepared.etag == store.info("bronze", "in/points.geojson").etag
    assert prepared.size_bytes == store.info("bronze", "in/points.geojson").size
    store.write("bronze", "in/points.geojson", geojson([point_feature(5, 6)]), overwrite=True)
    with pytest.raises(InvalidInput, match="changed since this load began"):
        cache.materialize(store, "bronze", "in/points.geojson", etag=prepared.etag)
    with pytest.raises(InvalidInput, match="source not found: bronze/in/absent.geojson"):
        cache.materialize(store, "bronze", "in/absent.geojson")


def test_cog_scratch_of_one_job_is_deleted_and_no_other_blob(store):
    for job, attempt in (("job-a", 1), ("job-a", 2), ("job-b", 1)):
        store.write(TARGET, scratch_blob(job, attempt, "cog.tif"), b"tiles", overwrite=True)
    assert delete_scratch(store, TARGET, "job-a") == 2
    assert [b.name for b in store.list(TARGET)] == [scratch_blob("job-b", 1, "cog.tif")]
    assert delete_scratch(store, TARGET, "job-a") == 0


def test_h3_publish_deletes_its_jobs_mosaic_scratch_only():
    store = MemoryBlobStore([TARGET])
    ctx = task_context(store, {}, Settings(silver_container=TARGET))
    for job in ("job-1", "job-2"):
        store.write(TARGET, f"{scratch_prefix(job)}1/mosaic.vrt", b"<VRTDataset/>", overwrite=True)
    store.write(TARGET, "published/cog.tif", b"II*", overwrite=True)
    delete_h3_scratch(ctx)
    assert [b.name for b in store.list(TARGET)] == [
        f"{scratch_prefix('job-2')}1/mosaic.vrt",
        "published/cog.tif",
    ]
