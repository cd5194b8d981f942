"""The HTTP functions that start orchestrators answer exactly as the ASGI routes do."""

import asyncio
import json
from types import SimpleNamespace

import azure.functions as func
import pytest
from azure.durable_functions import DFApp
from fastapi.testclient import TestClient
from pydantic import SecretStr

from config import Settings
from core.errors import InvalidInput, NotFound
from services.engine.engine import Submission
from triggers.azure import http_jobs
from triggers.azure.names import ORCHESTRATOR
from triggers.azure.starter import OrchestratorStarter
from triggers.http.app import create_app

ADMIN_KEY = "unit-admin-key"
AUTHORIZED = {"x-functions-key": ADMIN_KEY}


class FakeEngine:
    """submit: a new job the first time, the existing one after; unknown types and bad
    parameters fail as the real engine does."""

    def __init__(self):
        self.jobs_seen: set[str] = set()

    def submit(self, job_type: str, parameters: dict, *, principal) -> Submission:
        if job_type != "hello_world":
            raise NotFound(f"unknown job type {job_type!r}")
        if "count" in parameters and not isinstance(parameters["count"], int):
            raise InvalidInput("invalid parameters for hello_world: count: not an integer",
                               errors=[{"field": "count", "message": "not an integer", "type": "int_type"}])
        job_id = "job-" + json.dumps(parameters, sort_keys=True)
        created = job_id not in self.jobs_seen
        self.jobs_seen.add(job_id)
        return Submission(job={"job_id": job_id, "status": "queued"}, created=created)


class FakeClient:
    def __init__(self):
        self.started: list[tuple[str, str, str]] = []

    async def start_new(self, orchestration_function_name, instance_id=None, client_input=None):
        self.started.append((orchestration_function_name, instance_id, client_input))
        return instance_id


@pytest.fixture()
def fastapi_app():
    platform = SimpleNamespace(engine=FakeEngine(), db=None, settings=Settings(admin_api_key=SecretStr(ADMIN_KEY)))
    return create_app(platform)


def registered(asgi, enabled: bool = True) -> dict:
    app = DFApp()
    http_jobs.register(app, asgi, OrchestratorStarter(enabled=enabled))
    return {f.get_function_name(): f.get_user_function().client_function for f in app.get_functions()}


def request(path: str, body: dict | None = None, headers: dict | None = None, **route_params) -> func.HttpRequest:
    return func.HttpRequest(method="POST", url=f"http://localhost{path}", body=json.dumps(body or {}).encode(),
                            headers={"content-type": "application/json"} | (AUTHORIZED if headers is None else headers),
                            route_params=route_params)


def call(function, req: func.HttpRequest, client: FakeClient) -> func.HttpResponse:
    return asyncio.run(function(req=req, context=None, client=client))


def test_submit_starts_an_orchestrator_for_a_new_job_only(fastapi_app):
    submit, client = registered(func.AsgiMiddleware(fastapi_app))["submit_job"], FakeClient()
    first = call(submit, request("/api/jobs/submit/hello_world", {"count": 2}, job_type="hello_world"), client)
    again = call(submit, request("/api/jobs/submit/hello_world", {"count": 2}, job_type="hello_world"), client)
    job_id = json.loads(first.get_body())["job_id"]
    assert (first.status_code, again.status_code) == (202, 200)
    assert json.loads(first.get_body()) == {"job_id": job_id, "status": "queued", "created": True, "status_url": f"/api/jobs/status/{job_id}"}
    assert json.loads(again.get_body())["created"] is False
    assert client.started == [(ORCHESTRATOR, job_id, job_id)]


@pytest.mark.parametrize("path, body", [
    ("/api/jobs/submit/hello_world", {"count": 1}),
    ("/api/jobs/submit/no_such_job", {}),
    ("/api/jobs/submit/hello_world", {"count": "two"}),
])
def test_submit_response_is_the_asgi_routes_response(fastapi_app, path, body):
    client = FakeClient()
    azure_response = call(registered(func.AsgiMiddleware(fastapi_app))["submit_job"], request(path, body), client)
    fastapi_app.state.platform.engine.jobs_seen.clear()  # the same request again, straight to the ASGI app
    with TestClient(fastapi_app) as http:
        direct = http.post(path, json=body, headers=AUTHORIZED)
    assert azure_response.status_code == direct.status_code
    assert azure_response.mimetype == direct.headers["content-type"].split(";")[0]
    assert json.loads(azure_response.get_body()) == direct.json()
    assert len(client.started) == (1 if direct.status_code == 202 else 0)


def test_errors_are_problem_json_and_start_nothing(fastapi_app):
    submit, client = registered(func.AsgiMiddleware(fastapi_app))["submit_job"], FakeClient()
    response = call(submit, request("/api/jobs/submit/no_such_job"), client)
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert json.loads(response.get_body())["type"].endswith("/not-found")
    resubmit = registered(func.AsgiMiddleware(fastapi_app))["resubmit_job"]
    denied = call(resubmit, request("/api/jobs/job-1/resubmit", headers={}, job_id="job-1"), client)
    assert denied.status_code == 401 and denied.mimetype == "application/problem+json"
    assert client.started == []


class FixedAsgi:
    """Stands in for the ASGI app when only the status matters."""

    def __init__(self, status: int):
        self.status = status
        self.requests: list[str] = []

    async def handle_async(self, req, context=None):
        self.requests.append(req.url)
        return func.HttpResponse(json.dumps({"job_id": "job-1"}), status_code=self.status, mimetype="application/json")


@pytest.mark.parametrize("name, path", [("resubmit_job", "/api/jobs/job-1/resubmit"), ("retry_job", "/api/jobs/job-1/retry")])
def test_resubmit_and_retry_start_the_orchestrator_when_the_job_reopened(name, path):
    client = FakeClient()
    call(registered(FixedAsgi(409))[name], request(path, job_id="job-1"), client)
    assert client.started == []
    asgi = FixedAsgi(200)
    call(registered(asgi)[name], request(path, job_id="job-1"), client)
    assert client.started == [(ORCHESTRATOR, "job-1", "job-1")]
    assert asgi.requests == [f"http://localhost{path}"]


def test_local_mode_answers_the_same_and_starts_nothing(fastapi_app):
    client = FakeClient()
    response = call(registered(func.AsgiMiddleware(fastapi_app), enabled=False)["submit_job"],
                    request("/api/jobs/submit/hello_world", {"count": 3}), client)
    assert response.status_code == 202
    assert client.started == []
