"""Auth and problem+json, without services: a request without a valid-looking key is
refused before any I/O; every route declares who may call it."""

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from config import Settings
from triggers.composition import Platform
from triggers.http.app import create_app

UNREACHABLE_DB = "postgresql://nobody@127.0.0.1:9/none"


def make_client(admin_key: str | None) -> TestClient:
    settings = Settings(
        database_url=SecretStr(UNREACHABLE_DB),
        admin_api_key=SecretStr(admin_key) if admin_key else None,
    )
    return TestClient(create_app(Platform.build(settings)))


@pytest.mark.parametrize(
    "method,path", [("GET", "/api/admin/db/status"), ("POST", "/api/admin/db/deploy")]
)
@pytest.mark.parametrize(
    "headers,detail",
    [
        ({}, "this route needs a admin key: send it as x-functions-key or Authorization: Bearer"),
        ({"x-functions-key": "wrong"}, "unknown or revoked API key"),
        ({"authorization": "Bearer wrong"}, "unknown or revoked API key"),
    ],
)
def test_admin_routes_refuse_missing_or_wrong_keys(method, path, headers, detail):
    response = make_client("right-key").request(method, path, headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body == {
        "type": "https://geoetl.dev/problems/unauthorized",
        "title": "Unauthorized",
        "status": 401,
        "detail": detail,
    }


def test_admin_routes_are_closed_when_no_key_is_configured():
    response = make_client(None).get("/api/admin/db/status", headers={"x-functions-key": ""})
    assert response.status_code == 401


def test_the_bootstrap_key_is_the_admin_and_a_key_lookup_without_database_is_503():
    client = make_client("right-key")
    deploy = client.post("/api/admin/db/deploy", headers={"x-functions-key": "right-key"})
    assert deploy.status_code == 503, deploy.text  # authenticated, then the database is down
    looked_up = client.get("/api/jobs", headers={"authorization": "Bearer geoetl_" + "x" * 43})
    assert looked_up.status_code == 503 and looked_up.headers["retry-after"]
    assert looked_up.headers["content-type"] == "application/problem+json"


def test_every_route_declares_its_role():
    from fastapi.routing import APIRoute

    from triggers.http.access import Requires
    from triggers.http.gate import flat_routes

    app = make_client("k").app
    api_routes = [r for r in flat_routes(app) if isinstance(r, APIRoute)]
    assert len(api_routes) > 30
    undeclared = [
        r.path
        for r in api_routes
        if not any(isinstance(d.call, Requires) for d in r.dependant.dependencies)
    ]
    assert undeclared == []
    others = {getattr(r, "path", "") for r in flat_routes(app) if not isinstance(r, APIRoute)}
    assert others == {"/api/openapi.json", "/api/interface/static"}


@pytest.mark.parametrize(
    "method,path",
    [
        ("POST", "/api/jobs/submit/hello_world"),
        ("GET", "/api/jobs"),
        ("GET", "/api/metrics/jobs"),
        ("POST", "/api/uploads"),
        ("GET", "/api/interface/metrics/jobs"),
        ("GET", "/api/curated/datasets"),
    ],
)
def test_anonymous_callers_get_401_on_everything_but_public_data(method, path):
    response = make_client("k").request(method, path)
    assert response.status_code == 401, response.text
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    assert response.headers["x-content-type-options"] == "nosniff"


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
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;"
        ),
        health_timeout_seconds=2,
    )
    response = TestClient(create_app(Platform.build(settings))).get("/api/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert set(body["failing"]) == {"database", "postgis", "pgstac", "blob_storage", "queue"}
    assert "Connection refused" in body["checks"]["database"]["detail"]
