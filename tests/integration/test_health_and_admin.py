"""Health and admin routes against the real PostgreSQL/pgSTAC and Azurite."""

from fastapi.testclient import TestClient
from pydantic import SecretStr

from tests.support import azurite_connection_string, private_azurite
from triggers.composition import Platform
from triggers.http.app import create_app

DEPENDENCIES = {"database", "postgis", "pgstac", "blob_storage", "queue"}


def test_health_reports_every_dependency_up(client):
    response = client.get("/api/health")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "up" and body["failing"] == []
    assert set(body["checks"]) == DEPENDENCIES
    assert body["checks"]["pgstac"]["detail"] == "0.10.0"
    assert body["checks"]["postgis"]["detail"].startswith("3.")
    assert all(check["latency_ms"] >= 0 for check in body["checks"].values())


def test_health_reports_a_stopped_azurite_as_503_naming_blob_storage(settings, tmp_path):
    with private_azurite(tmp_path) as (azurite, port):
        own = settings.model_copy(
            update={
                "storage_connection_string": SecretStr(azurite_connection_string(port)),
                "health_timeout_seconds": 2.0,
            }
        )
        client = TestClient(create_app(Platform.build(own)))
        assert client.get("/api/health").status_code == 200

        azurite.kill()  # SIGTERM waits for the client's keep-alive connections to close
        azurite.wait(timeout=10)

        response = client.get("/api/health")
        assert response.status_code == 503
        body = response.json()
        assert body["failing"] == ["blob_storage"]
        assert "refused" in body["checks"]["blob_storage"]["detail"].lower()
        assert body["checks"]["database"]["status"] == "up"


def test_admin_status_and_deploy_with_the_key(client, admin_headers):
    status = client.get("/api/admin/db/status", headers=admin_headers)
    assert status.status_code == 200
    body = status.json()
    assert body["up_to_date"] is True and body["pending"] == []
    assert [m["name"] for m in body["applied"]][:2] == ["schemas", "engine"]

    deploy = client.post("/api/admin/db/deploy", headers=admin_headers)
    assert deploy.status_code == 200
    assert deploy.json()["applied"] == [] and deploy.json()["pgstac_to"] == "0.10.0"


def test_admin_with_a_wrong_key_is_refused(client):
    response = client.post("/api/admin/db/deploy", headers={"x-functions-key": "nope"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
