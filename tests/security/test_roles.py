"""Who may call what (issue 11, item 1): each route's role, tried anonymously, as a
reader, a submitter and an admin. The role is checked before anything else, so a path
that names nothing real still answers 401/403 to those who may not call it."""

import pytest

from tests.conftest import ANONYMOUS

NOWHERE = "0" * 64
# (method, path, the least role that may call it)
ROUTES = [
    ("GET", "/api/health", "anonymous"),
    ("GET", "/api/features/collections", "anonymous"),
    ("GET", "/api/stac/collections", "anonymous"),
    ("GET", "/api/curated/datasets/wdpa/style", "anonymous"),
    ("GET", "/api/raster/nothing/info", "anonymous"),
    ("GET", "/api/h3/aggregations", "anonymous"),
    ("GET", "/api/h3/features/collections", "anonymous"),
    ("GET", "/api/h3/features/collections/nothing/tiles", "anonymous"),
    ("GET", "/api/h3/features/collections/nothing/tiles/WebMercatorQuad", "anonymous"),
    ("GET", "/api/h3/features/collections/nothing/tiles/WebMercatorQuad/0/0/0", "anonymous"),
    ("GET", "/api/h3/features/collections/nothing/tilejson.json", "anonymous"),
    ("GET", "/api/h3/features/collections/nothing/style", "anonymous"),
    ("GET", "/api/features/collections/nothing/tiles", "anonymous"),
    ("GET", "/api/features/collections/nothing/tiles/WebMercatorQuad", "anonymous"),
    ("GET", "/api/features/collections/nothing/tiles/WebMercatorQuad/0/0/0", "anonymous"),
    ("GET", "/api/features/collections/nothing/tilejson.json", "anonymous"),
    ("GET", "/api/raster/nothing/tiles/WebMercatorQuad/0/0/0", "anonymous"),
    ("GET", "/api/raster/nothing/tilejson.json", "anonymous"),
    ("GET", "/api/raster/nothing/preview.png", "anonymous"),
    ("GET", "/api/stac/collections/nothing/tiles/WebMercatorQuad/0/0/0", "anonymous"),
    ("GET", "/api/stac/collections/nothing/tilejson.json", "anonymous"),
    ("GET", "/api/maps/layers", "anonymous"),
    ("GET", "/api/interface/map", "anonymous"),  # the map page's shell
    ("GET", "/api/docs", "anonymous"),
    ("GET", "/api/openapi.json", "anonymous"),
    ("GET", "/api/interface/metrics", "anonymous"),  # the page's shell: no data in it
    ("GET", "/api/interface/metrics/jobs", "reader"),
    ("GET", f"/api/interface/metrics/jobs/{NOWHERE}", "reader"),
    ("GET", "/api/interface/curated/datasets", "reader"),
    ("GET", "/api/interface/pipelines", "anonymous"),  # the builder's shell: no data in it
    ("GET", f"/api/interface/pipelines/runs/{NOWHERE}", "anonymous"),
    ("GET", f"/api/interface/pipelines/runs/{NOWHERE}/flow", "reader"),
    ("GET", f"/api/interface/pipelines/runs/{NOWHERE}/stages/1", "reader"),
    ("GET", "/api/pipelines/schema", "anonymous"),
    ("GET", "/api/pipelines", "reader"),
    ("GET", "/api/pipelines/steps", "reader"),
    ("GET", "/api/pipelines/templates", "reader"),
    ("POST", "/api/pipelines/validate", "reader"),
    ("GET", "/api/pipelines/nothing", "reader"),
    ("GET", "/api/pipelines/nothing/versions", "reader"),
    ("GET", "/api/pipelines/nothing/versions/1", "reader"),
    ("GET", "/api/pipelines/nothing/diff", "reader"),
    ("GET", "/api/pipelines/nothing/runs", "reader"),
    ("GET", f"/api/pipelines/runs/{NOWHERE}/outputs", "reader"),
    ("PUT", "/api/pipelines/nothing", "submitter"),
    ("POST", "/api/pipelines/nothing/plan", "submitter"),
    ("POST", "/api/pipelines/nothing/run", "submitter"),
    ("POST", "/api/pipelines/nothing/archive", "submitter"),
    ("GET", "/api/jobs", "reader"),
    ("GET", "/api/jobs/types", "reader"),
    ("GET", f"/api/jobs/status/{NOWHERE}", "reader"),
    ("GET", f"/api/jobs/{NOWHERE}/tasks", "reader"),
    ("GET", f"/api/jobs/{NOWHERE}/events", "reader"),
    ("GET", "/api/metrics/jobs", "reader"),
    ("GET", f"/api/platform/status/{NOWHERE}", "reader"),
    ("GET", "/api/curated/datasets", "reader"),
    ("GET", "/api/curated/datasets/wdpa/history", "reader"),
    ("GET", "/api/vector/nothing/report", "reader"),
    ("POST", "/api/jobs/submit/no_such_job", "submitter"),
    ("POST", f"/api/jobs/{NOWHERE}/cancel", "submitter"),
    ("POST", f"/api/jobs/{NOWHERE}/retry", "submitter"),
    ("POST", f"/api/jobs/{NOWHERE}/resubmit", "submitter"),
    ("POST", "/api/uploads", "submitter"),
    ("POST", "/api/platform/submit", "submitter"),
    ("POST", "/api/curated/datasets", "admin"),
    ("PUT", "/api/curated/datasets/nothing", "admin"),
    ("DELETE", "/api/curated/datasets/nothing", "admin"),
    ("POST", "/api/curated/datasets/nothing/update", "admin"),
    ("POST", "/api/curated/datasets/nothing/upload", "admin"),
    ("POST", "/api/curated/datasets/nothing/enable", "admin"),
    ("GET", "/api/admin/db/status", "admin"),
    ("GET", "/api/admin/keys", "admin"),
    ("POST", "/api/admin/keys", "admin"),
    ("DELETE", "/api/admin/keys/nobody", "admin"),
]
ORDER = ["anonymous", "reader", "submitter", "admin"]


@pytest.mark.parametrize("method,path,least", ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_each_route_answers_each_role_as_declared(client, key_for, method, path, least):
    for role in ORDER:
        headers = ANONYMOUS if role == "anonymous" else key_for(role)
        status = client.request(method, path, headers=headers).status_code
        if ORDER.index(role) >= ORDER.index(least):
            assert status not in (401, 403), f"{role} refused ({status}) on {method} {path}"
        else:
            assert status == (401 if role == "anonymous" else 403), (
                f"{role} got {status} on {method} {path}"
            )


def test_a_revoked_or_unknown_key_is_401_even_on_public_data(client, key_for, admin_headers):
    headers = key_for("reader", name="soon-revoked")
    assert client.get("/api/jobs", headers=headers).status_code == 200
    assert client.delete("/api/admin/keys/soon-revoked", headers=admin_headers).status_code == 200
    assert client.get("/api/jobs", headers=headers).status_code == 401
    assert client.get("/api/features/collections", headers=headers).status_code == 401
    assert (
        client.get(
            "/api/features/collections", headers={"x-functions-key": "geoetl_forged"}
        ).status_code
        == 401
    )


def test_keys_are_stored_as_digests_and_listed_without_the_key(client, platform, admin_headers):
    created = client.post(
        "/api/admin/keys", json={"name": "listed-one", "role": "submitter"}, headers=admin_headers
    )
    assert created.status_code == 201
    key = created.json()["key"]
    with platform.db.connection() as conn:
        stored = conn.execute("SELECT * FROM app.api_keys WHERE name = 'listed-one'").fetchone()
    assert key not in str(stored) and stored["key_hash"] != key and stored["key_hint"] == key[:11]
    listed = client.get("/api/admin/keys", headers=admin_headers)
    assert key not in listed.text and "listed-one" in listed.text
    assert (
        client.post(
            "/api/admin/keys", json={"name": "listed-one", "role": "reader"}, headers=admin_headers
        ).status_code
        == 409
    )
    assert (
        client.post(
            "/api/admin/keys", json={"name": "Bad Name", "role": "reader"}, headers=admin_headers
        ).status_code
        == 422
    )
    assert (
        client.post(
            "/api/admin/keys", json={"name": "x", "role": "anonymous"}, headers=admin_headers
        ).status_code
        == 422
    )


def test_last_used_is_kept(client, platform, key_for):
    headers = key_for("reader", name="used-once")
    client.get("/api/jobs", headers=headers)
    with platform.db.connection() as conn:
        used = conn.execute(
            "SELECT last_used_at FROM app.api_keys WHERE name = 'used-once'"
        ).fetchone()["last_used_at"]
    assert used is not None


def test_bearer_tokens_work_like_the_functions_key_header(client, key_for):
    key = key_for("reader")["x-functions-key"]
    assert (
        client.get("/api/jobs", headers=ANONYMOUS | {"authorization": f"Bearer {key}"}).status_code
        == 200
    )


def test_public_data_can_be_made_private(settings, platform, key_for):
    from fastapi.testclient import TestClient

    from triggers.composition import Platform
    from triggers.http.app import create_app

    private = Platform.build(settings.model_copy(update={"public_data_anonymous": False}))
    try:
        with TestClient(create_app(private)) as client:
            assert client.get("/api/features/collections").status_code == 401
            assert client.get("/api/stac/collections").status_code == 401
            for _, path, _ in [r for r in ROUTES if "/tiles" in r[1] or r[1].endswith("/style")]:
                assert client.get(path).status_code == 401, path  # tiles and styles are data too
            assert client.get("/api/health").status_code in (200, 503)  # probes stay open
            assert (
                client.get("/api/features/collections", headers=key_for("reader")).status_code
                == 200
            )
    finally:
        private.close()
