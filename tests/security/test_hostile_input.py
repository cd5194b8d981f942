"""No 500 from input (issue 11, item 6): each input that once reached a plain-text 500 is
now a 4xx in problem+json; the unexpected answers 500 with a correlation id and nothing
else; a database that cannot be reached answers 503 with Retry-After."""

import uuid

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from tests.conftest import ADMIN_HEADERS
from tests.vector_samples import geojson, point_feature
from triggers.composition import Platform
from triggers.http.app import create_app

PROBLEM = "application/problem+json"


def is_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    return response.json()


def test_a_nul_character_in_job_parameters_is_a_422_naming_the_field(client):
    body = is_problem(
        client.post("/api/jobs/submit/hello_world", json={"n": 1, "message": "a\u0000b"}), 422
    )
    assert body["errors"][0]["field"] == "message"
    body = is_problem(client.post("/api/jobs/submit/hello_world", json={"n": 1, "k\u0000": 1}), 422)


@pytest.mark.parametrize(
    "path",
    [
        "/api/jobs?offset=9223372036854775808",
        "/api/jobs?limit=99999999999999999999",
        "/api/features/collections?offset=9223372036854775808",
        "/api/jobs/some/tasks?offset=-1",
    ],
)
def test_huge_or_negative_paging_numbers_are_422(client, path):
    is_problem(client.get(path), 422)


@pytest.fixture()
def published_table(client, platform):
    from tests.integration.vector_support import put_blob

    table = f"hostile_{uuid.uuid4().hex[:8]}"
    blob = put_blob(platform, geojson([point_feature(1.0, 2.0, name="a")]), "one.geojson")
    from services.engine.worker import WorkerPool
    from tests.support import wait_for_status

    job = client.post(
        "/api/jobs/submit/process_vector", json={"blob_name": blob, "table_name": table}
    ).json()
    pool = WorkerPool(
        platform.engine,
        platform.engine.jobs.handlers,
        platform,
        threads=1,
        heartbeat_seconds=0.3,
        batch_size=10,
        poll_seconds=0.05,
    )
    pool.start()
    try:
        assert (
            wait_for_status(platform, job["job_id"], {"completed", "failed"})["status"]
            == "completed"
        )
    finally:
        pool.stop()
    return table


@pytest.mark.parametrize("feature_id", ["²", "１２", "1" * 40, "-1", "1e3", "%00"])
def test_feature_ids_that_are_not_ascii_digits_are_404(client, published_table, feature_id):
    is_problem(client.get(f"/api/features/collections/{published_table}/items/{feature_id}"), 404)


@pytest.mark.parametrize(
    "token", ["garbage", "next:", "prev:%%%", "next:" + "9" * 500, "next:1:2:3"]
)
def test_malformed_stac_paging_tokens_are_400(client, published_table, token):
    body = is_problem(
        client.get("/api/stac/collections/vectors/items", params={"token": token}), 400
    )
    assert body["detail"].startswith("invalid paging token")


@pytest.mark.parametrize("bbox", ["nan,0,1,1", "0,0,inf,1", "a,b,c,d", "1,2,3", "0,5,1,1"])
def test_malformed_bboxes_are_400(client, published_table, bbox):
    is_problem(
        client.get(f"/api/features/collections/{published_table}/items", params={"bbox": bbox}), 400
    )


def test_an_unexpected_error_is_a_500_with_a_correlation_id_and_no_internals(client, monkeypatch):
    from services.engine import reads

    def broken(*_args, **_kwargs):
        raise RuntimeError("secret detail at /tmp/geoetl-vector/private.shp")

    monkeypatch.setattr(reads, "list_jobs", broken)
    with TestClient(client.app, raise_server_exceptions=False, headers=ADMIN_HEADERS) as raw:
        body = is_problem(raw.get("/api/jobs"), 500)
    assert len(body["correlation_id"]) == 32 and body["correlation_id"] in body["detail"]
    assert "secret" not in str(body) and "/tmp" not in str(body) and "RuntimeError" not in str(body)


def test_a_database_outage_is_503_problem_json_with_retry_after(settings):
    down = settings.model_copy(
        update={
            "database_url": SecretStr("postgresql://nobody@127.0.0.1:9/none"),
            "db_connect_timeout_seconds": 1.0,
        }
    )
    platform = Platform.build(down)
    try:
        with TestClient(create_app(platform), headers=ADMIN_HEADERS) as client:
            response = client.get("/api/jobs")
            is_problem(response, 503)
            assert int(response.headers["retry-after"]) > 0
            is_problem(client.get("/api/features/collections"), 503)
            keyed = client.get(
                "/api/jobs", headers={"x-functions-key": "geoetl_" + "k" * 43}
            )  # key lookup needs the DB
            is_problem(keyed, 503)
    finally:
        platform.close()
