"""ingest_collection over the shapes real catalogs come in — an ItemCollection with
external COGs, NDJSON, STAC 1.0.0-beta.2, a static catalog with nested child catalogs —
each registered and served by /api/stac with the right counts; duplicate ids and items of
another collection refused, naming them; external assets never fetched unless asked."""

import json

import psycopg
import pytest

from core.access import OPERATOR
from services.engine.worker import WorkerPool
from tests.engine_jobs import registry_with_test_jobs
from tests.fakes.recorder import recording_server
from tests.stac_samples import tiny_cog
from tests.stac_shapes import (
    item_collection,
    nested_catalog,
    ndjson,
    s2_collection,
    s2_item,
    upload,
)
from tests.support import wait_for_status
from triggers.composition import Platform

DONE = {"completed", "completed_with_errors", "failed", "cancelled"}


def run(api, platform, parameters: dict) -> dict:
    response = api.post("/api/jobs/submit/ingest_collection", json=parameters)
    assert response.status_code in (200, 202), response.text
    wait_for_status(platform, response.json()["job_id"], DONE, timeout=180)
    return api.get(f"/api/jobs/status/{response.json()['job_id']}").json()


def served(api, collection_id: str) -> list[dict]:
    """Every item /api/stac serves for the collection, page by page."""
    url, found = f"/api/stac/collections/{collection_id}/items?limit=1000", []
    while url:
        page = api.get(url).json()
        found += page["features"]
        url = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)
    return found


def query(platform, sql: str, *args):
    with psycopg.connect(platform.settings.dsn) as conn:
        return conn.execute(sql, args).fetchall()


def test_an_item_collection_with_external_cogs_is_registered_as_is_and_nothing_is_fetched(
    api, engine_platform, workers, tag
):
    settings, client = engine_platform.settings, engine_platform.blobs.client
    with recording_server() as cogs:
        items = [s2_item(f"ic-{tag}", i, asset_base=f"{cogs.base_url}/cogs") for i in range(30)]
        upload(
            client,
            settings.bronze_container,
            {
                f"ic-{tag}/collection.json": s2_collection(f"ic-{tag}"),
                f"ic-{tag}/search-page.json": item_collection(items),
            },
        )
        workers(threads=2)
        status = run(
            api,
            engine_platform,
            {
                "collection_json_path": f"ic-{tag}/collection.json",
                "items_paths": [f"ic-{tag}/search-page.json"],
                "batch_size": 10,
            },
        )
        assert cogs.requests == []  # never fetched: not even a HEAD
    assert status["status"] == "completed", status
    result = status["result"]
    assert (result["items_total"], result["items_registered"], result["external_assets"]) == (
        30,
        30,
        30 * 6,
    )
    assert result["external_hosts"] == [cogs.base_url]
    assert [(s["name"], s["total"]) for s in status["stages"] if s["name"] == "copy"] == [
        ("copy", 0)
    ]  # nothing to copy
    served_items = served(api, f"ic-{tag}")
    assert sorted(i["id"] for i in served_items) == sorted(i["id"] for i in items)
    by_id = {i["id"]: i for i in items}
    assert all(
        i["assets"]["B04"]["href"] == by_id[i["id"]]["assets"]["B04"]["href"] for i in served_items
    )
    assert (
        result["data_type"] == "unknown"
    )  # one band of four per asset says nothing; external: not probed


def test_copy_external_downloads_only_from_allowed_hosts_and_skips_what_has_not_changed(
    engine_settings, platform, tag
):
    cog = tiny_cog(7)
    with recording_server() as server:
        server.answer = lambda target: (200, {"content-type": "image/tiff", "etag": '"v1"'}, cog)
        own = Platform.build(
            engine_settings.model_copy(update={"source_allowed_hosts": f"127.0.0.1:{server.port}"}),
            jobs=registry_with_test_jobs(),
        )
        pool = WorkerPool(
            own.engine,
            own.engine.jobs.handlers,
            own,
            threads=2,
            heartbeat_seconds=0.3,
            poll_seconds=0.05,
        )
        pool.start()
        try:
            items = [
                s2_item(f"ext-{tag}", i, asset_base=f"{server.base_url}/cogs") for i in range(3)
            ]
            for item in items:  # one asset elsewhere: not on the allow-list, so registered as is
                item["assets"]["thumbnail"]["href"] = (
                    f"https://elsewhere.example.net/{item['id']}.jpg"
                )
            upload(
                own.blobs.client,
                engine_settings.bronze_container,
                {
                    f"ext-{tag}/collection.json": s2_collection(f"ext-{tag}"),
                    f"ext-{tag}/items.ndjson": ndjson(items),
                },
            )
            parameters = {
                "collection_json_path": f"ext-{tag}/collection.json",
                "items_paths": [f"ext-{tag}/items.ndjson"],
                "copy_external": True,
                "batch_size": 10,
            }
            job = own.engine.submit("ingest_collection", parameters, principal=OPERATOR).job
            finished = wait_for_status(own, job["job_id"], DONE, timeout=120)
            assert finished["status"] == "completed", finished
            assert sorted(set(server.requests)) == sorted(
                {f"GET /cogs/{r}" for r in _asset_paths(items)}
            )
            silver = own.blobs.client.get_container_client(engine_settings.silver_container)
            host = f"127.0.0.1:{server.port}"
            stored = {b.name for b in silver.list_blobs(name_starts_with=f"external/{host}/cogs/")}
            assert len(stored) == 3 * 5 and finished["result"]["external_copied"] == 15
            assert finished["result"]["external_hosts"] == ["https://elsewhere.example.net"]
            registered = query(
                own, "SELECT content FROM pgstac.items WHERE collection = %s", f"ext-{tag}"
            )
            assert all(
                row[0]["assets"]["B04"]["href"].startswith(
                    f"{silver.url}/external/127.0.0.1%3A{server.port}/cogs/"
                )
                for row in registered
            )
            assert all(
                row[0]["assets"]["thumbnail"]["href"].startswith("https://elsewhere.example.net/")
                for row in registered
            )

            # Again with overwrite (every item re-staged): a HEAD per asset, nothing downloaded twice.
            server.requests.clear()
            again = own.engine.submit(
                "ingest_collection", parameters | {"overwrite": True}, principal=OPERATOR
            ).job
            assert wait_for_status(own, again["job_id"], DONE, timeout=120)["status"] == "completed"
            assert {r.split()[0] for r in server.requests} == {"HEAD"} and len(
                server.requests
            ) == 15
        finally:
            pool.stop()
            own.close()


def _asset_paths(items: list[dict]) -> list[str]:
    return [
        a["href"].split("/cogs/", 1)[1]
        for i in items
        for k, a in i["assets"].items()
        if k != "thumbnail"
    ]


def test_a_thousand_ndjson_items_are_inventoried_in_parallel_ranges(
    api, engine_platform, workers, tag
):
    settings, client = engine_platform.settings, engine_platform.blobs.client
    items = [s2_item(f"nd-{tag}", i) for i in range(1000)]
    upload(
        client,
        settings.bronze_container,
        {
            f"nd-{tag}/collection.json": s2_collection(f"nd-{tag}"),
            f"nd-{tag}/items.ndjson": ndjson(items),
        },
    )
    workers(threads=3)
    status = run(
        api,
        engine_platform,
        {
            "collection_json_path": f"nd-{tag}/collection.json",
            "items_paths": [f"nd-{tag}/items.ndjson"],
            "batch_size": 250,
        },
    )
    assert status["status"] == "completed", status
    inventory = next(s for s in status["stages"] if s["name"] == "inventory")
    assert inventory["total"] >= 4  # byte ranges of about 250 lines each
    assert status["result"]["items_registered"] == 1000
    assert len(served(api, f"nd-{tag}")) == 1000
    discovery = api.get(f"/api/jobs/{status['job_id']}/tasks", params={"stage": 1}).json()["items"][
        0
    ]["result"]
    assert (discovery["ndjson_files"], discovery["parts"]) == (1, inventory["total"])
    parts = api.get(
        f"/api/jobs/{status['job_id']}/tasks", params={"stage": 2, "limit": 100}
    ).json()["items"]
    progress = [
        t["progress"] for t in parts
    ]  # what the dashboard sums: items, and items/s while running
    assert {p["unit"] for p in progress} == {"items"} and sum(p["items"] for p in progress) == 1000


def test_stac_1_0_0_beta_2_is_migrated_and_keeps_its_original_version(
    api, engine_platform, workers, tag
):
    settings, client = engine_platform.settings, engine_platform.blobs.client
    items = [s2_item(f"beta-{tag}", i, version="1.0.0-beta.2") for i in range(100)]
    upload(
        client,
        settings.bronze_container,
        {
            f"beta-{tag}/collection.json": s2_collection(f"beta-{tag}", version="1.0.0-beta.2"),
            f"beta-{tag}/items.ndjson": ndjson(items),
        },
    )
    workers(threads=2)
    status = run(
        api,
        engine_platform,
        {
            "collection_json_path": f"beta-{tag}/collection.json",
            "items_paths": [f"beta-{tag}/items.ndjson"],
        },
    )
    assert status["status"] == "completed", status
    assert status["result"]["migrated"] == {"1.0.0-beta.2": 100}
    assert status["result"]["collections"][0]["original_stac_version"] == "1.0.0-beta.2"
    collection = api.get(f"/api/stac/collections/beta-{tag}").json()
    assert collection["stac_version"].startswith("1.") and collection["type"] == "Collection"
    assert collection["geoetl:original_stac_version"] == "1.0.0-beta.2"
    assert collection["summaries"]["eo:cloud_cover"] == {"minimum": 0, "maximum": 100}
    served_items = served(api, f"beta-{tag}")
    assert len(served_items) == 100
    item = served_items[0]
    assert (
        item["stac_version"].startswith("1.")
        and item["properties"]["geoetl:original_stac_version"] == "1.0.0-beta.2"
    )
    assert all(e.startswith("https://stac-extensions.github.io/") for e in item["stac_extensions"])


def test_duplicate_ids_fail_the_inventory_naming_them_and_register_nothing(
    api, engine_platform, workers, tag
):
    settings, client = engine_platform.settings, engine_platform.blobs.client
    items = [s2_item(f"dup-{tag}", i) for i in range(40)]
    twin = dict(items[3], properties=dict(items[3]["properties"], platform="sentinel-2c"))
    upload(
        client,
        settings.bronze_container,
        {
            f"dup-{tag}/collection.json": s2_collection(f"dup-{tag}"),
            f"dup-{tag}/a.ndjson": ndjson(items[:20]),
            f"dup-{tag}/b.ndjson": ndjson(items[20:] + [twin]),
        },
    )  # the twin lands in another part
    workers(threads=2)
    status = run(
        api,
        engine_platform,
        {
            "collection_json_path": f"dup-{tag}/collection.json",
            "items_paths": [f"dup-{tag}/a.ndjson", f"dup-{tag}/b.ndjson"],
        },
    )
    assert status["status"] == "failed"
    assert (
        f"item ids of collection 'dup-{tag}' appear more than once: {items[3]['id']!r}"
        in status["error"]
    )
    assert (
        f"dup-{tag}/a.ndjson line at byte" in status["error"]
        and f"dup-{tag}/b.ndjson line at byte" in status["error"]
    )
    assert api.get(f"/api/stac/collections/dup-{tag}").status_code == 404  # nothing half-registered


def test_an_id_twice_in_one_file_is_named_with_both_lines(api, engine_platform, workers, tag):
    settings, client = engine_platform.settings, engine_platform.blobs.client
    items = [s2_item(f"dup1-{tag}", i) for i in range(5)]
    upload(
        client,
        settings.bronze_container,
        {
            f"dup1-{tag}/collection.json": s2_collection(f"dup1-{tag}"),
            f"dup1-{tag}/items.ndjson": ndjson(items + [items[0]]),
        },
    )
    workers(threads=1)
    status = run(
        api,
        engine_platform,
        {
            "collection_json_path": f"dup1-{tag}/collection.json",
            "items_paths": [f"dup1-{tag}/items.ndjson"],
        },
    )
    assert status["status"] == "failed"
    assert (
        f"1 item ids of collection 'dup1-{tag}' appear more than once in part 0: {items[0]['id']!r} "
        f"(dup1-{tag}/items.ndjson line at byte 0 and dup1-{tag}/items.ndjson line at byte "
        f"{len(ndjson(items))})"
    ) in status["error"]


def test_items_naming_another_collection_are_refused_with_their_ids(
    api, engine_platform, workers, tag
):
    settings, client = engine_platform.settings, engine_platform.blobs.client
    items = [s2_item(f"own-{tag}", i) for i in range(12)]
    for stray in (items[2], items[9]):
        stray["collection"] = "someone-elses"
    upload(
        client,
        settings.bronze_container,
        {
            f"own-{tag}/collection.json": s2_collection(f"own-{tag}"),
            f"own-{tag}/page.json": item_collection(items),
        },
    )
    workers(threads=1)
    status = run(
        api,
        engine_platform,
        {
            "collection_json_path": f"own-{tag}/collection.json",
            "items_paths": [f"own-{tag}/page.json"],
            "batch_size": 50,
        },
    )
    assert status["status"] == "failed"
    assert (
        f"2 items of collection 'own-{tag}' in part 0 belong to another collection than 'own-{tag}'"
        in status["error"]
    )
    assert (
        f"{items[2]['id']!r} (own-{tag}/page.json feature 3) names 'someone-elses'"
        in status["error"]
    )
    assert items[9]["id"] in status["error"]


def test_a_static_catalog_with_nested_child_catalogs_registers_each_collection(
    api, engine_platform, workers, tag
):
    settings, client = engine_platform.settings, engine_platform.blobs.client
    prefix = f"cat-{tag}"
    upload(client, settings.bronze_container, nested_catalog(prefix, tiny_cog(3)))
    workers(threads=3)
    status = run(
        api, engine_platform, {"catalog_json_path": f"{prefix}/catalog.json", "batch_size": 10}
    )
    assert status["status"] == "completed", status
    counts = {
        c["collection_id"]: (c["items_total"], c["items_registered"])
        for c in status["result"]["collections"]
    }
    assert counts == {f"{prefix}-dem": (7, 7), f"{prefix}-s2": (5, 5)}
    assert len(served(api, f"{prefix}-dem")) == 7 and len(served(api, f"{prefix}-s2")) == 5
    silver = engine_platform.blobs.client.get_container_client(settings.silver_container)
    copied = sorted(b.name for b in silver.list_blobs(name_starts_with=f"{prefix}/"))
    assert copied == sorted(
        [f"{prefix}/dem/2023/tile-{i}/tile-{i}.tif" for i in range(3)]
        + [f"{prefix}/dem/2023/06/tile-{i}.tif" for i in range(3, 7)]
    )
    tile = api.get(f"/api/stac/collections/{prefix}-dem/items/dem-tile-5").json()
    assert tile["assets"]["dem"]["href"] == f"{silver.url}/{prefix}/dem/2023/06/tile-5.tif"
    assert status["result"]["collections"][0]["data_type"] == "dem"


def test_a_catalog_holding_a_collection_someone_else_owns_is_refused_before_anything_is_copied(
    api, engine_platform, workers, tag
):
    from services.access.ownership import claim_all
    from core.ownership import stac_collection

    settings, client = engine_platform.settings, engine_platform.blobs.client
    prefix = f"taken-{tag}"
    upload(client, settings.bronze_container, nested_catalog(prefix, tiny_cog(4)))
    with engine_platform.db.connection() as conn:
        claim_all(conn, [stac_collection(f"{prefix}-s2")], owner="key:mallory", job_id=None)
    workers(threads=2)
    status = run(api, engine_platform, {"catalog_json_path": f"{prefix}/catalog.json"})
    assert (
        status["status"] == "failed"
        and f"STAC collection '{prefix}-s2' is owned by key:mallory" in status["error"]
    )
    assert [s["name"] for s in status["stages"]] == ["discover"]  # no inventory, no copy
    silver = client.get_container_client(settings.silver_container)
    assert list(silver.list_blob_names(name_starts_with=f"{prefix}/")) == []
    assert query(
        engine_platform, "SELECT count(*) FROM pgstac.collections WHERE id LIKE %s", f"{prefix}%"
    ) == [(0,)]


@pytest.mark.parametrize(
    "shape, message",
    [
        ("cycle", "catalog cycle: {p}/catalog.json → {p}/dem/collection.json → {p}/catalog.json"),
        ("too deep", "deeper than max_depth 1"),
        ("escape", "points outside container"),
    ],
)
def test_catalogs_that_cannot_be_walked_fail_the_discovery_with_the_reason(
    api, engine_platform, workers, tag, shape, message
):
    settings, client = engine_platform.settings, engine_platform.blobs.client
    prefix = f"bad-{shape.replace(' ', '')}-{tag}"
    files = nested_catalog(prefix, b"not needed")
    dem = files[f"{prefix}/dem/collection.json"]
    if shape == "cycle":
        dem["links"].append({"rel": "child", "href": "../catalog.json"})
    elif shape == "escape":
        dem["links"].append({"rel": "child", "href": "../../../%2e%2e/secrets/catalog.json"})
    upload(client, settings.bronze_container, files)
    workers(threads=1)
    status = run(
        api,
        engine_platform,
        {
            "catalog_json_path": f"{prefix}/catalog.json",
            "max_depth": 1 if shape == "too deep" else 8,
        },
    )
    assert status["status"] == "failed"
    assert message.format(p=prefix) in status["error"] and "stage 1 (discover)" in status["error"]
    assert query(
        engine_platform, "SELECT count(*) FROM pgstac.collections WHERE id LIKE %s", f"{prefix}%"
    ) == [(0,)]


def test_roots_and_items_paths_are_checked_at_submission(api):
    cases = [
        ({"collection_json_path": "a.json", "catalog_json_path": "b.json"}, "not both"),
        (
            {"catalog_json_path": "b.json", "items_paths": ["x.ndjson"]},
            "give collection_json_path with them",
        ),
        ({"items_paths": ["ok.ndjson", "../up.ndjson"]}, "inside the container"),
        ({"items_paths": ["a.ndjson", "a.ndjson"]}, "listed twice"),
    ]
    for parameters, message in cases:
        response = api.post("/api/jobs/submit/ingest_collection", json=parameters)
        assert response.status_code == 422 and message in json.dumps(response.json()), parameters
