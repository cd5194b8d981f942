"""What is shown to whom (issue 11, item 7): readers see jobs with signed URLs, local paths
and secrets redacted; every answer carries the security headers; the API docs work
offline; links come from PUBLIC_BASE_URL, never from a forged Host header."""

import re
import uuid

from fastapi.testclient import TestClient

from tests.conftest import ANONYMOUS
from triggers.composition import Platform
from triggers.http.app import create_app

SIGNED = "https://acct.blob.core.windows.net/bronze/x.tif?sv=2024-01-01&sig=SECRETSIGNATURE"
LOCAL = "/tmp/geoetl-vector/abc/source.shp"


def test_readers_see_job_parameters_redacted_and_admins_see_them_whole(engine_client, key_for):
    client, _ = engine_client
    message = f"from {SIGNED} via {LOCAL} {uuid.uuid4().hex}"
    job_id = client.post("/api/jobs/submit/hello_world", json={"n": 1, "message": message}).json()[
        "job_id"
    ]
    reader = key_for("reader")
    for path in (
        f"/api/jobs/status/{job_id}",
        "/api/jobs?limit=500",
        f"/api/metrics/jobs/{job_id}",
        f"/api/jobs/{job_id}/tasks",
        f"/api/interface/metrics/jobs/{job_id}",
    ):
        shown = client.get(path, headers=reader)
        assert shown.status_code == 200, (path, shown.text)
        assert "SECRETSIGNATURE" not in shown.text and LOCAL not in shown.text, path
    seen = client.get(f"/api/jobs/status/{job_id}", headers=reader).json()["parameters"]["message"]
    assert "https://acct.blob.core.windows.net/bronze/x.tif?" in seen and "<local path>" in seen
    assert (
        client.get(f"/api/jobs/status/{job_id}").json()["parameters"]["message"] == message
    )  # admin
    assert client.get(f"/api/jobs/status/{job_id}", headers=ANONYMOUS).status_code == 401


def test_every_answer_carries_the_security_headers(client):
    for path in (
        "/api/health",
        "/api/interface/metrics",
        "/api/docs",
        "/api/does-not-exist",
        "/api/interface/static/dashboard.js",
    ):
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["content-security-policy"], path
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert (
            headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
        )


def test_the_api_docs_load_only_the_apps_own_files(client):
    page = client.get("/api/docs", headers=ANONYMOUS)
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/api/") or s.startswith("data:") for s in sources), sources
    for source in sources:
        if source.startswith("/api/"):
            assert client.get(source).status_code == 200, source
    assert "<script>" not in page.text  # no inline script: the CSP allows none


def test_links_use_public_base_url_and_ignore_a_forged_host(settings, platform):
    public = Platform.build(
        settings.model_copy(update={"public_base_url": "https://geo.example.org"})
    )
    try:
        with TestClient(create_app(public)) as client:
            landing = client.get("/api/features", headers={"host": "evil.example.com"}).json()
            hrefs = [link["href"] for link in landing["links"]]
            assert all(h.startswith("https://geo.example.org/api/") for h in hrefs), hrefs
            stac = client.get("/api/stac/collections", headers={"host": "evil.example.com"}).json()
            assert all(
                link["href"].startswith("https://geo.example.org/") for link in stac["links"]
            )
    finally:
        public.close()
