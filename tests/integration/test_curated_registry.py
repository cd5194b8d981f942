"""The curated registry API, the scheduler and the IBAT download path on real services."""

import hashlib
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import psycopg
import pytest
from pydantic import SecretStr

from core.engine.definitions import JobDefinition, StageDefinition
from core.errors import InvalidInput, SourceRejected
from infrastructure.http.outbound import guarded_client
from infrastructure.storage.copies import BlobRef
from infrastructure.storage.streaming import stream_to_blob
from jobs.registry import HANDLERS, JOB_DEFINITIONS
from services.curated import registry
from services.curated.handlers import CuratedUpdateParams
from services.curated.schedule import submit_due_updates
from services.curated.sources import check_source
from services.engine.handlers import HandlerRegistry, JobRegistry, handler
from tests.conftest import ANONYMOUS
from tests.fakes.ibat import KEY, TOKEN, running_fake_ibat
from tests.support import all_at_once
from triggers.composition import Platform

NEW = {
    "dataset_id": "incidents",
    "name": "Incidents",
    "source_type": "url",
    "source_url": "https://data.example.org/incidents.zip",
    "update_strategy": "upsert",
    "key_columns": ["event_id"],
    "update_schedule": "0 6 * * 1,4",
    "target_table": "curated_incidents",
}


def test_the_registry_is_seeded_and_editable_with_the_admin_key(client, admin_headers):
    seeded = {d["dataset_id"]: d for d in client.get("/api/curated/datasets").json()}
    assert {"wdpa", "kba", "admin0", "admin1", "acled"} <= set(seeded)
    assert seeded["acled"]["enabled"] is False and seeded["acled"]["credential_settings"] == [
        "ACLED_EMAIL",
        "ACLED_PASSWORD",
    ]
    assert seeded["wdpa"]["credential_settings"] == ["IBAT_AUTH_KEY", "IBAT_AUTH_TOKEN"]
    assert (
        seeded["admin0"]["source_type"] == "manual" and seeded["admin0"]["update_schedule"] is None
    )

    assert client.post("/api/curated/datasets", json=NEW, headers=ANONYMOUS).status_code == 401
    created = client.post("/api/curated/datasets", json=NEW, headers=admin_headers)
    assert created.status_code == 201, created.text
    assert client.post("/api/curated/datasets", json=NEW, headers=admin_headers).status_code == 409

    changed = client.put(
        "/api/curated/datasets/incidents",
        json=NEW | {"update_schedule": "0 7 * * *"},
        headers=admin_headers,
    )
    assert changed.json()["update_schedule"] == "0 7 * * *"
    assert (
        client.post("/api/curated/datasets/incidents/disable", headers=admin_headers).json()[
            "enabled"
        ]
        is False
    )
    assert (
        client.post("/api/curated/datasets/incidents/enable", headers=admin_headers).json()[
            "enabled"
        ]
        is True
    )
    assert client.get("/api/curated/datasets/incidents/history").json() == []
    assert (
        client.delete("/api/curated/datasets/incidents", headers=admin_headers).status_code == 204
    )
    assert client.get("/api/curated/datasets/incidents").status_code == 404


def test_bad_entries_are_422_and_never_echo_a_credential_value(client, admin_headers):
    response = client.post(
        "/api/curated/datasets",
        json=NEW | {"credential_settings": ["hunter2-secret-token"]},
        headers=admin_headers,
    )
    assert response.status_code == 422
    assert "hunter2" not in response.text
    injected = client.post(
        "/api/curated/datasets",
        json=NEW | {"target_table": 'curated_x"; DROP TABLE app.jobs; --'},
        headers=admin_headers,
    )
    assert injected.status_code == 422 and "curated_" in injected.json()["detail"]


def test_styles_are_served(client):
    style = client.get("/api/curated/datasets/wdpa/style").json()
    assert style["version"] == 8 and style["metadata"]["geoetl:property"] == "iucn_cat"
    assert len(style["metadata"]["geoetl:legend"]) == 10
    assert style["sources"]["wdpa"]["url"].endswith(
        "/api/features/collections/curated_wdpa_protected_areas/tilejson.json"
    )
    assert {layer["source-layer"] for layer in style["layers"][1:]} == {
        "geo.curated_wdpa_protected_areas"
    }
    kba = client.get("/api/curated/datasets/kba/style").json()
    assert [entry["value"] for entry in kba["metadata"]["geoetl:legend"]] == [
        "confirmed",
        "proposed",
        "delisted",
    ]
    assert client.get("/api/curated/datasets/admin0/style").status_code == 404


# -- the scheduler ----------------------------------------------------------------------


@handler("test.curated_noop")
def _curated_noop(params: CuratedUpdateParams, ctx) -> CuratedUpdateParams:
    return params


@pytest.fixture()
def scheduling_platform(settings):
    """The platform with a stand-in `curated_update` (one no-op stage): these tests are
    about which jobs the scheduler submits, not what the job does."""
    stand_in = JobDefinition(
        "curated_update",
        "stand-in",
        CuratedUpdateParams,
        (StageDefinition(name="noop", task_type="test.curated_noop"),),
    )
    jobs = JobRegistry(
        [*[d for d in JOB_DEFINITIONS if d.job_type != "curated_update"], stand_in],
        HandlerRegistry([*HANDLERS, _curated_noop]),
    )
    platform = Platform.build(settings, jobs=jobs)
    with psycopg.connect(settings.dsn) as conn:  # only our dataset is scheduled
        enabled = [
            r[0]
            for r in conn.execute(
                "UPDATE app.curated_datasets SET enabled = false WHERE enabled RETURNING dataset_id"
            ).fetchall()
        ]
        conn.execute("""INSERT INTO app.curated_datasets (dataset_id, name, source_type, source_url, update_schedule,
                               target_table, created_at) VALUES ('nightly', 'n', 'url', 'https://x.test/a.zip', '0 2 * * *',
                               'curated_nightly', now() - interval '10 days') ON CONFLICT (dataset_id) DO NOTHING""")
        conn.execute(
            "UPDATE app.curated_datasets SET enabled = true, last_checked_at = NULL WHERE dataset_id = 'nightly'"
        )
    yield platform
    with psycopg.connect(
        settings.dsn
    ) as conn:  # the stand-in's jobs must not reach other tests' workers
        conn.execute(
            "DELETE FROM app.jobs WHERE job_type = 'curated_update' AND parameters->>'dataset_id' = 'nightly'"
        )
        conn.execute("DELETE FROM app.curated_datasets WHERE dataset_id = 'nightly'")
        conn.execute(
            "UPDATE app.curated_datasets SET enabled = true WHERE dataset_id = ANY(%s)", (enabled,)
        )
    platform.close()


def test_two_schedulers_at_once_submit_one_job_for_three_missed_nights(scheduling_platform):
    tonight = datetime.now(timezone.utc).replace(
        hour=2, minute=30, second=0, microsecond=0
    ) + timedelta(days=1)
    results = all_at_once(lambda: submit_due_updates(scheduling_platform, tonight), 2)
    acted = [r for r in results if r is not None]
    submitted = [s for r in acted for s in r]
    assert len(submitted) == 1 and submitted[0].created
    parameters = submitted[0].job["parameters"]
    assert parameters["dataset_id"] == "nightly" and parameters["update_type"] == "scheduled"
    assert datetime.fromisoformat(parameters["scheduled_for"]) == tonight.replace(minute=0)

    assert (
        submit_due_updates(scheduling_platform, tonight + timedelta(minutes=5)) == []
    )  # a re-fired timer
    tomorrow = submit_due_updates(scheduling_platform, tonight + timedelta(days=1))
    assert (
        len(tomorrow) == 1
        and tomorrow[0].created
        and tomorrow[0].job["job_id"] != submitted[0].job["job_id"]
    )


# -- IBAT and the streamed download -------------------------------------------------------


def ibat_settings(settings, base_url: str, **extra):
    """Settings pointing at the fake IBAT, whose host:port (on 127.0.0.1) is allowed explicitly."""
    return settings.model_copy(
        update={
            "ibat_base_url": f"{base_url}/v1",
            "ibat_auth_key": SecretStr(KEY),
            "ibat_auth_token": SecretStr(TOKEN),
            "http_max_retries": 3,
            "source_allowed_hosts": urlsplit(base_url).netloc,
        }
        | extra
    )


def test_ibat_release_is_checked_and_streamed_into_bronze_with_a_checksum(platform, settings):
    payload = b"PK\x03\x04" + bytes(range(256)) * 4000
    with running_fake_ibat() as ibat:
        ibat.releases["wdpa"], ibat.files["wdpa"] = "2026-11-01", payload
        ibat.fail_next = [429, 503]
        own = ibat_settings(settings, ibat.base_url)
        wdpa = registry.get_dataset(platform.db, "wdpa")
        with guarded_client(own) as http:
            source = check_source(wdpa, own, http)
            assert source.version == "2026-11-01" and ibat.listing_calls == 3
            blob = BlobRef(settings.bronze_container, "curated/wdpa/test/wdpa.zip")
            stored = stream_to_blob(
                http, source.download_url, platform.blobs, blob, max_bytes=10**7, max_retries=1
            )
        assert stored.bytes == len(payload) and stored.sha256 == hashlib.sha256(payload).hexdigest()
        assert platform.blobs.read(blob.container, blob.blob) == payload

        too_big = BlobRef(settings.bronze_container, "curated/wdpa/test/too-big.zip")
        with (
            guarded_client(own) as http,
            pytest.raises(InvalidInput, match="1,024,004 bytes, more than the 1,000 allowed"),
        ):
            stream_to_blob(
                http, source.download_url, platform.blobs, too_big, max_bytes=1000, max_retries=1
            )
        ibat.declare_length = False  # no Content-Length: the limit is enforced while streaming
        with (
            guarded_client(own) as http,
            pytest.raises(InvalidInput, match="exceeds the 100,000 bytes allowed; stopped reading"),
        ):
            stream_to_blob(
                http, source.download_url, platform.blobs, too_big, max_bytes=100_000, max_retries=1
            )
        assert (
            platform.blobs.info(too_big.container, too_big.blob) is None
        )  # staged blocks are never committed


def test_wrong_ibat_credentials_are_a_clear_permanent_failure(platform, settings):
    with running_fake_ibat() as ibat:
        ibat.releases["wdpa"] = "2026-11-01"
        own = ibat_settings(settings, ibat.base_url, ibat_auth_token=SecretStr("wrong"))
        with (
            guarded_client(own) as http,
            pytest.raises(SourceRejected, match="401 Unauthorized") as info,
        ):
            check_source(registry.get_dataset(platform.db, "wdpa"), own, http)
        assert "wrong" not in info.value.detail and info.value.retryable is False
