"""Every job on Azure gets exactly one orchestrator, whatever opened it: the jobs API,
the platform API, a curated update, a resubmit or retry, the nightly schedule. The real
engine announces the jobs it opens; the HTTP function and the timers act on them through
the Durable client of their own invocation (a fake one here, recording what it is asked)."""

import asyncio
import json
import uuid
from datetime import datetime, timedelta, timezone

import azure.functions as func
import psycopg
import pytest
from azure.durable_functions import DFApp

from core.access import OPERATOR
from tests.conftest import ADMIN_HEADERS
from triggers.azure import http, timers
from triggers.azure.names import ORCHESTRATOR
from triggers.azure.notifier import DurableJobNotifier
from triggers.azure.starter import OrchestratorStarter
from triggers.composition import Platform
from triggers.http.app import create_app


class FakeClient:
    def __init__(self):
        self.started: list[str] = []

    async def start_new(self, orchestration_function_name, instance_id=None, client_input=None):
        assert orchestration_function_name == ORCHESTRATOR and instance_id == client_input
        self.started.append(instance_id)

    async def raise_event(self, instance_id, event_name, event_data=None):
        return None


@pytest.fixture()
def azure(settings, platform):
    notifier = DurableJobNotifier(OrchestratorStarter(enabled=True))
    built = Platform.build(settings, notifier=notifier)
    app = DFApp()
    http.register(app, func.AsgiMiddleware(create_app(built)), notifier)
    (function,) = app.get_functions()
    yield function.get_user_function().client_function, built, notifier
    built.close()


def call(http_api, client: FakeClient, path: str, body: dict | None = None) -> func.HttpResponse:
    request = func.HttpRequest(
        method="POST",
        url=f"http://localhost{path}",
        body=json.dumps(body or {}).encode(),
        headers={"content-type": "application/json"} | ADMIN_HEADERS,
    )
    return asyncio.run(http_api(req=request, context=None, client=client))


def test_a_job_submitted_over_http_gets_one_orchestrator(azure):
    http_api, _, _ = azure
    client = FakeClient()
    body = {"n": 2, "message": uuid.uuid4().hex}
    first = call(http_api, client, "/api/jobs/submit/hello_world", body)
    again = call(http_api, client, "/api/jobs/submit/hello_world", body)
    assert (first.status_code, again.status_code) == (202, 200)
    assert client.started == [
        json.loads(first.get_body())["job_id"]
    ]  # the existing job is followed already
    assert call(http_api, client, "/api/jobs/submit/no_such_job").status_code == 404
    assert len(client.started) == 1


def test_a_platform_request_and_a_curated_update_get_their_orchestrators(azure):
    http_api, _, _ = azure
    client = FakeClient()
    platform_request = call(
        http_api,
        client,
        "/api/platform/submit",
        {
            "ddh": {"dataset_id": "d", "resource_id": "r", "version_id": uuid.uuid4().hex[:8]},
            "source": {"blob_name": "uploads/x/parks.geojson"},
        },
    )
    assert platform_request.status_code == 202, platform_request.get_body()
    update = call(http_api, client, "/api/curated/datasets/admin0/update", {"dry_run": True})
    assert update.status_code == 202
    assert client.started == [
        json.loads(platform_request.get_body())["job_id"],
        json.loads(update.get_body())["job_id"],
    ]


def test_resubmit_and_retry_reopen_the_job_under_an_orchestrator(azure):
    http_api, platform, _ = azure
    client = FakeClient()
    job_id = platform.engine.submit(
        "hello_world", {"n": 1, "message": uuid.uuid4().hex}, principal=OPERATOR
    ).job["job_id"]
    platform.engine.cancel(job_id, principal=OPERATOR)
    assert call(http_api, client, f"/api/jobs/{job_id}/retry").status_code == 200
    platform.engine.cancel(job_id, principal=OPERATOR)
    assert call(http_api, client, f"/api/jobs/{job_id}/resubmit").status_code == 200
    assert client.started == [job_id, job_id]


def test_the_nightly_schedule_starts_one_orchestrator_per_new_job(azure, settings):
    _, platform, notifier = azure
    dataset = f"nightly_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(settings.dsn, autocommit=True) as conn:
        enabled = [
            r[0] for r in conn.execute("SELECT dataset_id FROM app.curated_datasets WHERE enabled")
        ]
        conn.execute(
            "UPDATE app.curated_datasets SET enabled = false"
        )  # only this test's entry is due
        conn.execute(
            "INSERT INTO app.curated_datasets (dataset_id, name, source_type, source_config, update_schedule, "
            "target_table, created_at) VALUES (%s, 'n', 'manual', '{}', '* * * * *', %s, now() - interval '1 hour')",
            (dataset, f"curated_{dataset}"),
        )
    try:
        client = FakeClient()
        now = datetime.now(timezone.utc) + timedelta(minutes=1)
        created = asyncio.run(timers.run_nightly(platform, notifier, client, now))
        again = asyncio.run(timers.run_nightly(platform, notifier, client, now))
        assert len(created) == 1 and again == [] and client.started == created
    finally:
        with psycopg.connect(settings.dsn, autocommit=True) as conn:
            conn.execute("DELETE FROM app.curated_datasets WHERE dataset_id = %s", (dataset,))
            conn.execute(
                "UPDATE app.curated_datasets SET enabled = true WHERE dataset_id = ANY(%s)",
                (enabled,),
            )
