"""A pipeline is never a way around the rules (issue 16): a run is a job submitted as the
caller, so admin-only steps, admin-only inputs, ownership and budgets hold as for any job;
a pipeline belongs to whoever saved it first; hostile definitions are 4xx, never 500."""

import json

import pytest

from tests.conftest import ANONYMOUS
from tests.support import ROOT

HELLO = json.loads((ROOT / "jobs/templates/hello_world.json").read_text())
VECTOR = json.loads((ROOT / "jobs/templates/process_vector.json").read_text())
CURATED = json.loads((ROOT / "jobs/templates/curated_update.json").read_text())


def save(client, name, definition, headers):
    return client.put(f"/api/pipelines/{name}", json=definition, headers=headers)


def test_submitters_save_their_own_pipelines_and_nobody_elses(client, key_for, admin_headers):
    alice, bob = key_for("submitter"), key_for("submitter")
    assert save(client, "sec_owned", HELLO, alice).status_code == 201
    changed = HELLO | {"description": "bob's change"}
    refused = save(client, "sec_owned", changed, bob)
    assert refused.status_code == 403 and "belongs to key:" in refused.json()["detail"]
    assert client.post("/api/pipelines/sec_owned/archive", headers=bob).status_code == 403
    assert (
        save(client, "sec_owned", changed, admin_headers)
        .json()["pipeline"]["owner"]
        .startswith("key:")
    )
    assert save(client, "sec_owned", changed, key_for("reader")).status_code == 403


def test_anyone_may_run_a_pipeline_but_only_as_themselves(client, key_for):
    assert save(client, "sec_shared", HELLO, key_for("submitter")).status_code == 201
    other = key_for("submitter", name="sec-runner")
    ran = client.post(
        "/api/pipelines/sec_shared/run",
        json={"parameters": {"n": 1, "message": "sec"}},
        headers=other,
    )
    assert ran.status_code == 202
    assert (
        client.get(f"/api/jobs/status/{ran.json()['job_id']}").json()["submitted_by"]
        == "key:sec-runner"
    )


def test_a_pipeline_with_an_admin_only_step_is_refused_to_submitters_at_run_time(
    client, key_for, admin_headers
):
    submitter = key_for("submitter")
    saved = save(client, "sec_curated", CURATED, submitter)  # saving is allowed: it is a definition
    assert saved.status_code == 201 and saved.json()["pipeline"]["run_role"] == "admin"
    for path in ("/api/pipelines/sec_curated/run", "/api/pipelines/sec_curated/plan"):
        refused = client.post(path, json={"parameters": {"dataset_id": "wdpa"}}, headers=submitter)
        assert refused.status_code == 403 and "admins only" in refused.json()["detail"]
    via_jobs = client.post(
        "/api/jobs/submit/pipeline:sec_curated", json={"dataset_id": "wdpa"}, headers=submitter
    )
    assert via_jobs.status_code == 403


def test_admin_only_inputs_stay_admin_only_through_a_pipeline(client, key_for, settings):
    submitter = key_for("submitter")
    assert save(client, "sec_vector", VECTOR, submitter).status_code == 201
    other = {"blob_name": "x.geojson", "table_name": "sec_t", "container": "someone-elses"}
    refused = client.post(
        "/api/pipelines/sec_vector/run", json={"parameters": other}, headers=submitter
    )
    assert refused.status_code == 403 and "'container' is admin-only" in refused.json()["detail"]
    takeover = client.post(
        "/api/pipelines/sec_vector/plan",
        json={
            "parameters": {
                "blob_name": "x.geojson",
                "table_name": "sec_t",
                "replace_owned_by_other": True,
            }
        },
        headers=submitter,
    )
    assert takeover.status_code == 403
    fixed = json.loads(json.dumps(VECTOR))
    fixed["stages"][0]["inputs"]["container"] = (
        "someone-elses"  # a constant: only admins may run it
    )
    saved = save(client, "sec_fixed_container", fixed, submitter)
    assert saved.status_code == 201 and saved.json()["pipeline"]["run_role"] == "admin"
    smuggled = json.loads(json.dumps(VECTOR))
    smuggled["stages"][3]["inputs"]["container"] = "{{ stages.inspect.output.source.container }}"
    problem = save(client, "sec_smuggled", smuggled, submitter)
    assert (
        problem.status_code == 422
        and problem.json()["errors"][0]["type"] == "pipeline.admin_only_input"
    )


def test_what_a_pipeline_publishes_is_claimed_at_run_like_the_job_it_copies(
    client, key_for, admin_headers
):
    owner, other = key_for("submitter"), key_for("submitter")
    first = client.post(
        "/api/jobs/submit/process_vector",
        json={"blob_name": "a.geojson", "table_name": "sec_claimed"},
        headers=owner,
    )
    assert first.status_code == 202
    assert save(client, "sec_claims", VECTOR, other).status_code == 201
    refused = client.post(
        "/api/pipelines/sec_claims/run",
        json={"parameters": {"blob_name": "b.geojson", "table_name": "sec_claimed"}},
        headers=other,
    )
    assert refused.status_code == 409 and "owned by key:" in refused.json()["detail"]


@pytest.mark.parametrize(
    "definition",
    [
        {
            "stages": [
                {"name": "a", "step": "hello.greet", "inputs": {"index": 1, "message": "\u0000"}}
            ]
        },
        {
            "stages": [
                {
                    "name": "a",
                    "step": "hello.greet",
                    "inputs": {"index": "{{ params.", "message": "x"},
                }
            ]
        },
        {"stages": [{"name": "Bad Name", "step": "hello.greet"}]},
        {
            "stages": [
                {
                    "name": "a",
                    "step": "hello.greet",
                    "inputs": {"index": "{{ stages.a.output.index }}", "message": "x"},
                }
            ]
        },
        {"stages": []},
        {
            "parameters": {"n": {"type": "string", "minimum": 3}},
            "stages": [{"name": "a", "step": "hello.summarize", "fan_out": "fan_in"}],
        },
        {
            "parameters": {"model_config": {"type": "string"}},
            "stages": [
                {"name": "a", "step": "hello.greet", "inputs": {"index": 1, "message": "x"}}
            ],
        },
        {
            "stages": [
                {
                    "name": "a",
                    "step": "hello.greet",
                    "inputs": {"index": "{{ params" + ".a" * 5000 + " }}", "message": "x"},
                }
            ]
        },
        [1, 2, 3],
    ],
)
def test_hostile_definitions_are_4xx_problems(client, key_for, definition):
    response = client.put(
        "/api/pipelines/sec_hostile", json=definition, headers=key_for("submitter")
    )
    assert (
        response.status_code == 422
        and response.headers["content-type"] == "application/problem+json"
    ), response.text


def test_reserved_and_malformed_names_are_refused(client, admin_headers):
    assert client.put("/api/pipelines/steps", json=HELLO).status_code in (405, 422)
    assert client.put("/api/pipelines/runs", json=HELLO).status_code == 422
    assert client.put("/api/pipelines/Bad-Name", json=HELLO).status_code == 422
    assert (
        client.get("/api/pipelines/schema", headers=ANONYMOUS).json()["title"]
        == "GeoETL pipeline definition"
    )
