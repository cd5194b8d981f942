"""Outbound requests (issue 11, item 4), as a hostile registry entry or source would try:
platform secrets named as credentials, a source_url off the allow-list, a source that
redirects the credentialed request to a loopback port, a download URL elsewhere."""

from datetime import datetime, timezone
from urllib.parse import urlsplit

import psycopg
import pytest
from pydantic import SecretStr

from tests.fakes.ibat import KEY, TOKEN, running_fake_ibat
from tests.fakes.recorder import recording_server
from tests.support import wait_for_status

DONE = {"completed", "completed_with_errors", "failed", "cancelled"}
ENTRY = {
    "name": "probe",
    "source_type": "url",
    "source_url": "https://data.example.org/probe.zip",
    "target_table": "curated_probe",
}


# -- what a registry entry may say ------------------------------------------------------------------


@pytest.mark.parametrize("secret", ["ADMIN_API_KEY", "STORAGE_CONNECTION_STRING", "DATABASE_URL"])
def test_a_dataset_naming_a_platform_secret_is_refused(client, admin_headers, secret):
    body = ENTRY | {
        "dataset_id": f"probe_{secret.lower()}",
        "credential_settings": ["IBAT_AUTH_KEY", secret],
    }
    created = client.post("/api/curated/datasets", json=body, headers=admin_headers)
    assert created.status_code == 422, created.text
    problem = created.json()
    assert problem["errors"][0]["field"] == "credential_settings.1"
    assert "declared source credential" in problem["detail"] and secret not in created.text
    assert client.get(f"/api/curated/datasets/{body['dataset_id']}").status_code == 404


def test_an_existing_dataset_cannot_be_changed_to_name_a_platform_secret(client, admin_headers):
    body = ENTRY | {"dataset_id": "probe_put", "target_table": "curated_probe_put"}
    assert client.post("/api/curated/datasets", json=body, headers=admin_headers).status_code == 201
    fields = {k: v for k, v in body.items() if k != "dataset_id"}
    changed = client.put(
        "/api/curated/datasets/probe_put",
        json=fields | {"credential_settings": ["ADMIN_API_KEY"]},
        headers=admin_headers,
    )
    assert changed.status_code == 422 and "ADMIN_API_KEY" not in changed.text
    assert client.get("/api/curated/datasets/probe_put").json()["credential_settings"] == []
    client.delete("/api/curated/datasets/probe_put", headers=admin_headers)


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.test/data.zip",
        "http://127.0.0.1:5439/",
        "http://169.254.169.254/latest",
        "file:///etc/passwd",
        "https://data.example.org:8443/data.zip",
    ],
)
def test_a_source_url_on_a_host_not_allowed_is_refused(client, admin_headers, url):
    body = ENTRY | {"dataset_id": "probe_url", "source_url": url}
    refused = client.post("/api/curated/datasets", json=body, headers=admin_headers)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "source_url"
    assert (
        "SOURCE_ALLOWED_HOSTS" in refused.json()["detail"]
        or "http and https only" in refused.json()["detail"]
    )


# -- what a source may make us do -------------------------------------------------------------------


@pytest.fixture()
def guarded(platform_with):
    """A platform whose only allowed source is a fake IBAT on 127.0.0.1 (by host:port), with
    workers; and a recording server on another loopback port, not allowed."""
    with running_fake_ibat() as ibat, recording_server() as elsewhere:
        api = platform_with(
            ibat_base_url=f"{ibat.base_url}/v1",
            ibat_auth_key=SecretStr(KEY),
            ibat_auth_token=SecretStr(TOKEN),
            http_max_retries=0,
            source_allowed_hosts=urlsplit(ibat.base_url).netloc,
        )
        yield api, ibat, elsewhere


def run_update(api, admin_headers, dataset_id: str) -> dict:
    submitted = api.post(
        f"/api/curated/datasets/{dataset_id}/update", json={}, headers=admin_headers
    )
    assert submitted.status_code == 202, submitted.text
    return wait_for_status(api.app.state.platform, submitted.json()["job_id"], DONE, timeout=60)


def register_ibat(api, admin_headers, dataset_id: str) -> None:
    body = {
        "dataset_id": dataset_id,
        "name": dataset_id,
        "source_type": "api",
        "source_config": {"dataset": dataset_id},
        "credential_settings": ["IBAT_AUTH_KEY", "IBAT_AUTH_TOKEN"],
        "target_table": f"curated_{dataset_id}",
    }
    assert api.post("/api/curated/datasets", json=body, headers=admin_headers).status_code == 201


def test_a_redirect_to_a_loopback_port_not_listed_fails_the_job_and_sends_no_credential(
    guarded, admin_headers
):
    api, ibat, elsewhere = guarded
    register_ibat(api, admin_headers, "redirected")
    ibat.releases["redirected"], ibat.redirect_listing_to = "2026-12-01", elsewhere.base_url

    job = run_update(api, admin_headers, "redirected")
    assert job["status"] == "failed"
    assert (
        f"outbound request to 127.0.0.1:{elsewhere.port} refused: not in SOURCE_ALLOWED_HOSTS"
        in job["error"]
    )
    assert KEY not in job["error"] and TOKEN not in job["error"]
    assert ibat.listing_calls == 1 and elsewhere.requests == []
    assert api.get("/api/curated/datasets/redirected/history").json()[0]["status"] == "failed"


def test_a_download_url_on_a_host_not_allowed_fails_the_download(guarded, admin_headers):
    api, ibat, elsewhere = guarded
    register_ibat(api, admin_headers, "offsite")
    ibat.releases["offsite"], ibat.download_base_url = "2026-12-01", elsewhere.base_url

    job = run_update(api, admin_headers, "offsite")
    assert job["status"] == "failed" and f"127.0.0.1:{elsewhere.port} refused" in job["error"]
    assert elsewhere.requests == []


def test_a_stored_entry_naming_a_platform_secret_sends_nothing(guarded, admin_headers):
    """A row written around the API (before this rule, or by hand) is refused when used."""
    api, _, _ = guarded
    platform = api.app.state.platform
    with psycopg.connect(platform.settings.dsn) as conn:
        conn.execute(
            "INSERT INTO app.curated_datasets (dataset_id, name, source_type, source_config, credential_settings, "
            "target_table, created_at) VALUES ('legacy', 'legacy', 'api', '{\"dataset\": \"legacy\"}', "
            "'{IBAT_AUTH_KEY,ADMIN_API_KEY}', 'curated_legacy', %s)",
            (datetime.now(timezone.utc),),
        )
    try:
        job = run_update(api, admin_headers, "legacy")
        assert job["status"] == "failed" and "is not a declared source credential" in job["error"]
        assert (
            "ADMIN_API_KEY" not in job["error"]
            and platform.settings.admin_api_key.get_secret_value() not in job["error"]
        )
    finally:
        with psycopg.connect(platform.settings.dsn) as conn:
            conn.execute("DELETE FROM app.curated_datasets WHERE dataset_id = 'legacy'")
