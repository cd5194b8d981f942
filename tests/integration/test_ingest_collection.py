"""ingest_collection end to end on Azurite and real pgSTAC: copy, register, H3 source,
re-ingestion as a no-op, a missing asset failing only its batch, malformed STAC."""

import json

import psycopg
import pytest

from core.access import OPERATOR
from tests.stac_samples import upload_collection
from tests.support import wait_for_status

DONE = {"completed", "completed_with_errors", "failed", "cancelled"}


def params(settings, collection_blob: str, **extra) -> dict:
    return {
        "source_container": settings.bronze_container,
        "target_container": settings.silver_container,
        "collection_json_path": collection_blob,
        "batch_size": 10,
        **extra,
    }


def run(api, platform, parameters: dict) -> dict:
    response = api.post("/api/jobs/submit/ingest_collection", json=parameters)
    assert response.status_code in (200, 202), response.text
    job = wait_for_status(platform, response.json()["job_id"], DONE, timeout=120)
    return api.get(f"/api/jobs/status/{job['job_id']}").json()


def pgstac(platform, query: str, *args):
    with psycopg.connect(platform.settings.dsn) as conn:
        return conn.execute(query, args).fetchall()


def stage_results(api, job_id: str, stage: int) -> list[dict]:
    return api.get(f"/api/jobs/{job_id}/tasks", params={"stage": stage, "limit": 1000}).json()[
        "items"
    ]


def test_a_collection_is_copied_registered_and_catalogued_and_reingesting_changes_nothing(
    api, engine_platform, workers, tag
):
    settings, client = engine_platform.settings, engine_platform.blobs.client
    sample = upload_collection(client, settings.bronze_container, f"ingest-{tag}", 55)
    workers(threads=3)

    status = run(api, engine_platform, params(settings, sample["collection_blob"]))
    assert status["status"] == "completed", status
    assert [(s["name"], s["total"], s["completed"]) for s in status["stages"]] == [
        ("discover", 1, 1),
        ("inventory", 6, 6),
        ("copy", 6, 6),
        ("register_collection", 1, 1),
        ("register_items", 1, 1),
        ("finalize", 1, 1),
    ]  # the six batches' 55 items registered in one load
    result = status["result"]
    assert (
        result["items_total"] == 55
        and result["items_registered"] == 55
        and result["failed_batches"] == []
    )
    assert (
        result["items_unchanged"] == 0 and result["external_assets"] == 55
    )  # each item's homepage link
    assert (
        result["data_type"] == "rgb"
        and result["source_catalog_id"] == f"{sample['collection_id']}:visual"
    )

    silver = client.get_container_client(settings.silver_container)
    copied = {b.name: b for b in silver.list_blobs(name_starts_with=f"ingest-{tag}/")}
    assert set(copied) == set(sample["asset_blobs"])

    items = pgstac(
        engine_platform,
        "SELECT id, content FROM pgstac.items WHERE collection = %s ORDER BY id",
        sample["collection_id"],
    )
    assert [row[0] for row in items] == sorted(sample["item_ids"])
    visual = items[0][1]["assets"]["visual"]["href"]
    assert visual == f"{silver.url}/ingest-{tag}/assets/scene-0000.tif"
    assert items[0][1]["assets"]["homepage"]["href"] == "https://example.com/about.html"
    collection = pgstac(
        engine_platform,
        "SELECT content FROM pgstac.collections WHERE id = %s",
        sample["collection_id"],
    )
    assert collection and all(link["rel"] != "item" for link in collection[0][0]["links"])

    source = pgstac(
        engine_platform,
        """SELECT title, source_type, collection_id, asset_key, data_type, band_info, theme,
                    min_resolution, max_resolution, aggregation_method, ST_AsText(spatial_extent), item_count
                    FROM h3.source_catalog WHERE id = %s""",
        result["source_catalog_id"],
    )[0]
    assert source[:5] == (
        f"Test collection ingest-{tag}",
        "stac_collection",
        sample["collection_id"],
        "visual",
        "rgb",
    )
    assert [b["common_name"] for b in source[5]] == ["red", "green", "blue"] and source[5][0][
        "dtype"
    ] == "uint8"
    assert source[6] == "imagery" and source[9] == "mean" and source[11] == 55
    assert (
        0 <= source[7] <= source[8] == 9
    )  # gsd 111 m: res 9 (edge ~201 m) is the finest at or above a pixel
    assert source[10] == "POLYGON((0 9,0 10,100 10,100 9,0 9))"
    assert pgstac(
        engine_platform, "SELECT count(*) FROM app.ingest_items WHERE job_id = %s", status["job_id"]
    ) == [(0,)]

    # Re-ingestion: every item is recognised by its content at inventory, so nothing is
    # validated, copied or registered again; pgSTAC and silver stay as they are.
    modified_before = {name: blob.last_modified for name, blob in copied.items()}
    pgstac_before = pgstac(
        engine_platform,
        "SELECT id, content FROM pgstac.items WHERE collection = %s ORDER BY id",
        sample["collection_id"],
    )
    engine_platform.engine.resubmit(status["job_id"], principal=OPERATOR)
    wait_for_status(engine_platform, status["job_id"], DONE, timeout=120)
    again = api.get(f"/api/jobs/status/{status['job_id']}").json()
    assert again["status"] == "completed" and again["attempt"] == 2
    assert [(s["name"], s["status"], s["total"]) for s in again["stages"]][2:5] == [
        ("copy", "completed", 0),
        ("register_collection", "completed", 1),
        ("register_items", "completed", 0),
    ]
    parts = [t["result"] for t in stage_results(api, status["job_id"], 2)]
    assert sum(p["unchanged"] for p in parts) == 55 and sum(p["staged"] for p in parts) == 0
    assert again["result"]["items_unchanged"] == 55 and again["result"]["items_registered"] == 0
    assert again["result"]["source_catalog_id"] == result["source_catalog_id"]
    assert pgstac(
        engine_platform,
        "SELECT item_count FROM h3.source_catalog WHERE id = %s",
        result["source_catalog_id"],
    ) == [(55,)]
    assert {
        b.name: b.last_modified for b in silver.list_blobs(name_starts_with=f"ingest-{tag}/")
    } == modified_before
    assert (
        pgstac(
            engine_platform,
            "SELECT id, content FROM pgstac.items WHERE collection = %s ORDER BY id",
            sample["collection_id"],
        )
        == pgstac_before
    )


def test_without_band_metadata_the_h3_entry_is_read_from_the_raster_itself(
    api, engine_platform, workers, tag
):
    settings, client = engine_platform.settings, engine_platform.blobs.client
    sample = upload_collection(
        client, settings.bronze_container, f"bare-{tag}", 12, band_metadata=False
    )
    workers(threads=2)

    status = run(api, engine_platform, params(settings, sample["collection_blob"], theme="testing"))
    assert status["status"] == "completed", status
    assert status["result"]["data_type"] == "rgb"  # inferred from the copied COG: 3 uint8 bands
    band_info, max_resolution, theme = pgstac(
        engine_platform,
        "SELECT band_info, max_resolution, theme FROM h3.source_catalog WHERE id = %s",
        status["result"]["source_catalog_id"],
    )[0]
    assert [(b["index"], b["dtype"]) for b in band_info] == [
        (1, "uint8"),
        (2, "uint8"),
        (3, "uint8"),
    ]
    assert max_resolution == 9 and theme == "testing"  # 0.001 degree pixels at 10 N: ~110 m


def test_a_missing_asset_fails_only_its_batch_and_names_the_blob(
    api, engine_platform, workers, tag
):
    settings, client = engine_platform.settings, engine_platform.blobs.client
    sample = upload_collection(client, settings.bronze_container, f"missing-{tag}", 50)
    lost = sample["asset_blobs"][23]  # batch 2 (items 20-29)
    client.get_blob_client(settings.bronze_container, lost).delete_blob()
    workers(threads=3)

    status = run(api, engine_platform, params(settings, sample["collection_blob"]))
    assert status["status"] == "completed_with_errors", status
    assert status["result"]["failed_batches"] == [2] and status["result"]["items_registered"] == 40
    failed = [t for t in stage_results(api, status["job_id"], 3) if t["status"] == "failed"]
    assert len(failed) == 1 and failed[0]["tries"] == 1
    assert lost in failed[0]["error"] and "batch 2" in failed[0]["error"]
    registered = pgstac(
        engine_platform,
        "SELECT count(*) FROM pgstac.items WHERE collection = %s",
        sample["collection_id"],
    )
    assert registered == [(40,)]


@pytest.mark.parametrize(
    "content, expected",
    [
        (
            b'{"type": "Collection", "id": "x",',
            "is not valid JSON: Expecting property name enclosed in double quotes at line 1 column 34",
        ),
        (b"[1, 2, 3]", "is not a STAC Catalog or Collection: expected a JSON object, found list"),
        (
            json.dumps(
                {
                    "type": "Collection",
                    "stac_version": "1.0.0",
                    "id": "x",
                    "description": "d",
                    "links": [],
                }
            ).encode(),
            "is not a valid STAC Collection: license: Field required; extent: Field required",
        ),
    ],
)
def test_malformed_collection_json_fails_the_job_with_a_clear_error(
    api, engine_platform, workers, tag, content, expected
):
    settings, client = engine_platform.settings, engine_platform.blobs.client
    blob = f"bad-{tag}-{len(content)}/collection.json"
    client.get_blob_client(settings.bronze_container, blob).upload_blob(content, overwrite=True)
    workers(threads=1)

    status = run(api, engine_platform, params(settings, blob))
    assert status["status"] == "failed"
    assert f"{blob} {expected}" in status["error"]


def test_invalid_items_are_named_with_what_is_wrong(api, engine_platform, workers, tag):
    settings, client = engine_platform.settings, engine_platform.blobs.client
    sample = upload_collection(client, settings.bronze_container, f"baditem-{tag}", 12)
    broken = f"baditem-{tag}/items/item-0003.json"
    item = json.loads(
        client.get_blob_client(settings.bronze_container, broken).download_blob().readall()
    )
    del item["properties"]["datetime"]
    item["bbox"] = [0, 95, 1, 96]
    client.get_blob_client(settings.bronze_container, broken).upload_blob(
        json.dumps(item), overwrite=True
    )
    truncated = f"baditem-{tag}/items/item-0007.json"
    client.get_blob_client(settings.bronze_container, truncated).upload_blob(
        b'{"type": "Feature"', overwrite=True
    )
    workers(threads=1)

    status = run(api, engine_platform, params(settings, sample["collection_blob"]))
    assert status["status"] == "failed"
    assert f"2 of 10 items of collection 'baditem-{tag}' in part 0 are invalid" in status["error"]
    assert (
        f"{broken} is not a valid STAC Item: bbox: Value error, bbox latitudes must satisfy"
        in status["error"]
    )
    assert "properties.datetime: Field required" in status["error"]
    assert f"{truncated} is not valid JSON" in status["error"]


def test_a_target_with_other_content_is_a_conflict_unless_overwrite(
    api, engine_platform, workers, tag
):
    settings, client = engine_platform.settings, engine_platform.blobs.client
    sample = upload_collection(client, settings.bronze_container, f"clash-{tag}", 10)
    clash = sample["asset_blobs"][4]
    client.get_blob_client(settings.silver_container, clash).upload_blob(
        b"something else", overwrite=True
    )
    workers(threads=2)

    status = run(api, engine_platform, params(settings, sample["collection_blob"]))
    assert status["status"] == "failed"
    assert (
        f"target blob {settings.silver_container}/{clash} exists with different content"
        in status["error"]
    )

    replaced = run(
        api, engine_platform, params(settings, sample["collection_blob"], overwrite=True)
    )
    assert replaced["status"] == "completed", replaced
    copied = client.get_blob_client(settings.silver_container, clash).download_blob().readall()
    assert (
        copied == client.get_blob_client(settings.bronze_container, clash).download_blob().readall()
    )


def test_ingest_parameters_are_checked_at_submission(api):
    response = api.post(
        "/api/jobs/submit/ingest_collection",
        json={"batch_size": 5, "source_container": "Bad_Name", "collection_json_path": "../x.json"},
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {
        "batch_size",
        "source_container",
        "collection_json_path",
    }


def test_a_failed_part_is_retried_alone_once_its_file_is_fixed(api, engine_platform, workers, tag):
    settings, client = engine_platform.settings, engine_platform.blobs.client
    sample = upload_collection(client, settings.bronze_container, f"retry-{tag}", 30)
    broken = f"retry-{tag}/items/item-0025.json"  # the last of 3 parts
    good = client.get_blob_client(settings.bronze_container, broken).download_blob().readall()
    client.get_blob_client(settings.bronze_container, broken).upload_blob(
        b'{"type": "Feature"', overwrite=True
    )
    workers(threads=1)

    status = run(api, engine_platform, params(settings, sample["collection_blob"]))
    assert status["status"] == "failed" and f"{broken} is not valid JSON" in status["error"]
    before = {t["task_index"]: t for t in stage_results(api, status["job_id"], 2)}
    assert [before[i]["status"] for i in range(3)] == ["completed", "completed", "failed"]
    client.get_blob_client(settings.bronze_container, broken).upload_blob(good, overwrite=True)
    assert api.post(f"/api/jobs/{status['job_id']}/retry").status_code == 200
    wait_for_status(engine_platform, status["job_id"], DONE, timeout=120)
    retried = api.get(f"/api/jobs/status/{status['job_id']}").json()
    assert (
        retried["status"] == "completed"
        and retried["attempt"] == 1
        and retried["result"]["items_registered"] == 30
    )
    after = {t["task_index"]: t for t in stage_results(api, status["job_id"], 2)}
    assert [after[i]["completed_at"] for i in (0, 1)] == [
        before[i]["completed_at"] for i in (0, 1)
    ]  # not run again
    assert after[2]["status"] == "completed" and after[2]["result"]["staged"] == 10
    assert pgstac(
        engine_platform,
        "SELECT count(*) FROM pgstac.items WHERE collection = %s",
        sample["collection_id"],
    ) == [(30,)]
