"""The job API: submit, status, listings, cancel / retry / resubmit, job types."""

from typing import Any

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import JSONResponse

from core.engine.states import JobStatus, TaskStatus
from core.models.jobs import EventView, JobTypeView, JobView, Page, SubmitResponse, TaskView
from services.engine import reads
from triggers.http.access import principal_of, requires, visible_to
from triggers.http.limits import MAX_OFFSET
from triggers.operations import submit_job

router = APIRouter(prefix="/api/jobs", tags=["jobs"])


def _platform(request: Request):
    return request.app.state.platform


@router.post(
    "/submit/{job_type}",
    status_code=202,
    response_model=SubmitResponse,
    dependencies=[requires("submitter")],
    responses={
        200: {"model": SubmitResponse, "description": "identical parameters: the existing job"}
    },
)
def submit(
    job_type: str, request: Request, parameters: dict[str, Any] = Body(default_factory=dict)
) -> JSONResponse:
    body = submit_job(_platform(request), job_type, parameters, principal_of(request))
    return JSONResponse(body.model_dump(), status_code=202 if body.created else 200)


@router.get("/types", response_model=list[JobTypeView], dependencies=[requires("reader")])
def job_types(request: Request) -> list[JobTypeView]:
    return [JobTypeView(**d.describe()) for d in _platform(request).engine.jobs.definitions()]


@router.get("/status/{job_id}", response_model=JobView, dependencies=[requires("reader")])
def status(job_id: str, request: Request) -> JobView:
    return visible_to(principal_of(request), reads.job_view(_platform(request).db, job_id))


@router.get("", response_model=Page[JobView], dependencies=[requires("reader")])
def list_jobs(
    request: Request,
    status: JobStatus | None = None,
    job_type: str | None = None,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> Page[JobView]:
    page = reads.list_jobs(
        _platform(request).db, status=status, job_type=job_type, limit=limit, offset=offset
    )
    return visible_to(principal_of(request), page)


@router.get("/{job_id}/tasks", response_model=Page[TaskView], dependencies=[requires("reader")])
def list_tasks(
    job_id: str,
    request: Request,
    stage: int | None = Query(None, ge=1),
    status: TaskStatus | None = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> Page[TaskView]:
    page = reads.list_tasks(
        _platform(request).db, job_id, stage=stage, status=status, limit=limit, offset=offset
    )
    return visible_to(principal_of(request), page)


@router.get("/{job_id}/events", response_model=Page[EventView], dependencies=[requires("reader")])
def list_events(
    job_id: str,
    request: Request,
    limit: int = Query(200, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> Page[EventView]:
    return visible_to(
        principal_of(request),
        reads.list_events(_platform(request).db, job_id, limit=limit, offset=offset),
    )


@router.post("/{job_id}/cancel", response_model=JobView, dependencies=[requires("submitter")])
def cancel(job_id: str, request: Request) -> JobView:
    _platform(request).engine.cancel(job_id, principal=principal_of(request))
    return visible_to(principal_of(request), reads.job_view(_platform(request).db, job_id))


@router.post("/{job_id}/retry", response_model=JobView, dependencies=[requires("submitter")])
def retry(job_id: str, request: Request) -> JobView:
    _platform(request).engine.retry_failed(job_id, principal=principal_of(request))
    return visible_to(principal_of(request), reads.job_view(_platform(request).db, job_id))


@router.post("/{job_id}/resubmit", response_model=JobView, dependencies=[requires("submitter")])
def resubmit(job_id: str, request: Request) -> JobView:
    _platform(request).engine.resubmit(job_id, principal=principal_of(request))
    return visible_to(principal_of(request), reads.job_view(_platform(request).db, job_id))
