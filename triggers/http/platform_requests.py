"""POST /api/platform/submit and GET /api/platform/status/{request_id}: the DDH-facing
front door. A request is a process_vector job (request id = job id); on success its
tables are linked to the DDH ids in app.dataset_refs."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from infrastructure.db import catalog
from services.vector.platform_requests import (
    PlatformStatus,
    PlatformSubmit,
    PlatformSubmitted,
    job_parameters,
)
from triggers.http.access import principal_of, requires, visible_to
from triggers.http.links import base_url
from triggers.operations import submit_job

router = APIRouter(prefix="/api/platform", tags=["platform"])


@router.post(
    "/submit",
    status_code=202,
    response_model=PlatformSubmitted,
    dependencies=[requires("submitter")],
    responses={
        200: {"model": PlatformSubmitted, "description": "the same request again: the existing job"}
    },
)
def submit(body: PlatformSubmit, request: Request) -> JSONResponse:
    params = job_parameters(body)
    submitted = submit_job(
        request.app.state.platform, "process_vector", params, principal_of(request)
    )
    response = PlatformSubmitted(
        request_id=submitted.job_id,
        job_id=submitted.job_id,
        job_type="process_vector",
        table_name=params["table_name"],
        created=submitted.created,
        status_url=f"/api/platform/status/{submitted.job_id}",
    )
    return JSONResponse(response.model_dump(), status_code=202 if submitted.created else 200)


@router.get(
    "/status/{request_id}", response_model=PlatformStatus, dependencies=[requires("reader")]
)
def status(request_id: str, request: Request) -> PlatformStatus:
    platform = request.app.state.platform
    job = platform.engine.job(request_id)
    result = job.get("result") or {}
    tables = result.get("tables", []) if job["status"] == "completed" else []
    with platform.db.connection() as conn:
        refs = catalog.dataset_refs(conn, tables) if tables else []
    base = base_url(request)
    collection = platform.settings.stac_vector_collection
    links = [{"rel": "job", "href": f"{base}/api/jobs/status/{request_id}"}]
    for table in tables:
        links += [
            {"rel": "ogc-collection", "href": f"{base}/api/features/collections/{table}"},
            {"rel": "stac-item", "href": f"{base}/api/stac/collections/{collection}/items/{table}"},
            {"rel": "report", "href": f"{base}/api/vector/{table}/report"},
        ]
    found = PlatformStatus(
        request_id=request_id,
        status=job["status"],
        error=job.get("error"),
        tables=tables,
        dataset_refs=refs,
        links=links,
        report_summary=result.get("report_summary"),
    )
    return visible_to(principal_of(request), found)
