"""Admin auth and problem+json, without services: auth is decided before any I/O."""

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from config import Settings
from triggers.composition import Platform
from triggers.http.app import create_app

UNREACHABLE_DB = "postgresql://nobody@127.0.0.1:9/none"


def make_client(admin_key: str | None) -> TestClient:
    settings = Settings(database_url=SecretStr(UNREACHABLE_DB), admin_api_key=SecretStr(admin_key) if admin_key else None)
    return TestClient(create_app(Platform.build(settings)))


@pytest.mark.parametrize("method,path", [("GET", "/api/admin/db/status"), ("POST", "/api/admin/db/deploy")])
@pytest.mark.parametrize("headers,detail", [
    ({}, "missing admin key: send it in the x-functions-key header"),
    ({"x-functions-key": "wrong"}, "wrong admin key"),
])
def test_admin_routes_refuse_missing_or_wrong_keys(method, path, headers, detail):
    response = make_client("right-key").request(method, path, headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body == {"type": "https://geoetl.dev/problems/unauthorized", "title": "Unauthorized", "status": 401, "detail": detail}


def test_admin_routes_are_closed_when_no_key_is_configured():
    response = make_client(None).get("/api/admin/db/status", headers={"x-functions-key": ""})
    assert response.status_code == 401
    assert "ADMIN_API_KEY is not configured" in response.json()["detail"]


def test_unknown_routes_are_problem_json():
    response = make_client("k").get("/api/does-not-exist")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Not Found"


def test_openapi_document_is_published_under_api():
    paths = make_client("k").get("/api/openapi.json").json()["paths"]
    assert {"/api/health", "/api/admin/db/status", "/api/admin/db/deploy"} <= set(paths)


def test_health_names_every_unreachable_dependency_with_503():
    settings = Settings(
        database_url=SecretStr(UNREACHABLE_DB),
        storage_connection_string=SecretStr(
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;"),
        health_timeout_seconds=2,
    )
    response = TestClient(create_app(Platform.build(settings))).get("/api/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert set(body["failing"]) == {"database", "postgis", "pgstac", "blob_storage", "queue"}
    assert "Connection refused" in body["checks"]["database"]["detail"]
