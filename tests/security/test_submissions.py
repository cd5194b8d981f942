"""Authorization by what is touched (issue 11, item 2): who may start which job with which
parameters, and who may cancel, retry or resubmit it."""

import uuid
from datetime import datetime, timedelta, timezone

import psycopg
import pytest
from psycopg.types.json import Jsonb

from tests.conftest import ANONYMOUS


def submit(client, job_type: str, parameters: dict, headers: dict):
    return client.post(f"/api/jobs/submit/{job_type}", json=parameters, headers=headers)


def test_anonymous_callers_cannot_submit(client):
    response = submit(
        client, "process_vector", {"blob_name": "x.kml", "table_name": "anything"}, ANONYMOUS
    )
    assert response.status_code == 401


def test_curated_updates_are_refused_to_submitters_whatever_the_route(client, key_for):
    submitter = key_for("submitter")
    tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).replace(
        hour=2, minute=0, second=0, microsecond=0
    )
    scheduled_ahead = {
        "dataset_id": "wdpa",
        "update_type": "scheduled",
        "scheduled_for": tomorrow.isoformat(),
    }
    refused = submit(client, "curated_update", scheduled_ahead, submitter)
    assert refused.status_code == 403 and "admins only" in refused.json()["detail"]
    assert (
        client.post("/api/curated/datasets/wdpa/update", json={}, headers=submitter).status_code
        == 403
    )
    with psycopg.connect(client.app.state.platform.settings.dsn) as conn:
        assert (
            conn.execute(
                "SELECT count(*) FROM app.jobs WHERE parameters->>'scheduled_for' = %s",
                (scheduled_ahead["scheduled_for"],),
            ).fetchone()[0]
            == 0
        )


@pytest.mark.parametrize(
    "job_type,parameters,field",
    [
        (
            "process_vector",
            {"blob_name": "x.kml", "table_name": "t_containers", "container": "silver"},
            "container",
        ),
        ("process_raster", {"blob_name": "x.tif", "container": "other"}, "container"),
        (
            "process_raster",
            {"blob_name": "x.tif", "target_container": "bronze"},
            "target_container",
        ),
        ("ingest_collection", {"source_container": "private-stuff"}, "source_container"),
        ("ingest_collection", {"target_container": "anything"}, "target_container"),
        ("ingest_collection", {"overwrite": True}, "overwrite"),
        ("ingest_collection", {"copy_external": True}, "copy_external"),
        (
            "process_vector",
            {"blob_name": "x.kml", "table_name": "t_take", "replace_owned_by_other": True},
            "replace_owned_by_other",
        ),
    ],
)
def test_container_overwrite_and_takeover_parameters_are_admin_only(
    client, key_for, job_type, parameters, field
):
    response = submit(client, job_type, parameters, key_for("submitter"))
    assert response.status_code == 403, response.text
    assert field in response.json()["detail"]


def test_containers_default_to_the_settings_and_may_be_named_as_such(client, key_for, settings):
    submitter = key_for("submitter")
    name = f"t_defaults_{uuid.uuid4().hex[:8]}"
    explicit = submit(
        client,
        "process_vector",
        {"blob_name": "x.kml", "table_name": name, "container": settings.bronze_container},
        submitter,
    )
    implicit = submit(
        client, "process_vector", {"blob_name": "x.kml", "table_name": name}, submitter
    )
    assert (
        explicit.status_code == 202 and implicit.status_code == 200
    )  # the same job: containers spelled out
    job = client.get(explicit.json()["status_url"]).json()
    assert job["parameters"]["container"] == settings.bronze_container
    assert job["submitted_by"].startswith("key:submitter-")


def test_an_admin_may_name_any_container(client, admin_headers):
    response = submit(
        client,
        "ingest_collection",
        {"source_container": "another-one", "collection_json_path": f"{uuid.uuid4().hex}.json"},
        admin_headers,
    )
    assert response.status_code == 202


def test_unknown_parameters_are_named_not_dropped(client, key_for):
    response = submit(client, "hello_world", {"n": 2, "mesage": "typo"}, key_for("submitter"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "mesage"


def test_blob_paths_that_climb_out_of_the_container_are_refused(client, key_for):
    submitter = key_for("submitter")
    for blob in (
        "../silver/x.kml",
        "a/%2e%2e/%2e%2e/x.kml",
        "a/%252e%252e/x.kml",
        "/etc/passwd",
        "a\\..\\x.kml",
    ):
        response = submit(
            client, "process_vector", {"blob_name": blob, "table_name": "t_paths"}, submitter
        )
        assert response.status_code == 422, (blob, response.text)
        raster = submit(client, "process_raster", {"blob_name": blob}, submitter)
        assert raster.status_code == 422, (blob, raster.text)
        for stac in (
            {"collection_json_path": blob},
            {"catalog_json_path": blob},
            {"collection_json_path": "c.json", "items_paths": ["ok.ndjson", blob]},
        ):
            ingest = submit(client, "ingest_collection", stac, submitter)
            assert ingest.status_code == 422, (stac, ingest.text)


def test_submitters_control_their_own_jobs_only(engine_client, key_for):
    client, _ = engine_client
    alice, bob, reader = key_for("submitter"), key_for("submitter"), key_for("reader")
    job = submit(client, "hello_world", {"n": 2, "message": uuid.uuid4().hex}, alice).json()[
        "job_id"
    ]
    assert client.post(f"/api/jobs/{job}/cancel", headers=reader).status_code == 403
    refused = client.post(f"/api/jobs/{job}/cancel", headers=bob)
    assert refused.status_code == 403 and "submitted by key:submitter-" in refused.json()["detail"]
    assert client.post(f"/api/jobs/{job}/cancel", headers=alice).status_code == 200
    assert client.post(f"/api/jobs/{job}/resubmit", headers=bob).status_code == 403
    assert client.post(f"/api/jobs/{job}/resubmit", headers=alice).status_code == 200


def test_resubmit_or_retry_of_a_job_type_this_host_does_not_know_is_409(engine_client):
    client, platform = engine_client
    job_id = uuid.uuid4().hex * 2
    with psycopg.connect(platform.settings.dsn, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO app.jobs (job_id, job_type, parameters, status, total_stages, current_stage) "
            "VALUES (%s, 'retired_type', %s, 'failed', 1, 1)",
            (job_id, Jsonb({})),
        )
    for action in ("resubmit", "retry"):
        response = client.post(f"/api/jobs/{job_id}/{action}")
        assert response.status_code == 409, response.text
        assert "not registered" in response.json()["detail"]
