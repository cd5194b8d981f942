"""Ownership of what is published (issue 11, item 3): a job replaces only what its caller
owns; curated tables only through their dataset; an admin takes over explicitly. A
refused replace is a 409 at submit naming the owner, and the table stays row for row."""

import uuid

import psycopg
import pytest

from services.engine.worker import WorkerPool
from tests.integration.vector_support import finish, put_blob, query
from tests.support import wait_for_status
from tests.vector_samples import geojson, point_feature

DONE = {"completed", "completed_with_errors", "failed", "cancelled"}


def points(n: int, label: str) -> bytes:
    return geojson([point_feature(float(i), float(i) / 2, label=label, i=i) for i in range(n)])


def table_rows(platform, table: str) -> list:
    return query(platform, f'SELECT * FROM geo."{table}" ORDER BY 1')


def publish(client, platform, table: str, headers: dict, rows: int = 3, **extra):
    blob = put_blob(platform, points(rows, table), "points.geojson")
    return client.post(
        "/api/jobs/submit/process_vector",
        json={"blob_name": blob, "table_name": table, **extra},
        headers=headers,
    )


@pytest.fixture()
def world(platform_with, platform):
    return platform_with(), platform


def test_a_stranger_cannot_replace_a_table_and_an_admin_takes_it_over_on_the_record(
    world, key_for, admin_headers
):
    client, platform = world
    alice, bob = key_for("submitter", name=f"alice-{uuid.uuid4().hex[:6]}"), key_for("submitter")
    table = f"parks_{uuid.uuid4().hex[:8]}"
    first = publish(client, platform, table, alice, rows=3)
    assert first.status_code == 202
    assert finish(platform, first.json()["job_id"])["status"] == "completed"
    before = table_rows(platform, table)

    refused = publish(client, platform, table, bob, rows=1)
    assert refused.status_code == 409, refused.text
    assert "is owned by key:alice-" in refused.json()["detail"]
    points_variant = publish(
        client, platform, f"{table}_points", bob, rows=1
    )  # a name the first load may use
    assert points_variant.status_code == 409
    assert (
        publish(client, platform, table, bob, rows=1, replace_owned_by_other=True).status_code
        == 403
    )
    assert table_rows(platform, table) == before

    taken = publish(client, platform, table, admin_headers, rows=2, replace_owned_by_other=True)
    assert taken.status_code == 202, taken.text
    job_id = taken.json()["job_id"]
    assert finish(platform, job_id)["status"] == "completed"
    assert len(table_rows(platform, table)) == 2
    events = client.get(f"/api/jobs/{job_id}/events").json()["items"]
    took = [e for e in events if e["event"] == "ownership_taken_over"]
    assert took and "from key:alice-" in took[0]["detail"]["resources"][0]
    assert publish(client, platform, table, alice, rows=1).status_code == 409  # now the admin's


def test_curated_tables_are_replaced_only_through_their_dataset(world, key_for, admin_headers):
    client, platform = world
    table = f"curated_demo_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(platform.settings.dsn, autocommit=True) as conn:
        conn.execute(
            f'CREATE TABLE geo."{table}" AS SELECT g AS id, ST_MakePoint(g % 180, 0) AS geom '
            "FROM generate_series(1, 3000) g"
        )
        conn.execute(
            "INSERT INTO app.ownership (resource_kind, resource_name, owner) VALUES ('table', %s, 'curated:demo')",
            (table,),
        )
    before = table_rows(platform, table)
    for headers in (key_for("submitter"), admin_headers):
        refused = publish(client, platform, table, headers)
        assert refused.status_code == 409, refused.text
        assert "curated" in refused.json()["detail"]
    assert (
        publish(client, platform, table, admin_headers, replace_owned_by_other=True).status_code
        == 409
    )
    unclaimed = publish(client, platform, f"curated_new_{uuid.uuid4().hex[:6]}", admin_headers)
    assert (
        unclaimed.status_code == 409
        and "reserved for curated datasets" in unclaimed.json()["detail"]
    )
    assert table_rows(platform, table) == before and len(before) == 3000


def test_a_claim_lost_before_publish_fails_the_job_and_leaves_no_table(
    engine_client, key_for, settings
):
    """The publish checks ownership again in its own transaction (an admin may have taken
    the name over after the submit): the job fails with the owner named, nothing dropped."""
    client, platform = engine_client
    table = f"race_{uuid.uuid4().hex[:8]}"
    submitted = publish(client, platform, table, key_for("submitter"))
    assert submitted.status_code == 202
    with psycopg.connect(settings.dsn, autocommit=True) as conn:
        conn.execute(
            "UPDATE app.ownership SET owner = 'key:mallory' WHERE resource_kind = 'table' AND resource_name = %s",
            (table,),
        )
    pool = WorkerPool(
        platform.engine,
        platform.engine.jobs.handlers,
        platform,
        threads=2,
        heartbeat_seconds=0.3,
        batch_size=10,
        poll_seconds=0.05,
    )
    pool.start()
    try:
        job = wait_for_status(platform, submitted.json()["job_id"], DONE, timeout=60)
    finally:
        pool.stop()
    assert job["status"] == "failed" and "owned by key:mallory" in job["error"]
    assert query(platform, "SELECT to_regclass(%s)", f"geo.{table}") == [(None,)]


def test_stac_collections_belong_to_whoever_ingested_them(engine_client, key_for):
    """ingest_collection claims the collection its document names before copying anything."""
    from services.access.ownership import claim_all
    from core.ownership import stac_collection
    from core.errors import Conflict

    _, platform = engine_client
    with platform.db.connection() as conn:
        claim_all(conn, [stac_collection("sentinel-x")], owner="key:alice", job_id=None)
    with pytest.raises(Conflict, match="owned by key:alice"):
        with platform.db.connection() as conn:
            claim_all(conn, [stac_collection("sentinel-x")], owner="key:bob", job_id=None)
    with pytest.raises(Conflict, match="owned by platform"):
        with platform.db.connection() as conn:
            claim_all(conn, [stac_collection("rasters")], owner="key:bob", job_id=None)
    with platform.db.connection() as conn:  # adding an item to the shared raster catalog is fine
        claim_all(
            conn, [stac_collection("rasters", mode="contribute")], owner="key:bob", job_id=None
        )


def test_a_collection_ingested_by_one_submitter_cannot_be_replaced_by_another(world, key_for):
    from tests.stac_samples import upload_collection

    client, platform = world
    settings = platform.settings
    prefix = f"owned-{uuid.uuid4().hex[:8]}"
    sample = upload_collection(platform.blobs.client, settings.bronze_container, prefix, 3)
    alice, bob = key_for("submitter"), key_for("submitter")

    def ingest(headers: dict, batch_size: int) -> dict:
        response = client.post(
            "/api/jobs/submit/ingest_collection",
            headers=headers,
            json={"collection_json_path": sample["collection_blob"], "batch_size": batch_size},
        )
        assert response.status_code == 202, response.text
        return wait_for_status(platform, response.json()["job_id"], DONE, timeout=120)

    assert ingest(alice, 10)["status"] == "completed"
    items_before = query(
        platform, "SELECT id, content FROM pgstac.items WHERE collection = %s ORDER BY id", prefix
    )
    refused = ingest(
        bob, 11
    )  # other parameters: a new job, which must not touch alice's collection
    assert (
        refused["status"] == "failed"
        and f"STAC collection '{prefix}' is owned by key:submitter-" in refused["error"]
    )
    assert (
        query(
            platform,
            "SELECT id, content FROM pgstac.items WHERE collection = %s ORDER BY id",
            prefix,
        )
        == items_before
    )
    copy_stage = query(
        platform,
        "SELECT count(*) FROM app.tasks WHERE job_id = %s AND stage = 2",
        refused["job_id"],
    )
    assert copy_stage == [(0,)]  # refused at the inventory: nothing was copied
