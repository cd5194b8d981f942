"""Pipelines end to end (issue 16): save and version, validation problems, the plan
preview's counts against the real input, runs through the engine (idempotent, cancel, a
failing step's error), the worked example with its outputs and webhook, the scheduler."""

import json
from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

from core.pipelines.compiler import job_type_for
from services.engine.worker import WorkerPool
from services.pipelines.schedule import submit_due_pipelines
from tests.conftest import ADMIN_HEADERS
from tests.engine_jobs import TEST_TABLES, registry_with_test_jobs
from tests.fakes.recorder import recording_server
from tests.integration.conftest import FAST
from tests.integration.vector_support import put_blob, query
from tests.support import ROOT, wait_for_status
from tests.vector_samples import GARBAGE_KML, geojson, point_feature
from triggers.composition import Platform
from triggers.http.app import create_app

DONE = {"completed", "completed_with_errors", "failed", "cancelled"}
EXAMPLE = json.loads((ROOT / "docs/examples/garbage_kml_to_stac_notify.json").read_text())
HELLO = json.loads((ROOT / "jobs/templates/hello_world.json").read_text())


def spans(max_concurrency: int = 2) -> dict:
    return {
        "parameters": {
            "n": {"type": "integer", "default": 20},
            "tag": {"type": "string", "required": True},
        },
        "stages": [
            {
                "name": "sleep",
                "step": "test.span",
                "fan_out": "per_item",
                "items": {"range": "{{ params.n }}"},
                "max_concurrency": max_concurrency,
                "inputs": {"item": "{{ item }}", "sleep_ms": 1500, "tag": "{{ params.tag }}"},
            }
        ],
    }


POISON = {
    "parameters": {
        "n": {"type": "integer", "default": 3},
        "tag": {"type": "string", "required": True},
    },
    "stages": [
        {
            "name": "items",
            "step": "test.poison",
            "fan_out": "per_item",
            "items": {"range": "{{ params.n }}"},
            "inputs": {"item": "{{ item }}"},
            "retry": {"max_tries": 2, "backoff_base_seconds": 0.05},
        },
        {"name": "count", "step": "test.count_effects", "fan_out": "fan_in", "source": "items"},
    ],
}


@pytest.fixture(scope="module")
def webhook():
    with recording_server() as recorder:
        yield recorder


@pytest.fixture(scope="module")
def pipelines_platform(settings, platform, webhook):
    """Small load chunks (several load tasks from a small file), the webhook allowed, workers."""
    with Platform.build(settings, jobs=registry_with_test_jobs()).db.connection() as conn:
        conn.execute(TEST_TABLES)
    built = Platform.build(
        settings.model_copy(
            update=FAST
            | {"vector_chunk_features": 10, "source_allowed_hosts": f"127.0.0.1:{webhook.port}"}
        ),
        jobs=registry_with_test_jobs(),
    )
    pool = WorkerPool(
        built.engine,
        built.engine.jobs.handlers,
        built,
        threads=2,
        heartbeat_seconds=0.3,
        batch_size=20,
        poll_seconds=0.05,
    )
    pool.start()
    yield built
    pool.stop()
    built.close()


@pytest.fixture()
def api(pipelines_platform):
    with TestClient(create_app(pipelines_platform), headers=ADMIN_HEADERS) as client:
        yield client


def save(api, name: str, definition: dict, headers=None, status: int = 201) -> dict:
    response = api.put(
        f"/api/pipelines/{name}", json=definition, **({"headers": headers} if headers else {})
    )
    assert response.status_code == status, response.text
    return response.json()


def run(api, name: str, parameters: dict, status: int = 202, headers=None) -> str:
    response = api.post(
        f"/api/pipelines/{name}/run",
        json={"parameters": parameters},
        **({"headers": headers} if headers else {}),
    )
    assert response.status_code == status, response.text
    return response.json()["job_id"]


def test_saving_makes_versions_only_when_the_definition_changes(api, tag):
    name = f"hello_{tag}"
    first = save(api, name, HELLO)
    assert (first["pipeline"]["version"], first["previous_version"], first["created"]) == (
        1,
        None,
        True,
    )
    assert (
        first["pipeline"]["job_type"] == f"pipeline:{name}@1"
        and first["pipeline"]["run_role"] == "submitter"
    )
    assert (
        save(api, name, HELLO, status=200)["pipeline"]["version"] == 1
    )  # unchanged: no new version
    changed = json.loads(json.dumps(HELLO))
    changed["stages"][0]["max_concurrency"] = 10
    second = save(api, name, changed)
    assert (second["pipeline"]["version"], second["previous_version"]) == (2, 1)
    changes = [
        line.replace(" ", "")
        for line in second["diff"]
        if line[:1] in "+-" and line[:3] not in ("---", "+++")
    ]
    assert changes == ['-"max_concurrency":1000', '+"max_concurrency":10']
    assert [v["version"] for v in api.get(f"/api/pipelines/{name}/versions").json()] == [2, 1]
    assert api.get(f"/api/pipelines/{name}").json()["version"] == 2
    assert (
        api.get(f"/api/pipelines/{name}/versions/1").json()["definition"]["stages"][0][
            "max_concurrency"
        ]
        == 1000
    )
    assert api.get(f"/api/pipelines/{name}/diff").json()["diff"] == second["diff"]
    listed = {p["name"]: p for p in api.get("/api/pipelines").json()}
    assert listed[name]["version"] == 2 and listed[name]["versions"] == 2


def test_a_broken_definition_is_a_422_naming_each_problem_with_its_stage_and_field(api, tag):
    broken = {
        "stages": [
            {
                "name": "first",
                "step": "hello.reply",
                "fan_out": "per_item",
                "items": "{{ stages.later.results }}",
                "inputs": "{{ item }}",
            },
            {"name": "later", "step": "no.such_step"},
            {
                "name": "greet",
                "step": "hello.greet",
                "inputs": {"index": "{{ params.missing }}", "message": 5},
            },
        ]
    }
    response = api.put(f"/api/pipelines/broken_{tag}", json=broken)
    assert (
        response.status_code == 422
        and response.headers["content-type"] == "application/problem+json"
    )
    found = {(e["stage"], e["field"], e["type"]) for e in response.json()["errors"]}
    assert found == {
        ("first", "stages.0.items", "pipeline.later_stage"),
        ("later", "stages.1.step", "pipeline.unknown_step"),
        ("greet", "stages.2.inputs.index", "pipeline.unknown_parameter"),
        ("greet", "stages.2.inputs.message", "pipeline.invalid_input"),
    }
    assert api.get(f"/api/pipelines/broken_{tag}").status_code == 404  # nothing saved
    assert api.post("/api/pipelines/validate", json=broken).status_code == 422
    report = api.post("/api/pipelines/validate", json=HELLO).json()
    assert report["valid"] and report["run_parameters_schema"]["properties"]["n"]["default"] == 3


def test_the_plan_preview_counts_each_stage_on_the_real_file_and_the_run_matches(
    api, pipelines_platform, webhook, tag
):
    name, table = f"example_{tag}", f"parks_{tag}"
    save(api, name, EXAMPLE)
    blob = put_blob(
        pipelines_platform, geojson([point_feature(i, i, n=i) for i in range(25)]), "points.geojson"
    )
    parameters = {"blob_name": blob, "table_name": table}
    preview = api.post(f"/api/pipelines/{name}/plan", json={"parameters": parameters})
    assert preview.status_code == 200, preview.text
    plan = {s["name"]: (s["status"], s["tasks"]) for s in preview.json()["stages"]}
    assert plan == {
        "inspect": ("planned", 1),
        "load": ("planned", 3),
        "index": ("unknown", None),
        "publish": ("planned", 1),
        "notify": ("unknown", None),
    }
    assert preview.json()["existing_job"] is False and preview.json()["total_tasks"] is None
    assert "known once stage 'load' has run" in preview.json()["stages"][2]["basis"]
    nothing_written = "SELECT (SELECT count(*) FROM app.vector_staging WHERE job_id = %s), (SELECT count(*) FROM app.jobs WHERE job_id = %s)"
    assert query(
        pipelines_platform, nothing_written, preview.json()["job_id"], preview.json()["job_id"]
    ) == [(0, 0)]

    job_id = run(api, name, parameters)
    assert job_id == preview.json()["job_id"]
    job = wait_for_status(pipelines_platform, job_id, DONE, timeout=60)
    assert job["status"] == "completed", job["error"]
    stages = {s["name"]: s["total"] for s in api.get(f"/api/jobs/status/{job_id}").json()["stages"]}
    assert stages == {"inspect": 1, "load": 3, "index": 2, "publish": 1, "notify": 1}


def test_the_worked_example_cleans_garbage_kml_publishes_a_stac_item_and_notifies(
    api, pipelines_platform, webhook, tag
):
    name, table = f"garbage_{tag}", f"garbage_{tag}"
    save(api, name, EXAMPLE)
    uploaded = api.post(
        "/api/uploads", files={"file": ("garbage.kml", GARBAGE_KML, "application/octet-stream")}
    ).json()
    job_id = run(
        api,
        name,
        {
            "blob_name": uploaded["blob_name"],
            "table_name": table,
            "webhook": f"{webhook.base_url}/hooks/published",
        },
    )
    job = wait_for_status(pipelines_platform, job_id, DONE, timeout=60)
    assert job["status"] == "completed", job["error"]
    assert job["job_type"] == f"pipeline:{name}@1" and job["result"]["delivered_to"] == "127.0.0.1"
    assert query(
        pipelines_platform,
        f'SELECT count(*), bool_and(ST_IsValid(geom)) FROM geo."{table}_polygons"',
    ) == [(5, True)]
    assert api.get(f"/api/stac/collections/vectors/items/{table}_polygons").status_code == 200
    assert "POST /hooks/published" in webhook.requests
    outputs = api.get(f"/api/pipelines/runs/{job_id}/outputs").json()
    hrefs = {o["href"] for o in outputs}
    assert f"/api/features/collections/{table}_polygons/items" in hrefs
    assert f"/api/stac/collections/vectors/items/{table}_points" in hrefs
    events = api.get(f"/api/jobs/{job_id}/events").json()["items"]
    assert any(e["event"] == "notification" and table in e["detail"]["message"] for e in events)


def test_a_run_is_a_job_identical_parameters_the_same_one_and_runs_list_it(
    api, pipelines_platform, tag
):
    name = f"hello_run_{tag}"
    save(api, name, HELLO)
    job_id = run(api, name, {"n": 5, "message": tag})
    assert run(api, name, {"n": 5, "message": tag}, status=200) == job_id
    job = wait_for_status(pipelines_platform, job_id, DONE, timeout=30)
    assert job["status"] == "completed" and job["result"]["replies"] == 5
    via_jobs_api = api.post(f"/api/jobs/submit/pipeline:{name}", json={"n": 5, "message": tag})
    assert via_jobs_api.status_code == 200 and via_jobs_api.json()["job_id"] == job_id
    assert (
        api.post(f"/api/pipelines/{name}/run", json={"parameters": {"n": 5, "nope": 1}}).status_code
        == 422
    )
    assert [r["job_id"] for r in api.get(f"/api/pipelines/{name}/runs").json()["items"]] == [job_id]


def test_a_pipeline_run_can_be_cancelled_like_any_job(api, pipelines_platform, tag):
    name = f"spans_{tag}"
    save(api, name, spans())
    job_id = run(api, name, {"tag": tag})
    wait_for_status(pipelines_platform, job_id, {"processing"}, timeout=15)
    cancelled = api.post(f"/api/jobs/{job_id}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert wait_for_status(pipelines_platform, job_id, DONE)["status"] == "cancelled"


def test_a_failing_step_fails_the_run_with_its_error_in_the_execution_view(
    api, pipelines_platform, tag
):
    name = f"poison_{tag}"
    save(api, name, POISON)
    job_id = run(api, name, {"tag": tag})
    job = wait_for_status(pipelines_platform, job_id, DONE, timeout=30)
    assert job["status"] == "failed" and "poisoned item 0" in job["error"]
    flow = api.get(f"/api/interface/pipelines/runs/{job_id}/flow")
    assert flow.status_code == 200 and "poisoned item 0" in flow.text
    assert 'data-status="failed"' in flow.text
    stage = api.get(f"/api/interface/pipelines/runs/{job_id}/stages/1")
    assert stage.status_code == 200 and "RuntimeError: poisoned item 0" in stage.text


def test_archived_pipelines_take_no_new_runs_until_saved_again(api, tag):
    name = f"archived_{tag}"
    save(api, name, HELLO)
    assert api.post(f"/api/pipelines/{name}/archive").json()["archived_at"] is not None
    assert api.post(f"/api/pipelines/{name}/run", json={"parameters": {}}).status_code == 409
    assert api.post(f"/api/jobs/submit/pipeline:{name}@1", json={}).status_code == 409
    assert name not in {p["name"] for p in api.get("/api/pipelines").json()}
    assert save(api, name, HELLO)["pipeline"]["version"] == 2


def test_scheduled_pipelines_run_as_whoever_saved_them_once_per_fire_time(
    api, pipelines_platform, tag
):
    name = f"nightly_{tag}"
    created = api.post("/api/admin/keys", json={"name": f"sched-{tag}", "role": "submitter"})
    headers = {"x-functions-key": created.json()["key"]}
    definition = HELLO | {"schedule": {"cron": "0 3 * * *", "parameters": {"n": 2, "message": tag}}}
    save(api, name, definition, headers=headers)
    night = datetime.now(timezone.utc).replace(
        hour=3, minute=0, second=0, microsecond=0
    ) + timedelta(days=1)
    ours = lambda submissions: [
        s for s in submissions or [] if s.job["job_type"] == job_type_for(name, 1)
    ]  # noqa: E731
    submitted = ours(submit_due_pipelines(pipelines_platform, night + timedelta(minutes=5)))
    assert len(submitted) == 1 and submitted[0].created
    assert submitted[0].job["submitted_by"] == f"key:sched-{tag}"
    assert submitted[0].job["parameters"]["scheduled_for"].startswith(night.date().isoformat())
    assert (
        ours(submit_due_pipelines(pipelines_platform, night + timedelta(minutes=6))) == []
    )  # a re-fired timer
    api.delete(f"/api/admin/keys/sched-{tag}")
    assert (
        ours(submit_due_pipelines(pipelines_platform, night + timedelta(days=1, minutes=5))) == []
    )  # key revoked
