"""HTTP functions that create or reopen a job and so must start its orchestrator.

They forward the request to the same ASGI app the catch-all `http_api` serves (so the
status, body, auth and problem+json errors are those of the FastAPI routes, by
construction), then start the orchestrator when the response says a job was created
(202 from submit) or reopened (200 from resubmit or retry). These literal routes are
more specific than `{*route}`, so the host routes these paths here.
"""

import json
from typing import Callable

import azure.functions as func
from azure.durable_functions import DFApp

from triggers.azure.starter import OrchestratorStarter

JobIdOf = Callable[[func.HttpRequest, func.HttpResponse], str]


def _submitted_job_id(req: func.HttpRequest, response: func.HttpResponse) -> str:
    return json.loads(response.get_body())["job_id"]


def _route_job_id(req: func.HttpRequest, response: func.HttpResponse) -> str:
    return req.route_params["job_id"]


# route -> (function name, the status that means "this job now needs an orchestrator", its job id)
JOB_STARTING_ROUTES: dict[str, tuple[str, int, JobIdOf]] = {
    "api/jobs/submit/{job_type}": ("submit_job", 202, _submitted_job_id),   # 200: an existing job, already followed
    "api/jobs/{job_id}/resubmit": ("resubmit_job", 200, _route_job_id),
    "api/jobs/{job_id}/retry": ("retry_job", 200, _route_job_id),
}


async def forward_and_start(asgi: func.AsgiMiddleware, starter: OrchestratorStarter, client, req: func.HttpRequest,
                            context: func.Context | None, started_status: int, job_id_of: JobIdOf) -> func.HttpResponse:
    response = await asgi.handle_async(req, context)
    if response.status_code == started_status:
        await starter.start(client, job_id_of(req, response))
    return response


def register(app: DFApp, asgi: func.AsgiMiddleware, starter: OrchestratorStarter) -> None:
    for route, (name, started_status, job_id_of) in JOB_STARTING_ROUTES.items():
        _register_route(app, asgi, starter, route, name, started_status, job_id_of)


def _register_route(app: DFApp, asgi: func.AsgiMiddleware, starter: OrchestratorStarter, route: str, name: str,
                    started_status: int, job_id_of: JobIdOf) -> None:
    @app.function_name(name)
    @app.route(route=route, methods=["POST"])
    @app.durable_client_input(client_name="client")
    async def job_starting_route(req: func.HttpRequest, context: func.Context, client) -> func.HttpResponse:
        return await forward_and_start(asgi, starter, client, req, context, started_status, job_id_of)
